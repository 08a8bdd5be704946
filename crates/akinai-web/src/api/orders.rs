//! `GET /api/v1/orders` and `/api/v1/orders/{id}` (`orders:read`; recipients unmasked, and the
//! read audited, only with `customers:read` as well).

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;

use akinai_core::admin::{OrderCursor, OrderFilter};
use akinai_domain::ids::OrderId;
use akinai_domain::order::OrderStatus;

use super::json::{Order, OrderSummary};
use super::page::{self, ApiQuery};
use super::{Caller, Problem};
use crate::AppState;

/// The order list's query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// Rows a page, 1–250 (50 when absent).
    #[param(minimum = 1, maximum = 250)]
    pub limit: Option<u32>,
    /// `next_cursor` of the page before.
    #[param(pattern = r"^[0-9]{1,17}\.[1-9][0-9]{0,17}$")]
    pub cursor: Option<String>,
    /// Only orders in this status.
    #[param(pattern = "^(placed|paid|shipped|delivered|cancelled|refunded)$")]
    pub status: Option<String>,
    /// Placed at or after (ISO 8601 with offset).
    #[param(format = DateTime)]
    pub placed_from: Option<String>,
    /// Placed before (ISO 8601 with offset).
    #[param(format = DateTime)]
    pub placed_before: Option<String>,
    /// Placed or moved on (paid, shipped, cancelled …, or noted) at or after (ISO 8601 with
    /// offset): what changed since a system last looked.
    #[param(format = DateTime)]
    pub updated_since: Option<String>,
}

fn time(field: &str, given: Option<&str>) -> Result<Option<DateTime<Utc>>, Problem> {
    given
        .map(|t| {
            DateTime::<FixedOffset>::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    Problem::invalid_field(
                        field,
                        "must be ISO 8601 with an offset, e.g. 2026-12-01T00:00:00+09:00",
                    )
                })
        })
        .transpose()
}

/// An order cursor: the last row's time (µs since 1970) and id.
fn cursor(given: Option<&str>) -> Result<Option<OrderCursor>, Problem> {
    let Some(c) = given else { return Ok(None) };
    c.split_once('.')
        .and_then(|(t, id)| {
            Some(OrderCursor {
                placed_at: DateTime::from_timestamp_micros(t.parse().ok()?)?,
                id: OrderId(id.parse().ok().filter(|n: &i64| *n > 0)?),
            })
        })
        .map(Some)
        .ok_or_else(|| Problem::invalid_field("cursor", "is not a cursor of this list"))
}

/// Orders, newest first, with filters.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders",
    params(OrderQuery),
    security(("bearer" = ["orders:read"])),
    responses(
        (status = 200, description = "A page of orders; `Link: rel=\"next\"` when there is more", body = super::openapi::OrderPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `orders:read`", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn orders_get(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    ApiQuery(q): ApiQuery<OrderQuery>,
) -> Result<Response, Problem> {
    let limit = page::limit(q.limit)?;
    let after = cursor(q.cursor.as_deref())?;
    let status = q
        .status
        .as_deref()
        .map(|s| {
            OrderStatus::parse(s).ok_or_else(|| {
                Problem::invalid_field(
                    "status",
                    "must be placed, paid, shipped, delivered, cancelled or refunded",
                )
            })
        })
        .transpose()?;
    let filter = OrderFilter {
        status,
        placed_from: time("placed_from", q.placed_from.as_deref())?,
        placed_before: time("placed_before", q.placed_before.as_deref())?,
        updated_since: time("updated_since", q.updated_since.as_deref())?,
        ..OrderFilter::default()
    };
    let found = state
        .shop
        .api()
        .orders(&caller.0, &filter, after.as_ref(), limit, &caller.1)
        .await?;
    let next = found
        .next
        .map(|c| format!("{}.{}", c.placed_at.timestamp_micros(), c.id.0));
    let items: Vec<OrderSummary> = found.rows.into_iter().map(OrderSummary::from).collect();
    Ok(page::respond(&uri, items, next))
}

/// One order with its lines, tax per rate, payment, shipping and the steps it can take.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders",
    params(("id" = i64, Path, description = "The order's id", minimum = 1)),
    security(("bearer" = ["orders:read"])),
    responses(
        (status = 200, description = "The order", body = Order),
        (status = 400, description = "A bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `orders:read`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn order_get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Order>, Problem> {
    let id = OrderId(super::path_id(&id)?);
    let detail = state.shop.api().order(&caller.0, id, &caller.1).await?;
    Ok(Json(Order::from(detail)))
}
