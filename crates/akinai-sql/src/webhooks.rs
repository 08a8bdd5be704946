//! Outgoing webhooks, written once for both backends (ADR 020, ADR 038). [`Sql::emit_event`]
//! is the outbox: the statements that change orders, products, stock and customers call it
//! inside their own transaction, so an event exists exactly when its change does. It costs one
//! indexed read when no endpoint wants the event.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::ids::{WebhookDeliveryId, WebhookEndpointId};
use akinai_domain::webhook::EventType;
use akinai_store::webhooks::{
    AttemptOutcome, DeliveryLogEntry, DueDelivery, NewWebhookEndpoint, WebhookEndpoint,
};
use akinai_store::StoreResult;

use crate::{map_err, Columns, Dialect, Sql};

const ENDPOINT_COLUMNS: &str = "id, url, events, secret, previous_secret, previous_until, \
    created_at, created_by, disabled_at, disabled_reason, removed_at, removed_by";

/// Endpoints that receive an event named by `$1` (`% name %`), all or (`$2` ≠ 0) one.
const SUBSCRIBED: &str = "FROM webhook_endpoints WHERE removed_at IS NULL AND disabled_at IS NULL \
    AND (' ' || events || ' ') LIKE $1 AND ($2 = 0 OR id = $2)";

/// The body of an event: Standard Webhooks' `type`, `timestamp` (JST offset, like the API) and
/// `data`.
pub fn event_body(event: &str, data: &serde_json::Value, at: DateTime<Utc>) -> String {
    serde_json::json!({ "type": event, "timestamp": event_time(at), "data": data }).to_string()
}

