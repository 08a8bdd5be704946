//! API tokens: creation (the secret returned once), listing, revocation and admission.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::Duration;
use serde_json::json;

use akinai_domain::api::{admit, is_token, parse_allow_list, token_prefix, Scopes, TOKEN_PREFIX};
use akinai_domain::ids::ApiTokenId;
use akinai_store::api_tokens::{ApiToken, ApiTokenStore, IdempotentStart, NewApiToken};

use crate::accounts::Client;
use crate::admin::Authorized;
use crate::audit::AuditContext;
use crate::{Audit, Base, CoreError};
use akinai_domain::admin::ManageSecurity;

/// Longest token name, in characters.
pub const MAX_NAME: usize = 60;
/// A token's last use is written again after this long (or from another address).
const USE_RECORDED_EVERY_SECS: i64 = 60;
/// Hours an `Idempotency-Key` and its answer are kept.
pub const IDEMPOTENCY_HOURS: i64 = 24;
/// Longest lifetime a token may be given, in days (about five years).
pub const MAX_DAYS: u32 = 1_830;

/// What an owner asks for.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub name: String,
    /// Comma-separated scope names.
    pub scopes: String,
    /// Days until it expires; `None`: it does not.
    pub expires_in_days: Option<u32>,
    /// Comma-separated addresses or CIDR ranges; empty: any.
    pub allowed_ips: String,
}

/// A token just made: the secret is shown this once and never again.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub id: ApiTokenId,
    pub secret: String,
    pub prefix: String,
    pub scopes: Scopes,
}

/// Who is calling the API: the token, its name and what it may do.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub id: ApiTokenId,
    pub name: String,
    pub prefix: String,
    pub scopes: Scopes,
}

impl ApiCaller {
    /// The audit context of a write made with this token (the token is the actor).
    pub fn audit_context(&self, ip: IpAddr) -> AuditContext {
        AuditContext {
            actor: format!("api-token:{}", self.id.0),
            ip: Some(ip),
            ..AuditContext::default()
        }
    }

    /// The proof of a back-office capability this token's scopes give
    /// ([`akinai_domain::api::Scopes::grant`]), or `Forbidden`.
    pub fn authorize<C: akinai_domain::admin::Capability>(
        &self,
    ) -> Result<Authorized<C>, CoreError> {
        crate::admin::Principal::Token(self.clone()).authorize()
    }
}

#[derive(Clone)]
pub struct ApiTokens {
    pub(crate) base: Base,
    pub(crate) api_token_store: Arc<dyn ApiTokenStore>,
    pub(crate) audit: Audit,
}

impl ApiTokens {
    /// Makes a token; a bad name, scope list, lifetime or address list saves nothing.
    pub async fn create(
        &self,
        who: &AuditContext,
        request: &TokenRequest,
    ) -> Result<CreatedToken, CoreError> {
        let name = akinai_domain::address::parse_text(&request.name, MAX_NAME)
            .map_err(|_| CoreError::InvalidForm(vec![("name", "api.bad_name")]))?;
        let scopes = Scopes::parse(&request.scopes)
            .map_err(|_| CoreError::InvalidForm(vec![("scopes", "api.bad_scopes")]))?;
        let allowed = parse_allow_list(&request.allowed_ips)
            .map_err(|_| CoreError::InvalidForm(vec![("allowed_ips", "api.bad_address")]))?;
        let expires_at = match request.expires_in_days {
            Some(days) if (1..=MAX_DAYS).contains(&days) => {
                Some(self.base.clock.now() + Duration::days(i64::from(days)))
            }
            Some(_) => return Err(CoreError::InvalidForm(vec![("expires", "api.bad_expiry")])),
            None => None,
        };
        let secret = format!("{TOKEN_PREFIX}{}", crate::tokens::generate().secret);
        let prefix = token_prefix(&secret);
        let allowed_ips = allowed
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        let id = self
            .api_token_store
            .add_api_token(&NewApiToken {
                name: name.clone(),
                prefix: prefix.clone(),
                hash: crate::tokens::hash(&secret),
                scopes: scopes.to_text(),
                allowed_ips: allowed_ips.clone(),
                expires_at,
                created_at: self.base.clock.now(),
                created_by: who.actor.clone(),
            })
            .await?;
        self.audit
            .record(
                who,
                "api_token.create",
                &format!("api-token:{}", id.0),
                json!({ "name": name, "prefix": prefix, "scopes": scopes.to_text(),
                        "allowed_ips": allowed_ips, "expires_at": expires_at }),
            )
            .await?;
        Ok(CreatedToken {
            id,
            secret,
            prefix,
            scopes,
        })
    }

    /// Every token, newest first (revoked ones too).
    pub async fn list(&self) -> Result<Vec<ApiToken>, CoreError> {
        Ok(self.api_token_store.api_tokens().await?)
    }

