//! Price rules in the back office (issue #23, items 1 and 7; ADR 047): the shop's customer
//! groups (`ManageCustomers`), a member's group, and each SKU's tiers, sale, quantities and group
//! prices (`ManageCatalog`). Every change is audited; the storefront prices with them through
//! `storefront::prices`.

use std::sync::Arc;

use serde_json::json;

use akinai_domain::admin::{ManageCatalog, ManageCustomers, ViewCustomers};
use akinai_domain::ids::{CustomerId, ProductId, SkuId};
use akinai_domain::price_rules::CustomerGroup;
use akinai_domain::price_rules::{GroupId, PriceRules};
use akinai_domain::price_rules_input::{GroupInput, RulesInput};
use akinai_domain::Yen;
use akinai_store::catalog_admin::CatalogAdminStore;
use akinai_store::price_rules::PriceRuleStore;

use crate::accounts::Client;
use crate::admin::Authorized;
use crate::audit::AuditContext;
use crate::{Audit, Base, CoreError};

/// The audit actions of price-rule changes.
pub const GROUP_SAVE: &str = "customer_group.save";
pub const CUSTOMER_GROUP: &str = "customer.group";
pub const SKU_PRICES: &str = "sku.price_rules";

/// A product's SKUs with their rules, for the admin price page.
pub struct ProductPrices {
    pub product: akinai_domain::catalog::Product,
    pub rules: Vec<(akinai_domain::catalog::Sku, PriceRules)>,
    pub groups: Vec<CustomerGroup>,
}

#[derive(Clone)]
pub struct Prices {
    pub(crate) base: Base,
    pub(crate) price_store: Arc<dyn PriceRuleStore>,
    pub(crate) catalog_admin_store: Arc<dyn CatalogAdminStore>,
    pub(crate) audit: Audit,
}

impl Prices {
    /// Every customer group, by name.
    pub async fn groups(&self) -> Result<Vec<CustomerGroup>, CoreError> {
        Ok(self.price_store.customer_groups().await?)
    }

    /// The group a customer belongs to.
    pub async fn group_of(
        &self,
        _by: &Authorized<ViewCustomers>,
        customer: CustomerId,
    ) -> Result<Option<CustomerGroup>, CoreError> {
        Ok(self.price_store.group_of(customer).await?)
    }

    /// Creates (`id` `None`) or changes a group; a taken name is refused in the owner's words.
    pub async fn save_group(
        &self,
        by: &Authorized<ManageCustomers>,
        client: &Client,
        id: Option<GroupId>,
        input: &GroupInput,
    ) -> Result<GroupId, CoreError> {
        self.save_group_as(&by.principal().audit_context(client), id, input)
            .await
    }

    /// [`Self::save_group`] for a caller already allowed (an API token with `products:write`,
    /// ADR 047 addendum), audited as `who`.
    pub(crate) async fn save_group_as(
        &self,
        who: &AuditContext,
        id: Option<GroupId>,
        input: &GroupInput,
    ) -> Result<GroupId, CoreError> {
        let group = input.parse().map_err(CoreError::InvalidFields)?;
        let saved = self
            .price_store
            .save_customer_group(id, &group, self.base.clock.now())
            .await?;
        let Some(saved) = saved else {
            if let Some(id) = id {
                if !self.groups().await?.iter().any(|g| g.id == id) {
                    return Err(CoreError::NotFound);
                }
            }
            return Err(CoreError::Refused(vec![(
                "name",
                format!("「{}」という名前のグループはすでにあります。", group.name),
            )]));
        };
        self.audit
            .record(
                who,
                GROUP_SAVE,
                &format!("customer_group:{}", saved.0),
                json!({
                    "created": id.is_none(),
                    "name": group.name,
                    "discount_percent": group.discount_percent,
                    "tax_exclusive": group.tax_exclusive,
                }),
            )
            .await?;
        Ok(saved)
    }