/// An event's `timestamp`: RFC 3339 with the JST offset, to the second.
pub fn event_time(at: DateTime<Utc>) -> String {
    FixedOffset::east_opt(9 * 3600).map_or_else(
        || at.to_rfc3339_opts(SecondsFormat::Secs, true),
        |tz| {
            at.with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        },
    )
}

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<D::Time>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    /// Records `event` with `data` inside `conn`'s transaction and one delivery per endpoint
    /// that wants it (all, or only `only`); `None` when no endpoint does (nothing is written).
    pub async fn emit_event(
        conn: &mut <D::Db as Database>::Connection,
        event: &str,
        data: &serde_json::Value,
        at: DateTime<Utc>,
        only: Option<WebhookEndpointId>,
    ) -> StoreResult<Option<i64>> {
        let pattern = format!("% {event} %");
        let only = only.map_or(0, |o| o.0);
        let wanted: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {SUBSCRIBED}"))
            .bind(pattern.clone())
            .bind(only)
            .fetch_one(&mut *conn)
            .await
            .map_err(map_err)?;
        if wanted == 0 {
            return Ok(None);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhook_events (event_type, body, created_at) VALUES ($1, $2, $3) \
             RETURNING id",
        )
        .bind(event.to_string())
        .bind(event_body(event, data, at))
        .bind(D::time(at))
        .fetch_one(&mut *conn)
        .await
        .map_err(map_err)?;
        sqlx::query(&format!(
            "INSERT INTO webhook_deliveries (event_id, endpoint_id, run_at) \
             SELECT $3, id, $4 {SUBSCRIBED}"
        ))
        .bind(pattern)
        .bind(only)
        .bind(id)
        .bind(D::time(at))
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
        Ok(Some(id))
    }

    /// [`Sql::emit_event`] for an event type of the domain.
    pub async fn emit(
        conn: &mut <D::Db as Database>::Connection,
        event: EventType,
        data: serde_json::Value,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        Self::emit_event(conn, event.as_str(), &data, at, None)
            .await
            .map(drop)
    }

    fn read_endpoint(r: &<D::Db as Database>::Row) -> StoreResult<WebhookEndpoint> {
        let pair = |at: Option<DateTime<Utc>>, what: Option<String>| what.zip(at);
        let flip = |p: Option<(String, DateTime<Utc>)>| p.map(|(w, a)| (a, w));
        Ok(WebhookEndpoint {
            id: WebhookEndpointId(r.int("id")?),
            endpoint: NewWebhookEndpoint {
                url: r.text("url")?,
                events: r.text("events")?,
                secret: r.text("secret")?,
                created_at: D::at(r, "created_at")?,
                created_by: r.text("created_by")?,
            },
            previous_secret: pair(
                D::read_time(r, "previous_until")?,
                r.opt_text("previous_secret")?,
            ),
            disabled: flip(pair(
                D::read_time(r, "disabled_at")?,
                r.opt_text("disabled_reason")?,
            )),
            removed: flip(pair(
                D::read_time(r, "removed_at")?,
                r.opt_text("removed_by")?,
            )),
        })
    }

    pub async fn add_webhook_endpoint(
        &self,
        e: &NewWebhookEndpoint,
    ) -> StoreResult<WebhookEndpointId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhook_endpoints (url, events, secret, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(e.url.clone())
        .bind(e.events.clone())
        .bind(e.secret.clone())
        .bind(D::time(e.created_at))
        .bind(e.created_by.clone())
        .fetch_one(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(WebhookEndpointId(id))
    }

    pub async fn webhook_endpoints(&self) -> StoreResult<Vec<WebhookEndpoint>> {
        let rows = sqlx::query(&format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE removed_at IS NULL \
             ORDER BY id DESC"
        ))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(Self::read_endpoint).collect()
    }

    pub async fn webhook_endpoint(
        &self,
        id: WebhookEndpointId,
    ) -> StoreResult<Option<WebhookEndpoint>> {
        let row = sqlx::query(&format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(self.0.writer())
        .await
        .map_err(map_err)?;
        row.as_ref().map(Self::read_endpoint).transpose()
    }

    pub async fn remove_webhook_endpoint(
        &self,
        id: WebhookEndpointId,
        at: DateTime<Utc>,
        by: &str,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE webhook_endpoints SET removed_at = $1, removed_by = $2 \
             WHERE id = $3 AND removed_at IS NULL",
        )
        .bind(D::time(at))
        .bind(by)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        Self::end_open_deliveries(&mut tx, id, "endpoint removed").await?;
        tx.commit().await.map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    async fn end_open_deliveries(
        conn: &mut <D::Db as Database>::Connection,
        id: WebhookEndpointId,
        why: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET state = 'failed', run_at = NULL, locked_until = NULL, \
             last_error = $1 WHERE endpoint_id = $2 AND state = 'pending'",
        )
        .bind(why)
        .bind(id.0)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn rotate_webhook_secret(
        &self,
        id: WebhookEndpointId,
        secret: &str,
        overlap_until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE webhook_endpoints SET previous_secret = secret, previous_until = $1, \
             secret = $2 WHERE id = $3 AND removed_at IS NULL",
        )
        .bind(D::time(overlap_until))
        .bind(secret)
        .bind(id.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn enable_webhook_endpoint(&self, id: WebhookEndpointId) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL \
             WHERE id = $1 AND removed_at IS NULL AND disabled_at IS NOT NULL",
        )
        .bind(id.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn claim_webhook_delivery(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<DueDelivery>> {
        let row = sqlx::query(&format!(
            "UPDATE webhook_deliveries SET locked_until = $1, attempts = attempts + 1 WHERE id = ( \
                 SELECT id FROM webhook_deliveries WHERE run_at IS NOT NULL AND run_at <= $2 \
                 AND (locked_until IS NULL OR locked_until < $3) AND endpoint_id IN \
                 (SELECT id FROM webhook_endpoints WHERE removed_at IS NULL AND disabled_at IS NULL) \
                 ORDER BY run_at, id LIMIT 1{}) \
             RETURNING id, event_id, endpoint_id, attempts",
            D::SKIP_LOCKED
        ))
        .bind(D::time(lease_until))
        .bind(D::time(now))
        .bind(D::time(now))
        .fetch_all(self.0.writer())
        .await
        .map(crate::first)
        .map_err(map_err)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (id, event_id) = (row.int("id")?, row.int("event_id")?);
        let endpoint = self
            .webhook_endpoint(WebhookEndpointId(row.int("endpoint_id")?))
            .await?
            .ok_or_else(|| akinai_store::StoreError::Corrupt("delivery without endpoint".into()))?;
        let event = sqlx::query("SELECT event_type, body FROM webhook_events WHERE id = $1")
            .bind(event_id)
            .fetch_one(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(Some(DueDelivery {
            id: WebhookDeliveryId(id),
            event_id,
            event_type: event.text("event_type")?,
            body: event.text("body")?,
            attempts: row.int("attempts")?,
            endpoint,
        }))
    }

    pub async fn finish_webhook_attempt(
        &self,
        d: &DueDelivery,
        at: DateTime<Utc>,
        outcome: &AttemptOutcome,
    ) -> StoreResult<()> {
        let (state, run_at, status, error, delivered) = match outcome {
            AttemptOutcome::Delivered { status } => {
                ("delivered", None, Some(*status), None, Some(at))
            }
            AttemptOutcome::Failed {
                status,
                error,
                retry_at,
            } => (
                if retry_at.is_some() {
                    "pending"
                } else {
                    "failed"
                },
                *retry_at,
                *status,
                Some(error.clone()),
                None,
            ),
            AttemptOutcome::Gone => (
                "failed",
                None,
                Some(410),
                Some("410 Gone: endpoint disabled".to_string()),
                None,
            ),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET state = $1, run_at = $2, locked_until = NULL, \
             last_attempt_at = $3, last_status = $4, last_error = $5, delivered_at = $6 \
             WHERE id = $7",
        )
        .bind(state)
        .bind(run_at.map(D::time))
        .bind(D::time(at))
        .bind(status.map(i64::from))
        .bind(error)
        .bind(delivered.map(D::time))
        .bind(d.id.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if *outcome == AttemptOutcome::Gone {
            sqlx::query(
                "UPDATE webhook_endpoints SET disabled_at = $1, disabled_reason = $2 \
                 WHERE id = $3 AND disabled_at IS NULL",
            )
            .bind(D::time(at))
            .bind("410 Gone")
            .bind(d.endpoint.id.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            Self::end_open_deliveries(&mut tx, d.endpoint.id, "endpoint disabled (410 Gone)")
                .await?;
        }
        tx.commit().await.map_err(map_err)
    }

    pub async fn retry_webhook_delivery(
        &self,
        id: WebhookDeliveryId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET state = 'pending', run_at = $1, locked_until = NULL \
             WHERE id = $2 AND state = 'failed'",
        )
        .bind(D::time(now))
        .bind(id.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn webhook_deliveries(
        &self,
        endpoint: Option<WebhookEndpointId>,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryLogEntry>> {
        let rows = sqlx::query(
            "SELECT d.id, d.endpoint_id, d.event_id, e.event_type, e.created_at, d.state, \
             d.attempts, d.run_at, d.last_attempt_at, d.last_status, d.last_error \
             FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id \
             WHERE ($1 = 0 OR d.endpoint_id = $1) ORDER BY d.id DESC LIMIT $2",
        )
        .bind(endpoint.map_or(0, |e| e.0))
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryLogEntry {
                    id: WebhookDeliveryId(r.int("id")?),
                    endpoint_id: WebhookEndpointId(r.int("endpoint_id")?),
                    event_id: r.int("event_id")?,
                    event_type: r.text("event_type")?,
                    created_at: D::at(r, "created_at")?,
                    state: r.text("state")?,
                    attempts: r.int("attempts")?,
                    next_attempt: D::read_time(r, "run_at")?,
                    last_attempt: D::read_time(r, "last_attempt_at")?,
                    last_status: r.opt_int("last_status")?,
                    last_error: r.opt_text("last_error")?,
                })
            })
            .collect()
    }

    pub async fn record_webhook_event(
        &self,
        event: &str,
        data: &serde_json::Value,
        at: DateTime<Utc>,
        only: Option<WebhookEndpointId>,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let id = Self::emit_event(&mut tx, event, data, at, only).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }
}

/// Implements `WebhookStore` for a backend type with the statements above.
#[macro_export]
macro_rules! webhook_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::ids::{WebhookDeliveryId, WebhookEndpointId};
            use akinai_store::webhooks::{
                AttemptOutcome, DeliveryLogEntry, DueDelivery, NewWebhookEndpoint, WebhookEndpoint,
            };
            use akinai_store::StoreResult;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::webhooks::WebhookStore for $store {
                async fn add_webhook_endpoint(
                    &self,
                    e: &NewWebhookEndpoint,
                ) -> StoreResult<WebhookEndpointId> {
                    $crate::Sql(self).add_webhook_endpoint(e).await
                }
                async fn webhook_endpoints(&self) -> StoreResult<Vec<WebhookEndpoint>> {
                    $crate::Sql(self).webhook_endpoints().await
                }
                async fn webhook_endpoint(
                    &self,
                    id: WebhookEndpointId,
                ) -> StoreResult<Option<WebhookEndpoint>> {
                    $crate::Sql(self).webhook_endpoint(id).await
                }
                async fn remove_webhook_endpoint(
                    &self,
                    id: WebhookEndpointId,
                    at: DateTime<Utc>,
                    by: &str,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).remove_webhook_endpoint(id, at, by).await
                }
                async fn rotate_webhook_secret(
                    &self,
                    id: WebhookEndpointId,
                    secret: &str,
                    overlap_until: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self)
                        .rotate_webhook_secret(id, secret, overlap_until)
                        .await
                }
                async fn enable_webhook_endpoint(
                    &self,
                    id: WebhookEndpointId,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).enable_webhook_endpoint(id).await
                }
                async fn claim_webhook_delivery(
                    &self,
                    now: DateTime<Utc>,
                    lease_until: DateTime<Utc>,
                ) -> StoreResult<Option<DueDelivery>> {
                    $crate::Sql(self)
                        .claim_webhook_delivery(now, lease_until)
                        .await
                }
                async fn finish_webhook_attempt(
                    &self,
                    d: &DueDelivery,
                    at: DateTime<Utc>,
                    outcome: &AttemptOutcome,
                ) -> StoreResult<()> {
                    $crate::Sql(self)
                        .finish_webhook_attempt(d, at, outcome)
                        .await
                }
                async fn retry_webhook_delivery(
                    &self,
                    id: WebhookDeliveryId,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).retry_webhook_delivery(id, now).await
                }
                async fn webhook_deliveries(
                    &self,
                    endpoint: Option<WebhookEndpointId>,
                    limit: u32,
                ) -> StoreResult<Vec<DeliveryLogEntry>> {
                    $crate::Sql(self).webhook_deliveries(endpoint, limit).await
                }
                async fn record_webhook_event(
                    &self,
                    event_type: &str,
                    data: &serde_json::Value,
                    at: DateTime<Utc>,
                    only: Option<WebhookEndpointId>,
                ) -> StoreResult<Option<i64>> {
                    $crate::Sql(self)
                        .record_webhook_event(event_type, data, at, only)
                        .await
                }
            }
        };
    };
}
