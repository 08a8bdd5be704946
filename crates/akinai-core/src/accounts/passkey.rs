//! Passkeys (WebAuthn) for members (accounts issue, item 5; IPA-C-10): adding one from the
//! security settings (with the current password), logging in with one alone (user verification
//! on the authenticator stands for the second factor), listing and removing them.
//!
//! Challenges are stateless and signed: 16 random bytes, the issue time and an HMAC under the
//! server key over both, the purpose and (for registration) the member, so a challenge made
//! for one member or ceremony is useless for another. A challenge is used once: the use is
//! recorded first and counted second, so of two concurrent uses at most one sees itself alone.
//! Verification itself is [`akinai_webauthn`]; the RP ID and origin come from `base_url`,
//! never from the request.

use crate::Factors;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use akinai_domain::ids::{CustomerId, PasskeyId};
use akinai_store::{NewPasskey, Passkey};
use akinai_webauthn::{b64url, from_b64url, RelyingParty};

use super::mail::AccountMail;
use super::{events, Client, Member};
use crate::{tokens, CoreError};

/// How long a ceremony may take.
const LIFETIME: Duration = Duration::minutes(5);
/// Throttle kind recording used challenges.
const USED: &str = "passkey_challenge_used";
/// Most passkeys one member may register.
pub const MAX_PASSKEYS: usize = 10;

/// What the page script sends back from `navigator.credentials.get()` (base64url fields).
#[derive(Debug, Clone, Default)]
pub struct PasskeyLogin {
    pub credential_id: String,
    pub client_data: String,
    pub authenticator_data: String,
    pub signature: String,
    pub user_handle: String,
    pub device: Option<String>,
}

/// What the page script sends back from `navigator.credentials.create()`.
#[derive(Debug, Clone, Default)]
pub struct PasskeyRegistration {
    pub name: String,
    pub client_data: String,
    pub attestation: String,
    pub current_password: String,
}

pub(super) enum Purpose {
    Register(CustomerId),
    Login,
}

impl Purpose {
    fn label(&self) -> String {
        match self {
            Purpose::Register(c) => format!("register/{}", c.0),
            Purpose::Login => "login".into(),
        }
    }
}

impl Factors {
    pub(super) fn relying_party(&self) -> Option<RelyingParty> {
        RelyingParty::for_base_url(&self.base.config.base_url)
    }

    /// Whether passkeys can work here (the shop is served under a domain name).
    pub fn passkeys_available(&self) -> bool {
        self.relying_party().is_some()
    }

    fn challenge_mac(&self, purpose: &Purpose, nonce: &[u8], issued: i64) -> Vec<u8> {
        let label = format!(
            "akinai/passkey-challenge/v1/{}/{}/{issued}",
            purpose.label(),
            hex::encode(nonce)
        );
        let secret = tokens::derive(&self.base.config.secret_key, &label).secret;
        hex::decode(&secret[..32]).unwrap_or_default()
    }

    fn issue_passkey_challenge(&self, purpose: &Purpose) -> Vec<u8> {
        let nonce: [u8; 16] = rand::random();
        let issued = self.base.clock.now().timestamp_millis();
        let mut c = nonce.to_vec();
        c.extend_from_slice(&issued.to_be_bytes());
        c.extend_from_slice(&self.challenge_mac(purpose, &nonce, issued));
        c
    }

    /// Whether `challenge` was issued here for `purpose`, is in time, and is used now for the
    /// first time.
    pub(super) async fn take_passkey_challenge(
        &self,
        purpose: &Purpose,
        challenge: &[u8],
    ) -> Result<bool, CoreError> {
        if challenge.len() != 40 {
            return Ok(false);
        }
        let (nonce, rest) = challenge.split_at(16);
        let (issued_bytes, mac) = rest.split_at(8);
        let mut b = [0u8; 8];
        b.copy_from_slice(issued_bytes);
        let issued_ms = i64::from_be_bytes(b);
        let expected = hex::encode(self.challenge_mac(purpose, nonce, issued_ms));
        let Some(issued) = DateTime::<Utc>::from_timestamp_millis(issued_ms) else {
            return Ok(false);
        };
        let now = self.base.clock.now();
        if !tokens::same_secret(&expected, &hex::encode(mac))
            || now < issued
            || now > issued + LIFETIME
        {
            return Ok(false);
        }
        let key = hex::encode(nonce);
        self.account_store
            .record_throttle_event(USED, &key, None, now)
            .await?;
        Ok(self
            .account_store
            .count_throttle_events(USED, &key, issued)
            .await?
            == 1)
    }

    /// The user handle of a member's credentials: derived, so it says nothing about the member.
    pub(super) fn user_handle(&self, customer: CustomerId) -> Vec<u8> {
        let t = tokens::derive(
            &self.base.config.secret_key,
            &format!("akinai/passkey-user/v1/{}", customer.0),
        );
        hex::decode(&t.secret[..32]).unwrap_or_default()
    }

