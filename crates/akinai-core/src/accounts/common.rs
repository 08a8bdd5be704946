//! What the account services share: the account's security events, re-authentication before
//! a sensitive change, and the secret of the "this wasn't me" link. The account mail outbox is
//! in [`super::mail`].

use std::sync::Arc;

use akinai_store::{AccountStore, JobStore, SecurityStore};

use serde_json::{json, Value};

use akinai_domain::ids::{CustomerId, SessionId};
use akinai_store::NewSecurityEvent;

use super::{password, Client, Member};
use crate::{tokens, Base, CoreError, Mailer};

/// What the account services share: the account's security events, re-authentication for
/// sensitive changes, and the account mail outbox.
#[derive(Clone)]
pub struct AccountCommon {
    pub(crate) base: Base,
    pub(crate) account_store: Arc<dyn AccountStore>,
    pub(crate) job_store: Arc<dyn JobStore>,
    pub(crate) security_store: Arc<dyn SecurityStore>,
    pub(crate) mailer: Arc<dyn Mailer>,
}

impl AccountCommon {
    pub(crate) async fn account_event(
        &self,
        kind: &str,
        client: Option<&Client>,
        detail: Value,
    ) -> Result<(), CoreError> {
        let mut detail = detail;
        if let (Some(c), Some(obj)) = (client, detail.as_object_mut()) {
            obj.insert("user_agent".into(), json!(c.user_agent));
        }
        tracing::info!(kind, client = ?client.map(|c| c.ip), "account event");
        Ok(self
            .security_store
            .record_security_event(&NewSecurityEvent {
                kind: kind.into(),
                at: self.base.clock.now(),
                source_ip: client.map(|c| c.ip.to_string()),
                detail,
            })
            .await?)
    }

    /// Re-authentication before a sensitive change (CCSG-F-3c): the member's current password,
    /// or a form error on the `current_password` field.
    pub(crate) async fn reauthenticate(
        &self,
        member: &Member,
        password: &str,
    ) -> Result<(), CoreError> {
        let verdict = self
            .base
            .hasher
            .verify(
                password.to_string(),
                Some(member.customer.password_hash.clone()),
            )
            .await?;
        if verdict == password::Verified::No {
            return Err(CoreError::InvalidForm(vec![(
                "current_password",
                "account.wrong_password",
            )]));
        }
        Ok(())
    }

    /// The secret of the link that ends session `session` of `customer` (in the new-device
    /// notice): derived under the server key, so it needs no storage, and it can do nothing but
    /// end that one session.
    pub fn end_session_secret(&self, customer: CustomerId, session: SessionId) -> String {
        tokens::derive(
            &self.base.config.secret_key,
            &format!("akinai/account/end-session/v1/{}/{}", customer.0, session.0),
        )
        .secret
    }
}
