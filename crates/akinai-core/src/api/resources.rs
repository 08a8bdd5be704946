//! What the REST API reads (issue 20, item 1): products with their variants and categories
//! (`products:read`), orders (`orders:read`, through the order desk's own use case and capability
//! proof) and customers (`customers:read`, through the customer desk's). Pages are keyset pages
//! of at most [`MAX_LIMIT`] rows. Personal data reaches a token only with `customers:read`, and
//! every read of it is audited with the token as the actor (IPA-C-8): a customer or an order
//! read one at a time as the back office records it, a list page as one entry naming the rows.

use std::sync::Arc;

use serde_json::json;

use akinai_domain::admin::{ViewCustomers, ViewOrders, ViewPersonalData};
use akinai_domain::api::Scope;
use akinai_domain::catalog::Category;
use akinai_domain::ids::{CustomerId, OrderId, ProductId, SkuId};
use akinai_domain::Yen;
use akinai_store::catalog_admin::{AdminProduct, CatalogAdminStore};
use akinai_store::CatalogStore;

use super::ApiCaller;
use crate::accounts::Client;
use crate::admin::{
    CustomerDetail, CustomerPage, Customers, OrderCursor, OrderDesk, OrderDetail, OrderFilter,
    OrderPage,
};
use crate::{Audit, CoreError};

/// Most rows an API list returns at once.
pub const MAX_LIMIT: u32 = 250;
/// Rows when the caller names no `limit`.
pub const DEFAULT_LIMIT: u32 = 50;

/// A page of products, and where the next one starts.
#[derive(Debug, Clone)]
pub struct ProductPage {
    pub products: Vec<AdminProduct>,
    pub next: Option<ProductId>,
}

impl ApiCaller {
    /// Refuses (`Forbidden` naming the scope) unless this token has `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), CoreError> {
        if self.scopes.allows(scope) {
            Ok(())
        } else {
            Err(CoreError::Forbidden(scope.as_str()))
        }
    }
}

/// The API's resources, over the same stores and use cases as the back office.
#[derive(Clone)]
pub struct ApiResources {
    pub(crate) catalog_admin_store: Arc<dyn CatalogAdminStore>,
    pub(crate) catalog_store: Arc<dyn CatalogStore>,
    pub(crate) order_desk: OrderDesk,
    pub(crate) customers: Customers,
    pub(crate) audit: Audit,
    pub(crate) inventory_store: Arc<dyn akinai_store::inventory::InventoryStore>,
    pub(crate) price_store: Arc<dyn akinai_store::price_rules::PriceRuleStore>,
    pub(crate) coupon_store: Arc<dyn akinai_store::coupons::CouponStore>,
    pub(crate) prices: crate::Prices,
    pub(crate) base: crate::Base,
}

impl ApiResources {
    /// Products by id after `after` (published or not), with their variants.
    pub async fn products(
        &self,
        caller: &ApiCaller,
        after: Option<ProductId>,
        limit: u32,
    ) -> Result<ProductPage, CoreError> {
        caller.require(Scope::ProductsRead)?;
        let limit = limit.clamp(1, MAX_LIMIT);
        let mut products = self.inventory_store.product_page(after, limit + 1).await?;
        let more = products.len() > limit as usize;
        products.truncate(limit as usize);
        let next = if more {
            products.last().map(|p| p.product.id)
        } else {
            None
        };
        Ok(ProductPage { products, next })
    }