    /// `PublicKeyCredentialCreationOptions` for the page script (binary values in base64url).
    pub async fn passkey_creation_options(&self, member: &Member) -> Result<String, CoreError> {
        let rp = self.relying_party().ok_or(CoreError::NotFound)?;
        let settings = self.base.settings().await?;
        let challenge = self.issue_passkey_challenge(&Purpose::Register(member.customer.id));
        let exclude: Vec<_> = self
            .member_store
            .passkeys(member.customer.id)
            .await?
            .into_iter()
            .map(|p| json!({ "type": "public-key", "id": p.credential_id }))
            .collect();
        let params: Vec<_> = akinai_webauthn::ALGORITHMS
            .iter()
            .map(|alg| json!({ "type": "public-key", "alg": alg }))
            .collect();
        Ok(json!({
            "rp": { "id": rp.id, "name": settings.shop_name },
            "user": {
                "id": b64url(&self.user_handle(member.customer.id)),
                "name": member.customer.email,
                "displayName": member.customer.name,
            },
            "challenge": b64url(&challenge),
            "pubKeyCredParams": params,
            "timeout": LIFETIME.num_milliseconds(),
            "excludeCredentials": exclude,
            "authenticatorSelection": { "residentKey": "required", "userVerification": "required" },
            "attestation": "none",
        })
        .to_string())
    }

    /// `PublicKeyCredentialRequestOptions` for a passkey login (any of the shop's passkeys: the
    /// browser offers the ones it holds).
    pub fn passkey_request_options(&self) -> Option<String> {
        let rp = self.relying_party()?;
        let challenge = self.issue_passkey_challenge(&Purpose::Login);
        Some(
            json!({
                "rpId": rp.id,
                "challenge": b64url(&challenge),
                "timeout": LIFETIME.num_milliseconds(),
                "userVerification": "required",
                "allowCredentials": [],
            })
            .to_string(),
        )
    }

    /// Adds a passkey: current password, then the registration response for a challenge made
    /// for this member. Mails the account and records the event.
    pub async fn add_passkey(
        &self,
        member: &Member,
        form: &PasskeyRegistration,
        client: &Client,
    ) -> Result<(), CoreError> {
        let failed = || CoreError::InvalidForm(vec![("passkey", "account.passkey_failed")]);
        self.common
            .reauthenticate(member, &form.current_password)
            .await?;
        let rp = self.relying_party().ok_or_else(failed)?;
        let c = member.customer.id;
        if self.member_store.passkeys(c).await?.len() >= MAX_PASSKEYS {
            return Err(CoreError::InvalidForm(vec![(
                "passkey",
                "account.passkey_too_many",
            )]));
        }
        let client_data = from_b64url(&form.client_data).ok_or_else(failed)?;
        let attestation = from_b64url(&form.attestation).ok_or_else(failed)?;
        let challenge = akinai_webauthn::peek_challenge(&client_data).map_err(|_| failed())?;
        if !self
            .take_passkey_challenge(&Purpose::Register(c), &challenge)
            .await?
        {
            return Err(failed());
        }
        let credential =
            akinai_webauthn::verify_registration(&rp, &challenge, &client_data, &attestation)
                .map_err(|e| {
                    tracing::info!(error = %e, customer = c.0, "passkey registration refused");
                    failed()
                })?;
        let name: String = form
            .name
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(50)
            .collect();
        let added = self
            .member_store
            .add_passkey(&NewPasskey {
                customer_id: c,
                credential_id: b64url(&credential.id),
                public_key: b64url(&credential.public_key),
                user_handle: b64url(&self.user_handle(c)),
                sign_count: i64::from(credential.sign_count),
                name: if name.is_empty() {
                    "passkey".into()
                } else {
                    name
                },
                created_at: self.base.clock.now(),
            })
            .await?;
        if added.is_none() {
            return Err(failed());
        }
        self.common
            .enqueue_account_mail(AccountMail::FactorChanged, c, None)
            .await?;
        self.common.account_event(
            events::FACTOR_ADDED,
            Some(client),
            json!({ "customer": c.0, "factor": "passkey", "synced": credential.backup_eligible }),
        )
        .await
    }

    /// The member's passkeys.
    pub async fn member_passkeys(&self, member: &Member) -> Result<Vec<Passkey>, CoreError> {
        Ok(self.member_store.passkeys(member.customer.id).await?)
    }

    /// Removes one of the member's passkeys (current password required).
    pub async fn remove_passkey(
        &self,
        member: &Member,
        id: PasskeyId,
        password: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        self.common.reauthenticate(member, password).await?;
        let c = member.customer.id;
        if !self.member_store.delete_passkey(c, id).await? {
            return Err(CoreError::NotFound);
        }
        self.common
            .enqueue_account_mail(AccountMail::FactorChanged, c, None)
            .await?;
        self.common
            .account_event(
                events::FACTOR_REMOVED,
                Some(client),
                json!({ "customer": c.0, "factor": "passkey" }),
            )
            .await
    }
}
