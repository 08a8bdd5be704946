//! Security headers on every response (SWS-5, SWS-9): a Content-Security-Policy that starts from
//! `default-src 'none'` and allows only first-party styles, images and form targets (the
//! storefront runs no script at all), no framing, no MIME sniffing, a strict referrer policy.
//! Over HTTPS, `Strict-Transport-Security` (IPA-C-9). A panic in a handler becomes a generic 500
//! page with a request id, never a dropped connection or a stack trace. The hardening issue
//! extends this (nonces, reports); the baseline is here from day one.

use std::any::Any;

use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'; report-uri /csp-report";

/// HSTS for a year, sent only when the shop is served over HTTPS.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

pub async fn headers(State(https): State<bool>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if https {
        h.insert(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    response
}

/// `POST /csp-report`: a browser reports a blocked script, style or frame. Stored as a security
/// event and raised as an alert; the per-source form rate limit bounds the flood a page could
/// cause. Browsers send it without cookies or tokens, so it is the one POST without CSRF check,
/// and it changes nothing but the event log.
pub async fn csp_report_post(State(state): State<crate::AppState>, request: Request) -> Response {
    use axum::response::IntoResponse;
    let (parts, body) = request.into_parts();
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let ip = crate::proxy::client_ip(peer, &parts.headers, &state.config.trusted_proxies);
    let Ok(body) = axum::body::to_bytes(body, crate::body_limit::REPORT).await else {
        return crate::error::WebError::TooLarge.into_response();
    };
    match state.shop.record_csp_report(Some(ip), &body).await {
        Ok(_) => axum::http::StatusCode::NO_CONTENT.into_response(),
        Err(e) => crate::error::WebError::Core(e).into_response(),
    }
}

/// Answers a panicked request with the generic error page (and logs it with the request id).
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    use axum::response::IntoResponse;
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into());
    tracing::error!(panic = %what, "handler panicked");
    crate::error::WebError::Panicked.into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    async fn boom() -> &'static str {
        panic!("kaboom: secret internals")
    }

    async fn call(router: Router, path: &str) -> axum::response::Response {
        router
            .oneshot(Request::builder().uri(path).body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_panicking_handler_gets_a_generic_500_with_a_request_id() {
        let router = crate::harden(Router::new().route("/boom", get(boom)), false);
        let response = call(router, "/boom").await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.headers().contains_key("content-security-policy"));
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("<code>"), "a request id is shown: {body}");
        assert!(
            !body.contains("kaboom") && !body.contains("secret internals"),
            "no internals leak"
        );
    }

    #[tokio::test]
    async fn hsts_is_sent_only_over_https() {
        let ok = || Router::new().route("/", get(|| async { "ok" }));
        let plain = call(crate::harden(ok(), false), "/").await;
        assert!(!plain.headers().contains_key("strict-transport-security"));
        let tls = call(crate::harden(ok(), true), "/").await;
        assert_eq!(
            tls.headers()["strict-transport-security"],
            super::HSTS,
            "IPA-C-9"
        );
    }
}
