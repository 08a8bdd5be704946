//! The HTTP layer of akinai: the storefront's axum router.
//!
//! Handlers are thin: they parse input into domain types, call one [`akinai_core::Shop`] use
//! case and render a compile-time askama template (auto-escaped, SWS-5). Errors become responses
//! in one place ([`error::WebError`]). Every string a shopper reads comes from the message
//! catalogues in `i18n/` (Japanese by default, English selectable). No page needs JavaScript and
//! no asset comes from a third party.
#![forbid(unsafe_code)]

mod accept;
pub mod admin;
pub mod api;
mod around;
mod assets;
pub mod compress;
mod conditional;
mod cookies;
pub mod error;
mod error_page;
mod form;
mod front_door;
mod gzip_parts;
pub mod hints;
mod i18n;
mod layout;
pub mod limits;
mod maintenance;
pub mod metrics;
mod page_cache;
mod pages;
pub mod proxy;
mod security;
pub mod server;
pub mod tls;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, MethodRouter};
use axum::Router;

use akinai_core::Shop;

pub use assets::manifest;
pub use i18n::Lang;
pub use security::CspNonce;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Whether the shop is reached over HTTPS (cookies get `Secure`).
    pub secure_cookies: bool,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` are believed.
    pub trusted_proxies: proxy::TrustedProxies,
    /// Per-source limit on state-changing requests.
    pub form_rate: limits::RateLimit,
    /// Per-token limit on API requests.
    pub api_rate: limits::RateLimit,
    /// How the shop is deployed, for the self-assessment page (issue #22).
    pub deployment: akinai_domain::selfcheck::Deployment,
}

impl WebConfig {
    /// Plain HTTP, no proxy, default limits.
    pub fn new(secure_cookies: bool) -> WebConfig {
        WebConfig {
            secure_cookies,
            trusted_proxies: proxy::TrustedProxies::default(),
            form_rate: limits::RateLimit::default(),
            api_rate: api::API_RATE,
            deployment: akinai_domain::selfcheck::Deployment::default(),
        }
    }
}

/// Shared state of all handlers. Every middleware layer and extractor clones it per request, so
/// it is one reference-counted pointer (a clone of the shop with its configuration would
/// allocate: measured at 5% of the product page's CPU time, docs/performance.md).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] points to.
pub struct Shared {
    pub shop: Shop,
    pub config: Arc<WebConfig>,
    pub limiter: Arc<limits::Limiter>,
    /// Per API token (issue 20).
    pub api_limiter: Arc<limits::Limiter<akinai_domain::ids::ApiTokenId>>,
    /// This process's metrics (request durations; figures read at scrape).
    pub metrics: metrics::SharedMetrics,
    /// Rendered pages kept for the read caches' time to live (ADR 030).
    pub(crate) pages: page_cache::PageCache,
    /// Search result pages, kept apart and fewer (ADR 030 decision 8).
    pub(crate) searches: page_cache::PageCache,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(shop: Shop, config: WebConfig) -> AppState {
        let limiter = Arc::new(limits::Limiter::new(config.form_rate));
        let api_limiter = Arc::new(limits::Limiter::new(config.api_rate));
        AppState(Arc::new(Shared {
            config: Arc::new(config),
            limiter,
            api_limiter,
            metrics: Arc::new(metrics::Metrics::new()),
            pages: page_cache::PageCache::new(shop.config().cache_ttl),
            searches: page_cache::PageCache::with_capacity(
                shop.config().cache_ttl,
                page_cache::SEARCH_CAPACITY,
            ),
            shop,
        }))
    }
}

/// The longest a request may take before it is answered with 408.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Largest request body of a route that declares none (the fallback).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Body limits routes declare (item 5 of the hardening issue): a route reads at most this much
/// and answers `413` beyond. Uploads (admin issue) declare their own, larger limits.
pub mod body_limit {
    /// Routes that read no body.
    pub const NONE: usize = 0;
    /// Storefront forms: the longest, checkout, is under 4 KiB when every field is at its maximum.
    pub const FORM: usize = 16 * 1024;
    /// Browser CSP reports.
    pub const REPORT: usize = 16 * 1024;
    /// Payment provider events (a Stripe event is a few KiB).
    pub const WEBHOOK: usize = 64 * 1024;
    /// The quick order form: 5,000 lines of code and quantity, URL-encoded (a 20-character code
    /// with non-ASCII letters is up to 180 bytes encoded).
    pub const QUICK_ORDER: usize = 1024 * 1024;
    /// The largest limit any route declares.
    pub const LARGEST: usize = QUICK_ORDER;
}

/// One route as declared: who may use it and how large a body it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    pub path: &'static str,
    pub policy: Policy,
    pub body_limit: usize,
}

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
    /// A payment provider posts signed events here without cookies; the signature is the only
    /// authentication and an unsigned body is refused (400) before anything is read from it.
    Webhook,
    /// A logged-in customer's pages; GET only. Without a live session: 303 to the login page.
    Member,
    /// A logged-in customer's forms: a live session and the CSRF token.
    MemberForm,
    /// The REST API: a bearer token (`Authorization: Bearer akn_…`), no cookies, JSON; without
    /// an admitted token, 401 (issue 20, ADR 037).
    Api,
}

impl Policy {
    fn needs_member(self) -> bool {
        matches!(self, Policy::Member | Policy::MemberForm)
    }
}

/// One route as the tables declare it.
pub(crate) fn route(
    path: &'static str,
    policy: Policy,
    body_limit: usize,
    handlers: MethodRouter<AppState>,
) -> (RouteInfo, MethodRouter<AppState>) {
    (
        RouteInfo {
            path,
            policy,
            body_limit,
        },
        handlers,
    )
}

/// Every storefront route: path, policy, body limit, handlers.
fn routes() -> Vec<(RouteInfo, MethodRouter<AppState>)> {
    use body_limit::{FORM, NONE, QUICK_ORDER, REPORT, WEBHOOK};
    use pages::{
        account, cart, catalog, checkout, home, legal, order, payment, postal, quick_order, quotes,
        statements,
    };
    let mut all = vec![
        route("/", Policy::Public, NONE, get(home::home_get)),
        route(
            "/category/{slug}",
            Policy::Public,
            NONE,
            get(catalog::category_get),
        ),
        route(
            "/product/{id}",
            Policy::Public,
            NONE,
            get(catalog::product_get),
        ),
        route("/search", Policy::Public, NONE, get(catalog::search_get)),
        route(
            "/search/suggest",
            Policy::Public,
            NONE,
            get(catalog::suggest_get),
        ),
        route("/cart", Policy::Public, NONE, get(cart::cart_get)),
        route(
            "/quote-request",
            Policy::PublicForm,
            FORM,
            get(quotes::request_get).post(quotes::request_post),
        ),
        route(
            "/quotes/{secret}",
            Policy::Public,
            NONE,
            get(quotes::quote_get),
        ),
        route(
            "/quotes/{secret}/pdf",
            Policy::Public,
            NONE,
            get(quotes::quote_pdf_get),
        ),
        route(
            "/quotes/{secret}/order",
            Policy::PublicForm,
            FORM,
            post(quotes::quote_order_post),
        ),
        route(
            "/quick-order",
            Policy::PublicForm,
            QUICK_ORDER,
            get(quick_order::quick_order_get).post(quick_order::quick_order_post),
        ),
        route(
            "/quick-order/preview",
            Policy::PublicForm,
            QUICK_ORDER,
            post(quick_order::quick_order_preview_post),
        ),
        route(
            "/quick-order/upload",
            Policy::PublicForm,
            QUICK_ORDER,
            post(quick_order::quick_order_upload_post),
        ),
        route(
            "/cart/add",
            Policy::PublicForm,
            FORM,
            post(cart::cart_add_post),
        ),
        route(
            "/cart/update",
            Policy::PublicForm,
            FORM,
            post(cart::cart_update_post),
        ),
        route(
            "/cart/remove",
            Policy::PublicForm,
            FORM,
            post(cart::cart_remove_post),
        ),
        route(
            "/cart/coupon",
            Policy::PublicForm,
            FORM,
            post(cart::cart_coupon_post),
        ),
        route(
            "/cart/coupon/remove",
            Policy::PublicForm,
            FORM,
            post(cart::cart_coupon_remove_post),
        ),
        route(
            "/cart/points",
            Policy::PublicForm,
            FORM,
            post(cart::cart_points_post),
        ),
        route(
            "/checkout",
            Policy::PublicForm,
            FORM,
            get(checkout::checkout_get).post(checkout::checkout_post),
        ),
        route(
            "/checkout/confirm",
            Policy::PublicForm,
            FORM,
            get(checkout::confirm_get).post(checkout::confirm_post),
        ),
        route(
            "/order/{token}",
            Policy::Public,
            NONE,
            get(order::order_get),
        ),
        route(
            "/order/{token}/pay",
            Policy::PublicForm,
            FORM,
            post(payment::pay_post),
        ),
        route(
            "/webhooks/stripe",
            Policy::Webhook,
            WEBHOOK,
            post(payment::stripe_webhook_post),
        ),
        route(
            "/order/{token}/invoice.pdf",
            Policy::Public,
            NONE,
            get(order::invoice_get),
        ),
        route(
            "/order/{token}/return-invoice.pdf",
            Policy::Public,
            NONE,
            get(order::return_invoice_get),
        ),
        route(
            "/order/{token}/receipt.pdf",
            Policy::PublicForm,
            FORM,
            get(order::receipt_pdf_get).post(order::receipt_pdf_post),
        ),
        route(
            "/order/{token}/receipt",
            Policy::Public,
            NONE,
            get(order::receipt_get),
        ),
        route(
            "/order/{token}/reorder",
            Policy::Public,
            NONE,
            get(quick_order::reorder_get),
        ),
        route(
            "/legal/tokushoho",
            Policy::Public,
            NONE,
            get(legal::tokushoho_get),
        ),
        route(
            "/legal/privacy",
            Policy::Public,
            NONE,
            get(legal::privacy_get),
        ),
        route(
            "/accessibility",
            Policy::Public,
            NONE,
            get(legal::accessibility_get),
        ),
        route(
            "/postal-code/{code}",
            Policy::Public,
            NONE,
            get(postal::postal_code_get),
        ),
        route("/lang/{code}", Policy::Public, NONE, get(home::lang_get)),
        route("/healthz", Policy::Public, NONE, get(home::healthz_get)),
        route("/readyz", Policy::Public, NONE, get(home::readyz_get)),
        route(
            "/assets/{name}",
            Policy::Public,
            NONE,
            get(assets::asset_get),
        ),
        route(
            "/theme/{name}",
            Policy::Public,
            NONE,
            get(assets::theme_get),
        ),
        route(
            "/media/{name}",
            Policy::Public,
            NONE,
            get(assets::media_get),
        ),
        route(
            "/placeholder/{hue}",
            Policy::Public,
            NONE,
            get(assets::placeholder_get),
        ),
        route(
            "/account/register",
            Policy::PublicForm,
            FORM,
            get(account::register_get).post(account::register_post),
        ),
        route(
            "/account/verify",
            Policy::PublicForm,
            FORM,
            get(account::verify_get).post(account::verify_post),
        ),
        route(
            "/account/login",
            Policy::PublicForm,
            FORM,
            get(account::login_get).post(account::login_post),
        ),
        route(
            "/account/login/code",
            Policy::PublicForm,
            FORM,
            get(account::code_get).post(account::code_post),
        ),
        route(
            "/account/login/passkey",
            Policy::PublicForm,
            FORM,
            post(account::passkey_login_post),
        ),
        route(
            "/account/passkeys",
            Policy::MemberForm,
            FORM,
            get(account::passkeys_get).post(account::passkeys_post),
        ),
        route(
            "/account/passkeys/delete",
            Policy::MemberForm,
            FORM,
            post(account::passkey_delete_post),
        ),
        route(
            "/account/profile",
            Policy::MemberForm,
            FORM,
            get(account::profile_get).post(account::profile_post),
        ),
        route(
            "/account/addresses",
            Policy::MemberForm,
            FORM,
            get(account::addresses_get).post(account::address_add_post),
        ),
        route(
            "/account/addresses/new",
            Policy::Member,
            NONE,
            get(account::address_new_get),
        ),
        route(
            "/account/addresses/delete",
            Policy::MemberForm,
            FORM,
            post(account::address_delete_post),
        ),
        route(
            "/account/addresses/{id}",
            Policy::MemberForm,
            FORM,
            get(account::address_edit_get).post(account::address_edit_post),
        ),
        route(
            "/account/delete",
            Policy::MemberForm,
            FORM,
            get(account::delete_get).post(account::delete_post),
        ),
        route(
            "/account/totp",
            Policy::MemberForm,
            FORM,
            get(account::totp_get).post(account::totp_post),
        ),
        route(
            "/account/totp/disable",
            Policy::MemberForm,
            FORM,
            post(account::totp_disable_post),
        ),
        route(
            "/account/logout",
            Policy::PublicForm,
            FORM,
            post(account::logout_post),
        ),
        route(
            "/account/password/forgot",
            Policy::PublicForm,
            FORM,
            get(account::forgot_get).post(account::forgot_post),
        ),
        route(
            "/account/password/reset",
            Policy::PublicForm,
            FORM,
            get(account::reset_get).post(account::reset_post),
        ),
        route("/account", Policy::Member, NONE, get(account::account_get)),
        route(
            "/account/business",
            Policy::MemberForm,
            FORM,
            get(account::business_get).post(account::business_post),
        ),
        route(
            "/account/business/invite",
            Policy::MemberForm,
            FORM,
            post(account::invite_post),
        ),
        route(
            "/account/business/approval",
            Policy::MemberForm,
            FORM,
            post(account::approval_post),
        ),
        route(
            "/account/business/join",
            Policy::MemberForm,
            FORM,
            get(account::join_get).post(account::join_post),
        ),
        route(
            "/account/business/members/{id}",
            Policy::MemberForm,
            FORM,
            post(account::member_post),
        ),
        route(
            "/account/business/orders/{id}/approve",
            Policy::MemberForm,
            FORM,
            post(account::order_approve_post),
        ),
        route(
            "/account/business/orders/{id}/reject",
            Policy::MemberForm,
            FORM,
            post(account::order_reject_post),
        ),
        route(
            "/account/addresses/{id}/share",
            Policy::MemberForm,
            FORM,
            post(account::share_post),
        ),
        route(
            "/account/quotes",
            Policy::Member,
            NONE,
            get(quotes::my_quotes_get),
        ),
        route(
            "/account/statements",
            Policy::Member,
            NONE,
            get(statements::my_statements_get),
        ),
        route(
            "/account/statements/{id}/pdf",
            Policy::Member,
            NONE,
            get(statements::my_statement_pdf_get),
        ),
        route(
            "/account/points",
            Policy::Member,
            NONE,
            get(account::points_get),
        ),
        route(
            "/account/orders/{id}",
            Policy::Member,
            NONE,
            get(account::member_order_get),
        ),
        route(
            "/account/sessions",
            Policy::Member,
            NONE,
            get(account::sessions_get),
        ),
        route(
            "/account/sessions/end",
            Policy::PublicForm,
            FORM,
            get(account::end_session_get).post(account::end_session_post),
        ),
        route(
            "/account/sessions/revoke",
            Policy::MemberForm,
            FORM,
            post(account::session_revoke_post),
        ),
        route(
            "/account/sessions/revoke-all",
            Policy::MemberForm,
            FORM,
            post(account::sessions_revoke_all_post),
        ),
        route(
            "/account/email",
            Policy::MemberForm,
            FORM,
            get(account::email_get).post(account::email_post),
        ),
        route(
            "/account/email/confirm",
            Policy::PublicForm,
            FORM,
            get(account::email_confirm_get).post(account::email_confirm_post),
        ),
        route(
            "/account/password",
            Policy::MemberForm,
            FORM,
            get(account::password_get).post(account::password_post),
        ),
        route(
            "/csp-report",
            Policy::Report,
            REPORT,
            post(security::csp_report_post),
        ),
    ];
    all.extend(api::routes());
    all
}

/// The declaration of every route, for tests and documentation.
pub fn route_table() -> Vec<RouteInfo> {
    routes().into_iter().map(|(info, _)| info).collect()
}

/// The storefront router with its middleware.
pub fn router(state: AppState) -> Router {
    let policy = security::HeaderPolicy {
        https: state.config.secure_cookies,
        payment_origin: state.shop.payments().gateway().map(|g| g.checkout_origin()),
    };
    shop_front(storefront_routes(state.clone()), state, policy)
}

/// The storefront's routes without the middleware around them all, for callers that add routes
/// of their own (tests) before [`shop_front`].
///
/// Each route has one layer of its own (route template, body limit, compression where
/// [`compress::compressible`]); the middleware of every request wraps the routes' router as a whole
/// rather than each route (`Router::layer` would wrap every route, and each wrapping is cloned
/// on every request).
pub fn storefront_routes(state: AppState) -> Router {
    routes()
        .into_iter()
        .fold(Router::new(), |r, (info, handlers)| {
            let handlers = if info.policy == Policy::Api {
                // The door runs for the methods a route answers; any other gets 405.
                handlers
                    .route_layer(axum::middleware::from_fn_with_state(
                        api::Door {
                            state: state.clone(),
                            body_limit: info.body_limit,
                        },
                        api::admit,
                    ))
                    .fallback(api::method_not_allowed)
            } else {
                handlers
            };
            let each = tower::ServiceBuilder::new()
                .layer(around::AroundLayer(metrics::MarkRoute))
                .layer(DefaultBodyLimit::max(info.body_limit));
            let handlers = if compress::compressible(info.path) {
                handlers.layer(each.layer(compress::layer()))
            } else {
                handlers.layer(each)
            };
            let handlers = if info.policy.needs_member() {
                handlers.layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    pages::account::require_member,
                ))
            } else {
                handlers
            };
            r.route(info.path, handlers)
        })
        .fallback(pages::home::not_found)
        .with_state(state)
}

/// The storefront's `routes` behind everything a request to the shop passes through, in one
/// stack under one router (each router in between would clone a boxed service and box a
/// future on every request): the security headers and panic catching of [`harden_with`] with
/// `policy`, then the front door ([`front_door::front_door`]).
pub fn shop_front(routes: Router, state: AppState, policy: security::HeaderPolicy) -> Router {
    Router::new().fallback_service(
        tower::ServiceBuilder::new()
            .layer(around::AroundLayer(security::HeaderWork(
                std::sync::Arc::new(policy),
            )))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                security::panic_response,
            ))
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .layer(axum::middleware::from_fn_with_state(
                state,
                front_door::front_door,
            ))
            .service(routes),
    )
}

/// The middleware every akinai router gets: body limit, panic catching, security headers.
pub fn harden(routes: Router, https: bool) -> Router {
    harden_with(
        routes,
        security::HeaderPolicy {
            https,
            payment_origin: None,
        },
    )
}

/// [`harden`] with the full header policy (the storefront's, which may allow the payment
/// provider as a form target).
pub fn harden_with(routes: Router, policy: security::HeaderPolicy) -> Router {
    // Around the router as a whole, not around each of its routes (see `storefront_routes`).
    Router::new().fallback_service(
        tower::ServiceBuilder::new()
            .layer(around::AroundLayer(security::HeaderWork(
                std::sync::Arc::new(policy),
            )))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                security::panic_response,
            ))
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .service(routes),
    )
}
