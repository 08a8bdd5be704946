//! Category pages, product pages and search; their sort links and filters are `listing`'s.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use akinai_core::storefront::catalog::SearchResults;
use akinai_core::storefront::prices::Pricing;
use akinai_domain::browse::Browse;
use akinai_domain::catalog::{Category, Product, ProductSummary, Sku};
use akinai_domain::ids::ProductId;
use akinai_domain::ids::SkuId;
use akinai_domain::price_rules::PriceRules;
use akinai_domain::search::SearchTotal;
use chrono::{DateTime, Utc};

use crate::error::WebError;
use crate::layout::{Ctx, Layout};
use crate::pages::listing::{listing_query, ListingQuery, ListingTools};
use crate::pages::prices::{PriceText, SkuPrice};
use crate::AppState;

#[derive(Template)]
#[template(path = "category.html")]
pub struct CategoryPage {
    pub l: Layout,
    pub category: Category,
    pub path: Vec<Category>,
    /// Each sub-category's link (keeping the order and filters) and count.
    pub children: Vec<(Category, String, SearchTotal)>,
    pub products: Vec<ProductSummary>,
    pub total: SearchTotal,
    pub tools: ListingTools,
    /// The query string of the next page, if there is one.
    pub next: Option<String>,
}

pub async fn category_get(
    Path(slug): Path<String>,
    Query(q): Query<ListingQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let (browse, bad_price) = q.browse()?;
    let state = &state;
    // A customer group's member sees the group's prices, rendered for them alone (ADR 047).
    // Boxed, so that it does not enlarge the future of the cached page everyone else gets.
    if let Some(pricing) = Box::pin(group_pricing(state, &ctx)).await? {
        let page = Box::pin(async {
            let l = ctx.layout(state).await?;
            category_view(state, l, &slug, browse, bad_price, &pricing).await
        })
        .await?;
        return ctx.page(StatusCode::OK, &page);
    }
    ctx.cached_page(state, move |l| async move {
        category_view(state, l, &slug, browse, bad_price, &Pricing::consumer()).await
    })
    .await
}

/// The pricing of a signed-in member of a customer group; `None` for everyone else (whose
/// listings come from the shared page cache).
async fn group_pricing(state: &AppState, ctx: &Ctx) -> Result<Option<Pricing>, WebError> {
    if ctx.session_secret.is_none() {
        return Ok(None);
    }
    let pricing = state
        .shop
        .checkout()
        .pricing(ctx.session_secret.as_deref())
        .await?;
    Ok(pricing.group.is_some().then_some(pricing))
}

async fn category_view(
    state: &AppState,
    l: Layout,
    slug: &str,
    browse: Browse,
    bad_price: bool,
    pricing: &Pricing,
) -> Result<CategoryPage, WebError> {
    let mut page = state.shop.storefront().category_page(slug, &browse).await?;
    state
        .shop
        .storefront()
        .price_listing(&mut page.products.products, pricing)
        .await?;
    let next = page.products.next.map(|after| {
        listing_query(&Browse {
            after: Some(after),
            ..browse.clone()
        })
    });
    let kept = listing_query(&Browse {
        after: None,
        ..browse.clone()
    });
    let children = page
        .children
        .into_iter()
        .map(|(c, n)| {
            let href = format!("/category/{}{kept}", c.slug);
            (c, href, n)
        })
        .collect();
    let mut tools = ListingTools::new(
        format!("/category/{}", page.category.slug),
        browse,
        bad_price,
    );
    tools.in_stock = Some(page.in_stock);
    tools.options = page.options;
    Ok(CategoryPage {
        l,
        tools,
        category: page.category,
        path: page.path,
        children,
        products: page.products.products,
        total: page.total,
        next,
    })
}

#[derive(Template)]
#[template(path = "product.html")]
pub struct ProductPage {
    pub l: Layout,
    pub product: Product,
    pub path: Vec<Category>,
    /// A problem with the last add-to-cart attempt, already translated.
    pub error: Option<String>,
    pub rules: HashMap<SkuId, PriceRules>,
    pub at: DateTime<Utc>,
    pub prices: PriceText,
}

