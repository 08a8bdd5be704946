//! Storage of the shop's catalog work (admin issue, item 5): the admin's product list (published
//! or not), product edits, stock **adjustments by delta** (never an absolute write, so a purchase
//! between loading the form and saving it is never overwritten), prices, variants, categories
//! and product images.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::catalog::{NewProduct, NewSku, Product};
use akinai_domain::ids::{CategoryId, ImageName, ProductId, SkuId};
use akinai_domain::rich_text::SafeHtml;
use akinai_domain::tax::TaxCategory;
use akinai_domain::Yen;

use crate::{NewCategory, StoreResult};

/// Most images per product.
pub const MAX_IMAGES_PER_PRODUCT: i64 = 10;

/// A product as the admin sees it: published or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminProduct {
    pub product: Product,
    pub published: bool,
    /// When the worker will publish it.
    pub publish_at: Option<DateTime<Utc>>,
}

/// One row of the admin product list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminProductRow {
    pub id: ProductId,
    pub name: String,
    pub published: bool,
    pub skus: i64,
    pub stock: i64,
    pub price_min: Yen,
}

/// The editable fields of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductEdit {
    pub category_id: CategoryId,
    pub name: String,
    pub description: SafeHtml,
    pub tax_category: TaxCategory,
    pub published: bool,
}

/// A SKU's names as they are to be: code (品番), option label and 棚番.
#[derive(Debug, Clone, Copy)]
pub struct SkuLabel<'a> {
    pub code: &'a str,
    pub option_label: &'a str,
    pub location: &'a str,
}

/// A re-encoded image to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProductImage {
    pub product: ProductId,
    /// Random, unguessable, `[0-9a-f]{32}` plus the extension.
    pub name: ImageName,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
    pub at: DateTime<Utc>,
    /// The file name an import took it from (`None` for uploads).
    pub source: Option<String>,
}

/// An image's description (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductImage {
    pub name: ImageName,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
}

#[async_trait]
pub trait CatalogAdminStore: Send + Sync {
    /// Products by id, after `after`, published or not.
    async fn admin_products(
        &self,
        after: Option<ProductId>,
        limit: u32,
    ) -> StoreResult<Vec<AdminProductRow>>;
    async fn admin_product(&self, id: ProductId) -> StoreResult<Option<AdminProduct>>;
    /// Saves the fields (and the search text); false when there is no such product.
    /// Saves an edit with its `product.updated` webhook event.
    async fn update_product(
        &self,
        id: ProductId,
        edit: &ProductEdit,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Adds `delta` to the SKU's stock in one guarded statement; the new stock, or `None` when
    /// the SKU does not exist or the result would be negative (nothing changed).
    /// Falling to [`akinai_domain::webhook::LOW_STOCK`] raises `inventory.low`.
    async fn adjust_stock(
        &self,
        sku: SkuId,
        delta: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>>;
    /// Creates a product with its SKUs and raises `product.updated` for it, in one transaction.
    async fn add_product(&self, product: &NewProduct, now: DateTime<Utc>)
        -> StoreResult<ProductId>;
    /// Sets a SKU's price (and raises `product.updated`); false when there is no such SKU of
    /// that product.
    async fn set_sku_price(
        &self,
        product: ProductId,
        sku: SkuId,
        price: Yen,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Publishes or unpublishes products at once (and drops their schedules); how many changed.
    async fn set_published(
        &self,
        ids: &[ProductId],
        published: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// Sets or clears when a product is to be published; false when there is no such product.
    async fn schedule_publish(&self, id: ProductId, at: Option<DateTime<Utc>>)
        -> StoreResult<bool>;
    /// Publishes every product whose time has come; how many.
    async fn publish_due(&self, now: DateTime<Utc>) -> StoreResult<u64>;
    /// Adds a SKU after the product's others (and raises `product.updated`); `None` when the
    /// code is taken (nothing written).
    async fn add_sku(
        &self,
        product: ProductId,
        sku: &NewSku,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SkuId>>;
    /// Whether a SKU code is in use.
    async fn sku_code_taken(&self, code: &str) -> StoreResult<bool>;
    /// Adds an image at the end (and raises `product.updated`); false when the product does
    /// not exist or has [`MAX_IMAGES_PER_PRODUCT`] already.
    async fn add_product_image(&self, image: &NewProductImage) -> StoreResult<bool>;
    async fn product_images(&self, product: ProductId) -> StoreResult<Vec<ProductImage>>;
    /// An image's content type and bytes.
    async fn image_bytes(&self, name: &ImageName) -> StoreResult<Option<(String, Vec<u8>)>>;
    /// An image scaled to `width`, when it was made before.
    async fn image_size(
        &self,
        name: &ImageName,
        width: u32,
    ) -> StoreResult<Option<(String, Vec<u8>)>>;
    /// Keeps an image scaled to `width` (a second one made meanwhile is dropped); nothing when
    /// the image is gone.
    async fn save_image_size(
        &self,
        name: &ImageName,
        width: u32,
        content_type: &str,
        bytes: &[u8],
    ) -> StoreResult<()>;
    /// Removes an image of the product (and raises `product.updated`); false when it had no
    /// such image.
    async fn delete_product_image(
        &self,
        product: ProductId,
        name: &ImageName,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Makes an image the product's first (the one lists and the product page lead with; raises
    /// `product.updated`); false when the product has no such image.
    async fn make_image_first(
        &self,
        product: ProductId,
        name: &ImageName,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Saves a category's name, slug, parent and position; false when there is no such
    /// category. The caller has checked that the parent is not the category or below it.
    async fn update_category(&self, id: CategoryId, category: &NewCategory) -> StoreResult<bool>;
    /// Changes a SKU's code, option label and 棚番 (orders keep the code they were placed
    /// with; raises `product.updated`); `None` when the code is another SKU's, `Some(false)`
    /// when the product has no such SKU.
    async fn relabel_sku(
        &self,
        product: ProductId,
        sku: SkuId,
        label: &SkuLabel<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<bool>>;
    /// The 棚番 of those of `codes` that have one: (code, location).
    async fn sku_locations(&self, codes: &[String]) -> StoreResult<Vec<(String, String)>>;
}
