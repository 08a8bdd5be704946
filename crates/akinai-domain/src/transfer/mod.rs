//! Moving a shop in and out (CSV issue, ADR 026): the format-neutral records an import is read
//! into, the issues found in a file (row, column, value, why — in Japanese, as the admin shows
//! them), the validation of a record with the same rules as the admin's forms, the plan that
//! compares a file with the shop (new, updated, unchanged) and the cell rules of an export
//! (CSV-injection guard, Shift_JIS look-alikes). Pure: no IO; the `akinai-csv` crate reads and
//! writes the files, the core's `Transfer` service puts the two together.

mod cells;
mod customers;
mod plan;
mod validate;

pub use cells::{guard_cell, sjis_compatible, unguard_cell};
pub use customers::{prefecture_code, validate_customer, ImportedCustomer, ValidCustomer};
pub use plan::{description_key, plan_product, ExistingProduct, ExistingSku, PlanAction};
pub use validate::{
    price_with_tax, sku_code, validate_product, PriceBasis, ValidProduct, ValidSku,
    MAX_DESCRIPTION, MAX_NAME, MAX_PRICE, MAX_STOCK,
};

use serde::{Deserialize, Serialize};

use crate::tax::TaxCategory;

/// How bad an issue is: an error stops the whole import, a warning is reported and the row is
/// imported (e.g. a script removed from a description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One thing wrong (or worth saying) about a file: where, what and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowIssue {
    /// The file's line of the record (the header is row 1); 0 for the file as a whole.
    pub row: u64,
    /// The column's header as in the file; empty for the whole row.
    pub column: String,
    /// The offending value, cut to 80 characters.
    pub value: String,
    /// What is wrong, in Japanese.
    pub message: String,
    pub severity: Severity,
}

impl RowIssue {
    pub fn error(row: u64, column: &str, value: &str, message: impl Into<String>) -> RowIssue {
        RowIssue {
            row,
            column: column.to_string(),
            value: value.chars().take(80).collect(),
            message: message.into(),
            severity: Severity::Error,
        }
    }

    pub fn warning(row: u64, column: &str, value: &str, message: impl Into<String>) -> RowIssue {
        RowIssue {
            severity: Severity::Warning,
            ..RowIssue::error(row, column, value, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A product as read from a file, before validation: every field still as text or as the
/// format gave it, with the rows it came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportedProduct {
    /// The product's first row.
    pub row: u64,
    /// What identifies the product across imports (Shopify's Handle, `ec-cube-<商品ID>`, akinai's
    /// handle); an import matches the shop's products by it.
    pub handle: String,
    pub name: String,
    /// The description as in the file (HTML, not yet sanitised).
    pub description_html: String,
    /// The category by names from the top (`["食品", "調味料"]`); empty: 未分類.
    pub category_path: Vec<String>,
    /// The tax category when the file says it (a rate or a flag); `None`: standard.
    pub tax: Option<TaxCategory>,
    pub published: bool,
    pub variants: Vec<ImportedVariant>,
    /// Image file names (of `Image Src` URLs or 商品画像), in order.
    pub images: Vec<String>,
    /// What the reader noticed while grouping the rows (warnings and errors).
    pub issues: Vec<RowIssue>,
}

/// A variant as read: code, label, price as the file states it (tax basis decided by the
/// import's option), stock.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportedVariant {
    pub row: u64,
    pub code: String,
    pub option_label: String,
    /// The price text as in the file (`1980`, `1980.00`, `1,980`).
    pub price: String,
    /// The stock text as in the file.
    pub stock: String,
    /// The column names the price and stock came from, for the issues.
    pub price_column: &'static str,
    pub stock_column: &'static str,
    pub code_column: &'static str,
}

/// What an import would do, counted (the summary of a dry run and of an apply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlanSummary {
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub errors: u64,
    pub warnings: u64,
}
