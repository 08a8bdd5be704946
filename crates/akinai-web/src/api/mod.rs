//! The REST API under `/api/v1` (issue 20, ADR 037): JSON over bearer tokens, no cookies (so no
//! CSRF surface), errors as RFC 9457 problem details. [`Caller`] admits a request by its
//! `Authorization: Bearer akn_…` header (`ApiTokens::authenticate`, from the client address as
//! the trusted proxies report it); anything else is the same 401. Handlers stay thin: parse,
//! one use case, JSON.

mod problem;
mod shop;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use akinai_core::api::ApiCaller;
use akinai_domain::api::Scope;

pub use problem::Problem;
pub(crate) use shop::shop_get;

use crate::AppState;

/// An admitted API caller.
pub struct Caller(pub ApiCaller);

impl Caller {
    /// Refuses (403) unless the token has `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), Problem> {
        if self.0.scopes.allows(scope) {
            Ok(())
        } else {
            Err(Problem::forbidden(scope))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let secret = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            // The scheme is case-insensitive (RFC 9110 §11.1).
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or_else(Problem::unauthenticated)?;
        let ip = crate::proxy::request_ip(parts, &state.config.trusted_proxies);
        match state.shop.api_tokens().authenticate(secret, ip).await {
            Ok(Some(caller)) => Ok(Caller(caller)),
            Ok(None) => Err(Problem::unauthenticated()),
            Err(e) => Err(Problem::internal(&e)),
        }
    }
}
