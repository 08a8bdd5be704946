//! The flagged-orders queue page: orders that must be checked before shipping, and the form
//! that clears a flag with a note (staff and above; recipients masked for staff).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::admin::SignedInAdmin;
use akinai_core::CoreError;
use akinai_domain::admin::ReviewOrders;
use akinai_domain::ids::OrderId;

use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

struct Row {
    id: i64,
    number: String,
    placed: String,
    total: String,
    reason: String,
    recipient: String,
    destination: String,
}

#[derive(Template)]
#[template(path = "admin/flagged.html")]
struct FlaggedPage {
    csrf: String,
    rows: Vec<Row>,
    error: bool,
    /// A flag was just cleared.
    cleared: bool,
}

fn reason_label(code: &str) -> &'static str {
    match code {
        "address_recently_changed" => "お届け先の変更直後",
        "company_approval" => "法人の社内承認待ち",
        "high_amount" => "高額の注文",
        "many_orders_to_address" => "同じお届け先への注文が多い",
        "blocked_list" => "要注意リストに該当",
        "card_country_mismatch" => "海外で発行されたカード",
        "payment_amount_mismatch" => "決済額が注文と異なる",
        "payment_after_failure" => "キャンセル後の入金",
        _ => "要確認",
    }
}

/// Every reason of an order's review flag (codes separated by commas), as the shop reads them.
pub(super) fn reasons_label(codes: &str) -> String {
    codes
        .split(',')
        .filter(|c| !c.is_empty())
        .map(reason_label)
        .collect::<Vec<_>>()
        .join("・")
}

/// What the queue page says besides the list: the note was missing, or a flag was cleared.
struct Shown {
    error: bool,
    cleared: bool,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    status: StatusCode,
    Shown { error, cleared }: Shown,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ReviewOrders>()?;
    let rows = state
        .shop
        .order_desk()
        .orders_awaiting_review(&proof)
        .await?
        .into_iter()
        .map(|f| Row {
            id: f.order.id.0,
            number: f.order.number(),
            placed: super::local_time(f.order.placed_at),
            total: f.order.totals.grand_total.display(),
            reason: reasons_label(f.order.review_reason.as_deref().unwrap_or("")),
            recipient: f.recipient,
            destination: f.destination,
        })
        .collect();
    let page = FlaggedPage {
        csrf: ctx.csrf.clone(),
        rows,
        error,
        cleared,
    };
    ctx.page(status, &page)
}

#[derive(Deserialize, Default)]
pub(super) struct FlaggedQuery {
    #[serde(default)]
    cleared: String,
}

pub(super) async fn flagged_get(
    Query(q): Query<FlaggedQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let shown = Shown {
        error: false,
        cleared: q.cleared == "1",
    };
    page(&state, &ctx, &a, StatusCode::OK, shown).await
}

#[derive(Deserialize, Default)]
pub(super) struct ClearForm {
    #[serde(default)]
    id: i64,
    #[serde(default)]
    note: String,
}

pub(super) async fn clear_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<ClearForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ReviewOrders>()?;
    match state
        .shop
        .order_desk()
        .clear_order_review(&proof, OrderId(f.id), &f.note, &ctx.client)
        .await
    {
        Ok(()) => Ok(ctx.redirect("/admin/orders/flagged?cleared=1")),
        Err(CoreError::InvalidForm(_)) => {
            let shown = Shown {
                error: true,
                cleared: false,
            };
            page(&state, &ctx, &a, StatusCode::UNPROCESSABLE_ENTITY, shown).await
        }
        Err(e) => Err(e.into()),
    }
}
