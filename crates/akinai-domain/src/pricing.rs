//! Cart and order pricing: line totals, fees, and tax per rate (JP-INV-2).
//!
//! Every amount is tax-inclusive (JP-TAX-1). Lines are grouped by tax rate, each rate's total is
//! taxed once, and shipping and payment fees count as standard-rate (10%) services. The work is
//! one pass over the lines, so a 5,000-line order prices as fast as a short one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::{Quantity, SkuForSale};
use crate::coupon::Discount;
use crate::ids::{ProductId, SkuId};
use crate::money::MoneyOverflow;
use crate::tax::{tax_included_in, RoundingMode, TaxCategory};
use crate::Yen;

/// One priced line of a cart or order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub sku_id: SkuId,
    pub product_id: ProductId,
    pub product_name: String,
    pub option_label: String,
    pub sku_code: String,
    pub unit_price: Yen,
    pub quantity: u32,
    pub tax_category: TaxCategory,
    pub line_total: Yen,
}

impl PricedLine {
    /// The line at the SKU's list price.
    pub fn new(sku: &SkuForSale, quantity: Quantity) -> Result<PricedLine, MoneyOverflow> {
        PricedLine::at(sku, quantity, sku.price)
    }

    /// The line at `unit_price` (what the price rules say this buyer pays, ADR 047).
    pub fn at(
        sku: &SkuForSale,
        quantity: Quantity,
        unit_price: Yen,
    ) -> Result<PricedLine, MoneyOverflow> {
        Ok(PricedLine {
            sku_id: sku.sku_id,
            product_id: sku.product_id,
            product_name: sku.product_name.clone(),
            option_label: sku.option_label.clone(),
            sku_code: sku.code.clone(),
            unit_price,
            quantity: quantity.get(),
            tax_category: sku.tax_category,
            line_total: unit_price.checked_mul(quantity.get())?,
        })
    }
}

/// The tax-inclusive total of one rate and the tax it contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateTotal {
    pub tax_category: TaxCategory,
    pub rate_percent: u32,
    pub total: Yen,
    pub tax: Yen,
    /// The part of a coupon's discount and of the points used taken off this rate (already
    /// out of `total`).
    #[serde(default)]
    pub discount: Yen,
}

/// What an order costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub items_total: Yen,
    pub shipping_fee: Yen,
    pub payment_fee: Yen,
    pub grand_total: Yen,
    /// A coupon's discount, taken off the items before tax (split across the rates).
    #[serde(default)]
    pub discount: Yen,
    /// Points used (one point one yen), taken off the items like a discount (ADR 046).
    #[serde(default)]
    pub points: Yen,
    /// Per-rate totals in the order standard, reduced, non-taxable; rates without amounts left out.
    pub rates: Vec<RateTotal>,
}

/// Sum of the line totals.
pub fn items_total(lines: &[PricedLine]) -> Result<Yen, MoneyOverflow> {
    lines
        .iter()
        .try_fold(Yen::ZERO, |acc, l| acc.checked_add(l.line_total))
}

/// Prices an order: lines plus shipping and payment fees, tax computed once per rate.
pub fn totals(
    lines: &[PricedLine],
    shipping_fee: Yen,
    payment_fee: Yen,
    mode: RoundingMode,
) -> Result<Totals, MoneyOverflow> {
    totals_after(lines, &Discount::none(), shipping_fee, payment_fee, mode)
}

