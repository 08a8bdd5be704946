//! Category pages, product pages and search.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use akinai_core::storefront::catalog::SearchResults;
use akinai_domain::catalog::{Category, Product, ProductSummary};
use akinai_domain::ids::ProductId;

use crate::error::WebError;
use crate::layout::{Ctx, Layout};
use crate::AppState;

#[derive(Template)]
#[template(path = "category.html")]
pub struct CategoryPage {
    pub l: Layout,
    pub category: Category,
    pub path: Vec<Category>,
    pub children: Vec<Category>,
    pub products: Vec<ProductSummary>,
    pub next: Option<i64>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    after: Option<String>,
}

pub async fn category_get(
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let after = match q.after.as_deref() {
        None | Some("") => None,
        Some(s) => Some(ProductId(
            s.parse()
                .map_err(|_| WebError::BadRequest("errorpage.bad_cursor"))?,
        )),
    };
    let page = state.shop.storefront().category_page(&slug, after).await?;
    let l = ctx.layout(&state).await?;
    ctx.page(
        StatusCode::OK,
        &CategoryPage {
            l,
            category: page.category,
            path: page.path,
            children: page.children,
            next: page.products.next.map(|c| c.after_id.0),
            products: page.products.items,
        },
    )
}

#[derive(Template)]
#[template(path = "product.html")]
pub struct ProductPage {
    pub l: Layout,
    pub product: Product,
    pub path: Vec<Category>,
    /// A problem with the last add-to-cart attempt, already translated.
    pub error: Option<String>,
}

impl ProductPage {
    pub fn in_stock(&self) -> bool {
        self.product.skus.iter().any(|s| s.stock > 0)
    }

    /// The SKU selected when the page opens: the first one in stock.
    pub fn default_sku(&self) -> i64 {
        self.product
            .skus
            .iter()
            .find(|s| s.stock > 0)
            .map_or(0, |s| s.id.0)
    }
}

fn parse_product_id(raw: &str) -> Result<ProductId, WebError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(ProductId)
        .ok_or(WebError::NotFound)
}

/// Renders a product page, with `error` and `status` when an add-to-cart failed.
pub async fn render_product(
    state: &AppState,
    ctx: &Ctx,
    id: ProductId,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = state.shop.storefront().product_page(id).await?;
    let l = ctx.layout(state).await?;
    ctx.page(
        status,
        &ProductPage {
            l,
            product: page.product,
            path: page.path,
            error,
        },
    )
}

pub async fn product_get(
    Path(id): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    render_product(&state, &ctx, parse_product_id(&id)?, None, StatusCode::OK).await
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub l: Layout,
    pub q: String,
    pub results: Option<SearchResults>,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    page: Option<String>,
}

#[derive(Serialize)]
struct Suggestions {
    names: Vec<String>,
}

/// `GET /search/suggest?q=`: the search box's suggestions as JSON (`{"names": […]}`), for the
/// first-party script that fills the box's `<datalist>`; cached a minute by the browser.
pub async fn suggest_get(
    Query(sq): Query<SearchQuery>,
    State(state): State<AppState>,
) -> Result<Response, WebError> {
    let names = state
        .shop
        .storefront()
        .suggest(sq.q.as_deref().unwrap_or_default())
        .await?;
    Ok((
        [(CACHE_CONTROL, "public, max-age=60")],
        Json(Suggestions { names }),
    )
        .into_response())
}

pub async fn search_get(
    Query(sq): Query<SearchQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let q = sq.q.unwrap_or_default();
    let page = sq.page.and_then(|p| p.parse::<u32>().ok()).unwrap_or(1);
    let results = state.shop.storefront().search(&q, page).await?;
    let mut l = ctx.layout(&state).await?;
    l.query = q.clone();
    ctx.page(StatusCode::OK, &SearchPage { l, q, results })
}
