//! EC-CUBE 4's product CSV (the columns of `getProductCsvHeader()` and of its admin export,
//! which adds `商品規格ID` and the `(名称)` columns): one row per 規格, grouped by 商品ID (or, for
//! new products without one, by 商品名). The handle is `ec-cube-<商品ID>`, so a second import
//! of the same file updates rather than duplicates. Categories and 規格 are taken by name when
//! the file has the `(名称)` columns, otherwise by their EC-CUBE IDs (「カテゴリ3」), to be
//! renamed in akinai afterwards. 税率 8 is the reduced rate, 10 the standard, 0 non-taxable; a
//! blank rate is the shop's standard. EC-CUBE prices are without tax unless the import says
//! otherwise. 在庫数無制限 becomes a stock of [`UNLIMITED_STOCK`] (akinai counts every unit).

use std::io::Read;

use akinai_domain::tax::TaxCategory;
use akinai_domain::transfer::RowIssue;

use crate::products::{missing, Mapper};
use crate::table::{Row, Table};
use crate::{file_name, generated_code, FileError, Format, ImportedProduct, ImportedVariant};

/// The stock an unlimited EC-CUBE product gets.
pub const UNLIMITED_STOCK: i64 = 99_999;

pub(crate) struct EcCubeProducts {
    id: Option<usize>,
    status: Option<usize>,
    name: Option<usize>,
    list_text: Option<usize>,
    detail_text: Option<usize>,
    deleted: Option<usize>,
    images: Option<usize>,
    category_ids: Option<usize>,
    category_names: Option<usize>,
    class1: Option<usize>,
    class2: Option<usize>,
    code: Option<usize>,
    stock: Option<usize>,
    unlimited: Option<usize>,
    price: Option<usize>,
    rate: Option<usize>,
}

impl EcCubeProducts {
    pub(crate) fn new(t: &Table<Box<dyn Read + Send>>) -> Result<EcCubeProducts, FileError> {
        let m = EcCubeProducts {
            id: t.column(&["商品ID"]),
            status: t.column(&["公開ステータス(ID)"]),
            name: t.column(&["商品名"]),
            list_text: t.column(&["商品説明(一覧)"]),
            detail_text: t.column(&["商品説明(詳細)"]),
            deleted: t.column(&["商品削除フラグ"]),
            images: t.column(&["商品画像"]),
            category_ids: t.column(&["商品カテゴリ(ID)"]),
            category_names: t.column(&["商品カテゴリ(名称)"]),
            class1: t.column(&["規格分類1(名称)", "規格分類1(ID)"]),
            class2: t.column(&["規格分類2(名称)", "規格分類2(ID)"]),
            code: t.column(&["商品コード"]),
            stock: t.column(&["在庫数"]),
            unlimited: t.column(&["在庫数無制限フラグ"]),
            price: t.column(&["販売価格"]),
            rate: t.column(&["税率"]),
        };
        let mut absent = Vec::new();
        for (col, name) in [
            (m.name, "商品名"),
            (m.price, "販売価格"),
            (m.status, "公開ステータス(ID)"),
        ] {
            if col.is_none() {
                absent.push(name);
            }
        }
        if absent.is_empty() {
            Ok(m)
        } else {
            Err(missing(Format::EcCube, &absent))
        }
    }

    fn add(&self, p: &mut ImportedProduct, row: &Row) {
        let mut code = row.get(self.code).to_string();
        if code.is_empty() {
            code = generated_code(&p.handle, p.variants.len() + 1);
            p.issues.push(RowIssue::warning(
                row.number,
                "商品コード",
                &code,
                format!("商品コードが空なので {code} を付けました"),
            ));
        }
        let mut stock = row.get(self.stock).to_string();
        if row.get(self.unlimited) == "1" {
            stock = UNLIMITED_STOCK.to_string();
            p.issues.push(RowIssue::warning(
                row.number,
                "在庫数無制限フラグ",
                "1",
                format!("在庫数無制限は在庫数 {UNLIMITED_STOCK} として取り込みます"),
            ));
        }
        let label: Vec<&str> = [row.get(self.class1), row.get(self.class2)]
            .into_iter()
            .filter(|c| !c.is_empty())
            .collect();
        p.variants.push(ImportedVariant {
            row: row.number,
            code,
            option_label: label.join(" / "),
            price: row.get(self.price).to_string(),
            stock,
            price_column: "販売価格",
            stock_column: "在庫数",
            code_column: "商品コード",
        });
        match row.get(self.rate) {
            "" => {}
            rate => {
                let tax = match rate.trim_end_matches('%') {
                    "8" => Some(TaxCategory::Reduced),
                    "10" => Some(TaxCategory::Standard),
                    "0" => Some(TaxCategory::NonTaxable),
                    _ => None,
                };
                match (tax, p.tax) {
                    (None, _) => p.issues.push(RowIssue::error(
                        row.number,
                        "税率",
                        rate,
                        "税率は 8・10・0 のいずれかにしてください",
                    )),
                    (Some(t), Some(before)) if t != before => p.issues.push(RowIssue::error(
                        row.number,
                        "税率",
                        rate,
                        "同じ商品の規格で税率が違います(akinai の税区分は商品ごとです)",
                    )),
                    (Some(t), _) => p.tax = Some(t),
                }
            }
        }
    }
}

impl Mapper for EcCubeProducts {
    fn key(&self, row: &Row) -> String {
        match row.get(self.id) {
            "" => format!("name:{}", row.get(self.name)),
            id => format!("id:{id}"),
        }
    }

    fn start(&self, row: &Row) -> ImportedProduct {
        let id = row.get(self.id);
        let handle = match (id, row.get(self.code)) {
            ("", "") => String::new(),
            ("", code) => format!("ec-cube-{code}"),
            (id, _) => format!("ec-cube-{id}"),
        };
        let description = match row.get(self.detail_text) {
            "" => row.get(self.list_text),
            d => d,
        };
        let category_path = match (row.get(self.category_names), row.get(self.category_ids)) {
            ("", "") => Vec::new(),
            ("", ids) => ids
                .split(',')
                .next()
                .map(|i| vec![format!("カテゴリ{}", i.trim())])
                .unwrap_or_default(),
            (names, _) => names
                .split(',')
                .next()
                .unwrap_or("")
                .split('>')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
        };
        let deleted = row.get(self.deleted) == "1";
        let mut p = ImportedProduct {
            row: row.number,
            handle,
            name: row.get(self.name).to_string(),
            description_html: description.to_string(),
            category_path,
            published: row.get(self.status) == "1" && !deleted,
            images: row
                .get(self.images)
                .split(',')
                .map(file_name)
                .filter(|n| !n.is_empty())
                .collect(),
            ..ImportedProduct::default()
        };
        if p.handle.is_empty() {
            p.issues.push(RowIssue::error(
                row.number,
                "商品ID",
                "",
                "商品IDか商品コードが必要です(商品を見分けるのに使います)",
            ));
        }
        if deleted {
            p.issues.push(RowIssue::warning(
                row.number,
                "商品削除フラグ",
                "1",
                "削除フラグの付いた商品は非公開で取り込みます(注文の記録のため削除はしません)",
            ));
        }
        self.add(&mut p, row);
        p
    }

    fn more(&self, product: &mut ImportedProduct, row: &Row) {
        self.add(product, row);
    }
}
