//! The order desk pages (admin issue, item 6): the order list with its filters and keyset pages,
//! an order's detail with its history, the forms for each step the state machine allows now,
//! and order notes. The handlers only parse and render; the core decides and audits.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate};
use serde::Deserialize;

use akinai_core::admin::{OrderCursor, OrderFilter};
use akinai_core::admin::{OrderDetail, SignedInAdmin, StepProblem};
use akinai_core::clock::jst_midnight;
use akinai_core::CoreError;
use akinai_domain::admin::{CancelOrders, ProcessOrders, ViewOrders};
use akinai_domain::fulfilment::{Carrier, Shipment, TrackingNumber};
use akinai_domain::ids::OrderId;
use akinai_domain::order::{OrderEvent, OrderStatus, PaymentMethod};

use super::order_words::{
    consequence, event_label, problem_text, reason_explanation, Action, NOT_CONFIRMED,
};
pub(super) use super::order_words::{payment_label, status_label};
use super::{local_time, AdminExt};
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

/// The list's query string; every field is text so that a bad value gets our error page.
#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    payment: String,
    #[serde(default)]
    flagged: String,
    #[serde(default)]
    held: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: String,
}

impl ListQuery {
    /// The store's filter and cursor, or `None` when a value is not one the form offers.
    fn parse(&self) -> Option<(OrderFilter, Option<OrderCursor>)> {
        let opt = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string);
        let date = |s: &str| -> Option<Option<NaiveDate>> {
            match opt(s) {
                None => Some(None),
                Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok().map(Some),
            }
        };
        let status = match opt(&self.status) {
            None => None,
            Some(s) => Some(OrderStatus::parse(&s)?),
        };
        let payment = match opt(&self.payment) {
            None => None,
            Some(p) => Some(PaymentMethod::parse(&p)?),
        };
        let from = date(&self.from)?.map(jst_midnight);
        let to = match date(&self.to)? {
            None => None,
            Some(d) => Some(jst_midnight(d.succ_opt()?)),
        };
        let email = opt(&self.email).map(|e| e.to_lowercase());
        if email.as_ref().is_some_and(|e| e.len() > 254) {
            return None;
        }
        let after = match opt(&self.after) {
            None => None,
            Some(a) => {
                let (t, id) = a.split_once('-')?;
                Some(OrderCursor {
                    placed_at: DateTime::from_timestamp_millis(t.parse().ok()?)?,
                    id: OrderId(id.parse().ok()?),
                })
            }
        };
        let filter = OrderFilter {
            status,
            payment,
            awaiting_review: self.flagged == "1",
            payment_held: self.held == "1",
            placed_from: from,
            placed_before: to,
            email,
            updated_since: None,
        };
        Some((filter, after))
    }

    /// This query with another cursor, for the next page's link.
    fn with_after(&self, cursor: &OrderCursor) -> String {
        let pairs = [
            ("status", self.status.as_str()),
            ("payment", self.payment.as_str()),
            ("flagged", self.flagged.as_str()),
            ("held", self.held.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("email", self.email.as_str()),
        ];
        let after = format!("{}-{}", cursor.placed_at.timestamp_millis(), cursor.id.0);
        let mut kept: Vec<(&str, &str)> =
            pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        kept.push(("after", &after));
        serde_urlencoded::to_string(&kept).unwrap_or_default()
    }
}

/// An order number as typed: `AK00000123`, `ak123` or `123`.
fn order_number(q: &str) -> Option<OrderId> {
    let q = q.trim();
    let digits = q
        .strip_prefix("AK")
        .or_else(|| q.strip_prefix("ak"))
        .unwrap_or(q);
    digits.parse::<i64>().ok().filter(|n| *n > 0).map(OrderId)
}

struct ListRow {
    id: i64,
    number: String,
    placed: String,
    status: &'static str,
    /// The status's code, for its badge's colour.
    status_code: &'static str,
    payment: &'static str,
    total: String,
    recipient: String,
    destination: String,
    flagged: bool,
    /// The card payment is held, to be captured when the order ships.
    held: bool,
}

#[derive(Template)]
#[template(path = "admin/orders.html")]
struct ListPage {
    rows: Vec<ListRow>,
    q: ListQuery,
    next: Option<String>,
    bad_query: bool,
    statuses: Vec<(&'static str, &'static str)>,
    /// The label layouts, for 「送り状データ(CSV)」 on the selected orders.
    carriers: Vec<(&'static str, &'static str)>,
}

