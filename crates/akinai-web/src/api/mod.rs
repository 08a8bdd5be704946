//! The REST API under `/api/v1` (issue 20, ADR 037): JSON over bearer tokens, no cookies (so no
//! CSRF surface), errors as RFC 9457 problem details. [`Caller`] admits a request by its
//! `Authorization: Bearer akn_…` header (`ApiTokens::authenticate`, from the client address as
//! the trusted proxies report it); anything else is the same 401. [`admit`] does that once per
//! request and applies the per-token rate limit. Handlers stay thin: parse,
//! one use case, JSON.

mod catalog;
mod customers;
mod idempotency;
mod inventory;
mod json;
pub mod openapi;
mod orders;
mod page;
mod pricing;
mod pricing_write;
mod problem;
mod products;
mod shop;
mod steps;
mod webhooks;

use std::time::Instant;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use akinai_core::accounts::Client;
use akinai_core::api::ApiCaller;

pub(crate) use catalog::{categories_get, product_get, products_get};
pub(crate) use customers::{customer_get, customers_get};
pub(crate) use openapi::openapi_get;
pub(crate) use orders::{order_get, orders_get};
pub(crate) use pricing::{coupons_get, customer_groups_get, price_rules_get};
pub use problem::Problem;
pub(crate) use shop::shop_get;
pub(crate) use webhooks::{
    webhook_delete, webhook_deliveries_get, webhook_rotate_post, webhooks_get, webhooks_post,
};

use crate::limits::RateLimit;
use axum::routing::{get, MethodRouter};

use crate::{AppState, Policy, RouteInfo};

/// An admitted API caller, and where the request came from (for the audit trail).
#[derive(Debug, Clone)]
pub struct Caller(pub ApiCaller, pub Client);

/// What a token may send: 40 requests at once, then 2 a second (a leaky bucket per token, kept
/// by each node; ADR 037).
pub const API_RATE: RateLimit = RateLimit {
    burst: 40,
    per_minute: 120,
};

/// What the door of one API route knows: the shop, and the largest body the route reads.
#[derive(Clone)]
pub(crate) struct Door {
    pub state: AppState,
    pub body_limit: usize,
}

/// The door of every API route: admits the bearer token (401 otherwise), takes one request from
/// its bucket (429 with `Retry-After` when empty), hands the [`Caller`] to the handler and tells
/// the caller its budget in `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
/// (seconds until the bucket is full again).
pub(crate) async fn admit(State(door): State<Door>, request: Request, next: Next) -> Response {
    let state = door.state;
    let (mut parts, body) = request.into_parts();
    let method = parts.method.clone();
    let caller = match authenticate(&parts, &state).await {
        Ok(c) => c,
        Err(p) => return p.into_response(),
    };
    let limit = state.api_limiter.limit();
    let per_sec = f64::from(limit.per_minute.max(1)) / 60.0;
    let (mut response, left) = match state.api_limiter.take(caller.0.id, Instant::now()) {
        Ok(left) if parts.method == axum::http::Method::POST => {
            parts.extensions.insert(caller.clone());
            let answer =
                idempotency::run_once(&state, &caller, (parts, body), door.body_limit, next).await;
            (answer, left)
        }
        Ok(left) => {
            parts.extensions.insert(caller);
            (next.run(Request::from_parts(parts, body)).await, left)
        }
        Err(wait) => {
            let mut r = Problem::too_many_requests(wait).into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
            (r, 0)
        }
    };
    if !method.is_safe() && response.status().is_success() {
        // A write through the API shows in the shop as an admin's does (ADR 042).
        state.changed().await;
    }
    let reset = (f64::from(limit.burst.saturating_sub(left)) / per_sec).ceil() as u64;
    let h = response.headers_mut();
    h.insert("ratelimit-limit", HeaderValue::from(limit.burst));
    h.insert("ratelimit-remaining", HeaderValue::from(left));
    h.insert("ratelimit-reset", HeaderValue::from(reset));
    response
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Caller, Problem> {
    let secret = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        // The scheme is case-insensitive (RFC 9110 §11.1).
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(Problem::unauthenticated)?;
    let ip = crate::proxy::request_ip(parts, &state.config.trusted_proxies);
    match state.shop.api_tokens().authenticate(secret, ip).await {
        Ok(Some(caller)) => {
            let agent = parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            Ok(Caller(caller, Client::new(ip, agent)))
        }
        Ok(None) => Err(Problem::unauthenticated()),
        Err(e) => Err(Problem::internal(&e)),
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    /// The caller [`admit`] let in (every API route has that layer).
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Problem> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(Problem::unauthenticated)
    }
}

/// A numeric id in the path, or a 400 problem naming it (axum's own rejection is plain text).
pub(crate) fn path_id(given: &str) -> Result<i64, Problem> {
    given
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Problem::invalid_field("id", "must be a positive whole number"))
}

