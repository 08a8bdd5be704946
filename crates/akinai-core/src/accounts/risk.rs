//! Risk-based second steps of a login (accounts issue, item 5; IPA-C-10, CCSG-F-3b): whether a
//! member has a factor of their own, whether a login is risky (a browser or a network the
//! account has not used), and the one-time code mailed to members without a factor when the
//! shop asks for a second step on risk.
//!
//! The mailed code is six digits derived under the server key from a nonce kept in the mail
//! job; the token table holds only a hash that binds the code to the pending login, so a code
//! is worth nothing for another login, and it is used once.

use crate::Accounts;
use akinai_domain::account::same_network;
use akinai_domain::ids::CustomerId;
use akinai_store::TokenHash;

use super::mail::AccountMail;
use super::Client;
use crate::{tokens, CoreError};

/// Purpose of the token that checks a mailed login code.
const TOKEN_LOGIN_CODE: &str = "login_mail_code";

impl Accounts {
    /// Whether the member has a factor of their own: an authenticator app or a passkey.
    pub async fn has_second_factor(&self, customer: CustomerId) -> Result<bool, CoreError> {
        Ok(self.factors.totp_enabled(customer).await?
            || !self.member_store.passkeys(customer).await?.is_empty())
    }

    /// Whether the shop requires a second factor and the member has none yet: the member's
    /// pages then lead only to setting one up.
    pub async fn second_factor_setup_needed(
        &self,
        member: &super::Member,
    ) -> Result<bool, CoreError> {
        Ok(self.base.settings().await?.second_factor
            == akinai_domain::settings::SecondFactorPolicy::Required
            && !self.has_second_factor(member.customer.id).await?)
    }

    /// A login is risky when it comes from a browser the account never used or from a network
    /// none of its recent sessions came from.
    pub(super) async fn login_is_risky(
        &self,
        customer: &akinai_store::Customer,
        device: Option<&TokenHash>,
        client: &Client,
    ) -> Result<bool, CoreError> {
        let known_device = match device {
            Some(d) => {
                self.account_store
                    .customer_knows_device(customer.id, d)
                    .await?
            }
            None => false,
        };
        let known_network = self
            .member_store
            .recent_login_ips(customer.id, 50)
            .await?
            .iter()
            .filter_map(|ip| ip.parse().ok())
            .any(|ip| same_network(ip, client.ip));
        Ok(!(known_device && known_network))
    }

    /// Mails a login code for the login pending as `pending`.
    pub(super) async fn send_login_code(
        &self,
        customer: CustomerId,
        pending: &TokenHash,
        expires: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), CoreError> {
        let nonce = tokens::generate().secret;
        let code = login_code(&self.base.config.secret_key, &nonce);
        let check = login_code_check(&self.base.config.secret_key, pending, &code);
        self.account_store
            .create_account_token(customer, TOKEN_LOGIN_CODE, &check, expires)
            .await?;
        self.common
            .enqueue_account_mail(AccountMail::LoginCode, customer, Some(&nonce))
            .await
    }

    /// Whether `code` is the code mailed for the login pending as `pending` (used up if so).
    pub(super) async fn login_code_ok(
        &self,
        customer: CustomerId,
        pending: &TokenHash,
        code: &str,
    ) -> Result<bool, CoreError> {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(false);
        }
        let check = login_code_check(&self.base.config.secret_key, pending, code);
        let taken = self
            .account_store
            .take_account_token(TOKEN_LOGIN_CODE, &check, self.base.clock.now())
            .await?;
        Ok(taken == Some(customer))
    }
}

/// The login code mailed for `nonce`: six decimal digits derived under the server key.
pub(crate) fn login_code(key: &tokens::SecretKey, nonce: &str) -> String {
    let t = tokens::derive(key, &format!("akinai/login-code/v1/{nonce}"));
    let n = u32::from_str_radix(&t.secret[..8], 16).unwrap_or(0) % 1_000_000;
    format!("{n:06}")
}

/// The stored check of a login code: bound to the pending login, so a code is worth nothing
/// for another login.
fn login_code_check(key: &tokens::SecretKey, pending: &TokenHash, code: &str) -> TokenHash {
    tokens::derive(
        key,
        &format!("akinai/login-code-check/v1/{}/{code}", pending.0),
    )
    .hash
}
