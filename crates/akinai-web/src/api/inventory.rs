//! The catalog writes of the API (`products:write`): `POST /api/v1/inventory/adjust` and
//! `/api/v1/inventory/set` — a SKU's stock by its code, with a reason for the audit trail (an
//! adjustment never takes the stock below zero: 409, nothing changed, like the back office's) —
//! and `/api/v1/products/{id}/publish|unpublish` through the back office's bulk publication.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use akinai_core::api::{SkuStock, StockChange};
use akinai_core::CoreError;

use super::page::{whole, ApiJson};
use super::{Caller, Problem};
use crate::AppState;

/// Add to (or take from) a SKU's stock.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StockAdjustment {
    /// The SKU's code.
    #[schema(min_length = 1, max_length = 100)]
    pub sku: String,
    /// Units to add (negative: to take away); 0 changes nothing.
    #[schema(minimum = -100000, maximum = 100000)]
    #[serde(deserialize_with = "whole")]
    pub delta: i64,
    /// Why (棚卸, 破損, 店頭販売 …), kept in the audit trail: 1–200 characters, no control
    /// characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub reason: String,
}

/// Make a SKU's stock exactly this.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StockLevel {
    #[schema(min_length = 1, max_length = 100)]
    pub sku: String,
    #[schema(minimum = 0, maximum = 100000)]
    #[serde(deserialize_with = "whole")]
    pub stock: i64,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub reason: String,
}

/// A SKU's stock after the change.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stock {
    pub sku: String,
    pub sku_id: i64,
    pub product_id: i64,
    pub stock: i64,
}

impl From<SkuStock> for Stock {
    fn from(s: SkuStock) -> Stock {
        Stock {
            sku: s.code,
            sku_id: s.sku.0,
            product_id: s.product.0,
            stock: s.stock,
        }
    }
}

async fn change(
    state: &AppState,
    caller: &Caller,
    sku: &str,
    change: StockChange,
    reason: &str,
) -> Result<Json<Stock>, Problem> {
    state
        .shop
        .api()
        .change_stock(&caller.0, &caller.1, sku, change, reason)
        .await
        .map(|s| Json(Stock::from(s)))
        .map_err(|e| match e {
            CoreError::InvalidForm(fields) => match fields.first().copied() {
                Some((_, "admin.stock_negative")) => {
                    Problem::conflict("the stock would go below zero; nothing was changed")
                }
                Some(("reason", _)) => Problem::invalid_field("reason", "1–200 characters"),
                Some((field, _)) => Problem::invalid_field(field, "out of range"),
                None => Problem::invalid_field("body", "invalid"),
            },
            other => other.into(),
        })
}

/// Adds to or takes from a SKU's stock.
#[utoipa::path(post, path = "/api/v1/inventory/adjust", tag = "products",
    params(("Idempotency-Key" = String, Header, description = "A new key for each new request", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    request_body = StockAdjustment,
    security(("bearer" = ["products:write"])),
    responses(
        (status = 200, description = "The stock after", body = Stock),
        (status = 400, description = "A bad body or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No SKU with that code", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The stock would go below zero, or the Idempotency-Key's request is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used for a different request", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn adjust_post(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(a): ApiJson<StockAdjustment>,
) -> Result<Json<Stock>, Problem> {
    change(
        &state,
        &caller,
        &a.sku,
        StockChange::Adjust(a.delta),
        &a.reason,
    )
    .await
}

/// Sets a SKU's stock.
#[utoipa::path(post, path = "/api/v1/inventory/set", tag = "products",
    params(("Idempotency-Key" = String, Header, description = "A new key for each new request", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    request_body = StockLevel,
    security(("bearer" = ["products:write"])),
    responses(
        (status = 200, description = "The stock after", body = Stock),
        (status = 400, description = "A bad body or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No SKU with that code", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key's request is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used for a different request", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn set_post(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(s): ApiJson<StockLevel>,
) -> Result<Json<Stock>, Problem> {
    change(
        &state,
        &caller,
        &s.sku,
        StockChange::Set(s.stock),
        &s.reason,
    )
    .await
}

/// A product's publication after the change.
#[derive(Debug, Serialize, ToSchema)]
pub struct Publication {
    pub id: i64,
    pub published: bool,
}

async fn publish(
    state: &AppState,
    caller: &Caller,
    id: &str,
    published: bool,
) -> Result<Json<Publication>, Problem> {
    let id = akinai_domain::ids::ProductId(super::path_id(id)?);
    let proof = caller
        .0
        .authorize::<akinai_domain::admin::ManageCatalog>()?;
    let changed = state
        .shop
        .catalog_admin()
        .bulk_publish(&proof, &[id], published, &caller.1)
        .await?;
    if changed == 0 {
        return Err(Problem::not_found());
    }
    Ok(Json(Publication {
        id: id.0,
        published,
    }))
}

/// Publishes a product (shown in the shop from now on; a schedule is dropped).
#[utoipa::path(post, path = "/api/v1/products/{id}/publish", tag = "products",
    params(("id" = i64, Path, description = "The product's id", minimum = 1),
        ("Idempotency-Key" = String, Header, description = "A new key for each new request", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    security(("bearer" = ["products:write"])),
    responses(
        (status = 200, description = "Published", body = Publication),
        (status = 400, description = "A bad id or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key's request is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used for a different request", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn publish_post(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<Publication>, Problem> {
    publish(&state, &caller, &id, true).await
}

/// Takes a product out of the shop (orders and documents keep it).
#[utoipa::path(post, path = "/api/v1/products/{id}/unpublish", tag = "products",
    params(("id" = i64, Path, description = "The product's id", minimum = 1),
        ("Idempotency-Key" = String, Header, description = "A new key for each new request", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    security(("bearer" = ["products:write"])),
    responses(
        (status = 200, description = "Unpublished", body = Publication),
        (status = 400, description = "A bad id or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key's request is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used for a different request", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn unpublish_post(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<Publication>, Problem> {
    publish(&state, &caller, &id, false).await
}