    /// Revokes a token named by its id or its visible prefix (`akn_1a2b3c4d`); not found when
    /// none matches or it was revoked already.
    pub async fn revoke(&self, who: &AuditContext, which: &str) -> Result<ApiTokenId, CoreError> {
        let which = which.trim();
        let token = self
            .list()
            .await?
            .into_iter()
            .find(|t| {
                t.revoked.is_none() && (t.token.prefix == which || t.id.0.to_string() == which)
            })
            .ok_or(CoreError::NotFound)?;
        if !self
            .api_token_store
            .revoke_api_token(token.id, self.base.clock.now(), &who.actor)
            .await?
        {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                who,
                "api_token.revoke",
                &format!("api-token:{}", token.id.0),
                json!({ "name": token.token.name, "prefix": token.token.prefix }),
            )
            .await?;
        Ok(token.id)
    }

    /// [`ApiTokens::create`] for an owner in the back office.
    pub async fn create_for_owner(
        &self,
        by: &Authorized<ManageSecurity>,
        client: &Client,
        request: &TokenRequest,
    ) -> Result<CreatedToken, CoreError> {
        self.create(&by.principal().audit_context(client), request)
            .await
    }

    /// [`ApiTokens::list`] for an owner in the back office.
    pub async fn list_for_owner(
        &self,
        _by: &Authorized<ManageSecurity>,
    ) -> Result<Vec<ApiToken>, CoreError> {
        self.list().await
    }

    /// [`ApiTokens::revoke`] by id for an owner in the back office.
    pub async fn revoke_for_owner(
        &self,
        by: &Authorized<ManageSecurity>,
        client: &Client,
        id: ApiTokenId,
    ) -> Result<ApiTokenId, CoreError> {
        self.revoke(&by.principal().audit_context(client), &id.0.to_string())
            .await
    }

    /// The caller of a request bearing `secret` from `ip`, or `None` (answered 401 without
    /// saying why: unknown, malformed, revoked, expired or from an address not allowed). A
    /// use is recorded.
    pub async fn authenticate(
        &self,
        secret: &str,
        ip: IpAddr,
    ) -> Result<Option<ApiCaller>, CoreError> {
        if !is_token(secret) {
            return Ok(None);
        }
        let Some(token) = self
            .api_token_store
            .api_token_by_hash(&crate::tokens::hash(secret))
            .await?
        else {
            return Ok(None);
        };
        // A stored list or scope set that no longer parses admits nobody rather than everybody.
        let (Ok(allowed), Ok(scopes)) = (
            parse_allow_list(&token.token.allowed_ips),
            Scopes::parse(&token.token.scopes),
        ) else {
            return Ok(None);
        };
        let state = akinai_domain::api::TokenState {
            revoked: token.revoked.is_some(),
            expires_at: token.token.expires_at,
            allowed,
        };
        let now = self.base.clock.now();
        if admit(&state, ip, now).is_err() {
            return Ok(None);
        }
        // The last use is shown to the owner to the minute: no write on every request.
        let address = ip.to_string();
        let fresh = token.last_used.as_ref().is_some_and(|(at, from)| {
            *from == address && now - *at < Duration::seconds(USE_RECORDED_EVERY_SECS)
        });
        if !fresh {
            self.api_token_store
                .record_api_token_use(token.id, now, &address)
                .await?;
        }
        Ok(Some(ApiCaller {
            id: token.id,
            name: token.token.name,
            prefix: token.token.prefix,
            scopes,
        }))
    }

    /// Claims an `Idempotency-Key` for `caller`'s request whose method, path and body hash to
    /// `hash`: new, a replay of the stored answer, a different request (422) or still running.
    pub async fn begin_idempotent(
        &self,
        caller: &ApiCaller,
        key: &str,
        hash: &str,
    ) -> Result<IdempotentStart, CoreError> {
        let now = self.base.clock.now();
        Ok(self
            .api_token_store
            .begin_idempotent(
                caller.id,
                key,
                hash,
                now,
                now - Duration::hours(IDEMPOTENCY_HOURS),
            )
            .await?)
    }

    /// Keeps the answer of a claimed request; a server error forgets the claim instead, so the
    /// client may send the request again with the same key.
    pub async fn finish_idempotent(
        &self,
        caller: &ApiCaller,
        key: &str,
        status: u16,
        headers: &str,
        body: &str,
    ) -> Result<(), CoreError> {
        if status >= 500 {
            return Ok(self
                .api_token_store
                .forget_idempotent(caller.id, key)
                .await?);
        }
        Ok(self
            .api_token_store
            .finish_idempotent(caller.id, key, i64::from(status), headers, body)
            .await?)
    }

    /// Drops keys older than [`IDEMPOTENCY_HOURS`]; how many.
    pub async fn prune_idempotency(&self) -> Result<u64, CoreError> {
        let before = self.base.clock.now() - Duration::hours(IDEMPOTENCY_HOURS);
        Ok(self.api_token_store.prune_idempotency(before).await?)
    }
}