impl ProductPage {
    pub fn in_stock(&self) -> bool {
        self.product.skus.iter().any(|s| s.stock > 0)
    }

    /// How a SKU's price reads for this shopper (tiers, sale, group price; ADR 047).
    pub fn sku_price(&self, sku: &Sku) -> SkuPrice {
        self.prices.sku_price(
            sku,
            self.product.tax_category,
            self.rules.get(&sku.id),
            self.at,
        )
    }

    /// The quantity the form starts with: what the default SKU is first sold in.
    pub fn start_quantity(&self) -> u32 {
        self.rules
            .get(&SkuId(self.default_sku()))
            .map_or(1, |r| r.min_quantity.max(r.multiple).max(1))
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
    let pricing = state
        .shop
        .checkout()
        .pricing(ctx.session_secret.as_deref())
        .await?;
    let page = state.shop.storefront().product_page(id).await?;
    let l = ctx.layout(state).await?;
    ctx.page(status, &product_view(l, ctx, page, pricing, error))
}

fn product_view(
    l: Layout,
    ctx: &Ctx,
    page: akinai_core::storefront::catalog::ProductPage,
    pricing: Pricing,
    error: Option<String>,
) -> ProductPage {
    ProductPage {
        l,
        product: page.product,
        path: page.path,
        error,
        rules: page.rules,
        at: page.at,
        prices: PriceText { t: ctx.t, pricing },
    }
}

/// `GET /product/{id}`: from the page cache, but for a member of a customer group, whose
/// prices are their own (ADR 047).
pub async fn product_get(
    Path(id): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let id = parse_product_id(&id)?;
    let state = &state;
    // A customer group's member sees the group's prices, rendered for them alone (ADR 047);
    // boxed, so that it does not enlarge the future of the cached page everyone else gets.
    if Box::pin(group_pricing(state, &ctx)).await?.is_some() {
        return Box::pin(render_product(state, &ctx, id, None, StatusCode::OK)).await;
    }
    let ctx_ref = &ctx;
    ctx.cached_page(state, move |l| async move {
        let page = state.shop.storefront().product_page(id).await?;
        Ok(product_view(l, ctx_ref, page, Pricing::consumer(), None))
    })
    .await
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub l: Layout,
    pub q: String,
    pub results: Option<SearchResults>,
    pub tools: ListingTools,
}

impl SearchPage {
    /// The link to results page `n`, keeping the order and filters.
    pub fn page_href(&self, n: u32) -> String {
        self.tools.link(&self.tools.browse, &[format!("page={n}")])
    }
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    page: Option<String>,
    #[serde(flatten)]
    listing: ListingQuery,
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
    let (mut browse, bad_price) = sq.listing.browse()?;
    // The search page offers no option filter (its matches are arranged by their keys alone).
    browse.filters.option = None;
    let state = &state;
    if let Some(pricing) = group_pricing(state, &ctx).await? {
        let l = ctx.layout(state).await?;
        let page = search_view(state, l, q, browse, bad_price, page, &pricing).await?;
        return ctx.page(StatusCode::OK, &page);
    }
    // Kept like a category page, in the searches' own smaller cache (ADR 030 decision 8).
    ctx.cached_page_in(state, &state.searches, move |l| async move {
        search_view(state, l, q, browse, bad_price, page, &Pricing::consumer()).await
    })
    .await
}

async fn search_view(
    state: &AppState,
    mut l: Layout,
    q: String,
    browse: Browse,
    bad_price: bool,
    page: u32,
    pricing: &Pricing,
) -> Result<SearchPage, WebError> {
    let storefront = state.shop.storefront();
    let mut results = storefront
        .search(&q, browse.sort, &browse.filters, page)
        .await?;
    if let Some(r) = results.as_mut() {
        storefront.price_listing(&mut r.products, pricing).await?;
    }
    l.query = q.clone();
    let encoded = percent_encoding::utf8_percent_encode(&q, percent_encoding::NON_ALPHANUMERIC);
    let base = format!("/search?q={encoded}");
    let mut tools = ListingTools::new(base, browse, bad_price);
    tools.hidden.push(("q", q.clone()));
    Ok(SearchPage {
        l,
        q,
        results,
        tools,
    })
}
