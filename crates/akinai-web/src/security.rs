//! Security headers on every response (SWS-5, SWS-9): a Content-Security-Policy that starts from
//! `default-src 'none'` and allows only first-party styles, images and form targets (the
//! storefront runs no script at all), no framing, no MIME sniffing, a strict referrer policy.
//! Over HTTPS, `Strict-Transport-Security` (IPA-C-9). Every response gets its own CSP nonce
//! ([`CspNonce`]): outside checkout only scripts carrying it may run; checkout pages allow no
//! script at all. A panic in a handler becomes a generic 500 page with a request id, never a
//! dropped connection or a stack trace.

use std::any::Any;

use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;

/// The policy's fixed part: nothing by default; first-party styles and images; no framing, no
/// `<base>`; violations reported to `/csp-report`. `form-action` follows it.
const CSP_BASE: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'; report-uri /csp-report";

/// What the headers layer needs to know.
#[derive(Debug, Clone, Default)]
pub struct HeaderPolicy {
    /// Served over HTTPS: send HSTS.
    pub https: bool,
    /// The payment provider's checkout origin. The two forms that send the shopper there (the
    /// order confirmation and the status page's pay button) are answered with a redirect to it,
    /// which `form-action` must allow on those pages only.
    pub payment_origin: Option<String>,
}

/// Pages whose form ends at the payment provider.
fn pays(path: &str) -> bool {
    path == "/checkout/confirm" || path.starts_with("/order/")
}

/// The per-request CSP nonce (128 random bits, base64: 24 characters). A page that needs an
/// inline or first-party script marks it with this nonce; nothing else can run, since an
/// injected script cannot know it. Handlers read it from the request extensions. Kept inline
/// (no allocation), as every request gets one.
#[derive(Debug, Clone, Copy)]
pub struct CspNonce([u8; 24]);

impl CspNonce {
    fn generate() -> CspNonce {
        use base64::Engine;
        use rand::RngCore;
        let mut b = [0u8; 16];
        rand::rng().fill_bytes(&mut b);
        let mut text = [0u8; 24];
        // 16 bytes are always 24 base64 characters (with padding).
        let _ = base64::engine::general_purpose::STANDARD.encode_slice(b, &mut text);
        CspNonce(text)
    }

    /// The nonce as the page and the policy write it.
    pub fn as_str(&self) -> &str {
        // Base64 is ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Checkout and payment pages: no script at all, not even with the nonce (the card-skimming
/// target; CCSG-V-3).
pub(crate) fn scriptless(path: &str) -> bool {
    path == "/checkout" || path.starts_with("/checkout/")
}

/// The Content-Security-Policy for a request to `path` with `nonce`, written piece by piece
/// (every response carries one).
pub fn csp(path: &str, nonce: &CspNonce, payment_origin: Option<&str>) -> String {
    let mut policy = String::with_capacity(CSP_BASE.len() + 128);
    policy.push_str(CSP_BASE);
    policy.push_str("; form-action 'self'");
    if let Some(origin) = payment_origin.filter(|_| pays(path)) {
        policy.push(' ');
        policy.push_str(origin);
    }
    if !scriptless(path) {
        // Scripts may call this origin only (the address book's postal-code lookup).
        policy.push_str("; script-src 'nonce-");
        policy.push_str(nonce.as_str());
        policy.push_str("'; connect-src 'self'");
    }
    policy
}

/// HSTS for a year, sent only when the shop is served over HTTPS.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Middleware of every router ([`crate::harden`]), as a [`crate::around::Work`]: a fresh CSP
/// nonce for the request, a query carrying card data refused before routing, and the security
/// headers on every response, refusals and errors included.
#[derive(Debug, Clone)]
pub struct HeaderWork(pub std::sync::Arc<HeaderPolicy>);

/// The headers every response gets as they are (built once, at compile time).
const FIXED: [(HeaderName, HeaderValue); 5] = [
    (X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    (REFERRER_POLICY, HeaderValue::from_static("same-origin")),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    ),
    (
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    ),
];

/// What the headers need after the request: its policy, and whether it came over HTTPS.
pub struct Policies {
    csp: String,
    https: bool,
}

impl crate::around::Work for HeaderWork {
    type Carry = Policies;

    fn before(&self, request: &mut Request) -> (Policies, Option<Response>) {
        let nonce = CspNonce::generate();
        let csp = csp(
            request.uri().path(),
            &nonce,
            self.0.payment_origin.as_deref(),
        );
        request.extensions_mut().insert(nonce);
        let policies = Policies {
            csp,
            https: self.0.https,
        };
        (policies, card_data_in_query(request))
    }

    fn after(policies: Policies, response: &mut Response) {
        let h = response.headers_mut();
        if policies.https {
            h.insert(
                axum::http::header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(HSTS),
            );
        }
        if let Ok(v) = HeaderValue::try_from(policies.csp) {
            h.insert(CONTENT_SECURITY_POLICY, v);
        }
        for (name, value) in FIXED {
            h.insert(name, value);
        }
    }
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
    match state.shop.alerts().record_csp_report(Some(ip), &body).await {
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

/// CCSG-P-1: a query string with card data (`?card_number=…`, or a card number in any
/// parameter, e.g. typed into the search box) is refused before routing, like such a form:
/// the `400` for it, `None` for any other request. Checked by [`HeaderWork`].
fn card_data_in_query(request: &Request) -> Option<Response> {
    let api = request.uri().path().starts_with("/api/");
    let holds = request.uri().query().is_some_and(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .map(|mut pairs| {
                // The API's own page cursors are numbers it issued, not card numbers.
                if api {
                    pairs.retain(|(name, _)| name != "cursor");
                }
                crate::form::holds_card_data(&pairs)
            })
            .unwrap_or(false)
    });
    holds.then(|| {
        if api {
            // The API refuses it too, in its own shape.
            axum::response::IntoResponse::into_response(crate::api::Problem::invalid_field(
                "query",
                "card data is never accepted by this shop (CCSG-P-1)",
            ))
        } else {
            axum::response::IntoResponse::into_response(crate::error::WebError::BadRequest(
                crate::form::CARD_DATA_REFUSED,
            ))
        }
    })
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

    /// SWS-5 / CCSG-V-3: a fresh 128-bit nonce on every response; checkout pages allow no
    /// script at all.
    #[tokio::test]
    async fn every_response_gets_its_own_nonce_and_checkout_none() {
        let app = || {
            crate::harden(
                Router::new()
                    .route("/", get(|| async { "ok" }))
                    .route("/checkout/confirm", get(|| async { "ok" })),
                false,
            )
        };
        let policy = |r: &axum::response::Response| {
            r.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .to_string()
        };
        let (a, b) = (
            policy(&call(app(), "/").await),
            policy(&call(app(), "/").await),
        );
        assert!(a.starts_with("default-src 'none';"));
        let nonce = |p: &str| {
            p.split("'nonce-")
                .nth(1)
                .and_then(|n| n.split('\'').next())
                .map(str::to_string)
                .unwrap()
        };
        assert_ne!(nonce(&a), nonce(&b));
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(nonce(&a))
            .unwrap();
        assert_eq!(raw.len(), 16);
        // CCSG-V-3: page scripts may call this origin only (the postal-code lookup), so an
        // injected script cannot send what it reads elsewhere; checkout pages run none at all.
        assert!(a.ends_with("; connect-src 'self'"), "{a}");
        let checkout = policy(&call(app(), "/checkout/confirm").await);
        assert!(!checkout.contains("script-src"), "{checkout}");
        assert!(!checkout.contains("connect-src"), "{checkout}");
        assert!(checkout.contains("default-src 'none'"));
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
