//! API tokens, written once for both backends (ADR 020, ADR 037).

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::ids::ApiTokenId;
use akinai_store::api_tokens::{ApiToken, IdempotentStart, NewApiToken};
use akinai_store::{StoreResult, TokenHash};

use crate::{map_err, Columns, Dialect, Sql};

const COLUMNS: &str = "id, name, prefix, token_hash, scopes, allowed_ips, expires_at, created_at, \
                       created_by, revoked_at, revoked_by, last_used_at, last_used_ip";

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    for<'q> Option<String>: Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<i64>: Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<D::Time>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    fn read_api_token(r: &<D::Db as Database>::Row) -> StoreResult<ApiToken> {
        let pair = |at: Option<DateTime<Utc>>, who: Option<String>| at.zip(who);
        Ok(ApiToken {
            id: ApiTokenId(r.int("id")?),
            token: NewApiToken {
                name: r.text("name")?,
                prefix: r.text("prefix")?,
                hash: TokenHash(r.text("token_hash")?),
                scopes: r.text("scopes")?,
                allowed_ips: r.text("allowed_ips")?,
                expires_at: D::read_time(r, "expires_at")?,
                created_at: D::at(r, "created_at")?,
                created_by: r.text("created_by")?,
            },
            revoked: pair(D::read_time(r, "revoked_at")?, r.opt_text("revoked_by")?),
            last_used: pair(
                D::read_time(r, "last_used_at")?,
                r.opt_text("last_used_ip")?,
            ),
        })
    }

    pub async fn add_api_token(&self, t: &NewApiToken) -> StoreResult<ApiTokenId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (name, prefix, token_hash, scopes, allowed_ips, expires_at, \
             created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(t.name.clone())
        .bind(t.prefix.clone())
        .bind(t.hash.0.clone())
        .bind(t.scopes.clone())
        .bind(t.allowed_ips.clone())
        .bind(t.expires_at.map(D::time))
        .bind(D::time(t.created_at))
        .bind(t.created_by.clone())
        .fetch_one(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(ApiTokenId(id))
    }

    pub async fn api_tokens(&self) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM api_tokens ORDER BY id DESC"
        ))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(Self::read_api_token).collect()
    }

    pub async fn api_token_by_hash(&self, hash: &TokenHash) -> StoreResult<Option<ApiToken>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1"
        ))
        .bind(hash.0.clone())
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?;
        row.as_ref().map(Self::read_api_token).transpose()
    }

    pub async fn revoke_api_token(
        &self,
        id: ApiTokenId,
        at: DateTime<Utc>,
        by: &str,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 \
             WHERE id = $3 AND revoked_at IS NULL",
        )
        .bind(D::time(at))
        .bind(by)
        .bind(id.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn record_api_token_use(
        &self,
        id: ApiTokenId,
        at: DateTime<Utc>,
        ip: &str,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1, last_used_ip = $2 WHERE id = $3")
            .bind(D::time(at))
            .bind(ip)
            .bind(id.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn begin_idempotent(
        &self,
        token: ApiTokenId,
        key: &str,
        hash: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<IdempotentStart> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM api_idempotency WHERE token_id = $1 AND idem_key = $2 AND created_at < $3",
        )
        .bind(token.0)
        .bind(key)
        .bind(D::time(stale_before))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let claimed = sqlx::query(
            "INSERT INTO api_idempotency (token_id, idem_key, request_hash, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(token.0)
        .bind(key)
        .bind(hash)
        .bind(D::time(now))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let start = if D::rows_affected(&claimed) == 1 {
            IdempotentStart::New
        } else {
            let row = sqlx::query(
                "SELECT request_hash, status, headers, body FROM api_idempotency \
                 WHERE token_id = $1 AND idem_key = $2",
            )
            .bind(token.0)
            .bind(key)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
            match (row.text("request_hash")?, row.opt_int("status")?) {
                (h, _) if h != hash => IdempotentStart::Mismatch,
                (_, None) => IdempotentStart::InProgress,
                (_, Some(status)) => IdempotentStart::Replay {
                    status,
                    headers: row.opt_text("headers")?.unwrap_or_default(),
                    body: row.opt_text("body")?.unwrap_or_default(),
                },
            }
        };
        tx.commit().await.map_err(map_err)?;
        Ok(start)
    }

    pub async fn finish_idempotent(
        &self,
        token: ApiTokenId,
        key: &str,
        status: i64,
        headers: &str,
        body: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE api_idempotency SET status = $1, headers = $2, body = $3 \
             WHERE token_id = $4 AND idem_key = $5",
        )
        .bind(status)
        .bind(headers)
        .bind(body)
        .bind(token.0)
        .bind(key)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn forget_idempotent(&self, token: ApiTokenId, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM api_idempotency WHERE token_id = $1 AND idem_key = $2")
            .bind(token.0)
            .bind(key)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn prune_idempotency(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM api_idempotency WHERE created_at < $1")
            .bind(D::time(before))
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(D::rows_affected(&done))
    }
}

/// Implements `ApiTokenStore` for a backend type with the statements above.
#[macro_export]
macro_rules! api_token_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::ids::ApiTokenId;
            use akinai_store::api_tokens::{ApiToken, NewApiToken};
            use akinai_store::{StoreResult, TokenHash};
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::api_tokens::ApiTokenStore for $store {
                async fn add_api_token(&self, t: &NewApiToken) -> StoreResult<ApiTokenId> {
                    $crate::Sql(self).add_api_token(t).await
                }
                async fn api_tokens(&self) -> StoreResult<Vec<ApiToken>> {
                    $crate::Sql(self).api_tokens().await
                }
                async fn api_token_by_hash(
                    &self,
                    hash: &TokenHash,
                ) -> StoreResult<Option<ApiToken>> {
                    $crate::Sql(self).api_token_by_hash(hash).await
                }
                async fn revoke_api_token(
                    &self,
                    id: ApiTokenId,
                    at: DateTime<Utc>,
                    by: &str,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).revoke_api_token(id, at, by).await
                }
                async fn record_api_token_use(
                    &self,
                    id: ApiTokenId,
                    at: DateTime<Utc>,
                    ip: &str,
                ) -> StoreResult<()> {
                    $crate::Sql(self).record_api_token_use(id, at, ip).await
                }
                async fn begin_idempotent(
                    &self,
                    token: ApiTokenId,
                    key: &str,
                    hash: &str,
                    now: DateTime<Utc>,
                    stale_before: DateTime<Utc>,
                ) -> StoreResult<akinai_store::api_tokens::IdempotentStart> {
                    $crate::Sql(self)
                        .begin_idempotent(token, key, hash, now, stale_before)
                        .await
                }
                async fn finish_idempotent(
                    &self,
                    token: ApiTokenId,
                    key: &str,
                    status: i64,
                    headers: &str,
                    body: &str,
                ) -> StoreResult<()> {
                    $crate::Sql(self)
                        .finish_idempotent(token, key, status, headers, body)
                        .await
                }
                async fn forget_idempotent(&self, token: ApiTokenId, key: &str) -> StoreResult<()> {
                    $crate::Sql(self).forget_idempotent(token, key).await
                }
                async fn prune_idempotency(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                    $crate::Sql(self).prune_idempotency(before).await
                }
            }
        };
    };
}
