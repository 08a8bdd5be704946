//! Customer accounts that resist takeover (IPA-C-7, CCSG-F-3, SWS-4, SWS-C2-5).
//!
//! - [`register`]: sign-up with e-mail verification by a one-time link; a taken address gets the
//!   same answer and a mail to its owner instead; per-source and shop-wide sign-up limits.
//! - [`login`]: Argon2id verification off the executor; per-address progressive delay and lock
//!   (counted per address whether or not an account exists, so answers and timing reveal
//!   nothing); per-source detection of credential stuffing, which blocks the source and alerts.
//! - [`change`]: e-mail change with re-authentication, confirmation by the new address and a
//!   notice to the old one.
//! - [`reset`]: password reset by a single-use, short-lived link; changing a password needs the
//!   current one; either ends every other session and notifies the account's address.
//! - Sessions (here): a random 256-bit cookie secret of which only the hash is stored; idle and
//!   absolute timeouts; a new session on every login; logout and "log out everywhere" revoke on
//!   the server.
//!
//! Every step is recorded as a security event (kind `account.*`) with time, address, source and
//! user agent (item 12 of the accounts issue).

use crate::Alerts;
use crate::Base;
use akinai_store::AccountStore;
use akinai_store::MemberStore;
use std::sync::Arc;
pub mod challenge;
mod change;
mod common;
mod factors;
mod login;
pub mod mail;
pub mod passkey;
pub mod password;
mod profile;
mod register;
mod reset;
mod risk;
pub mod totp;

use std::net::IpAddr;

use chrono::Duration;
use serde_json::json;

use akinai_domain::account::ThrottlePolicy;
use akinai_domain::ids::{CustomerId, SessionId};
use akinai_store::{Customer, NewSession, Session};

use crate::{tokens, CoreError};

pub use challenge::Challenges;
pub(crate) use common::AccountCommon;
pub use factors::Factors;
pub use login::{LoggedIn, LoginRequest, LoginStep};
pub use password::{HashConfig, Hasher};
pub use profile::Profiles;
pub use register::Registration;

/// Security event kinds of accounts.
pub mod events {
    pub const REGISTERED: &str = "account.registered";
    pub const REGISTER_DUPLICATE: &str = "account.register_duplicate";
    pub const VERIFIED: &str = "account.email_verified";
    pub const LOGIN_OK: &str = "account.login_success";
    pub const LOGIN_FAILED: &str = "account.login_failure";
    pub const LOCKED: &str = "account.locked";
    pub const THROTTLED: &str = "account.login_throttled";
    pub const STUFFING: &str = "account.credential_stuffing";
    pub const LOGOUT: &str = "account.logout";
    pub const SESSIONS_REVOKED: &str = "account.sessions_revoked";
    pub const RESET_REQUESTED: &str = "account.password_reset_requested";
    pub const PASSWORD_RESET: &str = "account.password_reset";
    pub const PASSWORD_CHANGED: &str = "account.password_changed";
    pub const EMAIL_CHANGE_REQUESTED: &str = "account.email_change_requested";
    pub const EMAIL_CHANGED: &str = "account.email_changed";
    pub const FACTOR_ADDED: &str = "account.factor_added";
    pub const FACTOR_REMOVED: &str = "account.factor_removed";
    pub const SECOND_FACTOR_FAILED: &str = "account.second_factor_failure";
    pub const PASSKEY_CLONED: &str = "account.passkey_counter_went_back";
    pub const PROFILE_CHANGED: &str = "account.profile_changed";
    pub const ADDRESS_CHANGED: &str = "account.address_changed";
    pub const DELETED: &str = "account.deleted";
}

/// Account settings.
#[derive(Debug, Clone, Copy)]
pub struct AccountsConfig {
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// A session ends this long after login, used or not.
    pub session_lifetime: Duration,
    pub throttle: ThrottlePolicy,
    /// Sign-ups one source may make per hour.
    pub signups_per_source_per_hour: u32,
    /// Sign-ups the whole shop accepts per hour.
    pub signups_per_hour: u32,
    /// Password-reset mails one address may receive per hour.
    pub resets_per_address_per_hour: u32,
    pub hash: HashConfig,
    pub challenge: challenge::ChallengePolicy,
    /// Orders to a delivery address an established account added or changed this recently
    /// are flagged for review (CCSG-F-3c).
    pub address_review_window: Duration,
}

