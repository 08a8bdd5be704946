//! Coupons: the code a shopper types, the shop's rule for it, and the discount it gives.
//!
//! A code is compared folded (full-width to ASCII, 「ー」 to `-`, upper case), so ｗｅｌｃｏｍｅ５００
//! and WELCOME500 are one coupon. [`apply`] decides from the cart's lines, the coupon's use so
//! far and the time whether the coupon applies, and how much it takes off; [`allocate`] splits
//! that amount across the tax rates in proportion to the discounted items (国税庁: a discount
//! over goods of both rates is divided by their prices), so each rate's tax is then computed
//! once on the reduced total (JP-INV-2). Everything here is pure; the use counts come from the
//! store, which also enforces the limits again when the order is placed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CategoryId, ProductId};
use crate::pricing::PricedLine;
use crate::tax::TaxCategory;
use crate::Yen;

/// Shortest and longest code.
pub const CODE_LEN: std::ops::RangeInclusive<usize> = 3..=32;

/// A coupon code in its folded form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CouponCode(String);

impl CouponCode {
    /// Folds and checks a typed code: letters, digits, `-` and `_`, 3 to 32 of them.
    pub fn parse(raw: &str) -> Option<CouponCode> {
        let folded: String = raw.trim().chars().map(fold).collect();
        let ok = CODE_LEN.contains(&folded.chars().count())
            && folded
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_');
        ok.then_some(CouponCode(folded))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CouponCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Full-width ASCII to half-width, long-vowel marks and dashes to `-`, then upper case.
fn fold(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        'ー' | '―' | '‐' | '−' => '-',
        _ => c,
    };
    c.to_ascii_uppercase()
}

/// How much a coupon takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Off {
    /// Percent of the targeted items (1–100), rounded down to the yen.
    Percent(u32),
    /// A fixed amount, at most the targeted items' total.
    Amount(Yen),
}

/// The shop's rule for one coupon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponRule {
    pub off: Off,
    /// The cart's items must come to at least this (tax included); zero for none.
    pub min_purchase: Yen,
    /// Orders that may use it in all; `None` for no limit.
    pub max_uses: Option<u32>,
    /// Orders one shopper (by e-mail address) may use it for; `None` for no limit.
    pub per_customer: Option<u32>,
    /// Valid from this instant on.
    pub valid_from: Option<DateTime<Utc>>,
    /// Valid before this instant (exclusive).
    pub valid_until: Option<DateTime<Utc>>,
    /// Only for a shopper's first order.
    pub first_order_only: bool,
    /// The products it applies to; with `categories` both empty, every product.
    pub products: Vec<ProductId>,
    /// The categories (with their subcategories) whose products it applies to besides
    /// `products` (coupons made before categories read as none).
    #[serde(default)]
    pub categories: Vec<CategoryId>,
}

/// How far a coupon has been used, as far as the shopper at hand is concerned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Orders that used it, everyone's.
    pub used: u32,
    /// Orders of this shopper that used it.
    pub used_by_shopper: u32,
    /// Orders this shopper has placed before (any, with or without coupon).
    pub shopper_orders: u32,
}

/// Why a coupon does not apply; each has a message for the shopper (`coupon.<key>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no coupon has this code")]
    Unknown,
    #[error("the coupon has been stopped")]
    Disabled,
    #[error("the coupon is not valid yet")]
    NotYet,
    #[error("the coupon has expired")]
    Expired,
    #[error("the cart is below the coupon's minimum of {0}")]
    BelowMinimum(Yen),
    #[error("the coupon has been used up")]
    UsedUp,
    #[error("the shopper has used the coupon as often as allowed")]
    UsedByShopper,
    #[error("the coupon is for a first order only")]
    FirstOrderOnly,
    #[error("nothing in the cart is covered by the coupon")]
    NoTargetItems,
}

impl Refusal {
    /// The catalogue key of the shopper's message.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::Unknown => "coupon.unknown",
            Refusal::Disabled => "coupon.disabled",
            Refusal::NotYet => "coupon.not_yet",
            Refusal::Expired => "coupon.expired",
            Refusal::BelowMinimum(_) => "coupon.below_minimum",
            Refusal::UsedUp => "coupon.used_up",
            Refusal::UsedByShopper => "coupon.used_by_shopper",
            Refusal::FirstOrderOnly => "coupon.first_order_only",
            Refusal::NoTargetItems => "coupon.no_target_items",
        }
    }
}

