//! The HTTP layer of akinai: the storefront's axum router.
//!
//! Handlers are thin: they parse input into domain types, call one [`akinai_core::Shop`] use
//! case and render a compile-time askama template (auto-escaped, SWS-5). Errors become responses
//! in one place ([`error::WebError`]). Every string a shopper reads comes from the message
//! catalogues in `i18n/` (Japanese by default, English selectable). No page needs JavaScript and
//! no asset comes from a third party.
#![forbid(unsafe_code)]

mod assets;
mod cookies;
pub mod error;
mod form;
mod i18n;
mod layout;
mod pages;
mod security;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use akinai_core::Shop;

pub use i18n::Lang;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Whether the shop is reached over HTTPS (cookies get `Secure`).
    pub secure_cookies: bool,
}

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    pub shop: Shop,
    pub config: Arc<WebConfig>,
}

/// Largest request body the storefront accepts (its forms are small).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The storefront router with its middleware.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/", get(pages::home::home_get))
        .route("/category/{slug}", get(pages::catalog::category_get))
        .route("/product/{id}", get(pages::catalog::product_get))
        .route("/search", get(pages::catalog::search_get))
        .route("/cart", get(pages::cart::cart_get))
        .route("/cart/add", post(pages::cart::cart_add_post))
        .route("/cart/update", post(pages::cart::cart_update_post))
        .route("/cart/remove", post(pages::cart::cart_remove_post))
        .route(
            "/checkout",
            get(pages::checkout::checkout_get).post(pages::checkout::checkout_post),
        )
        .route(
            "/checkout/confirm",
            get(pages::checkout::confirm_get).post(pages::checkout::confirm_post),
        )
        .route("/order/{token}", get(pages::order::order_get))
        .route("/legal/tokushoho", get(pages::legal::tokushoho_get))
        .route("/legal/privacy", get(pages::legal::privacy_get))
        .route("/lang/{code}", get(pages::home::lang_get))
        .route("/healthz", get(pages::home::healthz_get))
        .route("/assets/{name}", get(assets::asset_get))
        .route("/placeholder/{hue}", get(assets::placeholder_get))
        .fallback(pages::home::not_found)
        .with_state(state.clone());
    harden(routes, state.config.secure_cookies)
}

/// The middleware every akinai router gets: body limit, panic catching, security headers.
pub fn harden(routes: Router, https: bool) -> Router {
    routes
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            security::panic_response,
        ))
        .layer(axum::middleware::from_fn_with_state(
            https,
            security::headers,
        ))
}
