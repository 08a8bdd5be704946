//! The shop's view of its members for SQLite: the customer list (newest first, keyset on id,
//! e-mail prefix filter; each row's order count from the `orders_by_customer` index in the same
//! query) and the shop's lock.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use crate::Columns;
use akinai_domain::ids::CustomerId;
use akinai_store::customers::{CustomerFilter, CustomerRow};
use akinai_store::StoreResult;

use crate::accounts::CUSTOMER;
use crate::{map_err, Dialect, Sql};
use crate::{Arg, Filter};

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
    pub async fn customer_rows(
        &self,
        filter: &CustomerFilter,
        before: Option<CustomerId>,
        limit: u32,
    ) -> StoreResult<Vec<CustomerRow>> {
        let mut q = Filter::new(&format!(
            "SELECT c.*, (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id) AS orders \
             FROM ({CUSTOMER}) c WHERE c.id < "
        ));
        q.bind("", Arg::Int(before.map_or(i64::MAX, |c| c.0)));
        if let Some(p) = &filter.email_prefix {
            q.bind(" AND substr(c.email, 1, length(", Arg::Text(p.clone()))
                .bind(")) = ", Arg::Text(p.clone()));
        }
        if filter.locked_only {
            q.push(" AND c.locked_at IS NOT NULL");
        }
        q.bind(" ORDER BY c.id DESC LIMIT ", Arg::Int(i64::from(limit)));
        let rows = self.fetch_all(&q).await?;
        rows.iter()
            .map(|r| {
                Ok(CustomerRow {
                    customer: Self::customer_row(r)?,
                    orders: r.int("orders")?,
                })
            })
            .collect()
    }

    pub async fn set_customer_lock(
        &self,
        id: CustomerId,
        locked_at: Option<DateTime<Utc>>,
        by: &str,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE customers SET locked_at = $1, locked_by = $2 \
             WHERE id = $3 AND deleted_at IS NULL AND (locked_at IS NULL) = ($1 IS NOT NULL)",
        )
        .bind(locked_at.map(D::time))
        .bind(by)
        .bind(id.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }
}

/// Implements `CustomerAdminStore` for a backend type with the statements above.
#[macro_export]
macro_rules! customer_admin_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::ids::CustomerId;
            use akinai_store::customers::*;
            use akinai_store::{Customer, StoreResult};
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::customers::CustomerAdminStore for $store {
                async fn customer_rows(
                    &self,
                    filter: &CustomerFilter,
                    before: Option<CustomerId>,
                    limit: u32,
                ) -> StoreResult<Vec<CustomerRow>> {
                    $crate::Sql(self).customer_rows(filter, before, limit).await
                }
                async fn set_customer_lock(
                    &self,
                    id: CustomerId,
                    locked_at: Option<DateTime<Utc>>,
                    by: &str,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).set_customer_lock(id, locked_at, by).await
                }
            }
        };
    };
}