    /// One product with its variants.
    pub async fn product(
        &self,
        caller: &ApiCaller,
        id: ProductId,
    ) -> Result<AdminProduct, CoreError> {
        caller.require(Scope::ProductsRead)?;
        self.catalog_admin_store
            .admin_product(id)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// Every category.
    pub async fn categories(&self, caller: &ApiCaller) -> Result<Vec<Category>, CoreError> {
        caller.require(Scope::ProductsRead)?;
        Ok(self.catalog_store.categories().await?)
    }

    /// The shop's customer groups (issue #23, item 7).
    pub async fn customer_groups(
        &self,
        caller: &ApiCaller,
    ) -> Result<Vec<akinai_domain::price_rules::CustomerGroup>, CoreError> {
        caller.require(Scope::ProductsRead)?;
        Ok(self.price_store.customer_groups().await?)
    }

    /// Creates (`id` `None`) or changes a customer group (`products:write`: a group's discount
    /// and tax display are pricing; putting members into groups stays in the back office, and no
    /// token is ever given `manage_customers` — ADR 047 addendum). Audited with the token as
    /// the actor; the group as saved.
    pub async fn save_customer_group(
        &self,
        caller: &ApiCaller,
        client: &Client,
        id: Option<akinai_domain::price_rules::GroupId>,
        input: &akinai_domain::price_rules_input::GroupInput,
    ) -> Result<akinai_domain::price_rules::CustomerGroup, CoreError> {
        caller.require(Scope::ProductsWrite)?;
        let who = crate::admin::Principal::Token(caller.clone()).audit_context(client);
        let saved = self.prices.save_group_as(&who, id, input).await?;
        self.price_store
            .customer_groups()
            .await?
            .into_iter()
            .find(|g| g.id == saved)
            .ok_or(CoreError::NotFound)
    }

    /// Each variant of a product with its price rules (list price filled in; ADR 047).
    pub async fn price_rules(
        &self,
        caller: &ApiCaller,
        id: ProductId,
    ) -> Result<Vec<(SkuId, akinai_domain::price_rules::PriceRules)>, CoreError> {
        caller.require(Scope::ProductsRead)?;
        let product = self
            .catalog_admin_store
            .admin_product(id)
            .await?
            .ok_or(CoreError::NotFound)?
            .product;
        let listed: Vec<(SkuId, Yen)> = product.skus.iter().map(|s| (s.id, s.price)).collect();
        Ok(self.price_store.rules_at_list(&listed).await?)
    }

    /// The shop's coupons, newest first (at most 500).
    pub async fn coupons(
        &self,
        caller: &ApiCaller,
    ) -> Result<Vec<akinai_store::coupons::Coupon>, CoreError> {
        caller.require(Scope::ProductsRead)?;
        Ok(self.coupon_store.coupons(500).await?)
    }

    /// A page of orders, newest first; recipients unmasked (and the page audited) only with
    /// `customers:read`.
    pub async fn orders(
        &self,
        caller: &ApiCaller,
        filter: &OrderFilter,
        after: Option<&OrderCursor>,
        limit: u32,
        client: &Client,
    ) -> Result<OrderPage, CoreError> {
        let by = caller.authorize::<ViewOrders>()?;
        let page = self
            .order_desk
            .orders_page(&by, filter, after, limit.clamp(1, MAX_LIMIT))
            .await?;
        if by.principal().holds::<ViewPersonalData>() && !page.rows.is_empty() {
            let ids: Vec<i64> = page.rows.iter().map(|r| r.row.id.0).collect();
            self.audited_list(caller, client, "orders", &ids).await?;
        }
        Ok(page)
    }

    /// One order with its lines, payment and history (an unmasked read audited).
    pub async fn order(
        &self,
        caller: &ApiCaller,
        id: OrderId,
        client: &Client,
    ) -> Result<OrderDetail, CoreError> {
        let by = caller.authorize::<ViewOrders>()?;
        self.order_desk.admin_order(&by, id, client).await
    }

    /// A page of customers, newest first; the page is audited.
    pub async fn customers(
        &self,
        caller: &ApiCaller,
        before: Option<CustomerId>,
        limit: u32,
        client: &Client,
    ) -> Result<CustomerPage, CoreError> {
        let by = caller.authorize::<ViewCustomers>()?;
        let page = self
            .customers
            .customers_page(&by, "", false, before, limit.clamp(1, MAX_LIMIT))
            .await?;
        if !page.rows.is_empty() {
            let ids: Vec<i64> = page.rows.iter().map(|r| r.customer.id.0).collect();
            self.audited_list(caller, client, "customers", &ids).await?;
        }
        Ok(page)
    }

    /// One customer with their recent orders (audited).
    pub async fn customer(
        &self,
        caller: &ApiCaller,
        id: CustomerId,
        client: &Client,
    ) -> Result<CustomerDetail, CoreError> {
        let by = caller.authorize::<ViewCustomers>()?;
        self.customers.admin_customer(&by, id, client).await
    }

    async fn audited_list(
        &self,
        caller: &ApiCaller,
        client: &Client,
        target: &str,
        ids: &[i64],
    ) -> Result<(), CoreError> {
        self.audit
            .record(
                &caller.audit_context(client.ip),
                "personal_data.viewed",
                target,
                json!({ "ids": ids, "via": "api" }),
            )
            .await?;
        Ok(())
    }
}
