//! Importing products: the shop's catalog is indexed by handle and SKU code, the file is read
//! and every product validated and compared (the plan), and only a plan without a single error
//! is written — in one transaction, audited. A dry run stops after the plan.

use std::collections::HashMap;
use std::io::Read;

use serde::Serialize;
use serde_json::json;

use akinai_csv::{read_products, Format, Limits, TextEncoding};
use akinai_domain::catalog::{hue_of, NewSku};
use akinai_domain::tax::RoundingMode;
use akinai_domain::transfer::{
    plan_product, validate_product, ExistingProduct, PlanAction, PlanSummary, PriceBasis, RowIssue,
    ValidProduct,
};
use akinai_store::transfer::{CatalogImport, ImportProduct};

use super::categories::CategoryPaths;
use super::images::{ImageSource, WantedImages};
use super::{existing, Transfer};
use crate::audit::AuditContext;
use crate::CoreError;

/// Most entries and issues a report lists (the summary counts them all).
const LISTED: usize = 10_000;

/// How to import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportOptions {
    /// `None`: told by the header.
    pub format: Option<Format>,
    /// `None`: the format's usual basis (EC-CUBE without tax, the others with).
    pub prices: Option<PriceBasis>,
    pub dry_run: bool,
    pub limits: Limits,
}

/// One product of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanEntry {
    pub row: u64,
    pub handle: String,
    pub name: String,
    #[serde(flatten)]
    pub action: PlanAction,
}

/// What an import found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub format: Option<Format>,
    pub encoding: Option<TextEncoding>,
    pub dry_run: bool,
    /// Whether the shop was changed.
    pub applied: bool,
    pub summary: PlanSummary,
    pub categories_created: usize,
    /// Images added from the folder given with the file.
    pub images_added: u64,
    /// New and updated products (unchanged ones only counted), at most 10,000.
    pub entries: Vec<PlanEntry>,
    /// Errors and warnings, at most 10,000.
    pub issues: Vec<RowIssue>,
}

impl ImportReport {
    pub(super) fn new(dry_run: bool) -> ImportReport {
        ImportReport {
            format: None,
            encoding: None,
            dry_run,
            applied: false,
            summary: PlanSummary::default(),
            categories_created: 0,
            images_added: 0,
            entries: Vec::new(),
            issues: Vec::new(),
        }
    }

    /// Lists a new or updated item (up to the listing limit).
    pub(super) fn push_entry(&mut self, entry: PlanEntry) {
        if self.entries.len() < LISTED {
            self.entries.push(entry);
        }
    }

    pub(super) fn note(&mut self, issues: Vec<RowIssue>) {
        for i in issues {
            if i.is_error() {
                self.summary.errors += 1;
            } else {
                self.summary.warnings += 1;
            }
            if self.issues.len() < LISTED {
                self.issues.push(i);
            }
        }
    }

    /// Whether the file had errors (the import wrote nothing).
    pub fn failed(&self) -> bool {
        self.summary.errors > 0
    }
}

/// The shop's catalog as a plan needs it.
struct ShopIndex {
    products: HashMap<String, ExistingProduct>,
    /// SKU code → the handle of its product.
    code_owner: HashMap<String, String>,
    /// Handle → the file names its imported images came from.
    image_sources: HashMap<String, Vec<String>>,
    categories: CategoryPaths,
}

impl Transfer {
    async fn shop_index(&self) -> Result<ShopIndex, CoreError> {
        let categories = CategoryPaths::new(&self.catalog_store.categories().await?);
        let mut products = HashMap::new();
        let mut code_owner = HashMap::new();
        let mut image_sources = HashMap::new();
        self.each_product(|p| {
            let e = existing(&p, &categories.path_of, false);
            if !p.image_sources.is_empty() {
                image_sources.insert(e.handle.clone(), p.image_sources);
            }
            for s in &e.skus {
                code_owner.insert(s.code.clone(), e.handle.clone());
            }
            products.insert(e.handle.clone(), e);
            Ok(())
        })
        .await?;
        Ok(ShopIndex {
            products,
            code_owner,
            image_sources,
            categories,
        })
    }

