//! Search text normalisation, shared by indexing and querying so both sides agree.
//!
//! Japanese shoppers type the same word in many forms: full- or half-width (`ｼﾞｬｹｯﾄ`,
//! `ＬＥＡＴＨＥＲ`), upper or lower case, hiragana or katakana. Both the indexed text and the
//! query go through [`normalize`]: NFKC, then case folding, then katakana folded to hiragana. The
//! storage backends then match substrings of the normalised text (trigram indexes), which handles
//! Japanese without a word segmenter.

use unicode_normalization::UnicodeNormalization;

/// Longest query accepted; longer input is cut, not rejected.
pub const MAX_QUERY_CHARS: usize = 100;

/// Normalises text for indexing and matching.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkc().flat_map(char::to_lowercase) {
        let c = match c {
            // Katakana ァ..ヶ → hiragana ぁ..ゖ (same order, offset 0x60).
            '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            c if c.is_control() => ' ',
            c => c,
        };
        out.push(c);
    }
    out
}

/// The searchable text of a rich-text description: tags dropped, entities of the sanitiser's
/// output decoded, then normalised.
pub fn searchable_html(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    normalize(&text)
}

/// A normalised, non-empty search query, whitespace-collapsed and bounded in length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    text: String,
}

impl SearchQuery {
    /// Returns `None` when nothing searchable is left.
    pub fn parse(raw: &str) -> Option<SearchQuery> {
        let n = normalize(raw);
        let words: Vec<&str> = n.split_whitespace().collect();
        let text: String = words.join(" ").chars().take(MAX_QUERY_CHARS).collect();
        let text = text.trim().to_string();
        (!text.is_empty()).then_some(SearchQuery { text })
    }

    /// The whole normalised query.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The query's words; every word must match (AND).
    pub fn terms(&self) -> Vec<&str> {
        self.text.split(' ').filter(|t| !t.is_empty()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn width_case_and_script_variants_meet() {
        assert_eq!(normalize("ｼﾞｬｹｯﾄ"), normalize("ジャケット"));
        assert_eq!(normalize("ＬＥＡＴＨＥＲ"), normalize("Leather"));
        assert_eq!(normalize("じゃけっと"), normalize("ジャケット"));
        assert!(normalize("レザージャケット 黒").contains(&normalize("ジャケット")));
        assert!(normalize("本革ベルト").contains(&normalize("革")));
    }

    #[test]
    fn queries_are_trimmed_and_split() {
        let q = SearchQuery::parse("  革　ベルト ").unwrap();
        assert_eq!(q.terms(), vec!["革", "べると"]);
        assert!(SearchQuery::parse(" \u{3000} ").is_none());
        assert_eq!(
            SearchQuery::parse(&"あ".repeat(500))
                .unwrap()
                .text()
                .chars()
                .count(),
            MAX_QUERY_CHARS
        );
    }

    #[test]
    fn html_is_reduced_to_its_text() {
        assert_eq!(
            searchable_html("<p>本革<strong>ベルト</strong> &amp; ＣＡＳＥ</p>"),
            " 本革 べると  & case "
        );
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(s in "\\PC{0,60}") {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
        }

        #[test]
        fn query_parsing_never_panics(s in "\\PC{0,200}") {
            if let Some(q) = SearchQuery::parse(&s) {
                prop_assert!(!q.terms().is_empty());
            }
        }
    }
}
