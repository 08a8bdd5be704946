//! The refund ledger, read for the accounting export (written by [`crate::RECORD_REFUND`] in the
//! same transaction as every raise of a payment's refunded total), for both backends.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::ids::OrderId;
use akinai_domain::Yen;
use akinai_store::payments::Refund;
use akinai_store::StoreResult;

use crate::{map_err, Columns, Dialect, Sql};

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: ColumnIndex<<D::Db as Database>::Row>,
    for<'q> Option<i64>: Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Decode<'q, D::Db> + Type<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    pub async fn refunds_between(
        &self,
        from: DateTime<Utc>,
        before: DateTime<Utc>,
    ) -> StoreResult<Vec<Refund>> {
        let rows = sqlx::query(
            "SELECT order_id, amount, at FROM refunds WHERE at >= $1 AND at < $2 ORDER BY at, id",
        )
        .bind(D::time(from))
        .bind(D::time(before))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(Refund {
                    order: OrderId(r.int("order_id")?),
                    amount: Yen(r.int("amount")?),
                    at: D::at(r, "at")?,
                })
            })
            .collect()
    }
}
