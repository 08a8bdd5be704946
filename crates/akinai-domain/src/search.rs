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

/// A normalised, non-empty search query, whitespace-collapsed and bounded in length. Each word
/// may have alternatives from the shop's synonyms ([`SearchQuery::with_synonyms`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    text: String,
    /// Per word (in order), the other words that also satisfy it.
    alternatives: Vec<Vec<String>>,
}

/// Most synonym groups a shop may keep, and most words in one group.
pub const MAX_SYNONYM_GROUPS: usize = 500;
pub const MAX_SYNONYM_WORDS: usize = 10;

/// The shop's search synonyms (表記ゆれ・同義語): groups of words that find each other, such as
/// 革 / レザー / leather. Kept normalised like the index, so レザー, ﾚｻﾞｰ and れざー are one word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms(Vec<Vec<String>>);

impl Synonyms {
    /// Reads the owner's lines: one group per line, words separated by spaces, commas or
    /// 「、」; lines with fewer than two words, and repeats, are dropped. At most
    /// [`MAX_SYNONYM_GROUPS`] groups of [`MAX_SYNONYM_WORDS`] words are kept.
    pub fn from_lines<S: AsRef<str>>(lines: &[S]) -> Synonyms {
        let groups = lines
            .iter()
            .filter_map(|line| {
                let mut words: Vec<String> = Vec::new();
                for w in line
                    .as_ref()
                    .split(|c: char| c.is_whitespace() || c == ',' || c == '、' || c == '，')
                    .map(normalize)
                    .map(|w| w.trim().to_string())
                    .filter(|w| !w.is_empty())
                {
                    if !words.contains(&w) {
                        words.push(w.chars().take(MAX_QUERY_CHARS).collect());
                    }
                }
                words.truncate(MAX_SYNONYM_WORDS);
                (words.len() >= 2).then_some(words)
            })
            .take(MAX_SYNONYM_GROUPS)
            .collect();
        Synonyms(groups)
    }

    /// The other words of every group that holds `word` (normalised).
    fn others(&self, word: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for group in self.0.iter().filter(|g| g.iter().any(|w| w == word)) {
            for w in group.iter().filter(|w| *w != word) {
                if !out.contains(w) {
                    out.push(w.clone());
                }
            }
        }
        out
    }
}

