//! The shop's view of its members for PostgreSQL: the customer list (newest first, keyset on id,
//! e-mail prefix filter; each row's order count from the `orders_by_customer` index in the same
//! query) and the shop's lock.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};

use akinai_domain::ids::CustomerId;
use akinai_sql::Columns;
use akinai_store::customers::{CustomerAdminStore, CustomerFilter, CustomerRow};
use akinai_store::StoreResult;

use crate::accounts::{customer, CUSTOMER};
use crate::{map_err, PgStore};

#[async_trait]
impl CustomerAdminStore for PgStore {
    async fn customer_rows(
        &self,
        filter: &CustomerFilter,
        before: Option<CustomerId>,
        limit: u32,
    ) -> StoreResult<Vec<CustomerRow>> {
        let mut q: QueryBuilder<Postgres> =
            QueryBuilder::new(format!("SELECT c.*, (SELECT COUNT(*)::INT8 FROM orders o WHERE o.customer_id = c.id) AS orders \
             FROM ({CUSTOMER}) c WHERE c.id < "));
        q.push_bind(before.map_or(i64::MAX, |c| c.0));
        if let Some(p) = &filter.email_prefix {
            q.push(" AND starts_with(c.email, ")
                .push_bind(p.clone())
                .push(")");
        }
        if filter.locked_only {
            q.push(" AND c.locked_at IS NOT NULL");
        }
        q.push(" ORDER BY c.id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(CustomerRow {
                    customer: customer(r)?,
                    orders: r.int("orders")?,
                })
            })
            .collect()
    }

    async fn set_customer_lock(
        &self,
        id: CustomerId,
        locked_at: Option<DateTime<Utc>>,
        by: &str,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE customers SET locked_at = $1, locked_by = $2 \
             WHERE id = $3 AND deleted_at IS NULL AND (locked_at IS NULL) = ($1::TIMESTAMPTZ IS NOT NULL)",
        )
        .bind(locked_at)
        .bind(by)
        .bind(id.0)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }
}