pub(super) async fn list_get(
    Query(q): Query<ListQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewOrders>()?;
    if let Some(id) = order_number(&q.q) {
        return Ok(ctx.redirect(&format!("/admin/orders/{}", id.0)));
    }
    let statuses = OrderStatus::ALL
        .into_iter()
        .map(|s| (s.as_str(), status_label(s)))
        .collect();
    let Some((filter, after)) = q.parse() else {
        let page = ListPage {
            rows: Vec::new(),
            q,
            next: None,
            bad_query: true,
            statuses,
            carriers: super::shipping::carriers(),
        };
        return ctx.page(StatusCode::BAD_REQUEST, &page);
    };
    let found = state
        .shop
        .order_desk()
        .admin_orders(&proof, &filter, after.as_ref())
        .await?;
    let rows = found
        .rows
        .into_iter()
        .map(|r| ListRow {
            id: r.row.id.0,
            number: akinai_core::order_number(r.row.id),
            placed: local_time(r.row.placed_at),
            status: status_label(r.row.status),
            status_code: r.row.status.as_str(),
            payment: payment_label(r.row.payment_method),
            total: r.row.grand_total.display(),
            recipient: r.recipient,
            destination: r.destination,
            flagged: r.row.review_pending,
            held: r.row.payment_held,
        })
        .collect();
    let next = found.next.map(|c| q.with_after(&c));
    let page = ListPage {
        rows,
        q,
        next,
        bad_query: false,
        statuses,
        carriers: super::shipping::carriers(),
    };
    ctx.page(StatusCode::OK, &page)
}

struct HistoryRow {
    at: String,
    actor: String,
    what: String,
    note: String,
}

struct LineRow {
    name: String,
    code: String,
    unit: String,
    quantity: u32,
    total: String,
    reduced: bool,
}

#[derive(Template)]
#[template(path = "admin/order.html")]
pub(super) struct DetailPage {
    csrf: String,
    id: i64,
    number: String,
    placed: String,
    status: &'static str,
    status_code: &'static str,
    payment: &'static str,
    shipping_method: String,
    /// A gift: the slip prints no prices.
    gift: bool,
    delivery: String,
    recipient: String,
    destination: String,
    contact: Option<(String, String)>,
    lines: Vec<LineRow>,
    items_total: String,
    /// The coupon and what it took off, when one was used.
    coupon: Option<(String, String)>,
    shipping_fee: String,
    payment_fee: String,
    grand_total: String,
    review_pending: bool,
    /// Why it is held (the hold rules' reasons, as the shop reads them).
    review_reasons: String,
    /// Each reason's rule, explained with the shop's threshold.
    review_explained: Vec<String>,
    shipment: Option<(String, String)>,
    history: Vec<HistoryRow>,
    actions: Vec<Action>,
    can_ship: bool,
    /// The ship form as last typed (kept when the step was refused).
    pub(super) carrier: String,
    pub(super) tracking: String,
    carriers: Vec<(&'static str, &'static str)>,
    can_note: bool,
    /// Card and konbini: the provider payment, and whether this admin may refund from it.
    psp: Option<super::order_payment::PspPanel>,
    pub(super) problem: Option<&'static str>,
    /// What the last action did, for the flash message.
    done: Option<&'static str>,
    /// 帳票 links: for admins who may see personal data; the invoice unless the order was
    /// cancelled.
    documents: bool,
    may_invoice: bool,
    /// The money was received: a receipt may be printed (issued once, then reissues).
    may_receipt: bool,
    /// Something was refunded: the return invoice may be printed (JP-INV-3).
    refunded: bool,
}

