//! `/account/points`: the member's points — the balance, when it lapses, the shop's rules, and
//! every movement (earned, used, returned, taken back, lapsed) with the order it belongs to.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use akinai_core::points::PointEntry;
use akinai_domain::points::PointsPolicy;

use super::{jst_time, MemberExt};
use crate::error::WebError;
use crate::layout::{Ctx, Layout};
use crate::AppState;

#[derive(Template)]
#[template(path = "account_points.html")]
pub struct PointsPage {
    pub l: Layout,
    pub balance: i64,
    pub policy: PointsPolicy,
    pub lapses_on: Option<String>,
    pub entries: Vec<EntryRow>,
}

/// One movement as the history table shows it.
pub struct EntryRow {
    pub at: String,
    pub kind: &'static str,
    /// Signed, with a plus for additions.
    pub points: String,
    pub balance: i64,
    /// The order's number and its page on my page.
    pub order: Option<(String, i64)>,
}

impl From<&PointEntry> for EntryRow {
    fn from(e: &PointEntry) -> EntryRow {
        EntryRow {
            at: jst_time(e.created_at),
            kind: e.kind.label_ja(),
            points: if e.points > 0 {
                format!("+{}", e.points)
            } else {
                e.points.to_string()
            },
            balance: e.balance_after,
            order: e.order_id.map(|id| (akinai_core::order_number(id), id.0)),
        }
    }
}

pub async fn points_get(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
) -> Result<Response, WebError> {
    let p = state.shop.points().page(&m).await?;
    let l = ctx.layout(&state).await?;
    ctx.page(
        StatusCode::OK,
        &PointsPage {
            l,
            balance: p.balance.balance,
            policy: p.policy,
            lapses_on: p.lapses_on.map(|d| d.format("%Y-%m-%d").to_string()),
            entries: p.entries.iter().map(EntryRow::from).collect(),
        },
    )
}