impl Default for AccountsConfig {
    fn default() -> AccountsConfig {
        AccountsConfig {
            session_idle: Duration::hours(2),
            session_lifetime: Duration::days(14),
            throttle: ThrottlePolicy::default(),
            signups_per_source_per_hour: 10,
            signups_per_hour: 300,
            resets_per_address_per_hour: 3,
            hash: HashConfig::default(),
            challenge: challenge::ChallengePolicy::default(),
            address_review_window: Duration::days(3),
        }
    }
}

/// Who made a request: source address and user agent, recorded with sessions and events.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: IpAddr,
    pub user_agent: String,
}

impl Client {
    pub fn new(ip: IpAddr, user_agent: &str) -> Client {
        Client {
            ip,
            user_agent: user_agent
                .chars()
                .filter(|c| !c.is_control())
                .take(300)
                .collect(),
        }
    }
}

/// A logged-in customer, as the web layer sees it.
#[derive(Debug, Clone)]
pub struct Member {
    pub customer: Customer,
    pub session: Session,
}

/// The normalised form of an e-mail address used as account key: NFKC, trimmed, lower case.
pub fn email_key(input: &str) -> Option<String> {
    akinai_domain::address::Email::parse(input)
        .ok()
        .map(|e| e.as_str().to_lowercase())
}

/// A short description of a browser from its user agent ("Safari / iPhone"), for session lists
/// and new-device notices; never more than the two words.
pub fn describe_device(user_agent: &str) -> String {
    let os = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS X", "Mac"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(k, _)| user_agent.contains(k))
    .map_or("?", |(_, v)| v);
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(k, _)| user_agent.contains(k))
    .map_or("?", |(_, v)| v);
    format!("{browser} / {os}")
}

/// Orders per page of a member's order history.
pub const ORDERS_PER_PAGE: u32 = 20;

/// How often a session's last-seen time is written at most.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// Customer accounts: sign-up and e-mail verification, sign-in (password, second step,
/// passkey), sessions, password reset and e-mail change.
#[derive(Clone)]
pub struct Accounts {
    pub(crate) base: Base,
    pub(crate) account_store: Arc<dyn AccountStore>,
    pub(crate) member_store: Arc<dyn MemberStore>,
    pub(crate) common: AccountCommon,
    pub(crate) alerts: Alerts,
    pub(crate) challenges: Challenges,
    pub(crate) factors: Factors,
}

impl Accounts {
    /// Starts a new session for `customer`; returns the cookie secret and the session's id.
    pub(crate) async fn start_session(
        &self,
        customer: CustomerId,
        client: &Client,
        device: Option<akinai_store::TokenHash>,
    ) -> Result<(String, SessionId), CoreError> {
        // Every way in (password, second factor, passkey) ends here: an account the shop
        // locked gets no session (admin issue, item 7).
        if self
            .account_store
            .customer(customer)
            .await?
            .is_none_or(|c| c.locked_at.is_some() || c.deleted_at.is_some())
        {
            return Err(CoreError::LoginFailed);
        }
        let token = tokens::generate();
        let now = self.base.clock.now();
        let id = self
            .account_store
            .create_session(&NewSession {
                token: token.hash,
                customer_id: customer,
                created_at: now,
                expires_at: now + self.base.config.accounts.session_lifetime,
                ip: Some(client.ip.to_string()),
                user_agent: client.user_agent.clone(),
                device,
            })
            .await?;
        Ok((token.secret, id))
    }

    /// Ends a session through the link of a new-device notice.
    pub async fn end_session_by_link(
        &self,
        customer: CustomerId,
        session: SessionId,
        secret: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let expected = self.common.end_session_secret(customer, session);
        if !tokens::same_secret(&expected, secret) {
            return Err(CoreError::LinkInvalid);
        }
        if self
            .account_store
            .revoke_session(customer, session, self.base.clock.now())
            .await?
        {
            self.common.account_event(
                events::SESSIONS_REVOKED,
                Some(client),
                json!({ "customer": customer.0, "session": session.0, "by": "new_device_link" }),
            )
            .await?;
        }
        Ok(())
    }

