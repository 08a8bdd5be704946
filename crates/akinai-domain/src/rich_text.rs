//! Rich-text product descriptions, sanitised with an allow-list (SWS-5).
//!
//! [`SafeHtml`] can only be made by [`SafeHtml::sanitize`], so a template that renders one
//! unescaped is rendering markup that has already lost every script, event handler, style and
//! non-http(s) link.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// HTML that has passed the allow-list sanitiser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafeHtml(String);

impl SafeHtml {
    pub fn sanitize(untrusted: &str) -> SafeHtml {
        let tags: HashSet<&str> = [
            "p",
            "br",
            "strong",
            "em",
            "b",
            "i",
            "u",
            "ul",
            "ol",
            "li",
            "h3",
            "h4",
            "blockquote",
            "a",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
        ]
        .into_iter()
        .collect();
        let schemes: HashSet<&str> = ["http", "https"].into_iter().collect();
        let cleaned = ammonia::Builder::new()
            .tags(tags)
            .url_schemes(schemes)
            .link_rel(Some("noopener noreferrer nofollow"))
            .clean(untrusted)
            .to_string();
        SafeHtml(cleaned)
    }

    /// Wraps HTML that was sanitised before it was stored. Storage backends use this when they
    /// read a description back; everything that writes one goes through [`SafeHtml::sanitize`].
    pub fn from_stored(already_sanitized: String) -> SafeHtml {
        SafeHtml(already_sanitized)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let dirty = r#"<p onclick="x()">良い<script>alert(1)</script><a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)><a href="https://example.jp/">ok</a></p>"#;
        let clean = SafeHtml::sanitize(dirty);
        let s = clean.as_str();
        assert!(!s.contains("script"), "{s}");
        assert!(!s.contains("onclick"), "{s}");
        assert!(!s.contains("onerror"), "{s}");
        assert!(!s.contains("javascript:"), "{s}");
        assert!(!s.contains("<img"), "{s}");
        assert!(s.contains(r#"href="https://example.jp/""#), "{s}");
        assert!(s.contains("良い"));
    }
}
