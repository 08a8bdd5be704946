//! akinai's own product CSV, documented column by column in docs/migration.ja.md and written by
//! its export, so a shop can move out and back in without loss: one row per SKU, the product's
//! columns repeated on every row (so Excel can sort and filter), read from the first row.
//!
//! `handle, name, category, description_html, tax, published, sku, option, price, stock, images`
//! — `category` is the path of names joined with ` > `; `tax` is `standard`, `reduced` or
//! `non_taxable`; `published` is 1 or 0; `price` includes tax; `images` are file names joined
//! with `,`.

use std::io::Read;

use akinai_domain::tax::TaxCategory;
use akinai_domain::transfer::{ExistingProduct, RowIssue};

use crate::products::{missing, Mapper};
use crate::table::{Row, Table};
use crate::{FileError, Format, ImportedProduct, ImportedVariant};

/// The columns, in order.
const COLUMNS: [&str; 11] = [
    "handle",
    "name",
    "category",
    "description_html",
    "tax",
    "published",
    "sku",
    "option",
    "price",
    "stock",
    "images",
];

/// The header of the inventory export (and of a stock file).
pub const INVENTORY_HEADER: [&str; 4] = ["sku", "handle", "name", "stock"];

pub(crate) struct OwnProducts {
    cols: [Option<usize>; 11],
}

impl OwnProducts {
    pub(crate) fn new(t: &Table<Box<dyn Read + Send>>) -> Result<OwnProducts, FileError> {
        let cols = COLUMNS.map(|c| t.column(&[c]));
        let absent: Vec<&str> = COLUMNS
            .iter()
            .zip(cols)
            .filter(|(name, col)| {
                col.is_none()
                    && !matches!(
                        **name,
                        "images" | "description_html" | "option" | "category"
                    )
            })
            .map(|(name, _)| *name)
            .collect();
        if absent.is_empty() {
            Ok(OwnProducts { cols })
        } else {
            Err(missing(Format::Akinai, &absent))
        }
    }

    fn get<'r>(&self, row: &'r Row, column: usize) -> &'r str {
        row.get(self.cols[column])
    }

    fn add(&self, p: &mut ImportedProduct, row: &Row) {
        p.variants.push(ImportedVariant {
            row: row.number,
            code: self.get(row, 6).to_string(),
            option_label: self.get(row, 7).to_string(),
            price: self.get(row, 8).to_string(),
            stock: self.get(row, 9).to_string(),
            price_column: "price",
            stock_column: "stock",
            code_column: "sku",
        });
    }
}

impl Mapper for OwnProducts {
    fn key(&self, row: &Row) -> String {
        self.get(row, 0).to_string()
    }

    fn start(&self, row: &Row) -> ImportedProduct {
        let tax_text = self.get(row, 4);
        let tax = match tax_text {
            "" => None,
            t => TaxCategory::parse(t),
        };
        let mut p = ImportedProduct {
            row: row.number,
            handle: self.get(row, 0).to_string(),
            name: self.get(row, 1).to_string(),
            category_path: self
                .get(row, 2)
                .split(" > ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
            description_html: row
                .cells
                .get(self.cols[3].unwrap_or(usize::MAX))
                .cloned()
                .unwrap_or_default(),
            tax,
            published: matches!(self.get(row, 5), "1" | "true" | "TRUE"),
            images: self
                .get(row, 10)
                .split(',')
                .map(str::trim)
                .filter(|i| !i.is_empty())
                .map(str::to_string)
                .collect(),
            ..ImportedProduct::default()
        };
        if !tax_text.is_empty() && tax.is_none() {
            p.issues.push(RowIssue::error(
                row.number,
                "tax",
                tax_text,
                "tax は standard・reduced・non_taxable のいずれかにしてください",
            ));
        }
        if !matches!(
            self.get(row, 5),
            "1" | "0" | "true" | "false" | "TRUE" | "FALSE"
        ) {
            p.issues.push(RowIssue::error(
                row.number,
                "published",
                self.get(row, 5),
                "published は 1(公開)か 0(非公開)にしてください",
            ));
        }
        self.add(&mut p, row);
        p
    }

    fn more(&self, product: &mut ImportedProduct, row: &Row) {
        self.add(product, row);
    }
}

/// The header of akinai's product CSV.
pub fn own_product_header() -> Vec<&'static str> {
    COLUMNS.to_vec()
}

/// The rows of one product in akinai's product CSV.
pub fn own_product_rows(p: &ExistingProduct, images: &[String]) -> Vec<Vec<String>> {
    p.skus
        .iter()
        .map(|s| {
            vec![
                p.handle.clone(),
                p.name.clone(),
                p.category_path.join(" > "),
                p.description.clone(),
                p.tax.as_str().to_string(),
                if p.published { "1" } else { "0" }.to_string(),
                s.code.clone(),
                s.option_label.clone(),
                s.price.0.to_string(),
                s.stock.to_string(),
                images.join(","),
            ]
        })
        .collect()
}
