//! Storage side of the dashboard's business figures (admin issue, item 9): sales per day, the
//! time from order to delivered confirmation, the conversion funnel, low stock, and the visit
//! counter the storefront flushes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::ids::{ProductId, SkuId};
use akinai_domain::Yen;

use crate::StoreResult;

/// Orders and sales of one day (JST), cancelled and refunded orders left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySales {
    /// `YYYY-MM-DD` in Japan time.
    pub day: String,
    pub orders: i64,
    pub sales: Yen,
}

/// Counts of the funnel's steps in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Funnel {
    pub visits: i64,
    pub carts: i64,
    pub checkouts: i64,
    pub orders: i64,
}

/// A SKU running low.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowStock {
    pub product: ProductId,
    pub sku: SkuId,
    pub name: String,
    pub option_label: String,
    pub stock: i64,
}

#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Per JST day with orders, placed in `[from, to)`, oldest first.
    async fn sales_by_day(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<DaySales>>;
    /// Milliseconds from placing to the delivered confirmation mail, for orders placed since
    /// `since` (at most `limit`, newest first).
    async fn confirmation_delays(&self, since: DateTime<Utc>, limit: u32) -> StoreResult<Vec<i64>>;
    /// The funnel since `since`; visits from the days (`YYYY-MM-DD`, JST) from `since_day`.
    async fn funnel(&self, since: DateTime<Utc>, since_day: &str) -> StoreResult<Funnel>;
    /// Published SKUs with at most `threshold` in stock, fewest first.
    async fn low_stock(&self, threshold: i64, limit: u32) -> StoreResult<Vec<LowStock>>;
    /// Adds `n` visits to `day`.
    async fn add_visits(&self, day: &str, n: i64) -> StoreResult<()>;
}