/// The synonym groups a new shop starts with (editable in ショップ設定).
pub fn default_synonyms() -> Vec<String> {
    [
        "革 レザー leather",
        "ジャケット jacket",
        "バッグ 鞄 かばん bag",
        "財布 ウォレット wallet",
        "時計 とけい watch clock",
        "靴 くつ シューズ shoes",
        "帽子 ぼうし キャップ cap hat",
        "茶 お茶 tea",
        "酒 お酒 sake",
        "ギフト 贈り物 プレゼント gift",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect()
}

impl SearchQuery {
    /// Returns `None` when nothing searchable is left.
    pub fn parse(raw: &str) -> Option<SearchQuery> {
        let n = normalize(raw);
        let words: Vec<&str> = n.split_whitespace().collect();
        let text: String = words.join(" ").chars().take(MAX_QUERY_CHARS).collect();
        let text = text.trim().to_string();
        let words = text.split(' ').filter(|t| !t.is_empty()).count();
        (!text.is_empty()).then(|| SearchQuery {
            text,
            alternatives: vec![Vec::new(); words],
        })
    }

    /// The query with each word's synonyms as alternatives: 「leather」 also finds レザー and 革.
    pub fn with_synonyms(mut self, synonyms: &Synonyms) -> SearchQuery {
        self.alternatives = self.terms().iter().map(|t| synonyms.others(t)).collect();
        self
    }

    /// Per word, the word and its alternatives; every group must match (AND), any word of a
    /// group will do (OR).
    pub fn groups(&self) -> Vec<Vec<&str>> {
        self.terms()
            .into_iter()
            .zip(self.alternatives.iter())
            .map(|(t, alts)| {
                std::iter::once(t)
                    .chain(alts.iter().map(String::as_str))
                    .collect()
            })
            .collect()
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

/// Most matches a search counts; more are shown as 「100件以上」 (ADR 029: counting every match
/// of a common word would cost as much as the search it answers).
pub const COUNT_CAP: u32 = 100;

/// How many products a search found: exact, or at least the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchTotal {
    Exact(u32),
    AtLeast(u32),
}

impl SearchTotal {
    /// The total of a search that asked for `asked` matches and found `found`: exact when it ran
    /// dry first, otherwise at least one fewer than it asked for (it asks one beyond what it
    /// shows).
    pub fn of(found: usize, asked: usize) -> SearchTotal {
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        if found < asked {
            SearchTotal::Exact(n(found))
        } else {
            SearchTotal::AtLeast(n(asked.saturating_sub(1)))
        }
    }

    /// The total of counts (of several categories) each taken no further than `asked`: exact
    /// unless one of them reached `asked`, which then counts as one fewer (as in
    /// [`SearchTotal::of`]).
    pub fn sum(counts: impl IntoIterator<Item = u32>, asked: u32) -> SearchTotal {
        let mut sum = 0u32;
        let mut capped = false;
        for n in counts {
            if n >= asked {
                capped = true;
                sum = sum.saturating_add(asked.saturating_sub(1));
            } else {
                sum = sum.saturating_add(n);
            }
        }
        if capped {
            SearchTotal::AtLeast(sum)
        } else {
            SearchTotal::Exact(sum)
        }
    }

    /// The number shown.
    pub fn count(self) -> u32 {
        match self {
            SearchTotal::Exact(n) | SearchTotal::AtLeast(n) => n,
        }
    }

    /// Whether there may be more than [`SearchTotal::count`].
    pub fn is_lower_bound(self) -> bool {
        matches!(self, SearchTotal::AtLeast(_))
    }
}

/// The grams of a normalised term that the name index holds (ADR 029): a term of one or two
/// characters is its own gram; a longer one has its overlapping two-character grams, each of
/// which every name holding the term holds too. Grams with a space are never indexed.
pub fn index_grams(term: &str) -> Vec<String> {
    let chars: Vec<char> = term.chars().collect();
    let mut out: Vec<String> = Vec::new();
    if chars.len() <= 2 {
        out.push(term.to_string());
    } else {
        for pair in chars.windows(2) {
            let gram: String = pair.iter().collect();
            if !out.contains(&gram) {
                out.push(gram);
            }
        }
    }
    out.retain(|g| !g.is_empty() && !g.contains(' '));
    out
}

/// Whether the description index (trigrams) can look a term up: three characters or more.
pub fn trigram_searchable(term: &str) -> bool {
    term.chars().count() >= 3
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
    fn synonyms_give_each_word_its_alternatives() {
        let syn = Synonyms::from_lines(&["革 レザー leather", "ｼﾞｬｹｯﾄ、jacket", "ひとつだけ", ""]);
        assert_eq!(syn.0.len(), 2, "single words and blank lines are dropped");
        let q = SearchQuery::parse("LEATHER じゃけっと 黒")
            .unwrap()
            .with_synonyms(&syn);
        assert_eq!(
            q.groups(),
            vec![
                vec!["leather", "革", "れざー"],
                vec!["じゃけっと", "jacket"],
                vec!["黒"]
            ]
        );
        assert_eq!(q.terms(), vec!["leather", "じゃけっと", "黒"]);
        let plain = SearchQuery::parse("革").unwrap();
        assert_eq!(
            plain.groups(),
            vec![vec!["革"]],
            "no synonyms: the word alone"
        );
    }

    #[test]
    fn terms_become_the_grams_the_name_index_holds() {
        assert_eq!(index_grams("革"), vec!["革"]);
        assert_eq!(index_grams("煎茶"), vec!["煎茶"]);
        assert_eq!(
            index_grams("じゃけっと"),
            vec!["じゃ", "ゃけ", "けっ", "っと"]
        );
        assert_eq!(index_grams("ははは"), vec!["はは"], "repeats once");
        assert!(trigram_searchable("じゃけっと") && !trigram_searchable("煎茶"));
    }

    #[test]
    fn totals_are_exact_until_the_walk_is_cut() {
        assert_eq!(SearchTotal::of(7, 201), SearchTotal::Exact(7));
        assert_eq!(SearchTotal::of(201, 201), SearchTotal::AtLeast(200));
        assert!(SearchTotal::of(201, 201).is_lower_bound());
        assert_eq!(SearchTotal::of(0, 25).count(), 0);
    }

    #[test]
    fn summed_counts_are_a_lower_bound_once_one_reached_its_cap() {
        assert_eq!(SearchTotal::sum([3, 0, 40], 101), SearchTotal::Exact(43));
        assert_eq!(SearchTotal::sum([3, 101], 101), SearchTotal::AtLeast(103));
        assert_eq!(SearchTotal::sum([], 101), SearchTotal::Exact(0));
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
                prop_assert_eq!(q.groups().len(), q.terms().len());
            }
        }
    }
}
