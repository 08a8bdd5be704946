//! Recognising card data so that akinai never takes or keeps it (payments issue, item 5;
//! CCSG-P-1 非保持化): field names that ask for a card number, expiry or security code, and digit
//! runs of 14 to 19 digits (spaces and hyphens allowed between them, as people type them) that
//! pass the Luhn check. Used to refuse such input at every form and to scrub logs.

/// Whether the digits pass the Luhn check.
pub fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(*d);
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// The byte ranges of card-number-like runs in `text`: 14–19 digits, possibly separated by
/// single spaces or hyphens, passing the Luhn check, not glued to letters. Full-width digits
/// count too.
pub fn card_numbers(text: &str) -> Vec<std::ops::Range<usize>> {
    if may_hold_card_number(text.as_bytes()) {
        card_runs(text)
    } else {
        // Every log line passes here: most hold no run long enough to be a card number.
        Vec::new()
    }
}

/// [`card_numbers`] without the quick look first.
fn card_runs(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let digit = |c: char| c.to_digit(10).or_else(|| fullwidth_digit(c));
    let mut i = 0;
    while i < chars.len() {
        if digit(chars[i].1).is_none() {
            i += 1;
            continue;
        }
        // A run: digits with single separators between them.
        let start = i;
        let mut digits = Vec::new();
        let mut end = i;
        let mut j = i;
        while j < chars.len() {
            match digit(chars[j].1) {
                Some(d) => {
                    digits.push(u8::try_from(d).unwrap_or(0));
                    end = j;
                    j += 1;
                }
                None if matches!(chars[j].1, ' ' | '-' | '　' | '－')
                    && j + 1 < chars.len()
                    && digit(chars[j + 1].1).is_some() =>
                {
                    j += 1;
                }
                None => break,
            }
        }
        // Not glued to latin letters or digits: a digit run inside a token or a hex string is
        // not a number someone typed (Japanese text around it still counts as a boundary).
        let bounded = (start == 0 || !chars[start - 1].1.is_ascii_alphanumeric())
            && chars
                .get(end + 1)
                .is_none_or(|(_, c)| !c.is_ascii_alphanumeric());
        if bounded && contains_card(&digits) {
            let byte_end = chars[end].0 + chars[end].1.len_utf8();
            found.push(chars[start].0..byte_end);
        }
        i = end + 1;
    }
    found
}

/// Whether `text` may hold a card number: a run of at least 14 digits (ASCII or full-width)
/// with at most single separators between them. A superset of the runs [`card_numbers`]
/// reports, found without allocating or decoding, so a log line can be checked before it is
/// even known to be UTF-8.
pub fn may_hold_card_number(text: &[u8]) -> bool {
    // Every log line passes here. Such a run is a stretch of at least RUN bytes each of which is
    // a digit, a separator or part of a multi-byte character, so probing every RUN-th byte finds
    // every stretch that could hold one; most probes of a log line land on a letter and the
    // bytes between them are never looked at. A stretch the probe finds is read whole: ASCII by
    // the exact scan below, anything else hands the line to the full scan.
    const RUN: usize = 14;
    const DIGIT: u8 = 1;
    const SEPARATOR: u8 = 2;
    const HIGH: u8 = 3;
    const CLASS: [u8; 256] = {
        let mut class = [0u8; 256];
        let mut b = 0;
        while b < 256 {
            class[b] = match b as u8 {
                b'0'..=b'9' => DIGIT,
                b' ' | b'-' => SEPARATOR,
                0x80..=0xFF => HIGH,
                _ => 0,
            };
            b += 1;
        }
        class
    };
    let in_stretch = |b: u8| CLASS[usize::from(b)] != 0;
    let mut probe = RUN - 1;
    while let Some(&b) = text.get(probe) {
        if !in_stretch(b) {
            probe += RUN;
            continue;
        }
        // The previous probe (if any) fell outside a stretch, so this walk back stops before it.
        let mut start = probe;
        while start > 0 && in_stretch(text[start - 1]) {
            start -= 1;
        }
        let mut end = probe + 1;
        while end < text.len() && in_stretch(text[end]) {
            end += 1;
        }
        let stretch = &text[start..end];
        if stretch.len() >= RUN {
            if !stretch.is_ascii() {
                return may_hold_wide_card_number(text);
            }
            // The exact scan: digits counted, single separators between them allowed.
            let (mut digits, mut after_separator) = (0u32, false);
            for &b in stretch {
                if CLASS[usize::from(b)] == DIGIT {
                    digits += 1;
                    after_separator = false;
                    if digits >= 14 {
                        return true;
                    }
                } else if digits > 0 && !after_separator {
                    after_separator = true;
                } else {
                    digits = 0;
                    after_separator = false;
                }
            }
        }
        // The next stretch begins after `end`; any RUN bytes in a row from there hold a probe.
        probe = end + RUN;
    }
    false
}

