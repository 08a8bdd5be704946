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
}
