//! Reading products from a file of any of the three formats: the format is the one asked for or
//! the one the header shows; rows are grouped into products as they are read (rows of one
//! product stand together, as every exporter writes them), so only one product is in memory at a
//! time besides the set of handles already seen.

use std::collections::HashSet;
use std::io::Read;

use crate::decode::{decode, TextEncoding};
use crate::table::{Limited, Limits, Row, Table, TableError};
use crate::{eccube, own, shopify, FileError, Format, ImportedProduct, RowIssue};

/// How a format turns rows into products.
pub(crate) trait Mapper {
    /// The key that groups rows into one product.
    fn key(&self, row: &Row) -> String;
    /// A product from its first row.
    fn start(&self, row: &Row) -> ImportedProduct;
    /// A later row of the same product (another variant or image).
    fn more(&self, product: &mut ImportedProduct, row: &Row);
}

/// The format a header shows, if any.
fn detect(table: &Table<Box<dyn Read + Send>>) -> Option<Format> {
    let has = |names: &[&str]| table.column(names).is_some();
    if has(&["handle"]) && has(&["name"]) && has(&["sku"]) && has(&["price"]) {
        Some(Format::Akinai)
    } else if has(&["Handle", "URL handle"]) && has(&["Title"]) {
        Some(Format::Shopify)
    } else if has(&["商品名"]) && has(&["販売価格"]) {
        Some(Format::EcCube)
    } else {
        None
    }
}

/// Products one at a time, then the issues of rows that belong to none.
pub struct ProductReader {
    table: Table<Box<dyn Read + Send>>,
    mapper: Box<dyn Mapper + Send>,
    pub encoding: TextEncoding,
    pub format: Format,
    pending: Option<(String, ImportedProduct)>,
    seen: HashSet<String>,
    issues: Vec<RowIssue>,
    done: bool,
}

/// Opens a product file: decoded, header read, format known.
pub fn read_products(
    input: impl Read + Send + 'static,
    format: Option<Format>,
    limits: Limits,
) -> Result<ProductReader, FileError> {
    let (encoding, text) = decode(Limited::new(input, limits.max_bytes))?;
    let boxed: Box<dyn Read + Send> = Box::new(text);
    let table = Table::open(boxed, limits)?;
    let detected = detect(&table);
    let format = match (format, detected) {
        (Some(f), _) => f,
        (None, Some(f)) => f,
        (None, None) => {
            return Err(FileError::error(
                1,
                "",
                &table.header.join(","),
                "ヘッダーから形式が分かりません(Shopify・EC-CUBE・akinai の商品CSVを、ヘッダー行付きで読み込んでください)",
            ))
        }
    };
    let mapper: Box<dyn Mapper + Send> = match format {
        Format::Shopify => Box::new(shopify::ShopifyProducts::new(&table)?),
        Format::EcCube => Box::new(eccube::EcCubeProducts::new(&table)?),
        Format::Akinai => Box::new(own::OwnProducts::new(&table)?),
    };
    Ok(ProductReader {
        table,
        mapper,
        encoding,
        format,
        pending: None,
        seen: HashSet::new(),
        issues: Vec::new(),
        done: false,
    })
}

/// The error of a format whose required columns are missing.
pub(crate) fn missing(format: Format, columns: &[&str]) -> FileError {
    FileError::error(
        1,
        "",
        &columns.join(", "),
        format!(
            "{} の形式に必要な列がありません: {}",
            format.name(),
            columns.join(", ")
        ),
    )
}

impl ProductReader {
    /// Issues of rows that belong to no product (ragged rows, over-long cells).
    pub fn take_issues(&mut self) -> Vec<RowIssue> {
        std::mem::take(&mut self.issues)
    }

    fn finish(&mut self, key: String, mut product: ImportedProduct) -> ImportedProduct {
        if !self.seen.insert(key) {
            product.issues.push(RowIssue::error(
                product.row,
                "",
                &product.handle,
                "同じ商品の行が離れた所にもあります(1つの商品の行はまとめて並べてください)",
            ));
        }
        product
    }
}

impl Iterator for ProductReader {
    type Item = Result<ImportedProduct, FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            let row = match self.table.next_row() {
                Ok(Some(row)) => row,
                Ok(None) => {
                    self.done = true;
                    let (key, product) = self.pending.take()?;
                    return Some(Ok(self.finish(key, product)));
                }
                Err(TableError::Row(issue)) => {
                    self.issues.push(issue);
                    continue;
                }
                Err(TableError::File(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            let key = self.mapper.key(&row);
            match self.pending.take() {
                Some((k, mut product)) if k == key => {
                    self.mapper.more(&mut product, &row);
                    self.pending = Some((k, product));
                }
                Some((k, product)) => {
                    self.pending = Some((key, self.mapper.start(&row)));
                    return Some(Ok(self.finish(k, product)));
                }
                None => self.pending = Some((key, self.mapper.start(&row))),
            }
        }
    }
}
