//! Languages and message catalogues.
//!
//! Every string shown to shoppers lives in `i18n/ja.toml` or `i18n/en.toml`, embedded at compile
//! time and flattened to `section.key`. Japanese is the default; a `lang` cookie set by the
//! language switch wins, then the browser's `Accept-Language`. Tests check that both catalogues
//! have the same keys and that every key the templates use exists.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::HeaderMap;

use crate::cookies;

/// A language of the storefront.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The shopper's language: cookie, then `Accept-Language`, then Japanese.
    pub fn negotiate(headers: &HeaderMap) -> Lang {
        if let Some(lang) = cookies::get(headers, cookies::LANG).and_then(Lang::parse) {
            return lang;
        }
        let accept = headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut best: Option<(f32, Lang)> = None;
        for part in accept.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("ja") => Lang::Ja,
                Some("en") => Lang::En,
                _ => continue,
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Ja, |(_, l)| l)
    }
}

type Catalog = HashMap<String, String>;

fn flatten(prefix: &str, value: &toml::Value, out: &mut Catalog) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

pub(crate) fn parse_catalog(src: &str) -> Result<Catalog, toml::de::Error> {
    let value: toml::Value = toml::from_str(src)?;
    let mut out = Catalog::new();
    flatten("", &value, &mut out);
    Ok(out)
}

pub(crate) const JA_SOURCE: &str = include_str!("../i18n/ja.toml");
pub(crate) const EN_SOURCE: &str = include_str!("../i18n/en.toml");

fn catalog(lang: Lang) -> &'static Catalog {
    static JA: OnceLock<Catalog> = OnceLock::new();
    static EN: OnceLock<Catalog> = OnceLock::new();
    let (cell, src) = match lang {
        Lang::Ja => (&JA, JA_SOURCE),
        Lang::En => (&EN, EN_SOURCE),
    };
    cell.get_or_init(|| {
        parse_catalog(src).unwrap_or_else(|e| {
            tracing::error!(error = %e, lang = lang.code(), "message catalogue does not parse");
            Catalog::new()
        })
    })
}

/// Translates keys for one language; templates call `t.get("cart.title")`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// The message for `key`; a missing key shows itself (and fails the catalogue tests).
    pub fn get<'a>(&self, key: &'a str) -> &'a str {
        catalog(self.lang).get(key).map_or(key, String::as_str)
    }

    /// The message with `{name}` placeholders filled.
    pub fn fmt(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.get(key).to_string();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn catalogues_parse_and_have_the_same_keys() {
        let ja = parse_catalog(JA_SOURCE).unwrap();
        let en = parse_catalog(EN_SOURCE).unwrap();
        let mut missing_en: Vec<&String> = ja.keys().filter(|k| !en.contains_key(*k)).collect();
        let mut missing_ja: Vec<&String> = en.keys().filter(|k| !ja.contains_key(*k)).collect();
        missing_en.sort();
        missing_ja.sort();
        assert!(missing_en.is_empty(), "missing in en.toml: {missing_en:?}");
        assert!(missing_ja.is_empty(), "missing in ja.toml: {missing_ja:?}");
    }

    #[test]
    fn every_key_used_by_templates_and_code_exists() {
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
                    for marker in ["t.get(\"", "t.fmt(\"", "tr.get(\"", "tr.fmt(\""] {
                        for piece in text.split(marker).skip(1) {
                            if let Some(end) = piece.find('"') {
                                used.push((path.display().to_string(), piece[..end].to_string()));
                            }
                        }
                    }
                }
            }
        }
        assert!(used.len() > 50, "the scan found the keys ({})", used.len());
        let missing: Vec<_> = used
            .iter()
            .filter(|(_, k)| !ja.contains_key(k) && !k.contains('{'))
            .collect();
        assert!(
            missing.is_empty(),
            "keys missing from the catalogues: {missing:?}"
        );
    }

    #[test]
    fn language_negotiation() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::negotiate(&h), Lang::Ja);
        h.insert(
            ACCEPT_LANGUAGE,
            HeaderValue::from_static("en-US,en;q=0.9,ja;q=0.8"),
        );
        assert_eq!(Lang::negotiate(&h), Lang::En);
        h.insert(
            ACCEPT_LANGUAGE,
            HeaderValue::from_static("fr, ja;q=0.5, en;q=0.4"),
        );
        assert_eq!(Lang::negotiate(&h), Lang::Ja);
        h.insert(
            axum::http::header::COOKIE,
            HeaderValue::from_static("lang=en"),
        );
        assert_eq!(Lang::negotiate(&h), Lang::En);
    }

    #[test]
    fn placeholders_are_filled() {
        let t = Tr::new(Lang::En);
        assert_eq!(
            t.fmt("cart.only_left", &[("n", "3")]),
            "Only 3 left in stock"
        );
    }
}