pub(super) fn detail_page(
    ctx: &Ctx,
    a: &SignedInAdmin,
    d: OrderDetail,
    done: Option<&'static str>,
) -> DetailPage {
    let o = &d.order;
    let may = |e: OrderEvent| match e {
        OrderEvent::Cancel | OrderEvent::Refund => a.holds::<CancelOrders>(),
        _ => a.holds::<ProcessOrders>(),
    };
    let actions = d
        .next_events
        .iter()
        .copied()
        .filter(|e| *e != OrderEvent::Ship && may(*e))
        .map(|e| Action {
            code: e.as_str(),
            label: event_label(e),
            confirm: consequence(e),
        })
        .collect();
    // A flagged order cannot ship until it is cleared: no form to fill in and be refused.
    let can_ship =
        d.next_events.contains(&OrderEvent::Ship) && may(OrderEvent::Ship) && !o.review_pending;
    let delivery = match (&o.details.delivery_date, &o.details.delivery_slot) {
        (None, None) => "指定なし".to_string(),
        (date, slot) => format!(
            "{} {}",
            date.map(|x| x.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            slot.as_deref().unwrap_or("")
        )
        .trim()
        .to_string(),
    };
    DetailPage {
        csrf: ctx.csrf.clone(),
        id: o.id.0,
        number: o.number(),
        placed: local_time(o.placed_at),
        status: status_label(o.status),
        status_code: o.status.as_str(),
        documents: a.holds::<akinai_domain::admin::ViewPersonalData>(),
        may_invoice: akinai_domain::documents::may_issue_order_invoice(o.status, o.payment_method),
        may_receipt: akinai_domain::documents::may_issue_receipt(o.status, o.payment_method),
        refunded: d.payment.as_ref().is_some_and(|p| p.refunded.0 > 0),
        payment: payment_label(o.payment_method),
        shipping_method: d.shipping_method.clone(),
        gift: o.details.gift,
        delivery,
        recipient: d.recipient.clone(),
        destination: d.destination.clone(),
        contact: d.contact.clone(),
        lines: o
            .lines
            .iter()
            .map(|l| LineRow {
                name: if l.option_label.is_empty() {
                    l.product_name.clone()
                } else {
                    format!("{} ({})", l.product_name, l.option_label)
                },
                code: l.sku_code.clone(),
                unit: l.unit_price.display(),
                quantity: l.quantity,
                total: l.line_total.display(),
                reduced: l.tax_category.is_reduced(),
            })
            .collect(),
        items_total: o.totals.items_total.display(),
        coupon: o
            .coupon_code
            .clone()
            .map(|code| (code, akinai_domain::Yen(-o.totals.discount.0).display())),
        shipping_fee: o.totals.shipping_fee.display(),
        payment_fee: o.totals.payment_fee.display(),
        grand_total: o.totals.grand_total.display(),
        review_pending: o.review_pending,
        review_reasons: super::orders::reasons_label(o.review_reason.as_deref().unwrap_or("")),
        review_explained: o
            .review_reason
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| reason_explanation(c, &d.hold_rules))
            .collect(),
        shipment: o.shipment.as_ref().map(|s| {
            (
                s.carrier.name_ja().to_string(),
                s.tracking_number.as_str().to_string(),
            )
        }),
        history: d
            .history
            .iter()
            .map(|h| HistoryRow {
                at: local_time(h.at),
                actor: h.actor.clone(),
                what: match (&h.step, &h.shipment) {
                    (Some((_, to)), Some(s)) => format!(
                        "{} ({} {})",
                        status_label(*to),
                        s.carrier.name_ja(),
                        s.tracking_number.as_str()
                    ),
                    (Some((_, to)), None) => status_label(*to).to_string(),
                    (None, _) => "メモ".to_string(),
                },
                note: h.note.clone().unwrap_or_default(),
            })
            .collect(),
        actions,
        can_ship,
        carrier: String::new(),
        tracking: String::new(),
        carriers: Carrier::ALL
            .into_iter()
            .map(|c| (c.as_str(), c.name_ja()))
            .collect(),
        can_note: a.holds::<ProcessOrders>(),
        psp: d
            .payment
            .as_ref()
            .map(|p| super::order_payment::panel(a, p, o, d.hold_lapses_at)),
        problem: None,
        done,
    }
}

pub(super) fn parse_id(raw: &str) -> Result<OrderId, WebError> {
    super::path_id(raw).map(OrderId)
}

#[derive(Deserialize, Default)]
pub(super) struct DetailQuery {
    #[serde(default)]
    done: String,
}

pub(super) async fn detail_get(
    Path(raw): Path<String>,
    Query(q): Query<DetailQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<ViewOrders>()?;
    let d = state
        .shop
        .order_desk()
        .admin_order(&proof, id, &ctx.client)
        .await?;
    let done = match q.done.as_str() {
        "1" => Some("更新しました。お客様にお知らせのメールを送ります。"),
        "note" => Some("社内メモを残しました(お客様には表示されません)。"),
        _ => None,
    };
    ctx.page(StatusCode::OK, &detail_page(&ctx, &a, d, done))
}

