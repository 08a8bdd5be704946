//! The dashboard (admin issue, item 9): links by role, the business figures for owners and
//! managers (today, this month, 30 days as a server-drawn SVG bar chart, time to confirmation,
//! funnel, low stock), the security panel, and a reminder of card payments held for capture at
//! shipping (with those whose hold lapses within two days). The chart is plain SVG shapes from the template —
//! no third-party script, nothing the CSP has to allow.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use akinai_core::admin::BusinessOverview;
use akinai_domain::admin::{
    ManageAdmins, ManageCatalog, ManageShop, ReviewOrders, ViewAudit, ViewDashboard, ViewOrders,
    ViewSales,
};
use akinai_domain::kpi::rate;

use super::AdminExt;
use crate::error::WebError;
use crate::layout::Ctx;
use crate::AppState;

/// Chart area in SVG units.
const CHART_W: i64 = 600;
const CHART_H: i64 = 160;

/// One bar of the 30-day chart.
struct Bar {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
    label: String,
}

struct Business {
    today_orders: i64,
    today_sales: String,
    month_orders: i64,
    month_sales: String,
    bars: Vec<Bar>,
    peak: String,
    first_day: String,
    last_day: String,
    confirmation: Option<(i64, i64)>,
    confirmations: usize,
    funnel: Vec<(&'static str, i64, String)>,
    low_stock: Vec<(i64, String, i64)>,
}

fn business(o: BusinessOverview) -> Business {
    let peak = o.days.iter().map(|d| d.sales.0).max().unwrap_or(0).max(1);
    let n = i64::try_from(o.days.len()).unwrap_or(1).max(1);
    let slot = CHART_W / n;
    let bars = o
        .days
        .iter()
        .zip(0..)
        .map(|(d, i)| {
            let h = d.sales.0.saturating_mul(CHART_H) / peak;
            Bar {
                x: i * slot + 2,
                y: CHART_H - h,
                w: (slot - 4).max(1),
                h,
                label: format!("{} {}件 {}", d.day, d.orders, d.sales.display()),
            }
        })
        .collect();
    let f = o.funnel;
    let pct = |part, whole| rate(part, whole).map_or("—".to_string(), |r| format!("{r:.1}%"));
    Business {
        today_orders: o.today.0,
        today_sales: o.today.1.display(),
        month_orders: o.month.0,
        month_sales: o.month.1.display(),
        bars,
        peak: akinai_domain::Yen(peak).display(),
        first_day: o.days.first().map(|d| d.day.clone()).unwrap_or_default(),
        last_day: o.days.last().map(|d| d.day.clone()).unwrap_or_default(),
        confirmation: o.confirmation_p50_p95,
        confirmations: o.confirmations,
        funnel: vec![
            ("新規訪問", f.visits, String::new()),
            ("カート", f.carts, pct(f.carts, f.visits)),
            ("購入手続き", f.checkouts, pct(f.checkouts, f.carts)),
            ("注文", f.orders, pct(f.orders, f.checkouts)),
        ],
        low_stock: o
            .low_stock
            .into_iter()
            .map(|l| {
                let name = if l.option_label.is_empty() {
                    l.name
                } else {
                    format!("{} ({})", l.name, l.option_label)
                };
                (l.product.0, name, l.stock)
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    csrf: String,
    name: String,
    role: &'static str,
    can_audit: bool,
    can_manage: bool,
    can_review: bool,
    can_catalog: bool,
    can_settings: bool,
    chart_w: i64,
    chart_h: i64,
    /// The business figures, for owners and managers.
    business: Option<Business>,
    /// The security panel, for owners and managers.
    security: Option<akinai_core::admin::SecurityOverview>,
    /// Card payments held for capture at shipping.
    held: Option<akinai_core::payments::HeldOrders>,
    /// The latest good backup and restore drill, for owners.
    backups: Option<super::operations::Backups>,
    /// Periodic security tasks past their due date, for owners (issue #22, item 3).
    overdue_tasks: Option<usize>,
}

pub(super) async fn dashboard_get(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    a.authorize::<ViewDashboard>()?;
    let security = match a.authorize::<ViewAudit>() {
        Ok(proof) => Some(state.shop.dashboard().security_overview(&proof).await?),
        Err(_) => None,
    };
    let business = match a.authorize::<ViewSales>() {
        Ok(proof) => Some(business(
            state.shop.dashboard().business_overview(&proof).await?,
        )),
        Err(_) => None,
    };
    let held = match a.authorize::<ViewOrders>() {
        Ok(proof) => state.shop.payments().held_orders(&proof).await?,
        Err(_) => None,
    };
    let (backups, overdue_tasks) = match a.authorize::<akinai_domain::admin::ManageSecurity>() {
        Ok(proof) => (
            Some(super::operations::backups(
                &state.shop.operations().backup_status_for(&proof).await?,
            )),
            Some(state.shop.security_tasks().overdue().await?),
        ),
        Err(_) => (None, None),
    };
    let page = DashboardPage {
        csrf: ctx.csrf.clone(),
        name: a.admin.name.clone(),
        role: a.admin.role.as_str(),
        can_audit: a.holds::<ViewAudit>(),
        can_manage: a.holds::<ManageAdmins>(),
        can_review: a.holds::<ReviewOrders>(),
        can_catalog: a.holds::<ManageCatalog>(),
        can_settings: a.holds::<ManageShop>(),
        chart_w: CHART_W,
        chart_h: CHART_H,
        business,
        security,
        held,
        backups,
        overdue_tasks,
    };
    ctx.page(StatusCode::OK, &page)
}
