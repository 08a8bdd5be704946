//! Languages and message catalogues.
//!
//! Every string shown to shoppers — pages, error pages and mail — lives in `i18n/ja.toml` or
//! `i18n/en.toml`, embedded at compile time and flattened to `section.key`. Japanese is the
//! default. Tests check that both catalogues have the same keys; the web crate checks that every
//! key its templates use exists.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A language of the storefront.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
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

pub fn parse_catalog(src: &str) -> Result<Catalog, toml::de::Error> {
    let value: toml::Value = toml::from_str(src)?;
    let mut out = Catalog::new();
    flatten("", &value, &mut out);
    Ok(out)
}

pub const JA_SOURCE: &str = include_str!("../i18n/ja.toml");
pub const EN_SOURCE: &str = include_str!("../i18n/en.toml");

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

    /// The message for a key composed at run time; `""` when missing (the web crate's tests check
    /// that every composed key exists).
    pub fn lookup(&self, key: &str) -> &'static str {
        catalog(self.lang).get(key).map_or("", String::as_str)
    }

    /// The message for a rejected field, naming what it is about (the limit, the character, the
    /// prefecture).
    pub fn field(&self, e: akinai_domain::address::FieldError) -> String {
        let args = e.message_args();
        let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.fmt(e.detailed_key(), &args)
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
    fn every_key_used_by_core_exists() {
        let ja = parse_catalog(JA_SOURCE).unwrap();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        let mut files = Vec::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        let mut used = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(path).unwrap();
            for marker in ["t.get(\"", "t.fmt(\""] {
                for piece in text.split(marker).skip(1) {
                    if let Some(end) = piece.find('"') {
                        used.push(piece[..end].to_string());
                    }
                }
            }
        }
        let missing: Vec<_> = used
            .iter()
            .filter(|k| !ja.contains_key(*k) && !k.contains('{') && !k.is_empty() && *k != "key")
            .collect();
        assert!(
            missing.is_empty(),
            "keys missing from the catalogues: {missing:?}"
        );
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
