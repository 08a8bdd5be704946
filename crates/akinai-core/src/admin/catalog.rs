//! Catalog management (admin issue, item 5): the product list, product edits (rich text through
//! the sanitiser), prices, stock adjustments **by delta** (a purchase between loading the form
//! and saving it is never overwritten), publishing, and product images through the upload
//! pipeline of [`crate::images`] (malware scan when configured, content sniffing, pixel limits,
//! re-encoding; CCSG-V-2, CCSG-V-4). Every change is audited with what it changed (IPA-C-12).

use crate::Alerts;
use crate::Audit;
use crate::Base;
use akinai_store::catalog_admin::CatalogAdminStore;
use akinai_store::CatalogStore;
use serde_json::{json, Value};
use std::sync::Arc;

use akinai_domain::admin::ManageCatalog;
use akinai_domain::catalog::{parse_whole as whole_number, Category};
use akinai_domain::ids::{CategoryId, ImageName, ProductId, SkuId};
use akinai_domain::rich_text::SafeHtml;
use akinai_domain::tax::TaxCategory;
use akinai_domain::Yen;
use akinai_store::catalog_admin::{AdminProduct, AdminProductRow, ProductEdit, ProductImage};

use super::Authorized;
use crate::accounts::Client;
use crate::CoreError;

/// Products per page of the admin list.
pub const PRODUCTS_PER_PAGE: u32 = 50;
/// Largest stock adjustment in one step, either way.
pub const MAX_STOCK_DELTA: i64 = 100_000;
/// Highest price (tax included).
pub const MAX_PRICE: i64 = 10_000_000;
/// Longest description, in characters of sanitised HTML.
const MAX_DESCRIPTION: usize = 20_000;

/// A product edit as typed in the form.
#[derive(Debug, Clone, Default)]
pub struct ProductForm {
    pub category: String,
    pub name: String,
    pub description: String,
    pub tax_category: String,
    pub published: bool,
    /// 公開予定: `YYYY-MM-DDTHH:MM` in Japan time (a browser's `datetime-local`), or empty.
    pub publish_at: String,
}

/// A product with what its edit page shows.
#[derive(Debug, Clone)]
pub struct ProductPage {
    pub product: AdminProduct,
    pub images: Vec<ProductImage>,
    pub categories: Vec<Category>,
    /// The 棚番 of its variants that have one: (code, location).
    pub locations: Vec<(String, String)>,
}

impl ProductForm {
    pub(super) fn parse(&self, categories: &[Category]) -> Result<ProductEdit, CoreError> {
        let mut errors = Vec::new();
        let name = akinai_domain::address::parse_text(&self.name, 100)
            .map_err(|e| errors.push(("name", e.message_key())))
            .ok();
        let category = self
            .category
            .trim()
            .parse::<i64>()
            .ok()
            .map(CategoryId)
            .filter(|c| categories.iter().any(|k| k.id == *c));
        if category.is_none() {
            errors.push(("category", "error.invalid"));
        }
        let tax = TaxCategory::parse(self.tax_category.trim());
        if tax.is_none() {
            errors.push(("tax_category", "error.invalid"));
        }
        let description = SafeHtml::sanitize(&self.description);
        // As typed or as sanitised, whichever is shorter (escaping `<` lengthens it).
        if description.as_str().chars().count() > MAX_DESCRIPTION
            && self.description.chars().count() > MAX_DESCRIPTION
        {
            errors.push(("description", "error.too_long"));
        }
        match (name, category, tax) {
            (Some(name), Some(category_id), Some(tax_category)) if errors.is_empty() => {
                Ok(ProductEdit {
                    category_id,
                    name,
                    description,
                    tax_category,
                    published: self.published,
                })
            }
            _ => Err(CoreError::InvalidForm(errors)),
        }
    }
}

/// What to do with one of a product's images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageChange {
    Remove,
    MakeFirst,
}