    /// Imports products from `input` (or, with `dry_run`, only plans it), with their images
    /// from `images` when given. The report says what was found and done; a file with errors
    /// changes nothing.
    pub async fn import_products(
        &self,
        input: impl Read + Send + 'static,
        options: ImportOptions,
        images: Option<&dyn ImageSource>,
        who: &AuditContext,
        progress: super::Progress,
    ) -> Result<ImportReport, CoreError> {
        let mut index = self.shop_index().await?;
        let rounding = self.base.settings().await?.rounding;
        // Reading and checking a big file takes seconds: off the async threads.
        let (mut report, import, mut wanted) = tokio::task::spawn_blocking(move || {
            plan(input, options, rounding, &mut index, &*progress)
        })
        .await
        .map_err(|e| CoreError::Store(akinai_store::StoreError::Backend(e.to_string())))?;
        note_images(&mut report, &wanted, images);
        if report.failed() || options.dry_run {
            return Ok(report);
        }
        let created = import.categories.len();
        if !import.products.is_empty() {
            let ids = self.transfer_store.apply_catalog_import(&import).await?;
            let by_handle: HashMap<&str, _> = import
                .products
                .iter()
                .map(|p| p.handle.as_str())
                .zip(ids)
                .collect();
            for w in &mut wanted {
                w.product = w
                    .product
                    .or_else(|| by_handle.get(w.handle.as_str()).copied());
            }
            report.applied = true;
            report.categories_created = created;
            self.base.caches.categories.forget(&());
        }
        if let Some(source) = images {
            let (added, issues) = self.import_images(source, wanted, who).await?;
            report.images_added = added;
            report.note(issues);
        }
        self.audit
            .record(
                who,
                "catalog.import",
                "catalog",
                json!({
                    "format": report.format,
                    "encoding": report.encoding,
                    "new": report.summary.new,
                    "updated": report.summary.updated,
                    "unchanged": report.summary.unchanged,
                    "categories_created": created,
                    "images_added": report.images_added,
                }),
            )
            .await?;
        Ok(report)
    }
}

