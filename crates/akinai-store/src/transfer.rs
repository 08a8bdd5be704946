//! Storage of moving in and out (CSV issue, ADR 026): the catalog read page by page with the
//! handles an import matches on, and a whole import written in **one transaction** — the
//! categories it needs, new products, updated products and their SKUs — so a failure anywhere
//! leaves the shop as it was.

use async_trait::async_trait;

use akinai_domain::catalog::{NewSku, Sku};
use akinai_domain::ids::{CategoryId, ProductId};
use akinai_domain::rich_text::SafeHtml;
use akinai_domain::tax::TaxCategory;

use crate::StoreResult;

/// A product as an export or an import plan reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferProduct {
    pub id: ProductId,
    /// `None` for products made in the admin (exports call them `p<id>`).
    pub handle: Option<String>,
    pub category_id: CategoryId,
    pub name: String,
    pub description: SafeHtml,
    pub tax: TaxCategory,
    pub published: bool,
    pub skus: Vec<Sku>,
    /// Image names in order.
    pub images: Vec<String>,
    /// The file names imported images came from.
    pub image_sources: Vec<String>,
}

/// A category an import refers to: one the shop has or one the same import creates first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryRef {
    Existing(CategoryId),
    /// The index into [`CatalogImport::categories`].
    New(usize),
}

/// A category to create (parents before children).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportCategory {
    pub parent: Option<CategoryRef>,
    pub name: String,
    pub slug: String,
    pub position: i64,
}

/// A product to write: new (no `id`) or an update of `id`. SKUs are matched by code: an
/// existing code is updated (label, price, stock), a new one added after the others; SKUs the
/// product has but the import lacks are left alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProduct {
    pub id: Option<ProductId>,
    pub handle: String,
    pub category: CategoryRef,
    pub name: String,
    pub description: SafeHtml,
    pub tax: TaxCategory,
    pub published: bool,
    pub image_hue: u16,
    pub skus: Vec<NewSku>,
}

/// Everything one import writes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatalogImport {
    pub categories: Vec<ImportCategory>,
    pub products: Vec<ImportProduct>,
}

/// The password hash of an imported member: no password verifies against it, so the member
/// cannot log in until they set one (through the invitation or the reset link).
pub const NO_PASSWORD: &str = "!imported";

/// A member to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportCustomer {
    /// Normalised.
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub marketing: bool,
    /// The first address-book entry.
    pub address: Option<akinai_domain::address_book::Recipient>,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[async_trait]
pub trait TransferStore: Send + Sync {
    /// Products by id after `after`, published or not, with SKUs and image names.
    async fn transfer_products(
        &self,
        after: Option<ProductId>,
        limit: u32,
    ) -> StoreResult<Vec<TransferProduct>>;
    /// Writes `import` in one transaction: all of it or, on any error, nothing. The ids of
    /// `import.products`, in order.
    async fn apply_catalog_import(&self, import: &CatalogImport) -> StoreResult<Vec<ProductId>>;
    /// Adds the members (with [`NO_PASSWORD`]) and their addresses in one transaction; an
    /// address already taken fails the whole import.
    async fn apply_customer_import(&self, customers: &[ImportCustomer]) -> StoreResult<()>;
    /// How many imported members are still without a password and not yet invited.
    async fn members_awaiting_invitation(&self) -> StoreResult<i64>;
    /// Imported members still without a password and not yet invited, by id, at most `limit`.
    async fn members_to_invite(
        &self,
        limit: u32,
    ) -> StoreResult<Vec<akinai_domain::ids::CustomerId>>;
    /// Records that the member was sent the invitation.
    async fn mark_invited(
        &self,
        id: akinai_domain::ids::CustomerId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;
}
