//! CSV files of akinai (CSV issue, ADR 026): a file is decoded (UTF-8 with or without BOM, or
//! Shift_JIS/CP932 — anything else is refused, never imported as mojibake), read as a table with
//! limits (bytes, rows, cell length) and row-numbered errors for ragged rows and unbalanced
//! quotes, and mapped per format (Shopify, EC-CUBE 4, akinai's own) into the domain's
//! format-neutral [`ImportedProduct`]s, one product at a time, so memory stays bounded. Exports
//! are written for Excel: UTF-8 with a BOM or CP932, every cell guarded against CSV injection.
//! No store, no IO beyond the `Read`/`Write` it is handed.
#![forbid(unsafe_code)]

mod customers;
mod decode;
mod eccube;
mod export;
mod own;
mod products;
mod shopify;
mod table;
mod tracking;

pub use customers::{read_customers, CustomerReader};
pub use decode::{decode, TextEncoding};
pub use export::{CsvOut, OutEncoding, WriteError};
pub use own::{own_product_header, own_product_rows, INVENTORY_HEADER};
pub use products::{read_products, ProductReader};
pub use shopify::{shopify_product_header, shopify_product_rows};
pub use table::Limits;
pub use tracking::{read_tracking, MAX_TRACKING_ROWS};

pub use akinai_domain::transfer::{ImportedProduct, ImportedVariant, RowIssue};

/// The layout of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Shopify,
    EcCube,
    Akinai,
}

impl Format {
    /// The name the CLI and the admin use (`shopify`, `ec-cube`, `akinai`).
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "shopify" => Some(Format::Shopify),
            "ec-cube" | "eccube" => Some(Format::EcCube),
            "akinai" => Some(Format::Akinai),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Shopify => "shopify",
            Format::EcCube => "ec-cube",
            Format::Akinai => "akinai",
        }
    }

    /// Prices in this format's files include tax unless the import says otherwise: Shopify's
    /// and akinai's do, EC-CUBE stores and exports prices without tax.
    pub fn prices_include_tax_by_default(self) -> bool {
        !matches!(self, Format::EcCube)
    }
}

/// A file that cannot be read at all (encoding, size, header): one issue for the whole file.
pub type FileError = RowIssue;

/// A code for a variant without one: `<handle>-<n>` when the handle is plain ASCII, otherwise
/// a digest of the handle, so the same file gives the same codes every time.
pub(crate) fn generated_code(handle: &str, n: usize) -> String {
    let plain = !handle.is_empty()
        && handle.len() <= 50
        && handle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        format!("{handle}-{n}")
    } else {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(handle.as_bytes()));
        format!("p{}-{n}", &digest[..12])
    }
}

/// The file name at the end of a URL or path (`…/products/miso.jpg?v=1` → `miso.jpg`).
pub(crate) fn file_name(src: &str) -> String {
    let path = src.split(['?', '#']).next().unwrap_or("");
    path.rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_stable_and_plain() {
        assert_eq!(generated_code("miso-500", 1), "miso-500-1");
        let japanese = generated_code("味噌", 2);
        assert_eq!(japanese, generated_code("味噌", 2));
        assert!(akinai_domain::transfer::sku_code(&japanese).is_some());
    }

    #[test]
    fn image_names_come_from_urls_and_paths() {
        assert_eq!(
            file_name("https://cdn.shopify.com/s/files/1/products/miso.jpg?v=12"),
            "miso.jpg"
        );
        assert_eq!(file_name("images\\a.png"), "a.png");
        assert_eq!(file_name("b.jpg"), "b.jpg");
    }
}