#[derive(Deserialize, Default)]
pub(super) struct StepForm {
    #[serde(default)]
    event: String,
    #[serde(default)]
    carrier: String,
    #[serde(default)]
    tracking: String,
    #[serde(default)]
    note: String,
    /// The ticked confirmation of an irreversible step.
    #[serde(default)]
    confirm: String,
}

pub(super) async fn step_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<StepForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    // Every step needs at least this; the core asks for `CancelOrders` too where needed.
    let proof = a.authorize::<ProcessOrders>()?;
    let event = OrderEvent::parse(&f.event).ok_or(WebError::BadRequest("unknown order step"))?;
    let shipment = match (
        Carrier::parse(&f.carrier),
        TrackingNumber::parse(&f.tracking),
    ) {
        (Some(carrier), Some(tracking_number)) => Some(Shipment {
            carrier,
            tracking_number,
        }),
        _ => None,
    };
    let refused = if consequence(event).is_some() && f.confirm != "1" {
        (NOT_CONFIRMED, StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        let outcome = state
            .shop
            .order_desk()
            .step_order(&proof, id, event, shipment, &f.note, &ctx.client)
            .await?;
        match outcome {
            Ok(_) => return Ok(ctx.redirect(&format!("/admin/orders/{}?done=1", id.0))),
            Err(StepProblem::ShipmentMissing) => (
                problem_text(StepProblem::ShipmentMissing),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Err(problem) => (problem_text(problem), StatusCode::CONFLICT),
        }
    };
    let proof = a.authorize::<ViewOrders>()?;
    let d = state
        .shop
        .order_desk()
        .admin_order(&proof, id, &ctx.client)
        .await?;
    let mut page = detail_page(&ctx, &a, d, None);
    page.problem = Some(refused.0);
    page.carrier = f.carrier;
    page.tracking = f.tracking;
    ctx.page(refused.1, &page)
}

#[derive(Deserialize, Default)]
pub(super) struct NoteForm {
    #[serde(default)]
    note: String,
}

pub(super) async fn note_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<NoteForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<ProcessOrders>()?;
    match state
        .shop
        .order_desk()
        .add_order_note(&proof, id, &f.note, &ctx.client)
        .await
    {
        Ok(()) => Ok(ctx.redirect(&format!("/admin/orders/{}?done=note", id.0))),
        Err(CoreError::InvalidForm(_)) => {
            let view = a.authorize::<ViewOrders>()?;
            let d = state
                .shop
                .order_desk()
                .admin_order(&view, id, &ctx.client)
                .await?;
            let mut page = detail_page(&ctx, &a, d, None);
            page.problem = Some("メモを入力してください(1,000 文字まで)。");
            ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_are_read_as_typed() {
        assert_eq!(order_number("AK00000123"), Some(OrderId(123)));
        assert_eq!(order_number(" ak7 "), Some(OrderId(7)));
        assert_eq!(order_number("42"), Some(OrderId(42)));
        assert_eq!(order_number(""), None);
        assert_eq!(order_number("AK-1"), None);
        assert_eq!(order_number("taro@example.jp"), None);
    }

    #[test]
    fn list_queries_parse_or_are_refused() {
        let q = ListQuery {
            status: "paid".into(),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            after: "1764000000000-17".into(),
            ..ListQuery::default()
        };
        let (f, after) = q.parse().unwrap();
        assert_eq!(f.status, Some(OrderStatus::Paid));
        // 2026-11-01 00:00 JST is 2026-10-31 15:00 UTC; "to" includes the whole day.
        assert_eq!(
            f.placed_from.unwrap().to_rfc3339(),
            "2026-10-31T15:00:00+00:00"
        );
        assert_eq!(
            f.placed_before.unwrap().to_rfc3339(),
            "2026-11-30T15:00:00+00:00"
        );
        assert_eq!(after.unwrap().id, OrderId(17));
        for bad in [
            ListQuery {
                status: "lost".into(),
                ..ListQuery::default()
            },
            ListQuery {
                from: "2026-13-01".into(),
                ..ListQuery::default()
            },
            ListQuery {
                after: "x-1".into(),
                ..ListQuery::default()
            },
        ] {
            assert!(bad.parse().is_none());
        }
    }
}
