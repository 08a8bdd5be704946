//! Shopify's product CSV, in both header sets (the classic `Handle`, `Variant SKU`, … and the
//! renamed `URL handle`, `SKU`, …): rows grouped by handle, the first carrying the product,
//! later ones variants or extra images; `Default Title` means no options. The category is the
//! `Type` (or `Product Category`), split at ` > `; a tag 「軽減税率」 marks the reduced rate and
//! `Variant Taxable` = false a non-taxable product (Shopify has no Japanese rates). Prices
//! include tax unless the import says otherwise.

use std::io::Read;

use akinai_domain::tax::TaxCategory;
use akinai_domain::transfer::ExistingProduct;

use crate::products::{missing, Mapper};
use crate::table::{Row, Table};
use crate::{file_name, generated_code, FileError, Format, ImportedProduct, ImportedVariant};

/// The tag that marks a product of the reduced rate, both ways.
pub const REDUCED_TAG: &str = "軽減税率";

pub(crate) struct ShopifyProducts {
    handle: Option<usize>,
    title: Option<usize>,
    body: Option<usize>,
    kind: Option<usize>,
    category: Option<usize>,
    tags: Option<usize>,
    published: Option<usize>,
    status: Option<usize>,
    options: [Option<usize>; 3],
    sku: Option<usize>,
    qty: Option<usize>,
    price: Option<usize>,
    taxable: Option<usize>,
    image: Option<usize>,
    variant_image: Option<usize>,
}

impl ShopifyProducts {
    pub(crate) fn new(t: &Table<Box<dyn Read + Send>>) -> Result<ShopifyProducts, FileError> {
        let m = ShopifyProducts {
            handle: t.column(&["Handle", "URL handle"]),
            title: t.column(&["Title"]),
            body: t.column(&["Body (HTML)", "Description"]),
            kind: t.column(&["Type"]),
            category: t.column(&["Product Category", "Product category"]),
            tags: t.column(&["Tags"]),
            published: t.column(&["Published", "Published on online store"]),
            status: t.column(&["Status"]),
            options: [
                t.column(&["Option1 Value", "Option1 value"]),
                t.column(&["Option2 Value", "Option2 value"]),
                t.column(&["Option3 Value", "Option3 value"]),
            ],
            sku: t.column(&["Variant SKU", "SKU"]),
            qty: t.column(&["Variant Inventory Qty", "Inventory quantity"]),
            price: t.column(&["Variant Price", "Price"]),
            taxable: t.column(&["Variant Taxable", "Charge tax"]),
            image: t.column(&["Image Src", "Product image URL"]),
            variant_image: t.column(&["Variant Image", "Variant image URL"]),
        };
        let mut absent = Vec::new();
        for (col, name) in [
            (m.handle, "Handle"),
            (m.title, "Title"),
            (m.price, "Variant Price"),
        ] {
            if col.is_none() {
                absent.push(name);
            }
        }
        if absent.is_empty() {
            Ok(m)
        } else {
            Err(missing(Format::Shopify, &absent))
        }
    }

    /// Whether a row carries a variant (not only an image).
    fn has_variant(&self, row: &Row) -> bool {
        !row.get(self.options[0]).is_empty()
            || !row.get(self.sku).is_empty()
            || !row.get(self.price).is_empty()
    }

    fn add(&self, p: &mut ImportedProduct, row: &Row) {
        if self.has_variant(row) {
            let label: Vec<&str> = self
                .options
                .iter()
                .map(|o| row.get(*o))
                .filter(|v| !v.is_empty() && *v != "Default Title")
                .collect();
            let mut code = row.get(self.sku).to_string();
            if code.is_empty() {
                code = generated_code(&p.handle, p.variants.len() + 1);
                p.issues.push(akinai_domain::transfer::RowIssue::warning(
                    row.number,
                    "Variant SKU",
                    &code,
                    format!("SKUが空なので {code} を付けました"),
                ));
            }
            if row.get(self.taxable).eq_ignore_ascii_case("false") {
                p.tax = Some(TaxCategory::NonTaxable);
            }
            p.variants.push(ImportedVariant {
                row: row.number,
                code,
                option_label: label.join(" / "),
                price: row.get(self.price).to_string(),
                stock: row.get(self.qty).to_string(),
                price_column: "Variant Price",
                stock_column: "Variant Inventory Qty",
                code_column: "Variant SKU",
            });
        }
        for src in [row.get(self.image), row.get(self.variant_image)] {
            let name = file_name(src);
            if !name.is_empty() && !p.images.contains(&name) {
                p.images.push(name);
            }
        }
    }
}

impl Mapper for ShopifyProducts {
    fn key(&self, row: &Row) -> String {
        row.get(self.handle).to_string()
    }

    fn start(&self, row: &Row) -> ImportedProduct {
        let kind = row.get(self.kind);
        let category = if kind.is_empty() {
            row.get(self.category)
        } else {
            kind
        };
        let tags = row.get(self.tags);
        let published = match row.get(self.status) {
            "" => row.get(self.published).eq_ignore_ascii_case("true"),
            status => status.eq_ignore_ascii_case("active"),
        };
        let mut p = ImportedProduct {
            row: row.number,
            handle: row.get(self.handle).to_string(),
            name: row.get(self.title).to_string(),
            description_html: row.get(self.body).to_string(),
            category_path: category
                .split(" > ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
            tax: tags
                .split(',')
                .any(|t| t.trim() == REDUCED_TAG)
                .then_some(TaxCategory::Reduced),
            published,
            ..ImportedProduct::default()
        };
        self.add(&mut p, row);
        p
    }

    fn more(&self, product: &mut ImportedProduct, row: &Row) {
        self.add(product, row);
    }
}

/// The header of a Shopify export (the classic names, which Shopify's importer reads).
pub fn shopify_product_header() -> Vec<&'static str> {
    vec![
        "Handle",
        "Title",
        "Body (HTML)",
        "Vendor",
        "Type",
        "Tags",
        "Published",
        "Option1 Name",
        "Option1 Value",
        "Variant SKU",
        "Variant Inventory Qty",
        "Variant Price",
        "Variant Taxable",
        "Status",
    ]
}

/// The rows of one product in a Shopify export: product fields on the first row only.
pub fn shopify_product_rows(p: &ExistingProduct) -> Vec<Vec<String>> {
    let single = p.skus.len() == 1 && p.skus.iter().all(|s| s.option_label.is_empty());
    p.skus
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let first = i == 0;
            let product = |v: String| if first { v } else { String::new() };
            vec![
                p.handle.clone(),
                product(p.name.clone()),
                product(p.description.clone()),
                String::new(),
                product(p.category_path.join(" > ")),
                product(if p.tax == TaxCategory::Reduced {
                    REDUCED_TAG.to_string()
                } else {
                    String::new()
                }),
                product(if p.published { "TRUE" } else { "FALSE" }.to_string()),
                product(if single { "Title" } else { "規格" }.to_string()),
                if single {
                    "Default Title".to_string()
                } else {
                    s.option_label.clone()
                },
                s.code.clone(),
                s.stock.to_string(),
                s.price.0.to_string(),
                if p.tax == TaxCategory::NonTaxable {
                    "FALSE"
                } else {
                    "TRUE"
                }
                .to_string(),
                product(if p.published { "active" } else { "draft" }.to_string()),
            ]
        })
        .collect()
}
