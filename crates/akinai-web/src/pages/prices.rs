//! How prices beyond the list price read on the storefront (issue #23, item 1; ADR 047): why a
//! price applies (「セール価格」, 「まとめ買い価格」, 「法人価格」), why a quantity cannot be
//! ordered, and the tax-exclusive amounts business groups see beside the tax-included price
//! (consumers always see tax-included prices only, JP-TAX-1).

use akinai_core::storefront::prices::{LinePrice, Pricing};
use akinai_domain::price_rules::{PriceSource, QuantityRefusal};
use akinai_domain::tax::{tax_included_in, RoundingMode, TaxCategory};
use akinai_domain::Yen;

use crate::i18n::Tr;

/// The page's translations and the shopper's pricing, for the templates.
pub struct PriceText {
    pub t: Tr,
    pub pricing: Pricing,
}

impl PriceText {
    /// Why a price other than the list price applies; `None` at the list price.
    pub fn source(&self, p: &LinePrice) -> Option<String> {
        source_text(self.t, &self.pricing, p.source)
    }

    /// The shopper's words for a quantity the SKU is not sold in.
    pub fn refusal(&self, why: &QuantityRefusal) -> String {
        quantity_rule_text(self.t, *why)
    }

    /// 「税抜 ¥818」 for a business group's member, nothing for a consumer.
    pub fn excluding_tax(&self, price: &Yen, category: &TaxCategory) -> Option<String> {
        self.pricing.tax_exclusive().then(|| {
            let tax = tax_included_in(*price, category.rate_percent(), RoundingMode::Floor);
            self.t.fmt(
                "price.excluding_tax",
                &[("amount", &Yen(price.0 - tax.0).display())],
            )
        })
    }

    /// The group the shopper buys as, for 「法人価格でご案内しています」.
    pub fn group_name(&self) -> Option<&str> {
        self.pricing.group.as_ref().map(|g| g.name.as_str())
    }
}

/// Why a price applies, in the shopper's words; `None` for the list price.
pub fn source_text(t: Tr, pricing: &Pricing, source: PriceSource) -> Option<String> {
    let group = pricing.group.as_ref().map_or("", |g| g.name.as_str());
    match source {
        PriceSource::List => None,
        PriceSource::Sale => Some(t.get("price.source_sale").to_string()),
        PriceSource::Tier => Some(t.get("price.source_tier").to_string()),
        PriceSource::Quote => Some(t.get("price.source_quote").to_string()),
        PriceSource::Group | PriceSource::GroupDiscount => {
            Some(t.fmt("price.source_group", &[("group", group)]))
        }
    }
}

/// The shopper's words for a quantity the SKU is not sold in.
pub fn quantity_rule_text(t: Tr, why: QuantityRefusal) -> String {
    match why {
        QuantityRefusal::BelowMinimum(n) => {
            t.fmt("error.quantity_below_minimum", &[("n", &n.to_string())])
        }
        QuantityRefusal::NotAMultiple(n) => t.fmt(
            "error.quantity_not_a_multiple",
            &[("n", &n.to_string()), ("n2", &(n * 2).to_string())],
        ),
    }
}

/// One SKU's price on the product page, for the shopper who sees it.
pub struct SkuPrice {
    /// What one unit costs this shopper now.
    pub unit: Yen,
    /// The list price, shown struck through when `unit` is lower.
    pub list: Yen,
    /// Why `unit` applies (sale, group price).
    pub source: Option<String>,
    /// 「10個以上 ¥900」… for the quantity tiers.
    pub tiers: Vec<String>,
    /// 「12月31日まで」 for a running sale that ends.
    pub sale_until: Option<String>,
    /// 「6個単位でご注文いただけます」…
    pub quantities: Option<String>,
    /// The tax-exclusive unit price for a business group's member.
    pub excluding_tax: Option<String>,
}

impl PriceText {
    /// How `sku` reads on the product page for this shopper.
    pub fn sku_price(
        &self,
        sku: &akinai_domain::catalog::Sku,
        category: TaxCategory,
        rules: Option<&akinai_domain::price_rules::PriceRules>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> SkuPrice {
        let none = akinai_domain::price_rules::PriceRules {
            list_price: sku.price,
            ..Default::default()
        };
        let rules = rules.unwrap_or(&none);
        let buyer = self.pricing.buyer();
        let first = rules.min_quantity.max(rules.multiple).max(1);
        let unit = akinai_domain::price_rules::unit_price(rules, first, &buyer, at);
        let tiers = rules
            .tiers
            .iter()
            .map(|tier| {
                self.t.fmt(
                    "price.tier",
                    &[
                        ("n", &tier.min_quantity.to_string()),
                        ("amount", &tier.price.display()),
                    ],
                )
            })
            .collect();
        let sale_until = rules
            .sale
            .filter(|s| s.runs_at(at) && unit.source == PriceSource::Sale)
            .and_then(|s| s.until)
            .map(|u| {
                let last = (u - chrono::Duration::hours(15)).date_naive();
                self.t.fmt(
                    "price.sale_until",
                    &[("date", &last.format("%-m/%-d").to_string())],
                )
            });
        let quantities = match (rules.min_quantity > 1, rules.multiple > 1) {
            (_, true) => Some(quantity_rule_text(
                self.t,
                QuantityRefusal::NotAMultiple(rules.multiple),
            )),
            (true, false) => Some(quantity_rule_text(
                self.t,
                QuantityRefusal::BelowMinimum(rules.min_quantity),
            )),
            (false, false) => None,
        };
        SkuPrice {
            unit: unit.price,
            list: sku.price,
            source: source_text(self.t, &self.pricing, unit.source),
            tiers,
            sale_until,
            quantities,
            excluding_tax: self.excluding_tax(&unit.price, &category),
        }
    }
}
