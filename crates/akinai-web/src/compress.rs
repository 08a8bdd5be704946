//! Compression of what a phone loads most (issue #18 item 4, IPA-C-8): which routes are
//! compressed, with which encodings, and which responses of theirs — text only.

use axum::http::header::CONTENT_TYPE;
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

/// The compression layer of the [`compressible`] routes.
pub fn layer() -> CompressionLayer<Text> {
    CompressionLayer::new()
        .gzip(true)
        .br(true)
        .quality(tower_http::compression::CompressionLevel::Fastest)
        .compress_when(Text)
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
}
