//! Customer accounts, one-time tokens and sessions, written once for both backends (ADR 020);
//! the account's protections (throttling, TOTP, source blocks) are in `account_guard`, and the
//! forwarding macro for the whole `AccountStore` is here.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use crate::is_unique_violation;
use akinai_domain::ids::{CustomerId, SessionId};
use akinai_store::{Customer, NewCustomer, NewSession, Session, StoreResult, TokenHash};

use crate::{map_err, Dialect, Sql};

pub(crate) const CUSTOMER: &str =
    "SELECT id, email, name, password_hash, email_verified_at, created_at, last_login_at, phone, deleted_at, locked_at, \
     CAST(CASE WHEN marketing_consent THEN 1 ELSE 0 END AS BIGINT) AS marketing_consent FROM customers";
const SESSION: &str =
    "SELECT id, customer_id, created_at, last_seen_at, expires_at, ip, user_agent FROM customer_sessions";

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> bool: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<&'q str>: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<D::Time>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    pub(crate) fn customer_row(r: &<D::Db as Database>::Row) -> StoreResult<Customer> {
        crate::customer(r, &|c| D::read_time(r, c))
    }

    fn session_row(r: &<D::Db as Database>::Row) -> StoreResult<Session> {
        crate::session(r, &|c| D::read_time(r, c))
    }

    pub async fn create_customer(&self, c: &NewCustomer) -> StoreResult<Option<CustomerId>> {
        let mut tx = self.begin_write().await?;
        let made = sqlx::query_scalar(
            "INSERT INTO customers (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&c.email)
        .bind(&c.name)
        .bind(&c.password_hash)
        .bind(D::time(c.created_at))
        .fetch_all(&mut *tx)
        .await
        .and_then(crate::one);
        let id = match made {
            Ok(id) => CustomerId(id),
            Err(e) if is_unique_violation(&e) => return Ok(None),
            Err(e) => return Err(map_err(e)),
        };
        // No personal data in the event: the receiver reads it with a customers:read token.
        let data = serde_json::json!({ "id": id.0 });
        Self::emit(
            &mut tx,
            akinai_domain::webhook::EventType::CustomerCreated,
            data,
            c.created_at,
        )
        .await?;
        tx.commit().await.map_err(map_err)?;
        Ok(Some(id))
    }

    pub async fn customer(&self, id: CustomerId) -> StoreResult<Option<Customer>> {
        let row = sqlx::query(&format!("{CUSTOMER} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        row.as_ref().map(Self::customer_row).transpose()
    }

    pub async fn customer_by_email(&self, email: &str) -> StoreResult<Option<Customer>> {
        let row = sqlx::query(&format!("{CUSTOMER} WHERE email = $1"))
            .bind(email)
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        row.as_ref().map(Self::customer_row).transpose()
    }

    pub async fn set_password_hash(&self, id: CustomerId, hash: &str) -> StoreResult<()> {
        sqlx::query("UPDATE customers SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn set_customer_email(&self, id: CustomerId, email: &str) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE customers SET email = $1 WHERE id = $2")
            .bind(email)
            .bind(id.0)
            .execute(self.0.writer())
            .await;
        match done {
            Ok(r) => Ok(D::rows_affected(&r) == 1),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(map_err(e)),
        }
    }

    pub async fn mark_email_verified(&self, id: CustomerId, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE customers SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL",
        )
        .bind(D::time(at))
        .bind(id.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn record_login(&self, id: CustomerId, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE customers SET last_login_at = $1 WHERE id = $2")
            .bind(D::time(at))
            .bind(id.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn create_account_token(
        &self,
        customer: CustomerId,
        purpose: &str,
        token: &TokenHash,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO account_tokens (customer_id, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(customer.0)
        .bind(purpose)
        .bind(&token.0)
        .bind(D::time(expires_at))
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn take_account_token(
        &self,
        purpose: &str,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<CustomerId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE account_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
             AND used_at IS NULL AND expires_at > $4 RETURNING customer_id",
        )
        .bind(D::time(now))
        .bind(&token.0)
        .bind(purpose)
        .bind(D::time(now))
        .fetch_all(self.0.writer())
        .await
        .map(crate::first)
        .map_err(map_err)?;
        Ok(id.map(CustomerId))
    }

    pub async fn account_token_customer(
        &self,
        purpose: &str,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<CustomerId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT customer_id FROM account_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(&token.0)
        .bind(purpose)
        .bind(D::time(now))
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?;
        Ok(id.map(CustomerId))
    }

    pub async fn create_session(&self, s: &NewSession) -> StoreResult<SessionId> {
        let id = sqlx::query_scalar(
            "INSERT INTO customer_sessions (token_hash, customer_id, created_at, last_seen_at, expires_at, ip, user_agent, device_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&s.token.0)
        .bind(s.customer_id.0)
        .bind(D::time(s.created_at))
        .bind(D::time(s.created_at))
        .bind(D::time(s.expires_at))
        .bind(&s.ip)
        .bind(&s.user_agent)
        .bind(s.device.as_ref().map(|d| d.0.as_str()))
        .fetch_all(self.0.writer())
        .await
        .and_then(crate::one)
        .map_err(map_err)?;
        Ok(SessionId(id))
    }

    pub async fn session_by_token(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> StoreResult<Option<Session>> {
        let row = sqlx::query(&format!(
            "{SESSION} WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at >= $3"
        ))
        .bind(&token.0)
        .bind(D::time(now))
        .bind(D::time(idle_cutoff))
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?;
        row.as_ref().map(Self::session_row).transpose()
    }

    pub async fn touch_session(&self, id: SessionId, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE customer_sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(D::time(now))
            .bind(id.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn customer_knows_device(
        &self,
        customer: CustomerId,
        device: &TokenHash,
    ) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM customer_sessions WHERE customer_id = $1 AND device_hash = $2",
        )
        .bind(customer.0)
        .bind(&device.0)
        .fetch_one(self.0.reader())
        .await
        .map_err(map_err)?;
        Ok(n > 0)
    }

    pub async fn session_count(&self, customer: CustomerId) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM customer_sessions WHERE customer_id = $1")
            .bind(customer.0)
            .fetch_one(self.0.reader())
            .await
            .map_err(map_err)
    }

    pub async fn revoke_session(
        &self,
        customer: CustomerId,
        id: SessionId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE customer_sessions SET revoked_at = $1 WHERE id = $2 AND customer_id = $3 AND revoked_at IS NULL",
        )
        .bind(D::time(now))
        .bind(id.0)
        .bind(customer.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn revoke_sessions(
        &self,
        customer: CustomerId,
        except: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE customer_sessions SET revoked_at = $1 WHERE customer_id = $2 AND revoked_at IS NULL AND id != $3",
        )
        .bind(D::time(now))
        .bind(customer.0)
        .bind(except.map_or(-1, |s| s.0))
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done))
    }

    pub async fn sessions(
        &self,
        customer: CustomerId,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> StoreResult<Vec<Session>> {
        let rows = sqlx::query(&format!(
            "{SESSION} WHERE customer_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at >= $3 \
             ORDER BY last_seen_at DESC, id DESC"
        ))
        .bind(customer.0)
        .bind(D::time(now))
        .bind(D::time(idle_cutoff))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(Self::session_row).collect()
    }
}

/// Implements `AccountStore` for a backend type with the statements above.
#[macro_export]
macro_rules! account_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::catalog::{
                Category, PageCursor, Product, ProductSummary, Quantity, SkuForSale,
            };
            use akinai_domain::checkout::CheckoutDetails;
            use akinai_domain::ids::{
                CartId, CategoryId, CustomerId, JobId, OrderId, ProductId, SessionId, SkuId,
            };
            use akinai_domain::search::SearchQuery;
            use akinai_domain::settings::ShopSettings;
            use akinai_store::*;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::AccountStore for $store {
                async fn create_customer(
                    &self,
                    customer: &NewCustomer,
                ) -> StoreResult<Option<CustomerId>> {
                    $crate::Sql(self).create_customer(customer).await
                }
                async fn customer(&self, id: CustomerId) -> StoreResult<Option<Customer>> {
                    $crate::Sql(self).customer(id).await
                }
                async fn customer_by_email(&self, email: &str) -> StoreResult<Option<Customer>> {
                    $crate::Sql(self).customer_by_email(email).await
                }
                async fn set_password_hash(&self, id: CustomerId, hash: &str) -> StoreResult<()> {
                    $crate::Sql(self).set_password_hash(id, hash).await
                }
                async fn set_customer_email(
                    &self,
                    id: CustomerId,
                    email: &str,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).set_customer_email(id, email).await
                }
                async fn mark_email_verified(
                    &self,
                    id: CustomerId,
                    at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    $crate::Sql(self).mark_email_verified(id, at).await
                }
                async fn record_login(&self, id: CustomerId, at: DateTime<Utc>) -> StoreResult<()> {
                    $crate::Sql(self).record_login(id, at).await
                }
                async fn create_account_token(
                    &self,
                    customer: CustomerId,
                    purpose: &str,
                    token: &TokenHash,
                    expires_at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    $crate::Sql(self)
                        .create_account_token(customer, purpose, token, expires_at)
                        .await
                }
                async fn take_account_token(
                    &self,
                    purpose: &str,
                    token: &TokenHash,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<CustomerId>> {
                    $crate::Sql(self)
                        .take_account_token(purpose, token, now)
                        .await
                }
                async fn account_token_customer(
                    &self,
                    purpose: &str,
                    token: &TokenHash,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<CustomerId>> {
                    $crate::Sql(self)
                        .account_token_customer(purpose, token, now)
                        .await
                }
                async fn create_session(&self, session: &NewSession) -> StoreResult<SessionId> {
                    $crate::Sql(self).create_session(session).await
                }
                async fn session_by_token(
                    &self,
                    token: &TokenHash,
                    now: DateTime<Utc>,
                    idle_cutoff: DateTime<Utc>,
                ) -> StoreResult<Option<Session>> {
                    $crate::Sql(self)
                        .session_by_token(token, now, idle_cutoff)
                        .await
                }
                async fn touch_session(
                    &self,
                    id: SessionId,
                    now: DateTime<Utc>,
                ) -> StoreResult<()> {
                    $crate::Sql(self).touch_session(id, now).await
                }
                async fn customer_knows_device(
                    &self,
                    customer: CustomerId,
                    device: &TokenHash,
                ) -> StoreResult<bool> {
                    $crate::Sql(self)
                        .customer_knows_device(customer, device)
                        .await
                }
                async fn session_count(&self, customer: CustomerId) -> StoreResult<i64> {
                    $crate::Sql(self).session_count(customer).await
                }
                async fn revoke_session(
                    &self,
                    customer: CustomerId,
                    id: SessionId,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).revoke_session(customer, id, now).await
                }
                async fn revoke_sessions(
                    &self,
                    customer: CustomerId,
                    except: Option<SessionId>,
                    now: DateTime<Utc>,
                ) -> StoreResult<u64> {
                    $crate::Sql(self)
                        .revoke_sessions(customer, except, now)
                        .await
                }
                async fn sessions(
                    &self,
                    customer: CustomerId,
                    now: DateTime<Utc>,
                    idle_cutoff: DateTime<Utc>,
                ) -> StoreResult<Vec<Session>> {
                    $crate::Sql(self).sessions(customer, now, idle_cutoff).await
                }
                async fn record_throttle_event(
                    &self,
                    kind: &str,
                    key: &str,
                    subject: Option<&str>,
                    at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    $crate::Sql(self)
                        .record_throttle_event(kind, key, subject, at)
                        .await
                }
                async fn login_failures(
                    &self,
                    email: &str,
                    since: DateTime<Utc>,
                ) -> StoreResult<(u32, Option<DateTime<Utc>>)> {
                    $crate::Sql(self).login_failures(email, since).await
                }
                async fn count_throttle_events(
                    &self,
                    kind: &str,
                    key: &str,
                    since: DateTime<Utc>,
                ) -> StoreResult<u32> {
                    $crate::Sql(self)
                        .count_throttle_events(kind, key, since)
                        .await
                }
                async fn distinct_throttle_subjects(
                    &self,
                    kind: &str,
                    key: &str,
                    since: DateTime<Utc>,
                ) -> StoreResult<u32> {
                    $crate::Sql(self)
                        .distinct_throttle_subjects(kind, key, since)
                        .await
                }
                async fn enable_totp(
                    &self,
                    customer: CustomerId,
                    secret_enc: &str,
                    nonce: &str,
                    at: DateTime<Utc>,
                    recovery_hashes: &[String],
                ) -> StoreResult<()> {
                    $crate::Sql(self)
                        .enable_totp(customer, secret_enc, nonce, at, recovery_hashes)
                        .await
                }
                async fn totp(&self, customer: CustomerId) -> StoreResult<Option<TotpRecord>> {
                    $crate::Sql(self).totp(customer).await
                }
                async fn advance_totp_step(
                    &self,
                    customer: CustomerId,
                    step: i64,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).advance_totp_step(customer, step).await
                }
                async fn disable_totp(&self, customer: CustomerId) -> StoreResult<()> {
                    $crate::Sql(self).disable_totp(customer).await
                }
                async fn use_recovery_code(
                    &self,
                    customer: CustomerId,
                    hash: &str,
                    at: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self)
                        .use_recovery_code(customer, hash, at)
                        .await
                }
                async fn recovery_codes_left(&self, customer: CustomerId) -> StoreResult<i64> {
                    $crate::Sql(self).recovery_codes_left(customer).await
                }
                async fn prune_account_data(
                    &self,
                    events_before: DateTime<Utc>,
                    tokens_before: DateTime<Utc>,
                    sessions_before: DateTime<Utc>,
                    now: DateTime<Utc>,
                ) -> StoreResult<u64> {
                    $crate::Sql(self)
                        .prune_account_data(events_before, tokens_before, sessions_before, now)
                        .await
                }
                async fn block_source(
                    &self,
                    ip: &str,
                    until: DateTime<Utc>,
                    reason: &str,
                ) -> StoreResult<()> {
                    $crate::Sql(self).block_source(ip, until, reason).await
                }
                async fn source_blocked_until(
                    &self,
                    ip: &str,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<DateTime<Utc>>> {
                    $crate::Sql(self).source_blocked_until(ip, now).await
                }
            }
        };
    };
}
