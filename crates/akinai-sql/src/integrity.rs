//! The approved theme manifests and checkout holds (IPA-C-14), written once for both backends (ADR 020).

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::corrupt;
use akinai_store::{CheckoutHold, StoreResult, ThemeManifest};

use crate::{map_err, Dialect, Sql};

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
    pub async fn record_theme_manifest(
        &self,
        files: &BTreeMap<String, String>,
        approved_by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<akinai_domain::ids::ThemeManifestId> {
        let files = serde_json::to_string(files).map_err(corrupt)?;
        sqlx::query_scalar(
            "INSERT INTO theme_manifests (files, approved_at, approved_by) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(files)
        .bind(D::time(at))
        .bind(approved_by)
        .fetch_all(self.0.writer())
        .await
        .and_then(crate::one)
        .map(akinai_domain::ids::ThemeManifestId)
        .map_err(map_err)
    }

    pub async fn current_theme_manifest(&self) -> StoreResult<Option<ThemeManifest>> {
        let row = sqlx::query(
            "SELECT id, files, approved_at, approved_by FROM theme_manifests ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?;
        row.map(|r| crate::theme_manifest(&r, D::at(&r, "approved_at")?))
            .transpose()
    }

    pub async fn raise_checkout_hold(
        &self,
        reason: &str,
        detail: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO checkout_holds (reason, detail, raised_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(reason)
        .bind(detail.to_string())
        .bind(D::time(at))
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn open_checkout_holds(&self) -> StoreResult<Vec<CheckoutHold>> {
        let rows = sqlx::query(
            "SELECT id, reason, detail, raised_at FROM checkout_holds WHERE acknowledged_at IS NULL ORDER BY id",
        )
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| crate::checkout_hold(r, D::at(r, "raised_at")?))
            .collect()
    }

    pub async fn acknowledge_checkout_holds(
        &self,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE checkout_holds SET acknowledged_at = $1, acknowledged_by = $2 WHERE acknowledged_at IS NULL",
        )
        .bind(D::time(at))
        .bind(by)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done))
    }
}

/// Implements `IntegrityStore` for a backend type with the statements above.
#[macro_export]
macro_rules! integrity_store {
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
            impl akinai_store::IntegrityStore for $store {
                async fn record_theme_manifest(
                    &self,
                    files: &std::collections::BTreeMap<String, String>,
                    approved_by: &str,
                    at: DateTime<Utc>,
                ) -> StoreResult<akinai_domain::ids::ThemeManifestId> {
                    $crate::Sql(self)
                        .record_theme_manifest(files, approved_by, at)
                        .await
                }
                async fn current_theme_manifest(&self) -> StoreResult<Option<ThemeManifest>> {
                    $crate::Sql(self).current_theme_manifest().await
                }
                async fn raise_checkout_hold(
                    &self,
                    reason: &str,
                    detail: &serde_json::Value,
                    at: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self)
                        .raise_checkout_hold(reason, detail, at)
                        .await
                }
                async fn open_checkout_holds(&self) -> StoreResult<Vec<CheckoutHold>> {
                    $crate::Sql(self).open_checkout_holds().await
                }
                async fn acknowledge_checkout_holds(
                    &self,
                    by: &str,
                    at: DateTime<Utc>,
                ) -> StoreResult<u64> {
                    $crate::Sql(self).acknowledge_checkout_holds(by, at).await
                }
            }
        };
    };
}