/// A method an API route does not answer: the API's error shape, not an empty 405.
pub(crate) async fn method_not_allowed() -> Problem {
    Problem::method_not_allowed()
}

/// The largest JSON body an API write takes.
pub const API_BODY: usize = 64 * 1024;

/// The largest JSON body a product write takes: the largest document the schema allows must fit
/// however a client escapes it. A 20,000-character description written as `\uD83D\uDE00` pairs
/// is 240,000 bytes, 100 variants with 60-character labels about 85,000 more; a request the
/// schema refuses for its lengths then gets the 400 naming the field, not a 413.
pub const PRODUCT_BODY: usize = 512 * 1024;

/// The API's routes, for the storefront's route table.
pub(crate) fn routes() -> Vec<(RouteInfo, MethodRouter<AppState>)> {
    use crate::body_limit::NONE;
    use crate::route;
    vec![
        route("/api/v1/shop", Policy::Api, NONE, get(shop_get)),
        route(
            "/api/v1/openapi.json",
            Policy::Public,
            NONE,
            get(openapi_get),
        ),
        route(
            "/api/v1/products",
            Policy::Api,
            PRODUCT_BODY,
            get(products_get).post(products::products_post),
        ),
        route(
            "/api/v1/products/{id}",
            Policy::Api,
            PRODUCT_BODY,
            get(product_get).patch(products::product_patch),
        ),
        route(
            "/api/v1/products/{id}/variants",
            Policy::Api,
            PRODUCT_BODY,
            axum::routing::post(products::variants_post),
        ),
        route(
            "/api/v1/products/{id}/variants/{variant_id}",
            Policy::Api,
            API_BODY,
            axum::routing::patch(products::variant_patch),
        ),
        route("/api/v1/categories", Policy::Api, NONE, get(categories_get)),
        route(
            "/api/v1/customer-groups",
            Policy::Api,
            API_BODY,
            get(customer_groups_get).post(pricing_write::customer_groups_post),
        ),
        route(
            "/api/v1/customer-groups/{id}",
            Policy::Api,
            API_BODY,
            axum::routing::put(pricing_write::customer_group_put),
        ),
        route(
            "/api/v1/products/{id}/price-rules",
            Policy::Api,
            API_BODY,
            get(price_rules_get).put(pricing_write::price_rules_put),
        ),
        route(
            "/api/v1/coupons",
            Policy::Api,
            API_BODY,
            get(coupons_get).post(pricing_write::coupons_post),
        ),
        route(
            "/api/v1/coupons/{id}",
            Policy::Api,
            API_BODY,
            axum::routing::patch(pricing_write::coupon_patch),
        ),
        route("/api/v1/orders", Policy::Api, NONE, get(orders_get)),
        route("/api/v1/orders/{id}", Policy::Api, NONE, get(order_get)),
        route(
            "/api/v1/orders/{id}/events",
            Policy::Api,
            API_BODY,
            axum::routing::post(steps::order_events_post),
        ),
        route(
            "/api/v1/orders/{id}/refunds",
            Policy::Api,
            API_BODY,
            axum::routing::post(steps::order_refunds_post),
        ),
        route("/api/v1/customers", Policy::Api, NONE, get(customers_get)),
        route(
            "/api/v1/customers/{id}",
            Policy::Api,
            NONE,
            get(customer_get),
        ),
        route(
            "/api/v1/products/{id}/publish",
            Policy::Api,
            API_BODY,
            axum::routing::post(inventory::publish_post),
        ),
        route(
            "/api/v1/products/{id}/unpublish",
            Policy::Api,
            API_BODY,
            axum::routing::post(inventory::unpublish_post),
        ),
        route(
            "/api/v1/inventory/adjust",
            Policy::Api,
            API_BODY,
            axum::routing::post(inventory::adjust_post),
        ),
        route(
            "/api/v1/inventory/set",
            Policy::Api,
            API_BODY,
            axum::routing::post(inventory::set_post),
        ),
        route(
            "/api/v1/webhooks",
            Policy::Api,
            API_BODY,
            get(webhooks_get).post(webhooks_post),
        ),
        route(
            "/api/v1/webhooks/{id}",
            Policy::Api,
            NONE,
            axum::routing::delete(webhook_delete),
        ),
        route(
            "/api/v1/webhooks/{id}/rotate",
            Policy::Api,
            API_BODY,
            axum::routing::post(webhook_rotate_post),
        ),
        route(
            "/api/v1/webhooks/{id}/deliveries",
            Policy::Api,
            NONE,
            get(webhook_deliveries_get),
        ),
    ]
}