/// [`may_hold_card_number`] for text with multi-byte characters, full-width digits, hyphens and
/// ideographic spaces counted.
fn may_hold_wide_card_number(text: &[u8]) -> bool {
    enum Class {
        Digit,
        Separator,
        Other,
    }
    let (mut digits, mut after_separator, mut i) = (0u32, false, 0);
    while i < text.len() {
        let next = |k: usize| text.get(i + k).copied();
        let (class, width) = match text[i] {
            b'0'..=b'9' => (Class::Digit, 1),
            b' ' | b'-' => (Class::Separator, 1),
            // Full-width digits U+FF10–U+FF19 and hyphen U+FF0D.
            0xEF if next(1) == Some(0xBC) => match next(2) {
                Some(0x90..=0x99) => (Class::Digit, 3),
                Some(0x8D) => (Class::Separator, 3),
                _ => (Class::Other, 1),
            },
            // The ideographic space U+3000.
            0xE3 if next(1) == Some(0x80) && next(2) == Some(0x80) => (Class::Separator, 3),
            _ => (Class::Other, 1),
        };
        match class {
            Class::Digit => {
                digits += 1;
                after_separator = false;
                if digits >= 14 {
                    return true;
                }
            }
            Class::Separator if digits > 0 && !after_separator => after_separator = true,
            _ => {
                digits = 0;
                after_separator = false;
            }
        }
        i += width;
    }
    false
}

/// Whether a whole run of digits is a card number: 14–19 digits passing Luhn. (Windows of
/// longer runs are not tried: one in ten of them passes Luhn by chance.)
fn contains_card(digits: &[u8]) -> bool {
    (14..=19).contains(&digits.len()) && luhn(digits)
}

fn fullwidth_digit(c: char) -> Option<u32> {
    ('０'..='９')
        .contains(&c)
        .then(|| u32::from(c) - u32::from('０'))
}

/// `text` with every card-number-like run replaced by `[card number removed]`.
pub fn scrub(text: &str) -> std::borrow::Cow<'_, str> {
    let found = card_numbers(text);
    if found.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in found {
        out.push_str(&text[last..r.start]);
        out.push_str("[card number removed]");
        last = r.end;
    }
    out.push_str(&text[last..]);
    std::borrow::Cow::Owned(out)
}

