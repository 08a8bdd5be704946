//! Conditional GET (issue #18 item 4, ADR 057): an `ETag` on responses that are the same for
//! every visitor and whose tag names their content exactly — the stylesheet and scripts, approved
//! theme files, product images, postal-code lookups — and `304 Not Modified` without a body when
//! the browser already holds that content (`If-None-Match`). Pages never get one: each carries
//! its own CSP nonce and CSRF token and is sent `no-store`.
//!
//! The tags are weak (`W/"…"`): compression changes the bytes but not the content, and
//! `If-None-Match` compares weakly anyway (RFC 9110 §8.8.3, §13.1.2).

use axum::http::header::{CACHE_CONTROL, CONTENT_LOCATION, ETAG, EXPIRES, IF_NONE_MATCH, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// A tag for `bytes`: the first 16 bytes of their SHA-256.
pub fn tag_of(bytes: &[u8]) -> String {
    tag_named(&hex::encode(&Sha256::digest(bytes)[..16]))
}

/// A tag from a name that already stands for one content (a content-hashed file name, a
/// digest). Characters a tag cannot hold (`"`, spaces, controls) are left out.
pub fn tag_named(name: &str) -> String {
    let mut tag = String::with_capacity(name.len() + 4);
    tag.push_str("W/\"");
    tag.extend(name.chars().filter(|c| c.is_ascii_graphic() && *c != '"'));
    tag.push('"');
    tag
}

/// Whether the request's `If-None-Match` holds `tag` (weak comparison) or is `*`.
pub fn held(request: &HeaderMap, tag: &str) -> bool {
    fn opaque(t: &str) -> &str {
        let t = t.trim();
        t.strip_prefix("W/").unwrap_or(t)
    }
    let wanted = opaque(tag);
    request
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || opaque(t) == wanted)
}

/// `response` with `ETag: tag` or, when the request holds that tag already and the response is a
/// `200`, a `304 Not Modified` with the headers a cache updates (`ETag`, `Cache-Control`,
/// `Vary`, `Content-Location`, `Expires`; RFC 9110 §15.4.5) and no body.
pub fn answer(request: &HeaderMap, tag: &str, mut response: Response) -> Response {
    let Ok(value) = HeaderValue::from_str(tag) else {
        return response;
    };
    response.headers_mut().insert(ETAG, value);
    if response.status() != StatusCode::OK || !held(request, tag) {
        return response;
    }
    let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
    for name in [ETAG, CACHE_CONTROL, VARY, CONTENT_LOCATION, EXPIRES] {
        for value in response.headers().get_all(&name) {
            not_modified
                .headers_mut()
                .append(name.clone(), value.clone());
        }
    }
    not_modified
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(values: &[&'static str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(IF_NONE_MATCH, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn tags_are_weak_quoted_and_name_their_content() {
        assert_eq!(tag_named("app.3f2a.css"), "W/\"app.3f2a.css\"");
        assert_eq!(tag_named("a \"b\"\nc"), "W/\"abc\"");
        assert_eq!(tag_of(b"x"), tag_of(b"x"));
        assert_ne!(tag_of(b"x"), tag_of(b"y"));
        assert_eq!(tag_of(b"x").len(), 32 + 4);
    }

    #[test]
    fn if_none_match_is_compared_weakly_in_lists_and_with_a_star() {
        let tag = tag_named("abc");
        for yes in [
            &["W/\"abc\""][..],
            &["\"abc\""],
            &["\"x\", W/\"abc\""],
            &["\"x\"", " W/\"abc\" "],
            &["*"],
        ] {
            assert!(held(&asking(yes), &tag), "{yes:?}");
        }
        for no in [&[][..], &["\"abd\""], &["W/\"ab\""], &["abc"], &["\"abc"]] {
            assert!(!held(&asking(no), &tag), "{no:?}");
        }
    }

    #[tokio::test]
    async fn a_held_tag_gets_304_with_the_cache_headers_and_no_body() {
        let tag = tag_named("abc");
        let ok = || {
            (
                [
                    (CACHE_CONTROL, "public, max-age=300"),
                    (VARY, "accept-encoding"),
                ],
                "body",
            )
                .into_response()
        };
        let fresh = answer(&asking(&["\"old\""]), &tag, ok());
        assert_eq!(fresh.status(), StatusCode::OK);
        assert_eq!(fresh.headers()[ETAG], "W/\"abc\"");

        let held = answer(&asking(&["W/\"abc\""]), &tag, ok());
        assert_eq!(held.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(held.headers()[ETAG], "W/\"abc\"");
        assert_eq!(held.headers()[CACHE_CONTROL], "public, max-age=300");
        assert_eq!(held.headers()[VARY], "accept-encoding");
        assert!(held
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .is_none());
        let body = axum::body::to_bytes(held.into_body(), 1024).await.unwrap();
        assert!(body.is_empty());

        let missing = (StatusCode::NOT_FOUND, "no").into_response();
        let missing = answer(&asking(&["*"]), &tag, missing);
        assert_eq!(
            missing.status(),
            StatusCode::NOT_FOUND,
            "only a 200 becomes a 304"
        );
    }
}
