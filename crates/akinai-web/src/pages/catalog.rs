//! Category pages, product pages and search.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use akinai_core::storefront::catalog::SearchResults;
use akinai_domain::browse::{parse_price, Browse, Filters, Position, Sort};
use akinai_domain::catalog::{Category, Product, ProductSummary};
use akinai_domain::ids::ProductId;
use akinai_domain::money::Yen;

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
    pub browse: Browse,
    /// The query string of the next page, if there is one.
    pub next: Option<String>,
    /// A price bound that was not a number (left out of the filters).
    pub bad_price: bool,
}

impl CategoryPage {
    /// The sort links: value, message key, whether it is the current order.
    pub fn sorts(&self) -> Vec<(String, &'static str, bool)> {
        Sort::ALL
            .into_iter()
            .map(|s| {
                let browse = Browse {
                    sort: s,
                    after: None,
                    ..self.browse
                };
                (listing_query(&browse), sort_label(s), s == self.browse.sort)
            })
            .collect()
    }

    /// A filter bound as typed back into its field.
    pub fn bound(&self, yen: &Option<Yen>) -> String {
        yen.map(|y| y.0.to_string()).unwrap_or_default()
    }
}

fn sort_label(sort: Sort) -> &'static str {
    match sort {
        Sort::Recommended => "category.sort_recommended",
        Sort::Newest => "category.sort_new",
        Sort::PriceLow => "category.sort_price_asc",
        Sort::PriceHigh => "category.sort_price_desc",
        Sort::BestSelling => "category.sort_popular",
    }
}

/// The query string (with its `?`) that asks for `browse`; empty for the default listing.
fn listing_query(browse: &Browse) -> String {
    let mut parts: Vec<String> = Vec::new();
    if browse.sort != Sort::default() {
        parts.push(format!("sort={}", browse.sort.as_str()));
    }
    let f = &browse.filters;
    if f.in_stock {
        parts.push("stock=1".into());
    }
    if let Some(min) = f.price_min {
        parts.push(format!("min={}", min.0));
    }
    if let Some(max) = f.price_max {
        parts.push(format!("max={}", max.0));
    }
    if let Some(after) = browse.after {
        parts.push(format!("after={}", after.as_param()));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// A category listing's query: order, filters and position, all optional.
#[derive(Deserialize)]
pub struct ListingQuery {
    sort: Option<String>,
    stock: Option<String>,
    min: Option<String>,
    max: Option<String>,
    after: Option<String>,
}

impl ListingQuery {
    /// The listing asked for, and whether a price bound had to be left out. An unknown sort is
    /// the default one; a malformed position is refused.
    fn browse(&self) -> Result<(Browse, bool), WebError> {
        let after = match self.after.as_deref() {
            None | Some("") => None,
            Some(s) => {
                Some(Position::parse(s).ok_or(WebError::BadRequest("errorpage.bad_cursor"))?)
            }
        };
        let mut bad_price = false;
        let mut price = |raw: &Option<String>| match parse_price(raw.as_deref().unwrap_or_default())
        {
            Ok(v) => v,
            Err(_) => {
                bad_price = true;
                None
            }
        };
        let filters = Filters {
            in_stock: self.stock.as_deref().is_some_and(|s| !s.is_empty()),
            price_min: price(&self.min),
            price_max: price(&self.max),
        };
        let sort = self
            .sort
            .as_deref()
            .and_then(Sort::parse)
            .unwrap_or_default();
        Ok((
            Browse {
                sort,
                filters,
                after,
            },
            bad_price,
        ))
    }
}

pub async fn category_get(
    Path(slug): Path<String>,
    Query(q): Query<ListingQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let (browse, bad_price) = q.browse()?;
    let state = &state;
    ctx.cached_page(state, move |l| async move {
        let page = state
            .shop
            .storefront()
            .category_page(&slug, &browse)
            .await?;
        let next = page.products.next.map(|after| {
            listing_query(&Browse {
                after: Some(after),
                ..browse
            })
        });
        Ok(CategoryPage {
            l,
            category: page.category,
            path: page.path,
            children: page.children,
            products: page.products.products,
            browse,
            next,
            bad_price,
        })
    })
    .await
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
    let id = parse_product_id(&id)?;
    let state = &state;
    ctx.cached_page(state, move |l| async move {
        let page = state.shop.storefront().product_page(id).await?;
        Ok(ProductPage {
            l,
            product: page.product,
            path: page.path,
            error: None,
        })
    })
    .await
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
