//! `Idempotency-Key` on every API POST (issue 20, item 1; ADR 038 §8): the key is required
//! (400 without it); its first request runs and its answer (status, `Content-Type`, `Location`,
//! body) is kept for 24 hours per token; the same key with the same method, path and body
//! replays that answer (`Idempotent-Replayed: true`) without running anything again; with a
//! different request it is refused (422); while the first still runs, 409. A server error is
//! not kept, so the client can retry with the same key.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use akinai_core::api::IdempotentStart;
use akinai_domain::api::is_idempotency_key;

use super::{Caller, Problem};
use crate::AppState;

/// The largest answer kept for replay; API answers are far smaller.
const MAX_KEPT: usize = 1 << 20;

/// Runs a POST once per `Idempotency-Key`; a body over the route's `body_limit` is a 413
/// before the key is taken (so the key stays free for the request sent again smaller).
pub(super) async fn run_once(
    state: &AppState,
    caller: &Caller,
    (parts, body): (Parts, Body),
    body_limit: usize,
    next: Next,
) -> Response {
    let Some(key) = parts
        .headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .filter(|k| is_idempotency_key(k))
    else {
        return Problem::invalid_field(
            "Idempotency-Key",
            "required on every POST: 1–255 visible ASCII characters (e.g. a UUID), new for each \
             new request",
        )
        .into_response();
    };
    let bytes = match to_bytes(body, body_limit).await.map_err(too_large) {
        Ok(b) => b,
        Err(true) => return Problem::payload_too_large().into_response(),
        Err(false) => return Problem::invalid_field("body", "could not be read").into_response(),
    };
    let mut digest = Sha256::new();
    digest.update(parts.method.as_str());
    digest.update(b" ");
    digest.update(parts.uri.to_string());
    digest.update(b"\n");
    digest.update(&bytes);
    let hash = hex::encode(digest.finalize());
    let tokens = state.shop.api_tokens();
    match tokens.begin_idempotent(&caller.0, &key, &hash).await {
        Ok(IdempotentStart::New) => {}
        Ok(IdempotentStart::Replay {
            status,
            headers,
            body,
        }) => return replay(status, &headers, body),
        Ok(IdempotentStart::Mismatch) => return Problem::idempotency_mismatch().into_response(),
        Ok(IdempotentStart::InProgress) => {
            return Problem::idempotency_in_progress().into_response()
        }
        Err(e) => return Problem::internal(&e).into_response(),
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (answer, body) = response.into_parts();
    let Ok(body) = to_bytes(body, MAX_KEPT).await else {
        return Problem::internal(&"an answer too large to keep").into_response();
    };
    let kept: Vec<(String, String)> = [header::CONTENT_TYPE, header::LOCATION]
        .iter()
        .filter_map(|h| {
            let v = answer.headers.get(h)?.to_str().ok()?;
            Some((h.as_str().to_string(), v.to_string()))
        })
        .collect();
    let kept = serde_json::to_string(&kept).unwrap_or_default();
    let text = String::from_utf8_lossy(&body);
    if let Err(e) = tokens
        .finish_idempotent(&caller.0, &key, answer.status.as_u16(), &kept, &text)
        .await
    {
        tracing::error!(error = %e, "could not keep an idempotent answer");
    }
    Response::from_parts(answer, Body::from(body))
}

/// Whether reading a body failed on the route's size limit.
fn too_large(e: axum::Error) -> bool {
    let inner = e.into_inner();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(inner.as_ref());
    while let Some(s) = source {
        if s.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = s.source();
    }
    false
}

fn replay(status: i64, headers: &str, body: String) -> Response {
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = (status, body).into_response();
    let kept: Vec<(String, String)> = serde_json::from_str(headers).unwrap_or_default();
    let h = response.headers_mut();
    for (name, value) in kept {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            h.insert(name, value);
        }
    }
    h.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