/// A discount and its share of each tax rate (the shares add up to the total).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discount {
    pub total: Yen,
    pub per_rate: BTreeMap<TaxCategory, Yen>,
    /// The part of `total` that is points used (see `points::combine`); zero for a coupon's.
    #[serde(default)]
    pub points: Yen,
}

impl Discount {
    /// No discount.
    pub fn none() -> Discount {
        Discount::default()
    }

    /// This rate's share.
    pub fn of(&self, rate: TaxCategory) -> Yen {
        self.per_rate.get(&rate).copied().unwrap_or_default()
    }
}

/// The discount `rule` gives on `lines` at `now`, or why it does not apply, for a rule without
/// target categories (see [`apply_in`]).
pub fn apply(
    rule: &CouponRule,
    lines: &[PricedLine],
    usage: Usage,
    now: DateTime<Utc>,
) -> Result<Discount, Refusal> {
    apply_in(rule, lines, &BTreeSet::new(), usage, now)
}

/// The discount `rule` gives on `lines` at `now`, where `in_categories` are the lines' products
/// that lie in the rule's target categories (or their subcategories; the caller knows the
/// catalog), or why it does not apply.
pub fn apply_in(
    rule: &CouponRule,
    lines: &[PricedLine],
    in_categories: &BTreeSet<ProductId>,
    usage: Usage,
    now: DateTime<Utc>,
) -> Result<Discount, Refusal> {
    if rule.valid_from.is_some_and(|from| now < from) {
        return Err(Refusal::NotYet);
    }
    if rule.valid_until.is_some_and(|until| now >= until) {
        return Err(Refusal::Expired);
    }
    if rule.max_uses.is_some_and(|max| usage.used >= max) {
        return Err(Refusal::UsedUp);
    }
    if rule
        .per_customer
        .is_some_and(|max| usage.used_by_shopper >= max)
    {
        return Err(Refusal::UsedByShopper);
    }
    if rule.first_order_only && usage.shopper_orders > 0 {
        return Err(Refusal::FirstOrderOnly);
    }
    let items: i64 = lines.iter().map(|l| l.line_total.0).sum();
    if items < rule.min_purchase.0 {
        return Err(Refusal::BelowMinimum(rule.min_purchase));
    }
    let mut base: BTreeMap<TaxCategory, i64> = BTreeMap::new();
    let everything = rule.products.is_empty() && rule.categories.is_empty();
    for l in lines.iter().filter(|l| {
        everything || rule.products.contains(&l.product_id) || in_categories.contains(&l.product_id)
    }) {
        *base.entry(l.tax_category).or_default() += l.line_total.0;
    }
    let eligible: i64 = base.values().sum();
    if eligible <= 0 {
        return Err(Refusal::NoTargetItems);
    }
    let total = match rule.off {
        Off::Percent(p) => (i128::from(eligible) * i128::from(p.min(100)) / 100) as i64,
        Off::Amount(a) => a.0.clamp(0, eligible),
    };
    Ok(allocate(Yen(total), &base))
}

/// Splits `total` (at most the sum of `base`) across the rates in proportion to `base`: each
/// rate gets the floor of its exact share, and the yen left over go one each to the rates with
/// the largest remainders, the higher rate first on a tie. No share exceeds its base.
pub fn allocate(total: Yen, base: &BTreeMap<TaxCategory, i64>) -> Discount {
    let sum: i128 = base.values().map(|v| i128::from(*v)).sum();
    if sum <= 0 || total.0 <= 0 {
        return Discount::none();
    }
    let d = i128::from(total.0).min(sum);
    let mut shares: Vec<(TaxCategory, i128, i128)> = base
        .iter()
        .map(|(rate, v)| {
            let exact = d * i128::from(*v);
            (*rate, exact / sum, exact % sum)
        })
        .collect();
    let given: i128 = shares.iter().map(|s| s.1).sum();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    // Largest remainder first; the sort is stable and the map's order is standard, reduced,
    // non-taxable, so ties go to the higher rate.
    order.sort_by(|a, b| shares[*b].2.cmp(&shares[*a].2));
    for i in order.into_iter().take((d - given) as usize) {
        shares[i].1 += 1;
    }
    Discount {
        points: Yen::ZERO,
        total: Yen(d as i64),
        per_rate: shares
            .into_iter()
            .filter(|s| s.1 > 0)
            .map(|(rate, share, _)| (rate, Yen(share as i64)))
            .collect(),
    }
}

#[cfg(test)]
#[path = "coupon_tests.rs"]
pub(crate) mod tests;
