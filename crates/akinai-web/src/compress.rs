//! Compression of what a phone loads most (issue #18 item 4, IPA-C-8): which routes are
//! compressed, with which encodings, and which responses of theirs — text only.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_RANGE, CONTENT_TYPE, VARY};
use axum::http::HeaderValue;
use axum::response::Response;
use tower::Service;
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;

/// Pages and files sent compressed (gzip or brotli, as the browser accepts): the catalog, the
/// legal pages, the postal lookup and the stylesheet and scripts — what a phone loads most. Pages
/// that show a shopper's own data (cart, checkout, order, account) are never compressed, so no
/// reflected input can be used to guess them from sizes (BREACH); the CSRF token every form
/// carries is masked afresh on each response for the same reason (`form::masked_token`).
pub fn compressible(path: &str) -> bool {
    matches!(
        path,
        "/" | "/category/{slug}"
            | "/product/{id}"
            | "/search"
            | "/search/suggest"
            | "/legal/tokushoho"
            | "/legal/privacy"
            | "/accessibility"
            | "/postal-code/{code}"
            | "/assets/{name}"
            | "/theme/{name}"
            | "/placeholder/{hue}"
    )
}

/// The compression layer of the [`compressible`] routes (see [`Compress`]).
pub fn layer() -> Layer {
    Layer
}

/// tower-http's compression as the [`compressible`] routes use it: gzip or brotli, fastest
/// level, [`Text`] only.
fn compression() -> CompressionLayer<Text> {
    CompressionLayer::new()
        .gzip(true)
        .br(true)
        .quality(tower_http::compression::CompressionLevel::Fastest)
        .compress_when(Text)
}

/// Makes [`Compress`] services.
#[derive(Debug, Clone, Copy)]
pub struct Layer;

impl<S> tower::Layer<S> for Layer {
    type Service = Compress<S>;

    fn layer(&self, inner: S) -> Compress<S> {
        Compress { inner }
    }
}

/// Compresses a response when the request asks for an encoding (`Accept-Encoding`), through
/// tower-http. A request that asks for none is answered by the inner service directly, with only
/// the `Vary: Accept-Encoding` tower-http would add, so the response is the same byte for byte:
/// tower-http's response type holds the state of every encoder inline (some 5.8 KB), and
/// moving it between the layers cost every such request about 1,700 instructions (ADR 055).
#[derive(Debug, Clone)]
pub struct Compress<S> {
    inner: S,
}

type Answer = Result<Response, Infallible>;

impl<S> Service<Request> for Compress<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = CompressFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if !request.headers().contains_key(ACCEPT_ENCODING) {
            return CompressFuture::Plain {
                inner: self.inner.call(request),
            };
        }
        // The service made ready by `poll_ready` serves this request; a clone stays for the next.
        let clone = self.inner.clone();
        let ready = std::mem::replace(&mut self.inner, clone);
        let compressing = tower::Layer::layer(&compression(), ready).call(request);
        CompressFuture::Compressing {
            inner: Box::pin(async move {
                let Ok(response) = compressing.await;
                Ok(response.map(Body::new))
            }),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response of [`Compress`]: the inner one marked, or one being compressed.
    #[project = Projected]
    pub enum CompressFuture<F> {
        Plain { #[pin] inner: F },
        Compressing { inner: Pin<Box<dyn Future<Output = Answer> + Send>> },
    }
}

impl<F: Future<Output = Answer>> Future for CompressFuture<F> {
    type Output = Answer;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Answer> {
        match self.project() {
            Projected::Plain { inner } => inner.poll(cx).map_ok(|mut response| {
                mark_vary(&mut response);
                response
            }),
            Projected::Compressing { inner } => inner.as_mut().poll(cx),
        }
    }
}

/// What tower-http does to a response it would compress for a request that asked for no
/// encoding: `Vary: Accept-Encoding` (once), so a cache keeps the compressed and the plain
/// copies apart.
fn mark_vary(response: &mut Response) {
    let would_compress = !response.headers().contains_key(CONTENT_ENCODING)
        && !response.headers().contains_key(CONTENT_RANGE)
        && Text.should_compress(response);
    let marked = response.headers().get_all(VARY).iter().any(|v| {
        v.as_bytes()
            .windows(ACCEPT_ENCODING.as_str().len())
            .any(|w| w.eq_ignore_ascii_case(ACCEPT_ENCODING.as_str().as_bytes()))
    });
    if would_compress && !marked {
        response
            .headers_mut()
            .append(VARY, HeaderValue::from_static("accept-encoding"));
    }
}

/// Whether a request's `Accept-Encoding` takes gzip: `gzip` (or `x-gzip`) with a weight above
/// zero, or else `*` with one (RFC 9110 §12.5.3). No header takes none here, as tower-http
/// reads it.
pub fn accepts_gzip(headers: &axum::http::HeaderMap) -> bool {
    let (mut gzip, mut any) = (None, None);
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for (coding, weight) in crate::accept::weighted(value) {
            // A weight that does not parse takes nothing.
            let weight = weight.unwrap_or(0.0);
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                gzip = Some(gzip.map_or(weight, |w: f32| w.max(weight)));
            } else if coding == "*" {
                any = Some(weight);
            }
        }
    }
    gzip.or(any).is_some_and(|w| w > 0.0)
}

