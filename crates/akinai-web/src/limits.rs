//! Request limits: the HTTPS redirect behind a trusted proxy, a per-source rate limit on state-changing requests
//! answered with `429 Too Many Requests` and `Retry-After`, and a timeout for every request.
//!
//! The rate limit is a token bucket per client address, kept in this process: each node limits
//! on its own, which bounds abuse per node without shared state. Reading pages is not limited
//! here (a shop's pages are cheap and cached); the accounts and payments issues add limits on
//! login and payment attempts.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use akinai_core::CoreError;

use crate::error::WebError;
use crate::proxy::{client_ip, forwarded_proto};
use crate::AppState;

/// A token bucket's shape: `burst` requests at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub burst: u32,
    pub per_minute: u32,
}

impl Default for RateLimit {
    /// Generous for a shopper (a purchase takes about five form posts), tight for a script.
    fn default() -> RateLimit {
        RateLimit {
            burst: 30,
            per_minute: 60,
        }
    }
}

/// Most client addresses tracked at once; beyond that, idle buckets are dropped.
const MAX_TRACKED: usize = 100_000;

/// Token buckets per key: per client address for forms, per API token for the API.
pub struct Limiter<K = IpAddr> {
    limit: RateLimit,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: std::hash::Hash + Eq> Limiter<K> {
    pub fn new(limit: RateLimit) -> Limiter<K> {
        Limiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The bucket's shape.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Takes one token for `key`: `Ok(tokens left)`, or `Err(seconds)` until one is available.
    pub fn take(&self, key: K, now: Instant) -> Result<u32, u64> {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(0);
        };
        let burst = f64::from(self.limit.burst.max(1));
        let per_sec = f64::from(self.limit.per_minute.max(1)) / 60.0;
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&key) {
            // Drop the buckets that have refilled completely: they hold no information.
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * per_sec < burst
            });
        }
        let (tokens, at) = buckets.entry(key).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * per_sec).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            // Whole tokens left, for the `RateLimit-Remaining` header.
            Ok(tokens.floor() as u32)
        } else {
            Err(((1.0 - *tokens) / per_sec).ceil().max(1.0) as u64)
        }
    }
}

/// IPA-C-9: behind a trusted TLS-terminating proxy that reports a plain-HTTP request
/// (`X-Forwarded-Proto: http`), the `301` to the same path on the configured https base URL.
/// Only trusted proxies are believed, so a direct client cannot cause redirect loops.
pub fn plain_http_redirect(state: &AppState, request: &Request) -> Option<Response> {
    let base = &state.shop.config().base_url;
    if base.scheme() != "https" {
        return None;
    }
    let proto = forwarded_proto(
        peer(request),
        request.headers(),
        &state.config.trusted_proxies,
    );
    (proto.as_deref() == Some("http")).then(|| redirect_to(base.as_str(), request))
}

fn peer(request: &Request) -> Option<std::net::IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// `301` to the path and query of `request` on `base`.
fn redirect_to(base: &str, request: &Request) -> Response {
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let target = format!("{}{}", base.trim_end_matches('/'), path);
    let mut response = StatusCode::MOVED_PERMANENTLY.into_response();
    if let Ok(v) = HeaderValue::from_str(&target) {
        response
            .headers_mut()
            .insert(axum::http::header::LOCATION, v);
    }
    response
}

/// The router of the plain-HTTP listener next to built-in TLS (`tls.redirect_listen`): every
/// request is answered with `301` to the same path on the https base URL, nothing else.
pub fn redirect_router(base: String) -> axum::Router {
    let base: std::sync::Arc<str> = base.into();
    axum::Router::new().fallback(move |request: Request| {
        let base = base.clone();
        async move { redirect_to(&base, &request) }
    })
}

/// Middleware of the admin: [`over_limit`] before the rest of the stack.
pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match over_limit(&state, &request) {
        Some(refused) => refused,
        None => next.run(request).await,
    }
}

/// The `429` for a state-changing request whose client address has used up its tokens; `None`
/// for reads, API requests and requests within the limit.
pub fn over_limit(state: &AppState, request: &Request) -> Option<Response> {
    // The API is limited per token (`api::admit`, documented in its rate headers); a request
    // without an admitted token costs one hash and one indexed read before its 401, like a page.
    if request.method() == Method::GET
        || request.method() == Method::HEAD
        || request.uri().path().starts_with("/api/")
    {
        return None;
    }
    let ip = client_ip(
        peer(request),
        request.headers(),
        &state.config.trusted_proxies,
    );
    let wait = state.limiter.take(ip, Instant::now()).err()?;
    tracing::warn!(client = %ip, "rate limit exceeded");
    // A 429 with Retry-After, shown in the shop's page like every error.
    let until = chrono::Utc::now() + chrono::Duration::seconds(i64::try_from(wait).unwrap_or(3600));
    Some(WebError::Core(CoreError::TryLater(until)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn buckets_allow_a_burst_then_refill() {
        let l = Limiter::new(RateLimit {
            burst: 3,
            per_minute: 60,
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.take(ip, t0).is_ok());
        }
        assert_eq!(l.take(ip, t0), Err(1));
        assert!(
            l.take("192.0.2.2".parse().unwrap(), t0).is_ok(),
            "other sources are not affected"
        );
        assert!(
            l.take(ip, t0 + Duration::from_secs(1)).is_ok(),
            "one token per second comes back"
        );
    }
}
