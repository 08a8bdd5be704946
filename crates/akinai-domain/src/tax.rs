//! Japanese consumption tax.
//!
//! Prices are entered and shown tax-inclusive (総額表示, JP-TAX-1). An order's tax is computed once
//! per rate from the per-rate tax-inclusive totals (`total × r / (100 + r)`) and rounded once, in
//! the direction the shop chose (JP-INV-2); it is never the sum of per-line rounded amounts.

use serde::{Deserialize, Serialize};

use crate::Yen;

/// The tax treatment of a product (JP-TAX-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxCategory {
    /// 標準税率 10%.
    Standard,
    /// 軽減税率 8%: food and drink (not alcohol, not dining in).
    Reduced,
    /// 非課税 / 不課税.
    NonTaxable,
}

impl TaxCategory {
    pub const ALL: [TaxCategory; 3] = [
        TaxCategory::Standard,
        TaxCategory::Reduced,
        TaxCategory::NonTaxable,
    ];

    /// The rate in percent.
    pub fn rate_percent(self) -> u32 {
        match self {
            TaxCategory::Standard => 10,
            TaxCategory::Reduced => 8,
            TaxCategory::NonTaxable => 0,
        }
    }

    /// Whether the reduced rate applies (marked ※ on receipts and pages).
    pub fn is_reduced(self) -> bool {
        self == TaxCategory::Reduced
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaxCategory::Standard => "standard",
            TaxCategory::Reduced => "reduced",
            TaxCategory::NonTaxable => "non_taxable",
        }
    }

    pub fn parse(s: &str) -> Option<TaxCategory> {
        TaxCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// How the shop rounds fractions of a yen of tax (端数処理).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// 切り捨て, the most common choice.
    #[default]
    Floor,
    /// 切り上げ.
    Ceil,
    /// 四捨五入.
    HalfUp,
}

impl RoundingMode {
    /// The stored and API name (`floor`, `ceil`, `half_up`).
    pub fn as_str(self) -> &'static str {
        match self {
            RoundingMode::Floor => "floor",
            RoundingMode::Ceil => "ceil",
            RoundingMode::HalfUp => "half_up",
        }
    }

    /// `numerator / denominator` rounded in this mode; both are non-negative.
    fn divide(self, numerator: i128, denominator: i128) -> i128 {
        let q = numerator / denominator;
        let r = numerator % denominator;
        match self {
            RoundingMode::Floor => q,
            RoundingMode::Ceil => q + i128::from(r > 0),
            RoundingMode::HalfUp => q + i128::from(2 * r >= denominator),
        }
    }
}

/// The consumption tax contained in a tax-inclusive amount at `rate_percent`, rounded once.
/// Negative amounts (refunds) are rounded symmetrically.
pub fn tax_included_in(total: Yen, rate_percent: u32, mode: RoundingMode) -> Yen {
    if rate_percent == 0 {
        return Yen::ZERO;
    }
    let rate = i128::from(rate_percent);
    let magnitude = mode.divide(i128::from(total.0).abs() * rate, 100 + rate);
    // The tax is at most the total, so it fits back into i64.
    let magnitude = i64::try_from(magnitude).unwrap_or(i64::MAX);
    Yen(if total.0 < 0 { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ten_percent_of_1100_is_100() {
        for mode in [
            RoundingMode::Floor,
            RoundingMode::Ceil,
            RoundingMode::HalfUp,
        ] {
            assert_eq!(tax_included_in(Yen(1100), 10, mode), Yen(100));
            assert_eq!(tax_included_in(Yen(1080), 8, mode), Yen(80));
        }
    }

    #[test]
    fn rounding_modes_differ_on_fractions() {
        // 105 × 10/110 = 9.545…
        assert_eq!(tax_included_in(Yen(105), 10, RoundingMode::Floor), Yen(9));
        assert_eq!(tax_included_in(Yen(105), 10, RoundingMode::Ceil), Yen(10));
        assert_eq!(tax_included_in(Yen(105), 10, RoundingMode::HalfUp), Yen(10));
        // 1001 × 8/108 = 74.148…
        assert_eq!(tax_included_in(Yen(1001), 8, RoundingMode::HalfUp), Yen(74));
        // exactly half: 55 × 10/110 = 5 (no fraction); 11 × 8/108 = 0.8148 → 1
        assert_eq!(tax_included_in(Yen(11), 8, RoundingMode::HalfUp), Yen(1));
    }

    #[test]
    fn non_taxable_has_no_tax() {
        assert_eq!(tax_included_in(Yen(12345), 0, RoundingMode::Ceil), Yen(0));
    }

    #[test]
    fn categories_round_trip_through_their_names() {
        for c in TaxCategory::ALL {
            assert_eq!(TaxCategory::parse(c.as_str()), Some(c));
        }
        assert_eq!(TaxCategory::parse("bogus"), None);
    }

    proptest! {
        #[test]
        fn tax_is_bounded_and_ordered(total in 0i64..10_000_000_000, rate in prop::sample::select(vec![8u32, 10])) {
            let floor = tax_included_in(Yen(total), rate, RoundingMode::Floor).0;
            let half = tax_included_in(Yen(total), rate, RoundingMode::HalfUp).0;
            let ceil = tax_included_in(Yen(total), rate, RoundingMode::Ceil).0;
            prop_assert!(floor <= half && half <= ceil && ceil - floor <= 1);
            // floor is the largest integer t with t × (100 + r) ≤ total × r
            let r = i128::from(rate);
            prop_assert!(i128::from(floor) * (100 + r) <= i128::from(total) * r);
            prop_assert!(i128::from(floor + 1) * (100 + r) > i128::from(total) * r);
        }

        #[test]
        fn refunds_mirror_sales(total in 0i64..1_000_000_000) {
            for mode in [RoundingMode::Floor, RoundingMode::Ceil, RoundingMode::HalfUp] {
                prop_assert_eq!(tax_included_in(Yen(-total), 10, mode).0, -tax_included_in(Yen(total), 10, mode).0);
            }
        }
    }
}
