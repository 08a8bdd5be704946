//! The coupon form as typed (admin screen and `akinai coupons create`), parsed into a code and
//! a rule with every bad field reported at once.
//!
//! Dates are days in Japan: `from` starts at 00:00 JST of its day and `until` includes its whole
//! day (the rule keeps the next midnight, exclusive).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::address::FieldError;
use crate::checkout::FieldErrors;
use crate::coupon::{CouponCode, CouponRule, Off};
use crate::ids::{CategoryId, ProductId};
use crate::Yen;

/// Largest amount or minimum a coupon may name (¥10,000,000).
pub const MAX_YEN: i64 = 10_000_000;

/// The form's fields as strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CouponInput {
    pub code: String,
    /// `percent` or `amount`.
    pub kind: String,
    pub value: String,
    pub min_purchase: String,
    pub max_uses: String,
    pub per_customer: String,
    /// `YYYY-MM-DD`, empty for none.
    pub valid_from: String,
    /// `YYYY-MM-DD`, the last valid day; empty for none.
    pub valid_until: String,
    /// `1` when ticked.
    pub first_order_only: String,
    /// Product IDs, separated by commas or spaces; with `categories` empty, every product.
    pub products: String,
    /// Category IDs (their subcategories included), separated like `products`.
    pub categories: String,
}

impl CouponInput {
    /// The code and rule, or every field that is wrong.
    pub fn parse(&self) -> Result<(CouponCode, CouponRule), FieldErrors> {
        let mut errors: FieldErrors = Vec::new();
        let code = CouponCode::parse(&self.code);
        if code.is_none() {
            errors.push(("code", required_or(&self.code, FieldError::Invalid)));
        }
        let value = number(&mut errors, "value", &self.value, true);
        let off = match (self.kind.trim(), value) {
            ("percent", Some(Some(p))) if (1..=100).contains(&p) => Some(Off::Percent(p as u32)),
            ("amount", Some(Some(a))) if (1..=MAX_YEN).contains(&a) => Some(Off::Amount(Yen(a))),
            ("percent" | "amount", Some(Some(_))) => {
                errors.push(("value", FieldError::Invalid));
                None
            }
            ("percent" | "amount", _) => None,
            _ => {
                errors.push(("kind", FieldError::Required));
                None
            }
        };
        let min = number(&mut errors, "min_purchase", &self.min_purchase, false);
        let uses = number(&mut errors, "max_uses", &self.max_uses, false);
        let per = number(&mut errors, "per_customer", &self.per_customer, false);
        let from = day(&mut errors, "valid_from", &self.valid_from, 0);
        let until = day(&mut errors, "valid_until", &self.valid_until, 1);
        if let (Some(Some(f)), Some(Some(u))) = (from, until) {
            if u <= f {
                errors.push(("valid_until", FieldError::Invalid));
            }
        }
        let products = ids(&mut errors, "products", &self.products, ProductId);
        let categories = ids(&mut errors, "categories", &self.categories, CategoryId);
        match (code, off, min, uses, per, from, until) {
            (Some(code), Some(off), Some(min), Some(uses), Some(per), Some(from), Some(until))
                if errors.is_empty() =>
            {
                Ok((
                    code,
                    CouponRule {
                        off,
                        min_purchase: Yen(min.unwrap_or(0)),
                        max_uses: uses.map(|n| n as u32),
                        per_customer: per.map(|n| n as u32),
                        valid_from: from,
                        valid_until: until,
                        first_order_only: matches!(
                            self.first_order_only.trim(),
                            "1" | "on" | "true"
                        ),
                        products,
                        categories,
                    },
                ))
            }
            _ => Err(errors),
        }
    }
}

/// IDs separated by commas, spaces or 「、」 (full width too); the field is refused at the first
/// that is not a positive whole number.
fn ids<T>(errors: &mut FieldErrors, field: &'static str, raw: &str, id: fn(i64) -> T) -> Vec<T> {
    let mut out = Vec::new();
    for part in raw
        .split([',', ' ', '、', '\n', '，', '　'])
        .filter(|p| !p.trim().is_empty())
    {
        match crate::catalog::parse_whole(part, 1..=i64::MAX) {
            Some(n) => out.push(id(n)),
            None => {
                errors.push((field, FieldError::Invalid));
                break;
            }
        }
    }
    out
}

