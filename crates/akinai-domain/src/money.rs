//! Money as integer yen. The yen has no minor unit, so every amount is an `i64` count of yen and
//! arithmetic is checked: an overflow is an error, never a wrapped price.

use serde::{Deserialize, Serialize};

/// An amount of Japanese yen.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Yen(pub i64);

/// Money arithmetic left the representable range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("amount out of range")]
pub struct MoneyOverflow;

impl Yen {
    pub const ZERO: Yen = Yen(0);

    pub fn checked_add(self, other: Yen) -> Result<Yen, MoneyOverflow> {
        self.0.checked_add(other.0).map(Yen).ok_or(MoneyOverflow)
    }

    pub fn checked_mul(self, qty: u32) -> Result<Yen, MoneyOverflow> {
        self.0
            .checked_mul(i64::from(qty))
            .map(Yen)
            .ok_or(MoneyOverflow)
    }

    /// `¥1,234` as shown to Japanese shoppers.
    pub fn display(&self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}¥{}", grouped(self.0.unsigned_abs()))
    }
}

/// A count with thousands separators: `60,000` (templates pass it by reference or by value).
pub fn grouped(n: impl std::borrow::Borrow<u64>) -> String {
    let digits = n.borrow().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A number as staff type it into an amount field: separators (`,` `，`), yen marks (`¥` `￥`
/// `円`) and percent signs dropped, full-width digits made ASCII (`５００,０００円` → `500000`).
pub fn fold_typed_number(raw: &str) -> String {
    raw.trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | '¥' | '￥' | '円' | '%' | '％'))
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

impl std::fmt::Display for Yen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_with_thousands_separators() {
        assert_eq!(Yen(0).display(), "¥0");
        assert_eq!(Yen(999).display(), "¥999");
        assert_eq!(Yen(1000).display(), "¥1,000");
        assert_eq!(Yen(1234567).display(), "¥1,234,567");
        assert_eq!(Yen(-5500).display(), "-¥5,500");
        assert_eq!(grouped(60_000), "60,000");
    }

    #[test]
    fn overflow_is_an_error() {
        assert_eq!(Yen(i64::MAX).checked_add(Yen(1)), Err(MoneyOverflow));
        assert_eq!(Yen(i64::MAX / 2).checked_mul(3), Err(MoneyOverflow));
        assert_eq!(Yen(300).checked_mul(3), Ok(Yen(900)));
    }
}