/// Reads and plans the whole file against the shop (no IO but the file's).
fn plan(
    input: impl Read + Send + 'static,
    options: ImportOptions,
    rounding: RoundingMode,
    index: &mut ShopIndex,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> (ImportReport, CatalogImport, Vec<WantedImages>) {
    let mut report = ImportReport::new(options.dry_run);
    let mut import = CatalogImport::default();
    let mut wanted = Vec::new();
    let mut reader = match read_products(input, options.format, options.limits) {
        Ok(r) => r,
        Err(e) => {
            report.note(vec![e]);
            return (report, import, wanted);
        }
    };
    report.format = Some(reader.format);
    report.encoding = Some(reader.encoding);
    let basis = options
        .prices
        .unwrap_or(if reader.format.prices_include_tax_by_default() {
            PriceBasis::TaxIncluded
        } else {
            PriceBasis::TaxExcluded
        });
    // SKU code → the handle of the file's product that has it.
    let mut file_codes: HashMap<String, String> = HashMap::new();
    let mut done = 0;
    for product in reader.by_ref() {
        let product = match product {
            Ok(p) => p,
            Err(e) => {
                report.note(vec![e]);
                break;
            }
        };
        let (valid, mut issues) = validate_product(&product, basis, rounding);
        if let Some(v) = &valid {
            issues.extend(code_conflicts(v, &mut file_codes, &index.code_owner));
        }
        let clean = !issues.iter().any(RowIssue::is_error);
        report.note(issues);
        done += 1;
        progress(done);
        let Some(valid) = valid.filter(|_| clean) else {
            continue;
        };
        let shop = index.products.get(&valid.handle);
        if !valid.images.is_empty() {
            wanted.push(WantedImages {
                row: valid.row,
                product: shop.map(|s| s.id),
                handle: valid.handle.clone(),
                names: valid.images.clone(),
                have: index
                    .image_sources
                    .get(&valid.handle)
                    .cloned()
                    .unwrap_or_default(),
            });
        }
        let action = plan_product(&valid, shop);
        match &action {
            PlanAction::New => report.summary.new += 1,
            PlanAction::Update(_) => report.summary.updated += 1,
            PlanAction::Unchanged => {
                report.summary.unchanged += 1;
                continue;
            }
        }
        let id = shop.map(|s| s.id);
        report.push_entry(PlanEntry {
            row: valid.row,
            handle: valid.handle.clone(),
            name: valid.name.clone(),
            action,
        });
        import
            .products
            .push(write_of(valid, id, &mut index.categories));
    }
    report.note(reader.take_issues());
    import.categories = std::mem::take(&mut index.categories.new);
    (report, import, wanted)
}

/// Warnings about the images the file names: without a folder, that they are not imported;
/// with one, each file the folder lacks (so the dry run shows them too).
fn note_images(
    report: &mut ImportReport,
    wanted: &[WantedImages],
    source: Option<&dyn ImageSource>,
) {
    let named: usize = wanted.iter().map(|w| w.names.len()).sum();
    let Some(source) = source else {
        if named > 0 {
            report.note(vec![RowIssue::warning(
                0,
                "images",
                &named.to_string(),
                format!("画像 {named} 件はファイル名だけ読みました(画像も取り込むには、管理画面では「商品画像の zip」を、コマンドでは --images で画像のフォルダか zip を指定してください)"),
            )]);
        }
        return;
    };
    if !report.dry_run {
        // The import itself reports what it could not find.
        return;
    }
    let missing = wanted
        .iter()
        .flat_map(|w| {
            w.names
                .iter()
                .filter(|n| !w.have.contains(n) && !source.has(n))
                .map(move |n| (w.row, n))
        })
        .map(|(row, n)| {
            RowIssue::warning(
                row,
                "images",
                n,
                "画像ファイルが見つかりません(指定した画像のフォルダや zip にありません)",
            )
        })
        .collect();
    report.note(missing);
}

/// Errors for SKU codes the file gives two products, or that another product of the shop has.
fn code_conflicts(
    v: &ValidProduct,
    file_codes: &mut HashMap<String, String>,
    shop_codes: &HashMap<String, String>,
) -> Vec<RowIssue> {
    let mut issues = Vec::new();
    for s in &v.skus {
        if let Some(other) = file_codes.insert(s.code.clone(), v.handle.clone()) {
            if other != v.handle {
                issues.push(RowIssue::error(
                    s.row,
                    "sku",
                    &s.code,
                    format!("このSKUはファイルの別の商品({other})にもあります"),
                ));
            }
        }
        if let Some(owner) = shop_codes.get(&s.code).filter(|h| **h != v.handle) {
            issues.push(RowIssue::error(
                s.row,
                "sku",
                &s.code,
                format!("このSKUはショップの別の商品({owner})が使っています"),
            ));
        }
    }
    issues
}

fn write_of(
    v: ValidProduct,
    id: Option<akinai_domain::ids::ProductId>,
    categories: &mut CategoryPaths,
) -> ImportProduct {
    ImportProduct {
        id,
        category: categories.resolve(&v.category_path),
        image_hue: hue_of(&v.name),
        handle: v.handle,
        name: v.name,
        description: v.description,
        tax: v.tax,
        published: v.published,
        skus: v
            .skus
            .into_iter()
            .map(|s| NewSku {
                code: s.code,
                option_label: s.option_label,
                price: s.price,
                stock: s.stock,
            })
            .collect(),
    }
}