/// Prices an order after a discount: each rate's share of the discount comes off that rate's
/// items before its tax is computed, once per rate (JP-INV-2).
pub fn totals_after(
    lines: &[PricedLine],
    discount: &Discount,
    shipping_fee: Yen,
    payment_fee: Yen,
    mode: RoundingMode,
) -> Result<Totals, MoneyOverflow> {
    let mut per_rate: BTreeMap<TaxCategory, Yen> = BTreeMap::new();
    for line in lines {
        let slot = per_rate.entry(line.tax_category).or_default();
        *slot = slot.checked_add(line.line_total)?;
    }
    let items_total = per_rate
        .values()
        .try_fold(Yen::ZERO, |acc, v| acc.checked_add(*v))?;
    let fees = shipping_fee.checked_add(payment_fee)?;
    if fees != Yen::ZERO {
        let slot = per_rate.entry(TaxCategory::Standard).or_default();
        *slot = slot.checked_add(fees)?;
    }
    for (rate, share) in &discount.per_rate {
        let slot = per_rate.entry(*rate).or_default();
        *slot = Yen(slot.0.checked_sub(share.0).ok_or(MoneyOverflow)?);
    }
    let grand_total = Yen(items_total
        .checked_add(fees)?
        .0
        .checked_sub(discount.total.0)
        .ok_or(MoneyOverflow)?);
    let rates = per_rate
        .into_iter()
        .filter(|(rate, total)| *total != Yen::ZERO || discount.of(*rate) != Yen::ZERO)
        .map(|(tax_category, total)| RateTotal {
            tax_category,
            rate_percent: tax_category.rate_percent(),
            total,
            tax: tax_included_in(total, tax_category.rate_percent(), mode),
            discount: discount.of(tax_category),
        })
        .collect();
    Ok(Totals {
        items_total,
        shipping_fee,
        payment_fee,
        grand_total,
        discount: Yen(discount.total.0 - discount.points.0),
        points: discount.points,
        rates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(id: i64, price: i64, qty: u32, tax: TaxCategory) -> PricedLine {
        PricedLine {
            sku_id: SkuId(id),
            product_id: ProductId(id),
            product_name: format!("p{id}"),
            option_label: String::new(),
            sku_code: format!("S{id}"),
            unit_price: Yen(price),
            quantity: qty,
            tax_category: tax,
            line_total: Yen(price * i64::from(qty)),
        }
    }

    #[test]
    fn tax_is_rounded_once_per_rate_not_per_line() {
        // Per line: floor(105 × 10/110) = 9, twice = 18. Per rate: floor(210 × 10/110) = 19.
        let lines = [
            line(1, 105, 1, TaxCategory::Standard),
            line(2, 105, 1, TaxCategory::Standard),
        ];
        let t = totals(&lines, Yen::ZERO, Yen::ZERO, RoundingMode::Floor).unwrap();
        assert_eq!(t.rates.len(), 1);
        assert_eq!(t.rates[0].tax, Yen(19));
        let per_line: i64 = lines
            .iter()
            .map(|l| tax_included_in(l.line_total, 10, RoundingMode::Floor).0)
            .sum();
        assert_eq!(
            per_line, 18,
            "the example must be one where per-line rounding differs"
        );
    }

    #[test]
    fn mixed_rates_and_fees() {
        let lines = [
            line(1, 1080, 2, TaxCategory::Reduced),    // food 2160
            line(2, 5500, 1, TaxCategory::Standard),   // goods 5500
            line(3, 3000, 1, TaxCategory::NonTaxable), // gift certificate 3000
        ];
        let t = totals(&lines, Yen(800), Yen(330), RoundingMode::Floor).unwrap();
        assert_eq!(t.items_total, Yen(10660));
        assert_eq!(t.grand_total, Yen(11790));
        assert_eq!(
            t.rates,
            vec![
                RateTotal {
                    tax_category: TaxCategory::Standard,
                    rate_percent: 10,
                    total: Yen(6630),
                    tax: Yen(602),
                    discount: Yen(0)
                },
                RateTotal {
                    tax_category: TaxCategory::Reduced,
                    rate_percent: 8,
                    total: Yen(2160),
                    tax: Yen(160),
                    discount: Yen(0)
                },
                RateTotal {
                    tax_category: TaxCategory::NonTaxable,
                    rate_percent: 0,
                    total: Yen(3000),
                    tax: Yen(0),
                    discount: Yen(0)
                },
            ]
        );
    }

    #[test]
    fn overflow_is_reported() {
        let lines = [
            line(1, i64::MAX / 2, 1, TaxCategory::Standard),
            line(2, i64::MAX / 2 + 10, 1, TaxCategory::Standard),
        ];
        assert!(totals(&lines, Yen::ZERO, Yen::ZERO, RoundingMode::Floor).is_err());
    }

    #[test]
    fn five_thousand_lines_price_in_one_pass() {
        let lines: Vec<PricedLine> = (0..5000)
            .map(|i| {
                line(
                    i,
                    100 + i,
                    1 + (i % 3) as u32,
                    if i % 2 == 0 {
                        TaxCategory::Reduced
                    } else {
                        TaxCategory::Standard
                    },
                )
            })
            .collect();
        let t = totals(&lines, Yen(800), Yen::ZERO, RoundingMode::HalfUp).unwrap();
        assert_eq!(t.items_total, items_total(&lines).unwrap());
        assert_eq!(t.rates.len(), 2);
    }

    fn arb_line() -> impl Strategy<Value = PricedLine> {
        (
            1i64..1000,
            1i64..100_000,
            1u32..20,
            prop::sample::select(TaxCategory::ALL.to_vec()),
        )
            .prop_map(|(id, price, qty, tax)| line(id, price, qty, tax))
    }

    proptest! {
        /// JP-INV-2: each rate's tax equals one rounding of that rate's total, and the rate totals
        /// add up to the grand total.
        #[test]
        fn per_rate_tax_is_one_rounding_of_the_rate_total(
            lines in prop::collection::vec(arb_line(), 0..40),
            ship in 0i64..3000,
            fee in 0i64..1000,
            mode in prop::sample::select(vec![RoundingMode::Floor, RoundingMode::Ceil, RoundingMode::HalfUp]),
        ) {
            let t = totals(&lines, Yen(ship), Yen(fee), mode).unwrap();
            let sum: i64 = t.rates.iter().map(|r| r.total.0).sum();
            prop_assert_eq!(sum, t.grand_total.0);
            for r in &t.rates {
                let expected: i64 = lines.iter().filter(|l| l.tax_category == r.tax_category).map(|l| l.line_total.0).sum::<i64>()
                    + if r.tax_category == TaxCategory::Standard { ship + fee } else { 0 };
                prop_assert_eq!(r.total.0, expected);
                prop_assert_eq!(r.tax, tax_included_in(r.total, r.rate_percent, mode));
            }
        }
    }
}
