//! `GET /api/v1/products`, `/api/v1/products/{id}` and `/api/v1/categories` (`products:read`).

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;

use akinai_domain::ids::ProductId;

use super::json::{CategoryJson, Product};
use super::page::{self, ApiQuery};
use super::{Caller, Problem};
use crate::AppState;

/// The product list's query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Rows a page, 1–250 (50 when absent).
    #[param(minimum = 1, maximum = 250)]
    pub limit: Option<u32>,
    /// `next_cursor` of the page before.
    #[param(pattern = r"^[1-9][0-9]{0,17}$")]
    pub cursor: Option<String>,
}

/// Products by id, published or not, with their variants and stock.
#[utoipa::path(get, path = "/api/v1/products", tag = "products",
    params(ListQuery),
    security(("bearer" = ["products:read"])),
    responses(
        (status = 200, description = "A page of products; `Link: rel=\"next\"` when there is more", body = super::openapi::ProductPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:read`", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn products_get(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, Problem> {
    let limit = page::limit(q.limit)?;
    let after = page::id_cursor(q.cursor.as_deref())?.map(ProductId);
    let found = state.shop.api().products(&caller.0, after, limit).await?;
    let items: Vec<Product> = found.products.into_iter().map(Product::from).collect();
    Ok(page::respond(
        &uri,
        items,
        found.next.map(|id| id.0.to_string()),
    ))
}

/// One product with its variants.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "products",
    params(("id" = i64, Path, description = "The product's id", minimum = 1)),
    security(("bearer" = ["products:read"])),
    responses(
        (status = 200, description = "The product", body = Product),
        (status = 400, description = "A bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:read`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn product_get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Product>, Problem> {
    let id = super::path_id(&id)?;
    let p = state.shop.api().product(&caller.0, ProductId(id)).await?;
    Ok(Json(Product::from(p)))
}

/// Every category (sub-categories name their parent).
#[utoipa::path(get, path = "/api/v1/categories", tag = "products",
    security(("bearer" = ["products:read"])),
    responses(
        (status = 200, description = "The categories", body = Vec<CategoryJson>),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:read`", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn categories_get(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<CategoryJson>>, Problem> {
    let all = state.shop.api().categories(&caller.0).await?;
    Ok(Json(all.into_iter().map(CategoryJson::from).collect()))
}
