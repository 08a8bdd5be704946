//! The audit trail's hash chain, written once for both backends (ADR 020). An append reads the
//! last entry and writes the next in one transaction that nothing else can interleave with: on
//! SQLite the single writer connection serialises appends, on PostgreSQL a transaction-scoped
//! advisory lock does it for every node ([`Dialect::SERIALISE_AUDIT`]). Entry times keep
//! microseconds ([`Dialect::AUDIT_AT`], [`Dialect::micros`]): they are part of each hash.

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::audit::{entry_hash, AuditRecord, ChainedEntry, GENESIS};
use akinai_store::{AuditFilter, StoreResult};

use crate::{map_err, Arg, Dialect, Filter, Sql};

/// The columns of an entry, with the backend's time column.
fn select<D: Dialect>() -> String {
    format!(
        "SELECT seq, {} AS at_micros, actor, action, target, ip, request_id, detail, prev_hash, hash \
         FROM audit_log WHERE ",
        D::AUDIT_AT
    )
}

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
    pub async fn append_audit(&self, record: &AuditRecord) -> StoreResult<ChainedEntry> {
        let mut tx = self.begin_write().await?;
        if let Some(lock) = D::SERIALISE_AUDIT {
            sqlx::query(lock).execute(&mut *tx).await.map_err(map_err)?;
        }
        let last: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
        let (seq, prev_hash) = last.map_or((1, GENESIS.to_string()), |(s, h)| (s + 1, h));
        let hash = entry_hash(&prev_hash, seq, record);
        let mut insert = Filter::new(&format!(
            "INSERT INTO audit_log (seq, {}, actor, action, target, ip, request_id, detail, prev_hash, hash) VALUES (",
            D::AUDIT_AT
        ));
        insert
            .bind("", Arg::Int(seq))
            .bind(", ", D::micros(record.at))
            .bind(", ", Arg::Text(record.actor.clone()))
            .bind(", ", Arg::Text(record.action.clone()))
            .bind(", ", Arg::Text(record.target.clone()))
            .bind(", ", Arg::OptText(record.ip.clone()))
            .bind(", ", Arg::OptText(record.request_id.clone()))
            .bind(", ", Arg::Text(record.detail.clone()))
            .bind(", ", Arg::Text(prev_hash.clone()))
            .bind(", ", Arg::Text(hash.clone()))
            .push(")");
        Self::bound(&insert)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(ChainedEntry {
            seq,
            record: record.clone(),
            prev_hash,
            hash,
        })
    }

    pub async fn latest_audit_entries(
        &self,
        before: i64,
        limit: u32,
    ) -> StoreResult<Vec<ChainedEntry>> {
        self.search_audit(&AuditFilter::default(), before, limit)
            .await
    }

    pub async fn audit_entries_of(
        &self,
        action: &str,
        limit: u32,
    ) -> StoreResult<Vec<ChainedEntry>> {
        let filter = AuditFilter {
            action: Some(action.to_string()),
            ..AuditFilter::default()
        };
        self.search_audit(&filter, i64::MAX, limit).await
    }

    pub async fn search_audit(
        &self,
        filter: &AuditFilter,
        before: i64,
        limit: u32,
    ) -> StoreResult<Vec<ChainedEntry>> {
        let mut q = Filter::new(&select::<D>());
        q.bind("seq < ", Arg::Int(before));
        for (column, value) in [
            (" AND action = ", &filter.action),
            (" AND actor = ", &filter.actor),
            (" AND target = ", &filter.target),
        ] {
            if let Some(v) = value {
                q.bind(column, Arg::Text(v.clone()));
            }
        }
        if let Some(t) = filter.from {
            q.bind(&format!(" AND {} >= ", D::AUDIT_AT), D::micros(t));
        }
        if let Some(t) = filter.to {
            q.bind(&format!(" AND {} < ", D::AUDIT_AT), D::micros(t));
        }
        q.bind(" ORDER BY seq DESC LIMIT ", Arg::Int(i64::from(limit)));
        self.entries(&q).await
    }

    pub async fn audit_entries(&self, after: i64, limit: u32) -> StoreResult<Vec<ChainedEntry>> {
        let mut q = Filter::new(&select::<D>());
        q.bind("seq > ", Arg::Int(after))
            .bind(" ORDER BY seq LIMIT ", Arg::Int(i64::from(limit)));
        self.entries(&q).await
    }

    async fn entries(&self, q: &Filter) -> StoreResult<Vec<ChainedEntry>> {
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| crate::audit_entry(r, D::read_micros(r, "at_micros")?))
            .collect()
    }
}

/// Implements `akinai_store::AuditStore` for a backend type with the statements above.
#[macro_export]
macro_rules! audit_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::audit::{AuditRecord, ChainedEntry};
            use akinai_store::{AuditFilter, StoreResult};
            #[async_trait::async_trait]
            impl akinai_store::AuditStore for $store {
                async fn append_audit(&self, record: &AuditRecord) -> StoreResult<ChainedEntry> {
                    $crate::Sql(self).append_audit(record).await
                }

                async fn latest_audit_entries(
                    &self,
                    before: i64,
                    limit: u32,
                ) -> StoreResult<Vec<ChainedEntry>> {
                    $crate::Sql(self).latest_audit_entries(before, limit).await
                }

                async fn audit_entries_of(
                    &self,
                    action: &str,
                    limit: u32,
                ) -> StoreResult<Vec<ChainedEntry>> {
                    $crate::Sql(self).audit_entries_of(action, limit).await
                }

                async fn search_audit(
                    &self,
                    filter: &AuditFilter,
                    before: i64,
                    limit: u32,
                ) -> StoreResult<Vec<ChainedEntry>> {
                    $crate::Sql(self).search_audit(filter, before, limit).await
                }

                async fn audit_entries(
                    &self,
                    after: i64,
                    limit: u32,
                ) -> StoreResult<Vec<ChainedEntry>> {
                    $crate::Sql(self).audit_entries(after, limit).await
                }
            }
        };
    };
}
