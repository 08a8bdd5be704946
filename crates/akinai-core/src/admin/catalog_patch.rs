//! Partial changes to a product or a variant (the REST API's `PATCH`, issue 20): what the
//! caller leaves out keeps its stored value, and the change then goes through the back
//! office's own use cases ([`CatalogAdmin::edit_product`], [`CatalogAdmin::relabel_variant`],
//! [`CatalogAdmin::set_price`]), so the rules, the audit entries and the `product.updated`
//! events are the admin's. Every given field is checked before anything is written.

use akinai_domain::admin::ManageCatalog;
use akinai_domain::ids::{ProductId, SkuId};

use super::catalog::{ProductForm, MAX_PRICE};
use super::Authorized;
use crate::accounts::Client;
use crate::{CatalogAdmin, CoreError};

/// A product's fields to change; `None` keeps what is stored.
#[derive(Debug, Clone, Default)]
pub struct ProductPatch {
    pub category: Option<i64>,
    pub name: Option<String>,
    /// HTML, sanitised as in the back office.
    pub description: Option<String>,
    /// `standard` or `reduced`.
    pub tax_category: Option<String>,
    /// Published now (drops a schedule) or hidden.
    pub published: Option<bool>,
}

/// A variant's fields to change; `None` keeps what is stored.
#[derive(Debug, Clone, Default)]
pub struct VariantPatch {
    pub code: Option<String>,
    pub option_label: Option<String>,
    /// 棚番.
    pub location: Option<String>,
    /// Tax-inclusive price in yen.
    pub price: Option<i64>,
}

impl CatalogAdmin {
    /// Changes the given fields of a product. A publication schedule stays unless `published`
    /// is given.
    pub async fn patch_product(
        &self,
        by: &Authorized<ManageCatalog>,
        id: ProductId,
        patch: &ProductPatch,
        client: &Client,
    ) -> Result<(), CoreError> {
        let before = self
            .catalog_admin_store
            .admin_product(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let now = self.base.clock.now();
        let p = &before.product;
        let publish_at = match (patch.published, before.publish_at) {
            (None, Some(at)) if at > now => at
                .with_timezone(&crate::clock::jst())
                .format("%Y-%m-%dT%H:%M")
                .to_string(),
            _ => String::new(),
        };
        let form = ProductForm {
            category: patch.category.unwrap_or(p.category_id.0).to_string(),
            name: patch.name.clone().unwrap_or_else(|| p.name.clone()),
            description: patch
                .description
                .clone()
                .unwrap_or_else(|| p.description.as_str().to_string()),
            tax_category: patch
                .tax_category
                .clone()
                .unwrap_or_else(|| p.tax_category.as_str().to_string()),
            published: patch.published.unwrap_or(before.published),
            publish_at,
        };
        self.edit_product(by, id, &form, client).await
    }

    /// Changes the given fields of a variant: names first, then the price (a bad price is
    /// refused before the names are touched).
    pub async fn patch_variant(
        &self,
        by: &Authorized<ManageCatalog>,
        product: ProductId,
        sku: SkuId,
        patch: &VariantPatch,
        client: &Client,
    ) -> Result<(), CoreError> {
        if patch.price.is_some_and(|p| !(0..=MAX_PRICE).contains(&p)) {
            return Err(CoreError::InvalidForm(vec![("price", "error.invalid")]));
        }
        let before = self.sku_of(product, sku).await?;
        if patch.code.is_some() || patch.option_label.is_some() || patch.location.is_some() {
            let location = match &patch.location {
                Some(l) => l.clone(),
                None => self
                    .catalog_admin_store
                    .sku_locations(std::slice::from_ref(&before.code))
                    .await?
                    .pop()
                    .map(|(_, l)| l)
                    .unwrap_or_default(),
            };
            self.relabel_variant(
                by,
                product,
                sku,
                patch.code.as_deref().unwrap_or(&before.code),
                patch
                    .option_label
                    .as_deref()
                    .unwrap_or(&before.option_label),
                &location,
                client,
            )
            .await?;
        }
        match patch.price {
            Some(price) if price != before.price.0 => {
                self.set_price(by, product, sku, &price.to_string(), client)
                    .await
            }
            _ => Ok(()),
        }
    }
}
