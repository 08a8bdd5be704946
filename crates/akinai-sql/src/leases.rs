//! Named task leases (ADR 040), one upsert for both backends: the row is inserted, or updated
//! only when its slot is not done and its lease has run out; `RETURNING` tells whether this
//! caller got it.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_store::StoreResult;

use crate::{map_err, Dialect, Sql};

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    pub async fn take_task(
        &self,
        name: &str,
        slot: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let taken: Vec<String> = sqlx::query_scalar(
            "INSERT INTO task_leases (name, holder, lease_until, done_slot) VALUES ($1, $2, $3, '') \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until \
             WHERE task_leases.done_slot <> $4 AND task_leases.lease_until <= $5 \
             RETURNING name",
        )
        .bind(name)
        .bind(holder)
        .bind(D::time(until))
        .bind(slot)
        .bind(D::time(now))
        .fetch_all(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(!taken.is_empty())
    }

    pub async fn finish_task(
        &self,
        name: &str,
        slot: &str,
        holder: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE task_leases SET done_slot = $1, lease_until = $2 WHERE name = $3 AND holder = $4",
        )
        .bind(slot)
        .bind(D::time(now))
        .bind(name)
        .bind(holder)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }
}

/// Implements `TaskLeaseStore` for a backend's store type.
#[macro_export]
macro_rules! task_lease_store {
    ($store:ty) => {
        const _: () = {
            use akinai_store::StoreResult;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::leases::TaskLeaseStore for $store {
                async fn take_task(
                    &self,
                    name: &str,
                    slot: &str,
                    holder: &str,
                    now: DateTime<Utc>,
                    until: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self)
                        .take_task(name, slot, holder, now, until)
                        .await
                }
                async fn finish_task(
                    &self,
                    name: &str,
                    slot: &str,
                    holder: &str,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).finish_task(name, slot, holder, now).await
                }
            }
        };
    };
}
