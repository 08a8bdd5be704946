//! Cell rules of an export. A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@`
//! (and some read a leading tab or carriage return the same way) as a formula — CSV injection —
//! so such a cell is prefixed with `'` and shown as text. Before Shift_JIS (CP932), the
//! characters that CP932 writes as other code points are mapped to the ones it has (WAVE DASH
//! U+301C → FULLWIDTH TILDE U+FF5E, MINUS SIGN U+2212 → FULLWIDTH HYPHEN-MINUS U+FF0D, …) so a
//! `〜` in a product name reaches Excel as the `～` a Japanese user typed.

/// Whether a cell would run as a formula once one leading `'` is taken away from it: it starts
/// with a formula character after any number of `'`. A plain negative number (`-1080`, as an
/// accounting journal writes refunds) is a value, not a formula, and stays a number.
fn looks_like_formula(cell: &str) -> bool {
    let rest = cell.trim_start_matches('\'');
    matches!(
        rest.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    ) && !is_negative_number(rest)
}

/// `-` followed by digits, with at most one decimal point between digits.
fn is_negative_number(cell: &str) -> bool {
    let Some(digits) = cell.strip_prefix('-') else {
        return false;
    };
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    ok(whole) && parts.next().is_none_or(ok)
}

/// `cell` as a spreadsheet may show it without running it. A cell that already looks guarded
/// (`'=…`) is guarded once more, so [`unguard_cell`] gives back exactly what was written.
pub fn guard_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if looks_like_formula(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A cell as it was before [`guard_cell`] (an import reads back what an export wrote).
pub fn unguard_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if looks_like_formula(rest) => rest,
        _ => cell,
    }
}

/// `text` with the characters CP932 (Windows' Shift_JIS) spells differently from Unicode's
/// JIS mapping replaced by CP932's own.
pub fn sjis_compatible(text: &str) -> std::borrow::Cow<'_, str> {
    fn map(c: char) -> char {
        match c {
            '\u{301C}' => '\u{FF5E}', // 〜 → ～
            '\u{2212}' => '\u{FF0D}', // − → －
            '\u{2016}' => '\u{2225}', // ‖ → ∥
            '\u{00A2}' => '\u{FFE0}', // ¢ → ￠
            '\u{00A3}' => '\u{FFE1}', // £ → ￡
            '\u{00AC}' => '\u{FFE2}', // ¬ → ￢
            '\u{2014}' => '\u{2015}', // — → ―
            c => c,
        }
    }
    if text.chars().all(|c| map(c) == c) {
        text.into()
    } else {
        text.chars().map(map).collect::<String>().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    /// CCSG-V-3 (injection into what the shop opens): a cell Excel would run as a formula.
    fn ccsg_v_3_formulas_are_shown_as_text() {
        assert_eq!(
            guard_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(guard_cell("+81"), "'+81");
        assert_eq!(guard_cell("-1+1"), "'-1+1");
        assert_eq!(
            guard_cell("-2+3+cmd|' /C calc'!A0"),
            "'-2+3+cmd|' /C calc'!A0"
        );
        assert_eq!(guard_cell("-1."), "'-1.");
        // A plain negative number is a value Excel cannot run: refunds stay numbers.
        assert_eq!(guard_cell("-1080"), "-1080");
        assert_eq!(guard_cell("-10.5"), "-10.5");
        assert_eq!(guard_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard_cell("\tx"), "'\tx");
        assert_eq!(guard_cell("味噌"), "味噌");
        assert_eq!(guard_cell(""), "");
    }

    #[test]
    fn cp932_look_alikes_are_mapped() {
        assert_eq!(sjis_compatible("10〜20 −5"), "10～20 －5");
        let mapped = sjis_compatible("〜−‖");
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&mapped);
        assert!(!unmappable, "{bytes:?}");
    }

    proptest! {
        /// No guarded cell starts with a formula character (a plain negative number aside), and
        /// nothing but the prefix is added.
        #[test]
        fn guarded_cells_never_start_a_formula(s in ".{0,20}") {
            let g = guard_cell(&s);
            prop_assert!(
                !matches!(g.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
                    || is_negative_number(&g)
            );
            let prefixed = format!("'{}", s);
            prop_assert!(g == s || g == prefixed);
            prop_assert_eq!(unguard_cell(&g), s.as_str());
        }
    }
}
