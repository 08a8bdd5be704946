//! Maintenance mode (operations issue, item 4; IPA-M-5): while an operator has the storefront
//! closed (`akinai maintenance on` or the admin's switch), every storefront page answers 503
//! with `Retry-After` and a styled page carrying the operator's message. What must keep working
//! stays open: `/healthz` and `/readyz`, the payment provider's webhooks, CSP reports and the
//! stylesheet the page itself needs. The API answers the same 503 as problem details (JSON). The admin has its own listener and is never closed. Each
//! node reads the switch from the store at most every couple of seconds
//! ([`akinai_core::operations::MAINTENANCE_TTL`]).

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::{assets, AppState};

/// Seconds a client is told to wait.
pub const RETRY_AFTER_SECS: u32 = 300;

#[derive(Template)]
#[template(path = "maintenance.html")]
struct ClosedPage<'a> {
    shop_name: &'a str,
    message: &'a str,
    css: &'static str,
    css_integrity: &'static str,
}

/// Paths served while the storefront is closed.
fn stays_open(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/csp-report")
        || path.starts_with("/webhooks/")
        || path.starts_with("/assets/")
}

/// The 503 page for a storefront request to `path` while maintenance is on; `None` while the
/// shop is open (or for a path that stays open). Called by the front door (`crate::front_door`).
pub async fn closed_page(state: &AppState, path: &str) -> Option<Response> {
    if stays_open(path) {
        return None;
    }
    let m = match state.shop.operations().maintenance().await {
        Ok(m) => m?,
        Err(e) => {
            // The store is the problem: the page itself will say so.
            tracing::warn!(error = %e, "cannot read the maintenance switch");
            return None;
        }
    };
    if path.starts_with("/api/") {
        // Programs get the API's own error shape, and the same Retry-After.
        let mut response = crate::api::Problem::unavailable(&m.message).into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        return Some(response);
    }
    let shop_name = state
        .shop
        .storefront()
        .settings()
        .await
        .map(|s| s.shop_name)
        .unwrap_or_default();
    let page = ClosedPage {
        shop_name: &shop_name,
        message: &m.message,
        css: assets::css_path(),
        css_integrity: assets::css_integrity(),
    };
    let body = page
        .render()
        .unwrap_or_else(|_| "メンテナンス中です".into());
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Html(body)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Some(response)
}
