//! Storage side of API tokens (issue 20, item 2): the token's SHA-256, never the token; its
//! visible prefix, name, scopes and allow-list as text (parsed by the domain), expiry,
//! revocation and the last use. Revoked tokens stay listed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::ids::ApiTokenId;

use crate::{StoreResult, TokenHash};

/// A token to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub name: String,
    /// `akn_` and the first hex digits, shown to identify it.
    pub prefix: String,
    pub hash: TokenHash,
    /// Scope names separated by spaces (`akinai_domain::api::Scopes::to_text`).
    pub scopes: String,
    /// Address ranges separated by spaces; empty: any.
    pub allowed_ips: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// A kept token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub token: NewApiToken,
    pub revoked: Option<(DateTime<Utc>, String)>,
    pub last_used: Option<(DateTime<Utc>, String)>,
}

/// How an idempotent request starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotentStart {
    /// First use of the key: run the request, then finish or forget it.
    New,
    /// The key was used for this same request: its stored answer.
    Replay {
        status: i64,
        headers: String,
        body: String,
    },
    /// The key was used for a different request.
    Mismatch,
    /// The key's first request is still running.
    InProgress,
}

#[async_trait]
pub trait ApiTokenStore: Send + Sync {
    async fn add_api_token(&self, token: &NewApiToken) -> StoreResult<ApiTokenId>;
    /// Every token, newest first.
    async fn api_tokens(&self) -> StoreResult<Vec<ApiToken>>;
    async fn api_token_by_hash(&self, hash: &TokenHash) -> StoreResult<Option<ApiToken>>;
    /// Revokes a token not revoked yet; false when there is none such.
    async fn revoke_api_token(
        &self,
        id: ApiTokenId,
        at: DateTime<Utc>,
        by: &str,
    ) -> StoreResult<bool>;
    /// Records a use (time and address).
    async fn record_api_token_use(
        &self,
        id: ApiTokenId,
        at: DateTime<Utc>,
        ip: &str,
    ) -> StoreResult<()>;
    /// Claims `key` for `token`'s request with `hash` (a claim older than `stale_before` is
    /// dropped first: keys are kept 24 hours).
    async fn begin_idempotent(
        &self,
        token: ApiTokenId,
        key: &str,
        hash: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<IdempotentStart>;
    /// Keeps the answer of a claimed request for replay.
    async fn finish_idempotent(
        &self,
        token: ApiTokenId,
        key: &str,
        status: i64,
        headers: &str,
        body: &str,
    ) -> StoreResult<()>;
    /// Drops a claim whose request failed on the server (the client may try again).
    async fn forget_idempotent(&self, token: ApiTokenId, key: &str) -> StoreResult<()>;
    /// Drops claims older than `before`; how many.
    async fn prune_idempotency(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}
