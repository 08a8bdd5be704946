//! Storage side of the API's catalog work (issue 20): a page of products with their SKUs in two
//! reads, a SKU by its code, and its stock set outright. Both raise `inventory.low` in the same transaction when
//! the stock falls to [`akinai_domain::webhook::LOW_STOCK`] (ADR 038); deltas stay
//! `CatalogAdminStore::adjust_stock`'s guarded statement.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::ids::{ProductId, SkuId};

use crate::StoreResult;

/// A SKU's stock as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuStock {
    pub sku: SkuId,
    pub product: ProductId,
    pub code: String,
    pub stock: i64,
}

#[async_trait]
pub trait InventoryStore: Send + Sync {
    async fn sku_by_code(&self, code: &str) -> StoreResult<Option<SkuStock>>;
    /// Products by id after `after` (published or not) with their SKUs, in two reads (the
    /// API's product pages).
    async fn product_page(
        &self,
        after: Option<ProductId>,
        limit: u32,
    ) -> StoreResult<Vec<crate::catalog_admin::AdminProduct>>;
    /// Sets a SKU's stock (≥ 0); the stock before, or `None` when there is no such SKU.
    async fn set_stock(
        &self,
        sku: SkuId,
        stock: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>>;
}
