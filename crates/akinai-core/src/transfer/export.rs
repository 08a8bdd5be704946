//! Exports for Excel and for moving out: products in akinai's own format (re-importable without
//! loss) or Shopify's, and inventory (SKU, handle, name, stock), walked a page at a time and
//! written as they are read, in UTF-8 with BOM or Shift_JIS. Every export is audited.

use std::io::Write;

use serde::Serialize;
use serde_json::json;

use akinai_csv::{
    own_product_header, own_product_rows, shopify_product_header, shopify_product_rows, CsvOut,
    Format, OutEncoding, WriteError, INVENTORY_HEADER,
};

use super::categories::CategoryPaths;
use super::{existing, Transfer};
use crate::audit::AuditContext;
use crate::CoreError;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// Products in akinai's or Shopify's format.
    Products(Format),
    Inventory,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    pub kind: ExportKind,
    pub encoding: OutEncoding,
    pub products: u64,
    /// Data rows (the header not counted).
    pub rows: u64,
}

pub(super) fn write_error(e: WriteError) -> CoreError {
    CoreError::Export(e.to_string())
}

impl Transfer {
    /// Writes the export `kind` to `out`.
    pub async fn export<W: Write + Send>(
        &self,
        kind: ExportKind,
        encoding: OutEncoding,
        out: W,
        who: &AuditContext,
    ) -> Result<ExportReport, CoreError> {
        let header = match kind {
            ExportKind::Products(Format::Akinai) => own_product_header(),
            ExportKind::Products(Format::Shopify) => shopify_product_header(),
            ExportKind::Products(Format::EcCube) => {
                return Err(CoreError::Export(
                    "商品の書き出しは akinai か shopify の形式です(EC-CUBE へは akinai 形式を EC-CUBE の CSV 登録で読み込めるよう列を合わせてください)".into(),
                ))
            }
            ExportKind::Inventory => INVENTORY_HEADER.to_vec(),
        };
        let categories = CategoryPaths::new(&self.catalog_store.categories().await?);
        let mut csv = CsvOut::new(out, encoding, &header).map_err(write_error)?;
        let mut products = 0;
        self.each_product(|p| {
            products += 1;
            let e = existing(&p, &categories.path_of, true);
            let rows = match kind {
                ExportKind::Products(Format::Shopify) => shopify_product_rows(&e),
                ExportKind::Products(_) => own_product_rows(&e, &p.images),
                ExportKind::Inventory => e
                    .skus
                    .iter()
                    .map(|s| {
                        vec![
                            s.code.clone(),
                            e.handle.clone(),
                            e.name.clone(),
                            s.stock.to_string(),
                        ]
                    })
                    .collect(),
            };
            for r in rows {
                csv.row(&r).map_err(write_error)?;
            }
            Ok(())
        })
        .await?;
        let rows = csv.rows() - 1;
        csv.finish().map_err(write_error)?;
        self.audit
            .record(
                who,
                "catalog.export",
                "catalog",
                json!({ "kind": kind, "encoding": encoding, "products": products, "rows": rows }),
            )
            .await?;
        Ok(ExportReport {
            kind,
            encoding,
            products,
            rows,
        })
    }
}
