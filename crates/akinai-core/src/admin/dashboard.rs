//! The dashboard's business figures (admin issue, item 9): today's and this month's orders and
//! sales (Japan days; cancelled and refunded orders left out), the last 30 days day by day, the
//! time from order to delivered confirmation mail (median and 95th percentile), the conversion
//! funnel (new visitors → carts → checkouts → orders) and SKUs running low.

use crate::Audit;
use crate::Base;
use akinai_store::reports::ReportStore;
use akinai_store::IntegrityStore;
use akinai_store::SecurityStore;
use chrono::{Datelike, Duration, NaiveDate};
use std::sync::Arc;

use akinai_domain::admin::ViewSales;
use akinai_domain::kpi::percentile;
use akinai_domain::Yen;
use akinai_store::reports::{DaySales, Funnel, LowStock};

use super::Authorized;
use crate::clock::{jst, jst_midnight};
use crate::CoreError;

/// Stock at or below which a SKU is listed as low (and `inventory.low` fires).
pub use akinai_domain::webhook::LOW_STOCK;
/// Orders sampled for the confirmation-time percentiles.
const DELAY_SAMPLE: u32 = 10_000;

/// The figures of the dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessOverview {
    pub today: (i64, Yen),
    pub month: (i64, Yen),
    /// The last 30 Japan days, oldest first, days without orders included.
    pub days: Vec<DaySales>,
    /// Median and 95th percentile, in seconds, over the last 30 days.
    pub confirmation_p50_p95: Option<(i64, i64)>,
    pub confirmations: usize,
    pub funnel: Funnel,
    pub low_stock: Vec<LowStock>,
}

/// The dashboard's figures: sales, funnel, delays, low stock and the security overview.
#[derive(Clone)]
pub struct Dashboard {
    pub(crate) base: Base,
    pub(crate) integrity_store: Arc<dyn IntegrityStore>,
    pub(crate) report_store: Arc<dyn ReportStore>,
    pub(crate) security_store: Arc<dyn SecurityStore>,
    pub(crate) audit: Audit,
}

impl Dashboard {
    /// The business figures as of now.
    pub async fn business_overview(
        &self,
        _by: &Authorized<ViewSales>,
    ) -> Result<BusinessOverview, CoreError> {
        let now = self.base.clock.now();
        let today = now.with_timezone(&jst()).date_naive();
        let first_day = today - Duration::days(29);
        let month_start = today.with_day(1).unwrap_or(today);
        let from = jst_midnight(first_day.min(month_start));
        let tomorrow = jst_midnight(today + Duration::days(1));
        let stored = self.report_store.sales_by_day(from, tomorrow).await?;
        let key = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        let sum = |from_day: NaiveDate| {
            let from_key = key(from_day);
            stored
                .iter()
                .filter(|d| d.day >= from_key)
                .fold((0, Yen::ZERO), |(n, y), d| {
                    (n + d.orders, Yen(y.0 + d.sales.0))
                })
        };
        let days = (0..30)
            .map(|i| {
                let day = key(first_day + Duration::days(i));
                stored
                    .iter()
                    .find(|d| d.day == day)
                    .cloned()
                    .unwrap_or(DaySales {
                        day,
                        orders: 0,
                        sales: Yen::ZERO,
                    })
            })
            .collect();
        let since = jst_midnight(first_day);
        let delays = self
            .report_store
            .confirmation_delays(since, DELAY_SAMPLE)
            .await?;
        let confirmation_p50_p95 = percentile(&delays, 50)
            .zip(percentile(&delays, 95))
            .map(|(a, b)| (a / 1000, b / 1000));
        Ok(BusinessOverview {
            today: sum(today),
            month: sum(month_start),
            days,
            confirmation_p50_p95,
            confirmations: delays.len(),
            funnel: self.report_store.funnel(since, &key(first_day)).await?,
            low_stock: self.report_store.low_stock(LOW_STOCK, 20).await?,
        })
    }
}