    /// The member behind a session cookie, if the session is live; refreshes its last-seen time.
    pub async fn member(&self, secret: Option<&str>) -> Result<Option<Member>, CoreError> {
        let Some(hash) = secret.and_then(tokens::parse) else {
            return Ok(None);
        };
        let now = self.base.clock.now();
        let idle_cutoff = now - self.base.config.accounts.session_idle;
        let Some(session) = self
            .account_store
            .session_by_token(&hash, now, idle_cutoff)
            .await?
        else {
            return Ok(None);
        };
        let Some(customer) = self
            .account_store
            .customer(session.customer_id)
            .await?
            .filter(|c| c.locked_at.is_none())
        else {
            return Ok(None);
        };
        if now - session.last_seen_at >= TOUCH_EVERY {
            self.account_store.touch_session(session.id, now).await?;
        }
        Ok(Some(Member { customer, session }))
    }

    /// Ends the session behind `secret` (logout).
    pub async fn logout(&self, secret: Option<&str>, client: &Client) -> Result<(), CoreError> {
        if let Some(m) = self.member(secret).await? {
            self.account_store
                .revoke_session(m.customer.id, m.session.id, self.base.clock.now())
                .await?;
            self.common
                .account_event(
                    events::LOGOUT,
                    Some(client),
                    json!({ "customer": m.customer.id.0, "session": m.session.id.0 }),
                )
                .await?;
        }
        Ok(())
    }

    /// The member's live sessions, most recently used first.
    pub async fn member_sessions(&self, member: &Member) -> Result<Vec<Session>, CoreError> {
        let now = self.base.clock.now();
        Ok(self
            .account_store
            .sessions(
                member.customer.id,
                now,
                now - self.base.config.accounts.session_idle,
            )
            .await?)
    }

    /// Deletes account data no rule needs any more (run hourly by the worker): throttle events
    /// older than two days (the longest window is a day), tokens expired a day ago, ended
    /// sessions unused for 400 days (they remember known browsers as long as the device cookie
    /// lives), and finished source blocks.
    pub async fn prune_account_data(&self) -> Result<u64, CoreError> {
        let now = self.base.clock.now();
        Ok(self
            .account_store
            .prune_account_data(
                now - Duration::days(2),
                now - Duration::days(1),
                now - Duration::days(400),
                now,
            )
            .await?)
    }

    /// Ends one of the member's sessions (another customer's session id is simply not found).
    pub async fn revoke_member_session(
        &self,
        member: &Member,
        session: SessionId,
        client: &Client,
    ) -> Result<bool, CoreError> {
        let done = self
            .account_store
            .revoke_session(member.customer.id, session, self.base.clock.now())
            .await?;
        if done {
            self.common
                .account_event(
                    events::SESSIONS_REVOKED,
                    Some(client),
                    json!({ "customer": member.customer.id.0, "session": session.0 }),
                )
                .await?;
        }
        Ok(done)
    }

    /// "Log out everywhere": ends every session of the member, this one included.
    pub async fn logout_everywhere(
        &self,
        member: &Member,
        client: &Client,
    ) -> Result<u64, CoreError> {
        let n = self
            .account_store
            .revoke_sessions(member.customer.id, None, self.base.clock.now())
            .await?;
        self.common
            .account_event(
                events::SESSIONS_REVOKED,
                Some(client),
                json!({ "customer": member.customer.id.0, "all": true, "count": n }),
            )
            .await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_summarised_from_user_agents() {
        assert_eq!(
            describe_device("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"),
            "Safari / iPhone"
        );
        assert_eq!(
            describe_device("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0"),
            "Edge / Windows"
        );
        assert_eq!(describe_device(""), "? / ?");
    }

    #[test]
    fn email_keys_are_normalised() {
        assert_eq!(
            email_key(" ＨＡＮＡＫＯ@Example.JP ").as_deref(),
            Some("hanako@example.jp")
        );
        assert_eq!(email_key("not an address"), None);
    }
}
