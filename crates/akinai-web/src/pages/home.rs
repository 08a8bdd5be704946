//! Home page, language switch, health check and the 404 page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use akinai_domain::catalog::{Category, ProductSummary};

use crate::error::WebError;
use crate::i18n::Lang;
use crate::layout::{safe_local_path, Ctx, Layout};
use crate::{cookies, AppState};

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub l: Layout,
    pub tagline: String,
    pub sections: Vec<(Category, Vec<ProductSummary>)>,
}

pub async fn home_get(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let state = &state;
    ctx.cached_page(state, move |l| async move {
        let settings = state.shop.storefront().settings().await?;
        let sections = state.shop.storefront().featured(4).await?;
        Ok(HomePage {
            l,
            tagline: settings.tagline,
            sections,
        })
    })
    .await
}

#[derive(Deserialize)]
pub struct LangQuery {
    next: Option<String>,
}

/// `/lang/{code}?next=/path`: remembers the language and goes back (to a local path only).
pub async fn lang_get(
    Path(code): Path<String>,
    Query(q): Query<LangQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Response {
    let next = q.next.as_deref().and_then(safe_local_path).unwrap_or("/");
    let mut response = ctx.redirect(next);
    if let Some(lang) = Lang::parse(&code) {
        cookies::set(
            response.headers_mut(),
            cookies::LANG,
            lang.code(),
            365,
            state.config.secure_cookies,
        );
    }
    response
}

/// `200 ok` when the store answers, `503` otherwise.
pub async fn healthz_get(State(state): State<AppState>) -> Response {
    match state.shop.health().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable").into_response()
        }
    }
}

/// `/readyz` for load balancers: the store answers (migrations were applied before the node
/// started serving), the storefront is not closed for maintenance, and this node's worker (if it
/// runs one) is alive. The body says which check failed.
pub async fn readyz_get(State(state): State<AppState>) -> Response {
    use akinai_core::worker::WorkerState;
    let shop = &state.shop;
    let not_ready = |why: &'static str| (StatusCode::SERVICE_UNAVAILABLE, why).into_response();
    if let Err(e) = shop.health().await {
        tracing::error!(error = %e, "readiness: the store does not answer");
        return not_ready("store unavailable");
    }
    match shop.operations().maintenance().await {
        Ok(None) => {}
        Ok(Some(_)) => return not_ready("maintenance"),
        Err(_) => return not_ready("store unavailable"),
    }
    if shop.jobs().worker_state() == WorkerState::Stalled {
        return not_ready("worker stalled");
    }
    (StatusCode::OK, "ready").into_response()
}

pub async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    // Programs asking the API for a path it does not have get its JSON shape.
    if uri.path().starts_with("/api/") {
        crate::api::Problem::not_found().into_response()
    } else {
        WebError::NotFound.into_response()
    }
}
