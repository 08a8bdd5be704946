//! Moving in and out (CSV issue, ADR 026): importing products from Shopify, EC-CUBE or akinai
//! files — always planned first (new, updated, unchanged, and every issue with its row), written
//! only when the whole file is valid, in one transaction, and audited — and exporting products
//! and inventory for Excel or another platform. The file formats are `akinai-csv`'s; the rules
//! are the domain's (`akinai_domain::transfer`); this service compares a file with the shop.

mod accounting;
mod admin;
mod categories;
mod customers;
mod export;
mod images;
mod import;
mod people;
mod runs;
mod upload;
mod zip_images;

pub use accounting::JournalReport;
pub use admin::PeopleExport;
pub use akinai_csv::{Format, OutEncoding};
pub use akinai_store::transfer_runs::{RunKind, RunState, TransferRun};
pub use categories::UNSORTED;
pub use export::{ExportKind, ExportReport};
pub use images::ImageSource;
pub use import::{ImportOptions, ImportReport, PlanEntry};
pub use people::{CUSTOMER_HEADER, ORDER_HEADER};
pub use runs::{
    ImportCapability, RunEntry, RunOptions, RunReport, RunView, CHUNK, FILE_KEPT,
    MAX_IMAGES_ZIP_BYTES,
};
pub use upload::Upload;
pub use zip_images::{NotAZip, ZipImages};

use std::collections::HashMap;
use std::sync::Arc;

use akinai_domain::transfer::{ExistingProduct, ExistingSku};
use akinai_store::customers::CustomerAdminStore;
use akinai_store::fulfilment::FulfilmentStore;
use akinai_store::transfer::{TransferProduct, TransferStore};
use akinai_store::{CatalogStore, MemberStore, OrderStore};

use crate::{Audit, Base, CoreError};

/// Told the number of records read so far, while an import reads its file.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// Products read per page when the whole catalog is walked.
const PAGE: u32 = 500;

/// The import and export use cases.
#[derive(Clone)]
pub struct Transfer {
    pub(crate) base: Base,
    pub(crate) transfer_store: Arc<dyn TransferStore>,
    pub(crate) catalog_store: Arc<dyn CatalogStore>,
    pub(crate) order_store: Arc<dyn OrderStore>,
    pub(crate) fulfilment_store: Arc<dyn FulfilmentStore>,
    pub(crate) customer_store: Arc<dyn CustomerAdminStore>,
    pub(crate) member_store: Arc<dyn MemberStore>,
    pub(crate) catalog_admin: crate::CatalogAdmin,
    pub(crate) catalog_admin_store: Arc<dyn akinai_store::catalog_admin::CatalogAdminStore>,
    pub(crate) account_store: Arc<dyn akinai_store::AccountStore>,
    pub(crate) account_common: crate::AccountCommon,
    pub(crate) audit: Audit,
    pub(crate) run_store: Arc<dyn akinai_store::transfer_runs::TransferRunStore>,
    pub(crate) admin_accounts: crate::AdminAccounts,
    pub(crate) payment_store: Arc<dyn akinai_store::payments::PaymentStore>,
}

/// The handle an export writes for a product: its own, or `p<id>` for one made in the admin.
pub fn handle_of(p: &TransferProduct) -> String {
    p.handle.clone().unwrap_or_else(|| format!("p{}", p.id.0))
}

/// A stored product as the domain compares and exports it; `with_description` false leaves the
/// description out (a plan compares digests, and 100,000 descriptions need not sit in memory).
pub(crate) fn existing(
    p: &TransferProduct,
    path_of: &HashMap<akinai_domain::ids::CategoryId, Vec<String>>,
    with_description: bool,
) -> ExistingProduct {
    ExistingProduct {
        id: p.id,
        handle: handle_of(p),
        name: p.name.clone(),
        description: if with_description {
            p.description.as_str().to_string()
        } else {
            String::new()
        },
        description_key: akinai_domain::transfer::description_key(p.description.as_str()),
        category_path: path_of.get(&p.category_id).cloned().unwrap_or_default(),
        tax: p.tax,
        published: p.published,
        skus: p
            .skus
            .iter()
            .map(|s| ExistingSku {
                code: s.code.clone(),
                option_label: s.option_label.clone(),
                price: s.price,
                stock: s.stock,
            })
            .collect(),
    }
}

impl Transfer {
    /// Walks the whole catalog a page at a time.
    pub(crate) async fn each_product(
        &self,
        mut f: impl FnMut(TransferProduct) -> Result<(), CoreError>,
    ) -> Result<(), CoreError> {
        let mut after = None;
        loop {
            let page = self.transfer_store.transfer_products(after, PAGE).await?;
            let Some(last) = page.last().map(|p| p.id) else {
                return Ok(());
            };
            let full = page.len() == PAGE as usize;
            for p in page {
                f(p)?;
            }
            if !full {
                return Ok(());
            }
            after = Some(last);
        }
    }
}
