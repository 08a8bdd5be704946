//! The storefront's front door: one middleware that does, in this order, what five layers did
//! before (ADR 034) — give the request its id and measure it ([`metrics::measured`]), answer
//! `503` while the shop is closed for maintenance ([`maintenance::closed_page`]), redirect plain
//! HTTP reported by a trusted proxy to https ([`limits::plain_http_redirect`]), refuse a source
//! over its rate limit ([`limits::over_limit`]), run the route, and show an error response inside
//! the shop's layout ([`error_page::in_shop_layout`]). Each axum `from_fn` layer clones the
//! service below it and boxes a future on every request; as five layers they cost a cached
//! product page about a fifth of its throughput.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::{error_page, limits, maintenance, metrics, AppState};

/// The middleware; see the module documentation for its steps.
pub async fn front_door(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let state = &state;
    metrics::measured(state, request, move |request| async move {
        if let Some(closed) = maintenance::closed_page(state, request.uri().path()).await {
            return closed;
        }
        let kept = error_page::keep(&request);
        let response = match limits::plain_http_redirect(state, &request)
            .or_else(|| limits::over_limit(state, &request))
        {
            Some(refused) => refused,
            None => next.run(request).await,
        };
        error_page::in_shop_layout(state, kept, response).await
    })
    .await
}
