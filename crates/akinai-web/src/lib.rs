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
pub mod limits;
mod pages;
mod security;
pub mod server;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, MethodRouter};
use axum::Router;

use akinai_core::Shop;

pub use i18n::Lang;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Whether the shop is reached over HTTPS (cookies get `Secure`).
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Per-source limit on state-changing requests.
    pub form_rate: limits::RateLimit,
}

impl WebConfig {
    /// Plain HTTP, no proxy, default limits.
    pub fn new(secure_cookies: bool) -> WebConfig {
        WebConfig {
            secure_cookies,
            trusted_proxies: Vec::new(),
            form_rate: limits::RateLimit::default(),
        }
    }
}

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    pub shop: Shop,
    pub config: Arc<WebConfig>,
    pub limiter: Arc<limits::Limiter>,
}

impl AppState {
    pub fn new(shop: Shop, config: WebConfig) -> AppState {
        let limiter = Arc::new(limits::Limiter::new(config.form_rate));
        AppState {
            shop,
            config: Arc::new(config),
            limiter,
        }
    }
}

/// The longest a request may take before it is answered with 408.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Largest request body the storefront accepts (its forms are small).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Who may use a route, declared next to it (SWS-11). Later issues add customer and admin
/// policies; a test walks [`route_table`] and checks each declaration against the router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Anyone may read; GET only, changes nothing.
    Public,
    /// Anyone may submit, but only with the CSRF token of their own cookie (SWS-6).
    PublicForm,
    /// Browsers post reports here without cookies; it only appends to the security event log.
    Report,
}

/// Every storefront route: path, policy, handlers.
fn routes() -> Vec<(&'static str, Policy, MethodRouter<AppState>)> {
    use pages::{cart, catalog, checkout, home, legal, order};
    vec![
        ("/", Policy::Public, get(home::home_get)),
        (
            "/category/{slug}",
            Policy::Public,
            get(catalog::category_get),
        ),
        ("/product/{id}", Policy::Public, get(catalog::product_get)),
        ("/search", Policy::Public, get(catalog::search_get)),
        ("/cart", Policy::Public, get(cart::cart_get)),
        ("/cart/add", Policy::PublicForm, post(cart::cart_add_post)),
        (
            "/cart/update",
            Policy::PublicForm,
            post(cart::cart_update_post),
        ),
        (
            "/cart/remove",
            Policy::PublicForm,
            post(cart::cart_remove_post),
        ),
        (
            "/checkout",
            Policy::PublicForm,
            get(checkout::checkout_get).post(checkout::checkout_post),
        ),
        (
            "/checkout/confirm",
            Policy::PublicForm,
            get(checkout::confirm_get).post(checkout::confirm_post),
        ),
        ("/order/{token}", Policy::Public, get(order::order_get)),
        (
            "/legal/tokushoho",
            Policy::Public,
            get(legal::tokushoho_get),
        ),
        ("/legal/privacy", Policy::Public, get(legal::privacy_get)),
        ("/lang/{code}", Policy::Public, get(home::lang_get)),
        ("/healthz", Policy::Public, get(home::healthz_get)),
        ("/assets/{name}", Policy::Public, get(assets::asset_get)),
        (
            "/placeholder/{hue}",
            Policy::Public,
            get(assets::placeholder_get),
        ),
        (
            "/csp-report",
            Policy::Report,
            post(security::csp_report_post),
        ),
    ]
}

/// The declared policy of every route, for tests and documentation.
pub fn route_table() -> Vec<(&'static str, Policy)> {
    routes()
        .into_iter()
        .map(|(path, policy, _)| (path, policy))
        .collect()
}

/// The storefront router with its middleware.
pub fn router(state: AppState) -> Router {
    let https = state.config.secure_cookies;
    harden(unhardened_router(state), https)
}

/// The storefront routes with the rate limit but without [`harden`]'s layers, for callers that
/// add routes of their own (tests) before hardening.
pub fn unhardened_router(state: AppState) -> Router {
    routes()
        .into_iter()
        .fold(Router::new(), |r, (path, _, handlers)| {
            r.route(path, handlers)
        })
        .fallback(pages::home::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::rate_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::https_redirect,
        ))
        .with_state(state)
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