    /// Puts a customer into a group (`None`: out of any), audited with the group before.
    pub async fn set_customer_group(
        &self,
        by: &Authorized<ManageCustomers>,
        client: &Client,
        customer: CustomerId,
        group: Option<GroupId>,
    ) -> Result<(), CoreError> {
        if let Some(g) = group {
            if !self.groups().await?.iter().any(|x| x.id == g) {
                return Err(CoreError::NotFound);
            }
        }
        let before = self.price_store.group_of(customer).await?.map(|g| g.id.0);
        if !self.price_store.set_customer_group(customer, group).await? {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                &by.principal().audit_context(client),
                CUSTOMER_GROUP,
                &format!("customer:{}", customer.0),
                json!({ "before": before, "after": group.map(|g| g.0) }),
            )
            .await?;
        Ok(())
    }

    /// A product's SKUs with their rules and the groups to price for.
    pub async fn product_prices(
        &self,
        _by: &Authorized<ManageCatalog>,
        product: ProductId,
    ) -> Result<ProductPrices, CoreError> {
        let p = self
            .catalog_admin_store
            .admin_product(product)
            .await?
            .ok_or(CoreError::NotFound)?
            .product;
        let listed: Vec<(SkuId, Yen)> = p.skus.iter().map(|s| (s.id, s.price)).collect();
        let found = self.price_store.rules_at_list(&listed).await?;
        let rules = p
            .skus
            .iter()
            .cloned()
            .zip(found.into_iter().map(|(_, r)| r))
            .collect();
        Ok(ProductPrices {
            product: p,
            rules,
            groups: self.groups().await?,
        })
    }

    /// Replaces a SKU's rules with the form's, audited with the rules before and after; every
    /// refused field is reported at once and nothing is saved.
    pub async fn set_sku_rules(
        &self,
        by: &Authorized<ManageCatalog>,
        client: &Client,
        product: ProductId,
        sku: SkuId,
        input: &RulesInput,
    ) -> Result<(), CoreError> {
        self.set_product_rules(by, client, product, &[(sku, input.clone())])
            .await
            .map(|_| ())
    }

    /// Replaces the rules of several SKUs of a product (the API's `PUT …/price-rules`): every
    /// SKU must be the product's and every group known (else not found), and every SKU's input
    /// is checked before any is saved, so a refused field saves nothing. Each SKU's change is
    /// audited with its rules before and after. Every SKU of the product with its rules as they
    /// now stand (list price filled in), without reading them again.
    pub async fn set_product_rules(
        &self,
        by: &Authorized<ManageCatalog>,
        client: &Client,
        product: ProductId,
        inputs: &[(SkuId, RulesInput)],
    ) -> Result<Vec<(SkuId, PriceRules)>, CoreError> {
        let page = self.product_prices(by, product).await?;
        let known: Vec<GroupId> = page.groups.iter().map(|g| g.id).collect();
        let mut checked = Vec::with_capacity(inputs.len());
        for (sku, input) in inputs {
            let (_, before) = page
                .rules
                .iter()
                .find(|(s, _)| s.id == *sku)
                .ok_or(CoreError::NotFound)?;
            if input.group_prices.iter().any(|(g, _)| !known.contains(g)) {
                return Err(CoreError::NotFound);
            }
            let rules = input
                .parse(before.list_price)
                .map_err(CoreError::InvalidFields)?;
            checked.push((*sku, before, rules));
        }
        let mut saved = std::collections::HashMap::new();
        for (sku, before, rules) in checked {
            self.price_store.set_sku_price_rules(sku, &rules).await?;
            self.audit
                .record(
                    &by.principal().audit_context(client),
                    SKU_PRICES,
                    &format!("sku:{}", sku.0),
                    json!({ "before": before, "after": rules }),
                )
                .await?;
            saved.insert(sku, rules);
        }
        Ok(page
            .rules
            .iter()
            .map(|(s, r)| (s.id, saved.remove(&s.id).unwrap_or_else(|| r.clone())))
            .collect())
    }
}
