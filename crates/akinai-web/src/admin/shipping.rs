//! 出荷 (issue 19, item 4): the carrier's label file for the orders ready to ship — or those
//! selected in the order list — previewed first (what goes in, what is left out and why, with
//! links to fix the orders), downloaded in Shift_JIS by those who may see customers' addresses
//! (audited); and the carrier's issued-slip file uploaded, judged row by row, and confirmed to
//! ship every order at once. The confirmation carries the file back in a hidden field and is
//! judged again in full, so nothing the browser sends can ship more than an upload could.

use askama::Template;
use axum::extract::{FromRequest, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;

use akinai_core::admin::SignedInAdmin;
use akinai_core::shipping::{LabelReport, LabelSelection, TrackingReport};
use akinai_domain::admin::{ProcessOrders, ViewOrders, ViewPersonalData};
use akinai_domain::ids::OrderId;
use akinai_domain::order::OrderStatus;
use akinai_domain::shipping::{LabelLayout, RowVerdict};

use super::AdminExt;
use crate::error::WebError;
use crate::form::{CsrfForm, CsrfMultipart};
use crate::layout::Ctx;
use crate::AppState;

/// Orders of the file listed on the page.
const SHOWN: usize = 100;

/// Most orders one selection may name.
const MAX_SELECTED: usize = 1_000;

/// What the page was asked for: the layout, the status, the selected orders.
#[derive(Debug, Clone, Default)]
struct Choice {
    layout: Option<LabelLayout>,
    paid_only: bool,
    orders: Vec<OrderId>,
    /// Orders just shipped by an import (the flash after confirming).
    shipped: Option<u64>,
}

impl Choice {
    fn parse(pairs: &[(String, String)]) -> Result<Choice, WebError> {
        let bad = || WebError::BadRequest("errorpage.unreadable_form");
        let mut c = Choice::default();
        for (k, v) in pairs {
            match k.as_str() {
                "carrier" => c.layout = Some(LabelLayout::parse(v).ok_or_else(bad)?),
                "status" => c.paid_only = v == "paid",
                "order" | "orders" => {
                    for id in v.split(',').filter(|s| !s.trim().is_empty()) {
                        c.orders
                            .push(OrderId(id.trim().parse().map_err(|_| bad())?));
                    }
                }
                "shipped" => c.shipped = v.parse().ok(),
                _ => {}
            }
        }
        if c.orders.len() > MAX_SELECTED {
            return Err(bad());
        }
        Ok(c)
    }

    fn layout(&self) -> LabelLayout {
        self.layout.unwrap_or(LabelLayout::YamatoB2)
    }

    fn selection(&self) -> LabelSelection {
        if self.orders.is_empty() {
            LabelSelection::Ready(self.paid_only.then_some(OrderStatus::Paid))
        } else {
            LabelSelection::Orders(self.orders.clone())
        }
    }

    /// The selection as a query string, for the print links.
    fn query(&self) -> String {
        if self.orders.is_empty() {
            if self.paid_only {
                "?status=paid".into()
            } else {
                String::new()
            }
        } else {
            format!("?orders={}", self.orders_field())
        }
    }

    fn orders_field(&self) -> String {
        let ids: Vec<String> = self.orders.iter().map(|o| o.0.to_string()).collect();
        ids.join(",")
    }
}

/// An order left out of the file, or written with a notice.
struct Problem {
    id: i64,
    number: String,
    field: &'static str,
    message: String,
}

fn problems(list: &[akinai_core::shipping::OrderProblems]) -> Vec<Problem> {
    list.iter()
        .flat_map(|o| {
            o.problems.iter().map(|p| Problem {
                id: o.order.id.0,
                number: o.order.number.clone(),
                field: p.field,
                message: p.message.clone(),
            })
        })
        .collect()
}

/// A row of an uploaded tracking file as the page shows it.
struct TrackingRow {
    row: u64,
    order: String,
    tracking: String,
    verdict: String,
    blocks: bool,
}

/// An uploaded tracking file, judged.
struct TrackingView {
    carrier: String,
    layout: &'static str,
    rows: Vec<TrackingRow>,
    to_ship: u64,
    done: u64,
    refused: u64,
    failure: Option<String>,
    /// The file, for the confirmation.
    data: String,
    can_confirm: bool,
}

impl TrackingView {
    fn of(report: &TrackingReport, file: &[u8]) -> TrackingView {
        let rows = report
            .rows
            .iter()
            .map(|r| TrackingRow {
                row: r.line.row,
                order: r.line.order_number.clone(),
                tracking: r.line.tracking_number.clone(),
                verdict: match &r.verdict {
                    RowVerdict::Ship { capture: true, .. } => {
                        "発送にする(カードの売上を確定)".into()
                    }
                    RowVerdict::Ship { .. } => "発送にする".into(),
                    RowVerdict::Done => "発送済み(同じ送り状番号)".into(),
                    RowVerdict::UnderReview => {
                        "取り込めません: 要確認の注文です(確認済みにしてから)".into()
                    }
                    RowVerdict::Refused { reason } => format!("取り込めません: {reason}"),
                },
                blocks: r.blocks(),
            })
            .collect();
        TrackingView {
            carrier: report.layout.label_ja().to_string(),
            layout: report.layout.name(),
            rows,
            to_ship: report.to_ship,
            done: report.done,
            refused: report.refused,
            failure: report.failure.clone(),
            data: base64::engine::general_purpose::STANDARD.encode(file),
            can_confirm: !report.failed() && report.to_ship > 0 && !report.applied,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/shipping.html")]
struct ShippingPage {
    csrf: String,
    carriers: Vec<(&'static str, &'static str, bool)>,
    paid_only: bool,
    orders: String,
    /// The selection as a query string, for the print links.
    query: String,
    selected: usize,
    written: u64,
    /// The orders in the file (id, number), the first [`SHOWN`].
    written_orders: Vec<(i64, String)>,
    left_out: Vec<Problem>,
    notices: Vec<Problem>,
    under_review: Vec<(i64, String)>,
    may_download: bool,
    may_import: bool,
    shipped: Option<u64>,
    tracking: Option<TrackingView>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    choice: &Choice,
    tracking: Option<TrackingView>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewOrders>()?;
    let layout = choice.layout();
    let report: LabelReport = state
        .shop
        .shipping()
        .check_labels(&proof, layout, &choice.selection())
        .await?;
    let refs = |list: &[akinai_core::shipping::OrderRef], limit: usize| -> Vec<(i64, String)> {
        list.iter()
            .take(limit)
            .map(|o| (o.id.0, o.number.clone()))
            .collect()
    };
    let under_review = refs(&report.under_review, usize::MAX);
    let page = ShippingPage {
        csrf: ctx.csrf.clone(),
        carriers: LabelLayout::ALL
            .iter()
            .map(|l| (l.name(), l.label_ja(), *l == layout))
            .collect(),
        paid_only: choice.paid_only,
        orders: choice.orders_field(),
        query: choice.query(),
        selected: choice.orders.len(),
        written: report.written,
        written_orders: refs(&report.written_orders, SHOWN),
        left_out: problems(&report.left_out),
        notices: problems(&report.notices),
        under_review,
        may_download: a.authorize::<ViewPersonalData>().is_ok(),
        may_import: a.authorize::<ProcessOrders>().is_ok(),
        shipped: choice.shipped,
        tracking,
    };
    ctx.page(status, &page)
}

fn pairs(query: Option<&str>) -> Result<Vec<(String, String)>, WebError> {
    serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|_| WebError::BadRequest("errorpage.unreadable_form"))
}

/// `GET /admin/shipping[?carrier=…&status=paid&order=1&order=2…]`
pub(super) async fn page_get(
    RawQuery(query): RawQuery,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let choice = Choice::parse(&pairs(query.as_deref())?)?;
    page(&state, &ctx, &a, &choice, None, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
pub(super) struct LabelsForm {
    #[serde(default)]
    carrier: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    orders: String,
}

/// `POST /admin/shipping/labels`: the label file as a download.
pub(super) async fn labels_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<LabelsForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewPersonalData>()?;
    let choice = Choice::parse(&[
        ("carrier".into(), f.carrier),
        ("status".into(), f.status),
        ("orders".into(), f.orders),
    ])?;
    let layout = choice.layout();
    let (_, file) = state
        .shop
        .shipping()
        .labels_for_staff(&proof, &ctx.client, layout, &choice.selection())
        .await?;
    let name = layout.file_name(
        chrono::Utc::now()
            .with_timezone(&akinai_core::clock::jst())
            .date_naive(),
    );
    let mut response = file.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=Shift_JIS"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The fields of a tracking upload or its confirmation.
#[derive(Default)]
struct TrackingForm {
    layout: Option<LabelLayout>,
    file: Vec<u8>,
    confirm: bool,
}

async fn read_tracking_form(mut parts: axum::extract::Multipart) -> Result<TrackingForm, WebError> {
    let bad = || WebError::BadRequest("errorpage.unreadable_form");
    let mut form = TrackingForm::default();
    while let Some(field) = parts.next_field().await.map_err(|_| bad())? {
        match field.name() {
            Some("carrier") => {
                let v = field.text().await.map_err(|_| bad())?;
                form.layout = Some(LabelLayout::parse(&v).ok_or_else(bad)?);
            }
            Some("file") => form.file = field.bytes().await.map_err(|_| bad())?.to_vec(),
            Some("data") => {
                let v = field.text().await.map_err(|_| bad())?;
                form.file = base64::engine::general_purpose::STANDARD
                    .decode(v.trim())
                    .map_err(|_| bad())?;
            }
            Some("confirm") => form.confirm = field.text().await.map_err(|_| bad())? == "1",
            _ => {}
        }
    }
    Ok(form)
}

/// `POST /admin/shipping/tracking` (multipart): judge an uploaded file, or import it when
/// confirmed.
pub(super) async fn tracking_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    req: axum::extract::Request,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ProcessOrders>()?;
    let CsrfMultipart(parts) = CsrfMultipart::from_request(req, &state).await?;
    let form = read_tracking_form(parts).await?;
    let layout = form.layout.unwrap_or(LabelLayout::Generic);
    let choice = Choice {
        layout: Some(layout),
        ..Choice::default()
    };
    if form.file.is_empty() {
        let view = TrackingView {
            failure: Some("ファイルを選んでから「確認する」を押してください".into()),
            ..TrackingView::of(&empty_report(layout), &[])
        };
        return page(
            &state,
            &ctx,
            &a,
            &choice,
            Some(view),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let report = state
        .shop
        .shipping()
        .tracking_for_staff(&proof, &ctx.client, layout, &form.file, !form.confirm)
        .await?;
    if report.applied {
        return Ok(ctx.redirect(&format!(
            "/admin/shipping?carrier={}&shipped={}",
            layout.name(),
            report.to_ship
        )));
    }
    let status = if report.failed() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let view = TrackingView::of(&report, &form.file);
    page(&state, &ctx, &a, &choice, Some(view), status).await
}

fn empty_report(layout: LabelLayout) -> TrackingReport {
    TrackingReport {
        layout,
        encoding: None,
        dry_run: true,
        rows: Vec::new(),
        to_ship: 0,
        done: 0,
        refused: 0,
        applied: false,
        failure: None,
        captured: Vec::new(),
    }
}

/// `GET /admin/shipping/delivery-slips.pdf[?order=…]`: one 納品書 per order, for the parcels.
pub(super) async fn slips_get(
    RawQuery(query): RawQuery,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewPersonalData>()?;
    let choice = Choice::parse(&pairs(query.as_deref())?)?;
    let pdf = state
        .shop
        .shipping()
        .delivery_slips(&proof, &ctx.client, &choice.selection())
        .await?;
    Ok(crate::pages::order::pdf_response(pdf))
}

/// `GET /admin/shipping/picking-list.pdf[?order=…]`
pub(super) async fn picking_get(
    RawQuery(query): RawQuery,
    State(state): State<AppState>,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewOrders>()?;
    let choice = Choice::parse(&pairs(query.as_deref())?)?;
    let pdf = state
        .shop
        .shipping()
        .picking_list(&proof, &choice.selection())
        .await?;
    Ok(crate::pages::order::pdf_response(pdf))
}

/// The label layouts as (name, label), for the order list's 「送り状データ(CSV)」.
pub(super) fn carriers() -> Vec<(&'static str, &'static str)> {
    LabelLayout::ALL
        .iter()
        .map(|l| (l.name(), l.label_ja()))
        .collect()
}