/// Catalog management in the back office: products, variants, prices, stock, images,
/// categories and scheduled publishing.
#[derive(Clone)]
pub struct CatalogAdmin {
    pub(crate) base: Base,
    pub(crate) catalog_admin_store: Arc<dyn CatalogAdminStore>,
    pub(crate) catalog_store: Arc<dyn CatalogStore>,
    pub(crate) alerts: Alerts,
    pub(crate) audit: Audit,
}

impl CatalogAdmin {
    /// Products by id after `after`, published or not.
    pub async fn admin_products(
        &self,
        _by: &Authorized<ManageCatalog>,
        after: Option<ProductId>,
    ) -> Result<Vec<AdminProductRow>, CoreError> {
        Ok(self
            .catalog_admin_store
            .admin_products(after, PRODUCTS_PER_PAGE)
            .await?)
    }

    /// Publishes or unpublishes up to 100 products at once.
    pub async fn bulk_publish(
        &self,
        by: &Authorized<ManageCatalog>,
        ids: &[ProductId],
        publish: bool,
        client: &Client,
    ) -> Result<u64, CoreError> {
        let s = by.principal();
        if ids.is_empty() || ids.len() > 100 {
            return Err(CoreError::InvalidForm(vec![("ids", "error.invalid")]));
        }
        let changed = self
            .catalog_admin_store
            .set_published(ids, publish, self.base.clock.now())
            .await?;
        let ids: Vec<i64> = ids.iter().map(|p| p.0).collect();
        self.audit
            .record(
                &s.audit_context(client),
                "product.bulk_publish",
                "products",
                json!({ "ids": ids, "published": publish, "changed": changed }),
            )
            .await?;
        Ok(changed)
    }

    /// Publishes the products whose scheduled time has come (the worker, every minute).
    pub async fn publish_due_products(&self) -> Result<u64, CoreError> {
        let n = self
            .catalog_admin_store
            .publish_due(self.base.clock.now())
            .await?;
        if n > 0 {
            self.audit
                .record(
                    &crate::audit::AuditContext::system("scheduler"),
                    "product.scheduled_publish",
                    "products",
                    json!({ "published": n }),
                )
                .await?;
        }
        Ok(n)
    }

    /// The categories, for the catalog pages.
    pub async fn admin_categories(
        &self,
        _by: &Authorized<ManageCatalog>,
    ) -> Result<Vec<Category>, CoreError> {
        Ok(self.catalog_store.categories().await?)
    }