/// What is compressed: text of 32 bytes or more — HTML, CSS, JavaScript, JSON, SVG; never
/// raster images (already compressed) or event streams. One look at `Content-Type` per
/// response, where tower-http's default predicate takes three (every cached page passes here).
#[derive(Debug, Clone, Copy)]
pub struct Text;

impl Predicate for Text {
    fn should_compress<B>(&self, response: &axum::http::Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        let text = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_text);
        text && SizeAbove::default().should_compress(response)
    }
}

/// Whether a `Content-Type` names text worth compressing (compared in place, ignoring case).
fn is_text(content_type: &str) -> bool {
    const TEXT_TYPES: [&str; 5] = [
        "application/json",
        "application/problem+json",
        "application/javascript",
        "application/manifest+json",
        "image/svg+xml",
    ];
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let text = essence
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("text/"));
    (text && !essence.eq_ignore_ascii_case("text/event-stream"))
        || TEXT_TYPES.iter().any(|t| essence.eq_ignore_ascii_case(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_compressed_and_images_and_streams_are_not() {
        for t in [
            "text/html; charset=utf-8",
            "text/css",
            "Text/JavaScript",
            "application/json",
            "application/problem+json",
            "image/svg+xml",
        ] {
            assert!(is_text(t), "{t}");
        }
        for t in [
            "image/webp",
            "image/png",
            "text/event-stream",
            "font/woff2",
            "",
        ] {
            assert!(!is_text(t), "{t}");
        }
    }

    #[test]
    fn small_or_untyped_responses_stay_as_they_are() {
        let response = |body: &str, content_type: Option<&'static str>| {
            let mut r = axum::http::Response::new(axum::body::Body::from(body.to_string()));
            if let Some(t) = content_type {
                r.headers_mut()
                    .insert(CONTENT_TYPE, axum::http::HeaderValue::from_static(t));
            }
            r
        };
        let long = &"<p>商い</p>".repeat(20);
        assert!(Text.should_compress(&response(long, Some("text/html"))));
        assert!(!Text.should_compress(&response("<p>short</p>", Some("text/html"))));
        assert!(!Text.should_compress(&response(long, None)));
        assert!(!Text.should_compress(&response(long, Some("image/png"))));
    }

    /// A request with `accept` (if any) through [`Compress`] and through tower-http's layer
    /// itself, around a service answering `body` as `content_type` with `vary` (if any).
    async fn both_ways(
        accept: Option<&'static str>,
        content_type: &'static str,
        body: &str,
        vary: Option<&'static str>,
    ) -> [(axum::http::HeaderMap, Vec<u8>); 2] {
        use tower::ServiceExt;
        let body = axum::body::Bytes::from(body.to_owned());
        let answer = tower::service_fn(move |_: Request| {
            let body = body.clone();
            async move {
                let mut response = Response::new(Body::from(body));
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
                if let Some(v) = vary {
                    response
                        .headers_mut()
                        .insert(VARY, HeaderValue::from_static(v));
                }
                Ok::<_, Infallible>(response)
            }
        });
        let request = || {
            let mut r = Request::new(Body::empty());
            if let Some(a) = accept {
                r.headers_mut()
                    .insert(ACCEPT_ENCODING, HeaderValue::from_static(a));
            }
            r
        };
        let ours = tower::Layer::layer(&layer(), answer.clone())
            .oneshot(request())
            .await
            .unwrap();
        let theirs = tower::Layer::layer(&compression(), answer)
            .oneshot(request())
            .await
            .unwrap()
            .map(Body::new);
        let mut out = Vec::new();
        for r in [ours, theirs] {
            let (parts, body) = r.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            out.push((parts.headers, bytes.to_vec()));
        }
        [out.remove(0), out.remove(0)]
    }

    #[tokio::test]
    async fn a_request_asking_for_no_encoding_gets_what_tower_http_would_send() {
        let page = "<p>商い</p>".repeat(20);
        for (content_type, body, vary) in [
            ("text/html; charset=utf-8", page.as_str(), None),
            ("text/html; charset=utf-8", &page, Some("Accept-Encoding")),
            ("text/html; charset=utf-8", &page, Some("origin")),
            ("text/html; charset=utf-8", "<p>short</p>", None),
            ("image/png", &page, None),
        ] {
            let [ours, theirs] = both_ways(None, content_type, body, vary).await;
            assert_eq!(ours, theirs, "{content_type} {vary:?}");
            assert_eq!(ours.1, body.as_bytes());
        }
        let [ours, _] = both_ways(None, "text/html", &page, None).await;
        assert_eq!(ours.0.get(VARY).unwrap(), "accept-encoding");
    }

    #[tokio::test]
    async fn a_request_asking_for_an_encoding_is_compressed_by_tower_http() {
        let page = "<p>商い</p>".repeat(20);
        for (accept, encoding) in [
            ("gzip", Some("gzip")),
            ("br;q=1, gzip;q=0.5", Some("br")),
            ("identity", None),
            ("gzip;q=0", None),
        ] {
            let [ours, theirs] = both_ways(Some(accept), "text/html", &page, None).await;
            assert_eq!(ours, theirs, "{accept}");
            assert_eq!(
                ours.0.get(CONTENT_ENCODING).map(|v| v.to_str().unwrap()),
                encoding,
                "{accept}"
            );
            assert_eq!(ours.0.get(VARY).unwrap(), "accept-encoding");
        }
    }

    #[test]
    fn gzip_is_taken_when_listed_with_a_weight_or_under_a_star() {
        let headers = |values: &[&'static str]| {
            let mut h = axum::http::HeaderMap::new();
            for v in values {
                h.append(ACCEPT_ENCODING, HeaderValue::from_static(v));
            }
            h
        };
        for yes in [
            &["gzip"][..],
            &["gzip, deflate, br, zstd"],
            &["br;q=1.0, GZIP;q=0.5"],
            &["x-gzip"],
            &["*"],
            &["br", "gzip"],
            &["gzip;q=0, gzip;q=0.3"],
        ] {
            assert!(accepts_gzip(&headers(yes)), "{yes:?}");
        }
        for no in [
            &[][..],
            &["br"],
            &["identity"],
            &["gzip;q=0"],
            &["gzip; q=0.000"],
            &["*;q=0"],
            &["gzip;q=0, *"],
            &["gzipped"],
        ] {
            assert!(!accepts_gzip(&headers(no)), "{no:?}");
        }
    }
}
