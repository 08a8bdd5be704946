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
    let l = ctx.layout(&state).await?;
    let settings = state.shop.storefront().settings().await?;
    let sections = state.shop.storefront().featured(4).await?;
    ctx.page(
        StatusCode::OK,
        &HomePage {
            l,
            tagline: settings.tagline,
            sections,
        },
    )
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

pub async fn not_found() -> WebError {
    WebError::NotFound
}