fn required_or(raw: &str, e: FieldError) -> FieldError {
    if raw.trim().is_empty() {
        FieldError::Required
    } else {
        e
    }
}

/// A whole number of yen or uses typed with or without commas and in full width; `Some(None)`
/// when left empty (and not `required`), `None` after recording the error.
pub(crate) fn number(
    errors: &mut FieldErrors,
    name: &'static str,
    raw: &str,
    required: bool,
) -> Option<Option<i64>> {
    let folded = crate::money::fold_typed_number(raw);
    if folded.is_empty() {
        if required {
            errors.push((name, FieldError::Required));
            return None;
        }
        return Some(None);
    }
    match folded.parse::<i64>() {
        Ok(n) if (0..=MAX_YEN).contains(&n) => Some(Some(n)),
        _ => {
            errors.push((name, FieldError::Invalid));
            None
        }
    }
}

/// 00:00 in Japan of the typed day plus `days_after`; `Some(None)` when left empty.
pub(crate) fn day(
    errors: &mut FieldErrors,
    name: &'static str,
    raw: &str,
    days_after: u64,
) -> Option<Option<DateTime<Utc>>> {
    let raw = raw.trim().replace('/', "-");
    if raw.is_empty() {
        return Some(None);
    }
    let at = NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.checked_add_days(chrono::Days::new(days_after)))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| (t - chrono::Duration::hours(9)).and_utc());
    match at {
        Some(t) => Some(Some(t)),
        None => {
            errors.push((name, FieldError::Invalid));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CouponInput {
        CouponInput {
            code: "ｗｅｌｃｏｍｅー５００".into(),
            kind: "amount".into(),
            value: "５００".into(),
            min_purchase: "3,000".into(),
            max_uses: "100".into(),
            per_customer: "1".into(),
            valid_from: "2026/12/01".into(),
            valid_until: "2026-12-31".into(),
            first_order_only: "1".into(),
            products: "3, 5".into(),
            categories: "７，8".into(),
        }
    }

    #[test]
    fn a_full_form_parses_with_dates_in_japan() {
        let (code, rule) = input().parse().unwrap();
        assert_eq!(code.as_str(), "WELCOME-500");
        assert_eq!(rule.off, Off::Amount(Yen(500)));
        assert_eq!(rule.min_purchase, Yen(3000));
        assert_eq!(rule.max_uses, Some(100));
        assert_eq!(rule.per_customer, Some(1));
        assert!(rule.first_order_only);
        assert_eq!(rule.products, vec![ProductId(3), ProductId(5)]);
        assert_eq!(rule.categories, vec![CategoryId(7), CategoryId(8)]);
        // 2026-12-01 00:00 JST = 2026-11-30 15:00 UTC; the 31st counts whole.
        assert_eq!(
            rule.valid_from.unwrap().to_rfc3339(),
            "2026-11-30T15:00:00+00:00"
        );
        assert_eq!(
            rule.valid_until.unwrap().to_rfc3339(),
            "2026-12-31T15:00:00+00:00"
        );
    }

    #[test]
    fn every_bad_field_is_reported() {
        let bad = CouponInput {
            code: "x!".into(),
            kind: "percent".into(),
            value: "150".into(),
            max_uses: "-1".into(),
            valid_from: "2026-12-31".into(),
            valid_until: "2026-12-01".into(),
            products: "abc".into(),
            categories: "0".into(),
            ..input()
        };
        let names: Vec<&str> = bad.parse().unwrap_err().iter().map(|e| e.0).collect();
        assert_eq!(
            names,
            vec![
                "code",
                "value",
                "max_uses",
                "valid_until",
                "products",
                "categories"
            ]
        );
        let none = CouponInput::default().parse().unwrap_err();
        assert!(none.contains(&("code", FieldError::Required)));
        assert!(none.contains(&("kind", FieldError::Required)));
    }
}