    /// A product with its images and the categories to choose from.
    pub async fn admin_product_page(
        &self,
        _by: &Authorized<ManageCatalog>,
        id: ProductId,
    ) -> Result<ProductPage, CoreError> {
        let product = self
            .catalog_admin_store
            .admin_product(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let codes: Vec<String> = product
            .product
            .skus
            .iter()
            .map(|s| s.code.clone())
            .collect();
        Ok(ProductPage {
            locations: self.catalog_admin_store.sku_locations(&codes).await?,
            product,
            images: self.catalog_admin_store.product_images(id).await?,
            categories: self.catalog_store.categories().await?,
        })
    }

    /// Saves a product's fields; the audit entry holds the changed fields before and after.
    pub async fn edit_product(
        &self,
        by: &Authorized<ManageCatalog>,
        id: ProductId,
        form: &ProductForm,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.principal();
        let before = self
            .catalog_admin_store
            .admin_product(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let categories = self.catalog_store.categories().await?;
        let mut edit = form.parse(&categories)?;
        let publish_at = match form.publish_at.trim() {
            "" => None,
            t => Some(
                crate::clock::jst_local(t)
                    .filter(|t| *t > self.base.clock.now())
                    .ok_or(CoreError::InvalidForm(vec![(
                        "publish_at",
                        "error.invalid",
                    )]))?,
            ),
        };
        if publish_at.is_some() {
            // Scheduled: hidden until the worker publishes it.
            edit.published = false;
        }
        if !self
            .catalog_admin_store
            .update_product(id, &edit, self.base.clock.now())
            .await?
        {
            return Err(CoreError::NotFound);
        }
        self.catalog_admin_store
            .schedule_publish(id, publish_at)
            .await?;
        let p = &before.product;
        let pairs: [(&str, Value, Value); 6] = [
            ("name", json!(p.name), json!(edit.name)),
            (
                "category",
                json!(p.category_id.0),
                json!(edit.category_id.0),
            ),
            (
                "tax_category",
                json!(p.tax_category.as_str()),
                json!(edit.tax_category.as_str()),
            ),
            ("published", json!(before.published), json!(edit.published)),
            (
                "publish_at",
                json!(before.publish_at.map(|t| t.to_rfc3339())),
                json!(publish_at.map(|t| t.to_rfc3339())),
            ),
            (
                "description",
                json!(p.description.as_str()),
                json!(edit.description.as_str()),
            ),
        ];
        let (mut old, mut new) = (json!({}), json!({}));
        for (k, b, a) in pairs.into_iter().filter(|(_, b, a)| b != a) {
            old[k] = b;
            new[k] = a;
        }
        self.audit
            .record(
                &s.audit_context(client),
                "product.update",
                &format!("product:{}", id.0),
                json!({ "before": old, "after": new }),
            )
            .await?;
        Ok(())
    }

    /// Adds `delta` (as typed, e.g. `+20` or `-3`) to a SKU's stock; returns the new stock.
    pub async fn adjust_stock(
        &self,
        by: &Authorized<ManageCatalog>,
        product: ProductId,
        sku: SkuId,
        delta: &str,
        client: &Client,
    ) -> Result<i64, CoreError> {
        let s = by.principal();
        let delta = whole_number(delta, -MAX_STOCK_DELTA..=MAX_STOCK_DELTA)
            .filter(|d| *d != 0)
            .ok_or(CoreError::InvalidForm(vec![("delta", "error.invalid")]))?;
        self.sku_of(product, sku).await?;
        let after = self
            .catalog_admin_store
            .adjust_stock(sku, delta, self.base.clock.now())
            .await?
            .ok_or(CoreError::InvalidForm(vec![(
                "delta",
                "admin.stock_negative",
            )]))?;
        self.audit
            .record(
                &s.audit_context(client),
                "stock.adjust",
                &format!("sku:{}", sku.0),
                json!({ "product": product.0, "delta": delta, "after": after }),
            )
            .await?;
        Ok(after)
    }

    /// Sets a SKU's tax-inclusive price (as typed, `1,980` or `１９８０`).
    pub async fn set_price(
        &self,
        by: &Authorized<ManageCatalog>,
        product: ProductId,
        sku: SkuId,
        price: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.principal();
        let price = whole_number(price, 0..=MAX_PRICE)
            .map(Yen)
            .ok_or(CoreError::InvalidForm(vec![("price", "error.invalid")]))?;
        let before = self.sku_of(product, sku).await?.price;
        if !self
            .catalog_admin_store
            .set_sku_price(product, sku, price, self.base.clock.now())
            .await?
        {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                &s.audit_context(client),
                "price.update",
                &format!("sku:{}", sku.0),
                json!({ "before": { "price": before.0 }, "after": { "price": price.0 } }),
            )
            .await?;
        Ok(())
    }

    pub(super) async fn sku_of(
        &self,
        product: ProductId,
        sku: SkuId,
    ) -> Result<akinai_domain::catalog::Sku, CoreError> {
        self.catalog_admin_store
            .admin_product(product)
            .await?
            .and_then(|p| p.product.skus.into_iter().find(|k| k.id == sku))
            .ok_or(CoreError::NotFound)
    }

    /// Takes an uploaded file as a product image: scanned for malware (when configured), judged
    /// by its bytes, re-encoded, stored under a random name. Returns the name.
    pub async fn upload_product_image(
        &self,
        by: &Authorized<ManageCatalog>,
        product: ProductId,
        upload: Vec<u8>,
        client: &Client,
    ) -> Result<ImageName, CoreError> {
        let s = by.principal();
        if self
            .catalog_admin_store
            .admin_product(product)
            .await?
            .is_none()
        {
            return Err(CoreError::NotFound);
        }
        let size = upload.len();
        self.check_upload(&upload, "product image", Some(client.ip))
            .await?;
        let cleaned = tokio::task::spawn_blocking(move || crate::images::clean(&upload))
            .await
            .map_err(|_| CoreError::Busy)?;
        let cleaned = match cleaned {
            Ok(c) => c,
            Err(why) => {
                self.audit
                    .record(
                        &s.audit_context(client),
                        "product.image_rejected",
                        &format!("product:{}", product.0),
                        json!({ "reason": why.to_string(), "bytes": size }),
                    )
                    .await?;
                return Err(why.into());
            }
        };
        let (width, height) = (cleaned.width, cleaned.height);
        let image = cleaned.into_new(product, self.base.clock.now(), None);
        let name = image.name.clone();
        let stored = self.catalog_admin_store.add_product_image(&image).await?;
        if !stored {
            return Err(CoreError::InvalidForm(vec![(
                "image",
                "admin.too_many_images",
            )]));
        }
        self.audit
            .record(
                &s.audit_context(client),
                "product.image_added",
                &format!("product:{}", product.0),
                json!({ "image": name, "uploaded_bytes": size, "width": width, "height": height }),
            )
            .await?;
        Ok(name)
    }

    /// Removes an image or makes it the product's first (the one the storefront leads with).
    pub async fn change_product_image(
        &self,
        by: &Authorized<ManageCatalog>,
        product: ProductId,
        name: &ImageName,
        change: ImageChange,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.principal();
        let (done, action) = match change {
            ImageChange::Remove => (
                self.catalog_admin_store
                    .delete_product_image(product, name, self.base.clock.now())
                    .await?,
                "product.image_removed",
            ),
            ImageChange::MakeFirst => (
                self.catalog_admin_store
                    .make_image_first(product, name, self.base.clock.now())
                    .await?,
                "product.image_first",
            ),
        };
        if !done {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                &s.audit_context(client),
                action,
                &format!("product:{}", product.0),
                json!({ "image": name }),
            )
            .await?;
        Ok(())
    }

    /// A stored image for the storefront: its content type and bytes. Names that are not of
    /// the form the pipeline makes are not looked up.
    pub async fn product_image(&self, name: &str) -> Result<(String, Vec<u8>), CoreError> {
        if let Some((image, width)) = ImageName::parse_sized(name) {
            return self.product_image_sized(&image, width).await;
        }
        let name = ImageName::parse(name).ok_or(CoreError::NotFound)?;
        self.catalog_admin_store
            .image_bytes(&name)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// An image at one of the `srcset` widths: kept from the first time it was asked for, made
    /// then from the original (off the async threads); the original when it is no wider.
    async fn product_image_sized(
        &self,
        name: &ImageName,
        width: u32,
    ) -> Result<(String, Vec<u8>), CoreError> {
        let store = &self.catalog_admin_store;
        if let Some(found) = store.image_size(name, width).await? {
            return Ok(found);
        }
        let (content_type, original) = store.image_bytes(name).await?.ok_or(CoreError::NotFound)?;
        let made = tokio::task::spawn_blocking(move || {
            crate::images::scaled(&original, width).map(|s| (s, original))
        })
        .await
        .map_err(|e| CoreError::Store(akinai_store::StoreError::Backend(e.to_string())))?;
        match made {
            Ok((Some(small), _)) => {
                store
                    .save_image_size(name, width, small.content_type, &small.bytes)
                    .await?;
                Ok((small.content_type.to_string(), small.bytes))
            }
            Ok((None, original)) => Ok((content_type, original)),
            Err(e) => {
                tracing::error!(image = %name, error = %e, "a stored image could not be scaled");
                Err(CoreError::NotFound)
            }
        }
    }
}