/// Whether a form field's name asks for card data (number, expiry, security code).
pub fn card_field(name: &str) -> bool {
    let n: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    const EXACT: [&str; 8] = ["pan", "cvc", "cvv", "cvv2", "cvc2", "cid", "ccv", "ccnum"];
    const PARTS: [&str; 9] = [
        "cardnumber",
        "cardno",
        "ccnumber",
        "creditcard",
        "securitycode",
        "cardexp",
        "expmonth",
        "expyear",
        "expirydate",
    ];
    EXACT.contains(&n.as_str()) || PARTS.iter().any(|p| n.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ccsg_p_1_published_test_numbers_are_found_as_typed() {
        for typed in [
            "4242424242424242",
            "4242 4242 4242 4242",
            "4242-4242-4242-4242",
            "５５５５５５５５５５５５４４４４",
            "カード 378282246310005 です",
            "番号4242424242424242です",
            "36227206271667",
        ] {
            assert_eq!(card_numbers(typed).len(), 1, "{typed}");
        }
    }

    #[test]
    fn ordinary_numbers_are_left_alone() {
        for text in [
            "090-1234-5678",
            "〒150-0001 東京都渋谷区神宮前1-2-3",
            "AK00000042",
            "4242424242424241",
            "T1234567890123",
            "2026-11-26 10:00",
            "1234567890123",
            "token 9f4242424242424242ab",
        ] {
            assert!(card_numbers(text).is_empty(), "{text}");
        }
    }

    /// CCSG-P-1: a run of exactly 14 digits is found wherever it starts relative to the probes,
    /// also right after a stretch of digits the probe has already read; 13 digits never count.
    #[test]
    fn ccsg_p_1_the_probing_scan_finds_a_shortest_run_at_every_offset() {
        for prefix in 0..30 {
            for before in ["", "7", "12 3", "2026-12-07", "1 2 3 4 5 6 7 8 9 0 1 2 3"] {
                for gap in ["x", "x=", "..."] {
                    for (run, expected) in [
                        ("41111111111111", true),
                        ("4111-1111-1111-11", true),
                        ("4111111111111", false),
                    ] {
                        let line = format!("{}{before}{gap}{run}.", "a".repeat(prefix));
                        assert_eq!(may_hold_card_number(line.as_bytes()), expected, "{line}");
                        assert_eq!(
                            may_hold_wide_card_number(line.as_bytes()),
                            expected,
                            "{line}"
                        );
                    }
                }
            }
        }
    }

    proptest::proptest! {
        /// CCSG-P-1: the probing scan answers as the full scan does, whatever the line holds.
        #[test]
        fn ccsg_p_1_the_probing_scan_agrees_with_the_full_scan(text in "[0-9０-９ \\-　－a-zA-Z:.=/{}あ-ん]{0,80}") {
            proptest::prop_assert_eq!(
                may_hold_card_number(text.as_bytes()),
                may_hold_wide_card_number(text.as_bytes())
            );
        }

        /// CCSG-P-1: the same over long lines mostly of digits and separators, where runs start
        /// and end at every offset from the probes and stretches lie next to each other.
        #[test]
        fn ccsg_p_1_the_probing_scan_agrees_over_long_digit_lines(text in "([0-9]{1,16}[ \\-]{0,2}|[a-z:=.]{1,3}|０|－|　){0,40}") {
            proptest::prop_assert_eq!(
                may_hold_card_number(text.as_bytes()),
                may_hold_wide_card_number(text.as_bytes())
            );
        }

        /// CCSG-P-1: the quick look before the full scan never passes over a card number.
        #[test]
        fn ccsg_p_1_the_quick_look_misses_no_card_number(text in "[0-9０-９ \\-　－a-zあ-ん漢字]{0,60}") {
            if !card_runs(&text).is_empty() {
                proptest::prop_assert!(may_hold_card_number(text.as_bytes()));
            }
        }
    }

    #[test]
    fn a_card_number_among_log_fields_is_found() {
        let line = "2026-12-07T13:28:25.622150Z INFO access request_id=c405912026a26300 \
                    path=/search?q=4242%204242 q2=4000-0025-0000-3155 ms=3";
        assert_eq!(card_numbers(line).len(), 1, "{line}");
        assert!(card_numbers(&line.replace("3155", "")).is_empty());
    }

    #[test]
    fn scrubbing_keeps_the_rest_of_the_text() {
        assert_eq!(
            scrub("paid with 4242 4242 4242 4242, thanks"),
            "paid with [card number removed], thanks"
        );
        assert_eq!(scrub("nothing here 123"), "nothing here 123");
    }

    #[test]
    fn card_field_names_are_recognised() {
        for name in [
            "card_number",
            "cardNumber",
            "cc-number",
            "cvc",
            "CVV2",
            "exp_month",
            "security_code",
            "credit_card",
        ] {
            assert!(card_field(name), "{name}");
        }
        for name in [
            "name",
            "phone",
            "postal_code",
            "csrf",
            "code",
            "payment_method",
            "expires",
        ] {
            assert!(!card_field(name), "{name}");
        }
    }
}
