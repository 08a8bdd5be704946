//! Language negotiation for the storefront. The catalogues themselves live in
//! `akinai_core::i18n` (shared with mail); a `lang` cookie set by the language switch wins, then
//! the browser's `Accept-Language`, then Japanese. A test checks that every key the templates and
//! handlers use exists in the catalogues.

use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::HeaderMap;

pub use akinai_core::i18n::{Lang, Tr};

/// The shopper's language, given the `lang` cookie the request sent (`cookie`, read with the
/// others by [`crate::cookies::sent`]): the cookie's language if it names one, else the best of
/// `Accept-Language`, else Japanese. Reads the header in place, without allocating: every page
/// asks.
pub fn choose(cookie: Option<&str>, headers: &HeaderMap) -> Lang {
    if let Some(lang) = cookie.and_then(Lang::parse) {
        return lang;
    }
    let accept = headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut best: Option<(f32, Lang)> = None;
    for (tag, q) in crate::accept::weighted(accept) {
        let primary = tag.split('-').next().unwrap_or("");
        let lang = if primary.eq_ignore_ascii_case("ja") {
            Lang::Ja
        } else if primary.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            continue;
        };
        let q = q.unwrap_or(1.0);
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::Ja, |(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn negotiate(headers: &HeaderMap) -> Lang {
        choose(crate::cookies::get(headers, crate::cookies::LANG), headers)
    }
    use akinai_core::i18n::{parse_catalog, JA_SOURCE};
    use axum::http::HeaderValue;

    #[test]
    fn every_key_used_by_templates_and_handlers_exists() {
        let ja = parse_catalog(JA_SOURCE).unwrap();
        let dirs = [
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/pages"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/src"),
        ];
        let mut used = Vec::new();
        for dir in dirs {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for marker in [
                        "t.get(\"",
                        "t.fmt(\"",
                        "tr.get(\"",
                        "tr.fmt(\"",
                        "\"errorpage.",
                    ] {
                        for piece in text.split(marker).skip(1) {
                            if let Some(end) = piece.find('"') {
                                let key = if marker == "\"errorpage." {
                                    format!("errorpage.{}", &piece[..end])
                                } else {
                                    piece[..end].to_string()
                                };
                                used.push((path.display().to_string(), key));
                            }
                        }
                    }
                }
            }
        }
        assert!(used.len() > 50, "the scan found the keys ({})", used.len());
        let missing: Vec<_> = used
            .iter()
            .filter(|(_, k)| !ja.contains_key(k) && !k.contains('{') && !k.ends_with('.'))
            .collect();
        assert!(
            missing.is_empty(),
            "keys missing from the catalogues: {missing:?}"
        );
    }

    #[test]
    fn language_negotiation() {
        let mut h = HeaderMap::new();
        assert_eq!(negotiate(&h), Lang::Ja);
        h.insert(
            ACCEPT_LANGUAGE,
            HeaderValue::from_static("en-US,en;q=0.9,ja;q=0.8"),
        );
        assert_eq!(negotiate(&h), Lang::En);
        h.insert(
            ACCEPT_LANGUAGE,
            HeaderValue::from_static("fr, ja;q=0.5, en;q=0.4"),
        );
        assert_eq!(negotiate(&h), Lang::Ja);
        // Tags are case-insensitive (RFC 4647).
        h.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("EN-gb, JA;q=0.2"));
        assert_eq!(negotiate(&h), Lang::En);
        h.insert(
            axum::http::header::COOKIE,
            HeaderValue::from_static("lang=en"),
        );
        assert_eq!(negotiate(&h), Lang::En);
    }
}
