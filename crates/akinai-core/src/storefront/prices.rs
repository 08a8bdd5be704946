//! Prices beyond the list price on the storefront (issue #23, item 1; ADR 047): who the shopper
//! is for the price engine, the cart's lines priced by `akinai_domain::price_rules::unit_price`,
//! and the quantity rules (minimum, case multiple) checked where quantities are chosen.

use std::collections::HashMap;

use akinai_domain::catalog::{Quantity, SkuForSale};
use akinai_domain::ids::SkuId;
use akinai_domain::price_rules::CustomerGroup;
use akinai_domain::price_rules::{self, Buyer, PriceRules, PriceSource, QuantityRefusal};
use akinai_domain::pricing::PricedLine;
use akinai_domain::Yen;

use crate::accounts::Member;
use crate::{CoreError, Storefront};

/// Whom prices are computed for: a consumer (guest or member without a group) or a member of a
/// customer group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pricing {
    pub group: Option<CustomerGroup>,
}

impl Pricing {
    /// A guest or a member without a group.
    pub fn consumer() -> Pricing {
        Pricing::default()
    }

    pub fn buyer(&self) -> Buyer {
        self.group
            .as_ref()
            .map(CustomerGroup::buyer)
            .unwrap_or_default()
    }

    /// Whether pages show this buyer prices without tax, the tax beside them (business groups).
    pub fn tax_exclusive(&self) -> bool {
        self.group.as_ref().is_some_and(|g| g.tax_exclusive)
    }
}

/// One SKU's price for a buyer at a quantity, with why it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinePrice {
    pub unit: Yen,
    pub list: Yen,
    pub source: PriceSource,
    /// Why this quantity cannot be bought, if it cannot.
    pub refusal: Option<QuantityRefusal>,
}

impl Storefront {
    /// The pricing of a signed-in member (their group) or of a consumer.
    pub async fn pricing(&self, member: Option<&Member>) -> Result<Pricing, CoreError> {
        let Some(m) = member else {
            return Ok(Pricing::consumer());
        };
        Ok(Pricing {
            group: self.price_store.group_of(m.customer.id).await?,
        })
    }

    /// A listing's prices as a customer group's member pays them: each product's lowest price
    /// for its smallest order under the engine (group price or discount, sale, tiers). A
    /// consumer's listing is left as it is: list prices, from the shared page cache.
    pub async fn price_listing(
        &self,
        products: &mut [akinai_domain::catalog::ProductSummary],
        pricing: &Pricing,
    ) -> Result<(), CoreError> {
        if pricing.group.is_none() || products.is_empty() {
            return Ok(());
        }
        let ids: Vec<_> = products.iter().map(|p| p.id).collect();
        let skus = self.price_store.product_skus(&ids).await?;
        let listed: Vec<(SkuId, Yen)> = skus.iter().map(|(_, s, p)| (*s, *p)).collect();
        let mut by_product: HashMap<_, Vec<PriceRules>> = HashMap::new();
        for ((product, _, _), (_, rules)) in skus
            .iter()
            .zip(self.price_store.rules_at_list(&listed).await?)
        {
            by_product.entry(*product).or_default().push(rules);
        }
        let (buyer, now) = (pricing.buyer(), self.base.clock.now());
        for p in products.iter_mut() {
            let rules = by_product.get(&p.id).map(Vec::as_slice).unwrap_or_default();
            if let Some((lowest, varies)) = price_rules::lowest_unit_price(rules, &buyer, now) {
                p.price_from = lowest;
                p.price_varies = varies;
            }
        }
        Ok(())
    }

    /// The rules of SKUs given with their list prices (filled in), read in chunks.
    pub(crate) async fn rules_of(
        &self,
        skus: &[(SkuId, Yen)],
    ) -> Result<HashMap<SkuId, PriceRules>, CoreError> {
        Ok(self
            .price_store
            .rules_at_list(skus)
            .await?
            .into_iter()
            .collect())
    }

    /// The rules of one SKU (adding to the cart).
    async fn rules_of_sku(&self, sku: &SkuForSale) -> Result<PriceRules, CoreError> {
        Ok(self
            .rules_of(&[(sku.sku_id, sku.price)])
            .await?
            .remove(&sku.sku_id)
            .unwrap_or_default())
    }

    /// Refuses `quantity` of `sku` when its rules do not sell that many.
    pub(crate) async fn check_quantity(
        &self,
        sku: &SkuForSale,
        quantity: Quantity,
    ) -> Result<(), CoreError> {
        let rules = self.rules_of_sku(sku).await?;
        price_rules::check_quantity(&rules, quantity.get()).map_err(|why| CoreError::QuantityRule {
            sku: sku.sku_id,
            why,
        })
    }
}

/// `sku` at `quantity` for `buyer` now, under `rules`.
pub(crate) fn price_line(
    sku: &SkuForSale,
    quantity: Quantity,
    rules: Option<&PriceRules>,
    buyer: &Buyer,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(PricedLine, LinePrice), CoreError> {
    let fallback;
    let rules = match rules {
        Some(r) => r,
        None => {
            fallback = PriceRules {
                list_price: sku.price,
                ..PriceRules::default()
            };
            &fallback
        }
    };
    let unit = price_rules::unit_price(rules, quantity.get(), buyer, now);
    let line = PricedLine::at(sku, quantity, unit.price)
        .map_err(akinai_domain::checkout::QuoteError::from)?;
    Ok((
        line,
        LinePrice {
            unit: unit.price,
            list: sku.price,
            source: unit.source,
            refusal: price_rules::check_quantity(rules, quantity.get()).err(),
        },
    ))
}
