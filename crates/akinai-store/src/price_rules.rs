//! Storage side of price rules (issue #23, item 1; ADR 047): the shop's customer groups, which
//! group a member belongs to, and each SKU's sale, quantities, tiers and group prices. The price
//! itself is computed by `akinai_domain::price_rules::unit_price`; this only keeps its inputs.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::ids::{CustomerId, SkuId};
use akinai_domain::price_rules::CustomerGroup;
use akinai_domain::price_rules::{GroupId, PriceRules};
use akinai_domain::price_rules_input::NewGroup;
use akinai_domain::Yen;

use crate::StoreResult;

#[async_trait]
pub trait PriceRuleStore: Send + Sync {
    /// Every group, by name.
    async fn customer_groups(&self) -> StoreResult<Vec<CustomerGroup>>;
    /// Creates a group (`id` `None`) or changes one; `None` when another group has the name or
    /// the id is unknown.
    async fn save_customer_group(
        &self,
        id: Option<GroupId>,
        group: &NewGroup,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<GroupId>>;
    /// The group a customer belongs to, if any.
    async fn group_of(&self, customer: CustomerId) -> StoreResult<Option<CustomerGroup>>;
    /// Puts a customer into a group (which must exist) or out of any; false when the customer
    /// is unknown.
    async fn set_customer_group(
        &self,
        customer: CustomerId,
        group: Option<GroupId>,
    ) -> StoreResult<bool>;
    /// The rules of those of `skus` that have any, with `list_price` left 0 (the caller knows
    /// the SKU's price). Chunked, so a 5,000-line cart is a handful of indexed reads.
    async fn sku_price_rules(&self, skus: &[SkuId]) -> StoreResult<HashMap<SkuId, PriceRules>>;
    /// The SKUs of `products` with their list prices, by product then SKU.
    async fn product_skus(
        &self,
        products: &[akinai_domain::ids::ProductId],
    ) -> StoreResult<Vec<(akinai_domain::ids::ProductId, SkuId, Yen)>>;
    /// The rules of SKUs given with their list prices, in the order given, each with its list
    /// price filled in (a SKU without rules: its list price alone).
    async fn rules_at_list(&self, skus: &[(SkuId, Yen)]) -> StoreResult<Vec<(SkuId, PriceRules)>> {
        let ids: Vec<SkuId> = skus.iter().map(|s| s.0).collect();
        let mut found = self.sku_price_rules(&ids).await?;
        Ok(skus
            .iter()
            .map(|(id, list)| {
                let mut rules = found.remove(id).unwrap_or_default();
                rules.list_price = *list;
                (*id, rules)
            })
            .collect())
    }
    /// Replaces a SKU's rules (the list price is not touched) in one transaction.
    async fn set_sku_price_rules(&self, sku: SkuId, rules: &PriceRules) -> StoreResult<()>;
}
