//! Prices beyond the list price (issue #23, item 1): quantity tiers, a sale with a period,
//! customer groups with their own price or a group discount, and the quantities a SKU is sold
//! in (a minimum and a case multiple). [`unit_price`] is the one function that says what a
//! buyer pays for a SKU at a quantity and a time; everything here is pure.
//!
//! **Precedence: the lowest applicable price wins.** The candidates are the list price, the
//! sale price while the sale runs, the tier price for the quantity, the buyer's group price, and
//! the list price less the group's discount; the buyer pays the lowest. This is the rule shops
//! and buyers expect (a contract price is never worse than the shop's own sale), and it makes
//! the engine monotone: buying more, joining a group or a sale starting never raises a price
//! (property-tested). Ties are reported by the first source in that order, so the screens can
//! say why a price applies. Prices are tax included, as every price in akinai (総額表示,
//! JP-TAX-1); a business buyer's screens may show them without tax beside it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Yen;

/// A customer group (一般, 法人, 卸 …), by its id in the shop's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GroupId(pub i64);

/// From this quantity on, this unit price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub min_quantity: u32,
    pub price: Yen,
}

/// A sale price for a period (`[from, until)`; open ends allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sale {
    pub price: Yen,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Sale {
    pub fn runs_at(&self, now: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| now >= f) && self.until.is_none_or(|u| now < u)
    }
}

/// Everything that decides one SKU's price and the quantities it is sold in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRules {
    pub list_price: Yen,
    /// Quantity tiers (any order; see [`tier_price`]).
    pub tiers: Vec<Tier>,
    pub sale: Option<Sale>,
    /// Prices for members of a group.
    pub group_prices: BTreeMap<GroupId, Yen>,
    /// Sold from this quantity on (0 and 1 mean any).
    pub min_quantity: u32,
    /// Sold in multiples of this (ケース単位; 0 and 1 mean any).
    pub multiple: u32,
}

/// Who buys: a guest or member without a group, or a member of a group with its discount.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buyer {
    pub group: Option<GroupId>,
    /// The group's discount off the list price, in percent (0–100).
    pub group_discount_percent: u32,
}

/// A customer group as the shop keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerGroup {
    pub id: GroupId,
    pub name: String,
    /// Off the list price for the group's members, in percent (0 for none).
    pub discount_percent: u32,
    /// Whether the group's members see prices without tax, the tax beside them (business
    /// buyers; consumers always see tax-included prices, JP-TAX-1).
    pub tax_exclusive: bool,
}

impl CustomerGroup {
    /// The buyer the price engine prices for a member of this group.
    pub fn buyer(&self) -> Buyer {
        Buyer {
            group: Some(self.id),
            group_discount_percent: self.discount_percent,
        }
    }
}

/// Why a price applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    List,
    Sale,
    Tier,
    Group,
    GroupDiscount,
    /// The price of a quote the cart was filled from (見積, ADR 049); never chosen by
    /// [`unit_price`].
    Quote,
}

/// A unit price and why it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitPrice {
    pub price: Yen,
    pub source: PriceSource,
}

/// Why a quantity cannot be bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityRefusal {
    #[error("sold from {0} on")]
    BelowMinimum(u32),
    #[error("sold in multiples of {0}")]
    NotAMultiple(u32),
}

/// Whether `quantity` may be bought under `rules`.
pub fn check_quantity(rules: &PriceRules, quantity: u32) -> Result<(), QuantityRefusal> {
    if rules.min_quantity > 1 && quantity < rules.min_quantity {
        return Err(QuantityRefusal::BelowMinimum(rules.min_quantity));
    }
    if rules.multiple > 1 && !quantity.is_multiple_of(rules.multiple) {
        return Err(QuantityRefusal::NotAMultiple(rules.multiple));
    }
    Ok(())
}

/// The tier price for `quantity`: the lowest price of the tiers reached. With tiers entered as
/// they should be (each higher minimum a lower price, see [`tiers_descend`]) that is the tier
/// with the highest minimum reached; with tiers entered otherwise, buying more still never costs
/// more per unit (the property tests found that taking the highest minimum would).
pub fn tier_price(tiers: &[Tier], quantity: u32) -> Option<Yen> {
    tiers
        .iter()
        .filter(|t| quantity >= t.min_quantity)
        .map(|t| t.price)
        .min()
}

/// Whether each higher minimum has a lower price (what the admin form asks for).
pub fn tiers_descend(tiers: &[Tier]) -> bool {
    let mut sorted = tiers.to_vec();
    sorted.sort_by_key(|t| t.min_quantity);
    sorted
        .windows(2)
        .all(|w| w[0].min_quantity < w[1].min_quantity && w[0].price > w[1].price)
}

/// The lowest of the SKUs' prices for one unit for `buyer` at `now` (a listing's 「¥…〜」), and
/// whether they differ; `None` for no SKUs.
pub fn lowest_unit_price(
    skus: &[PriceRules],
    buyer: &Buyer,
    now: DateTime<Utc>,
) -> Option<(Yen, bool)> {
    let prices: Vec<Yen> = skus
        .iter()
        .map(|r| unit_price(r, r.min_quantity.max(1), buyer, now).price)
        .collect();
    let lowest = prices.iter().min().copied()?;
    Some((lowest, prices.iter().any(|p| *p != lowest)))
}

/// What `buyer` pays per unit for `quantity` of the SKU at `now`: the lowest applicable price.
pub fn unit_price(
    rules: &PriceRules,
    quantity: u32,
    buyer: &Buyer,
    now: DateTime<Utc>,
) -> UnitPrice {
    let list = rules.list_price;
    let mut candidates = vec![(list, PriceSource::List)];
    if let Some(s) = rules.sale.filter(|s| s.runs_at(now)) {
        candidates.push((s.price, PriceSource::Sale));
    }
    if let Some(p) = tier_price(&rules.tiers, quantity) {
        candidates.push((p, PriceSource::Tier));
    }
    if let Some(g) = buyer.group {
        if let Some(p) = rules.group_prices.get(&g) {
            candidates.push((*p, PriceSource::Group));
        }
        if buyer.group_discount_percent > 0 {
            let off = i128::from(list.0) * i128::from(buyer.group_discount_percent.min(100)) / 100;
            candidates.push((Yen(list.0 - off as i64), PriceSource::GroupDiscount));
        }
    }
    // The first of the lowest: candidates are pushed in the order of `PriceSource`.
    let (price, source) = candidates
        .into_iter()
        .fold(None::<(Yen, PriceSource)>, |best, c| match best {
            Some(b) if b.0 <= c.0 => Some(b),
            _ => Some(c),
        })
        .unwrap_or((list, PriceSource::List));
    UnitPrice {
        price: Yen(price.0.max(0)),
        source,
    }
}

#[cfg(test)]
#[path = "price_rules_tests.rs"]
mod tests;
