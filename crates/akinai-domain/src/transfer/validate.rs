//! Validation of an imported product with the admin's rules: names printable and bounded,
//! descriptions through the same sanitiser (with what it removed reported), prices as whole yen
//! converted once from tax-excluded files by the shop's rounding rule (JP-TAX-1: the storefront
//! shows tax-inclusive prices, so akinai stores them), SKU codes plain and unique.

use std::collections::BTreeSet;

use crate::address::{parse_text, FieldError};
use crate::rich_text::SafeHtml;
use crate::tax::{RoundingMode, TaxCategory};
use crate::Yen;

use super::{ImportedProduct, RowIssue};

/// Longest product name (as the admin form).
pub const MAX_NAME: usize = 100;
/// Longest description, in characters of sanitised HTML (as the admin form).
pub const MAX_DESCRIPTION: usize = 20_000;
/// Highest price, tax included (as the admin form).
pub const MAX_PRICE: i64 = 10_000_000;
/// Highest stock an import sets.
pub const MAX_STOCK: i64 = 1_000_000;
/// Longest SKU code.
pub const MAX_SKU_CODE: usize = 64;
/// Longest handle.
const MAX_HANDLE: usize = 255;
/// Longest category name and deepest path.
const MAX_CATEGORY_NAME: usize = 60;
const MAX_CATEGORY_DEPTH: usize = 5;
/// Longest variant label (as the admin form).
const MAX_OPTION_LABEL: usize = 60;

/// Whether the file's prices include consumption tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceBasis {
    TaxIncluded,
    TaxExcluded,
}

impl PriceBasis {
    /// The name the command line and the admin's form use.
    pub fn name(self) -> &'static str {
        match self {
            PriceBasis::TaxIncluded => "tax-included",
            PriceBasis::TaxExcluded => "tax-excluded",
        }
    }

    pub fn parse(name: &str) -> Option<PriceBasis> {
        [PriceBasis::TaxIncluded, PriceBasis::TaxExcluded]
            .into_iter()
            .find(|b| b.name() == name)
    }
}

/// A product that passed validation, ready to be compared with the shop and written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProduct {
    pub row: u64,
    pub handle: String,
    pub name: String,
    pub description: SafeHtml,
    pub category_path: Vec<String>,
    pub tax: TaxCategory,
    pub published: bool,
    pub skus: Vec<ValidSku>,
    pub images: Vec<String>,
}

/// A variant that passed validation; the price includes tax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSku {
    pub row: u64,
    pub code: String,
    pub option_label: String,
    pub price: Yen,
    pub stock: i64,
}

/// A SKU code (品番): 1 to [`MAX_SKU_CODE`] visible ASCII characters (letters, digits and
/// signs, no spaces), as carriers' files and barcodes take them.
pub fn sku_code(input: &str) -> Option<String> {
    let c = input.trim();
    (!c.is_empty() && c.len() <= MAX_SKU_CODE && c.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| c.to_string())
}

/// A tax-excluded price with its consumption tax added, the tax rounded once by `mode`.
pub fn price_with_tax(excluded: Yen, tax: TaxCategory, mode: RoundingMode) -> Yen {
    let rate = i64::from(tax.rate_percent());
    let tax_amount = excluded.0.saturating_mul(rate);
    let whole = tax_amount / 100;
    let rest = tax_amount % 100;
    let tax_yen = match mode {
        RoundingMode::Floor => whole,
        RoundingMode::Ceil => whole + i64::from(rest > 0),
        RoundingMode::HalfUp => whole + i64::from(rest >= 50),
    };
    Yen(excluded.0.saturating_add(tax_yen))
}

/// A price as files write it: `1980`, `1,980`, `¥1,980`, `1980.00` (Shopify), full-width
/// digits; fractions of a yen are refused.
fn parse_price(input: &str) -> Option<i64> {
    use unicode_normalization::UnicodeNormalization;
    let s: String = input
        .nfkc()
        .filter(|c| !matches!(c, ',' | '¥' | '\\' | '円'))
        .collect();
    let s = s.trim();
    let whole = match s.split_once('.') {
        Some((w, frac)) if frac.bytes().all(|b| b == b'0') => w,
        Some(_) => return None,
        None => s,
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    whole.parse().ok()
}

/// The tag and attribute names of some HTML, lower-cased (a small scanner: enough to tell what
/// the sanitiser removed, not a parser).
fn markup_names(html: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let after = rest[open + 1..].trim_start_matches('/');
        let tag: String = after
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let end = after.find('>').unwrap_or(after.len());
        if !tag.is_empty() {
            names.insert(tag.to_ascii_lowercase());
            let mut quote = None;
            let mut word = String::new();
            for c in after[tag.len()..end].chars() {
                match (quote, c) {
                    (Some(q), c) if c == q => quote = None,
                    (Some(_), _) => {}
                    (None, '"' | '\'') => quote = Some(c),
                    (None, c) if c.is_ascii_alphanumeric() || c == '-' || c == '_' => word.push(c),
                    (None, '=') => {
                        if !word.is_empty() {
                            names.insert(word.to_ascii_lowercase());
                        }
                        word.clear();
                    }
                    (None, _) => word.clear(),
                }
            }
        }
        rest = &after[end..];
    }
    names
}

fn field_message(e: &FieldError, what: &str) -> String {
    match e {
        FieldError::Required => format!("{what}がありません"),
        FieldError::TooLong(n) => format!("{what}が長すぎます({n}文字まで)"),
        _ => format!("{what}に使えない文字(制御文字)があります"),
    }
}

/// Checks a product read from a file; the product to write, or `None` when it has errors. The
/// issues (errors and warnings) are returned either way, the reader's first.
pub fn validate_product(
    p: &ImportedProduct,
    basis: PriceBasis,
    rounding: RoundingMode,
) -> (Option<ValidProduct>, Vec<RowIssue>) {
    let mut issues = p.issues.clone();
    let err = |issues: &mut Vec<RowIssue>, row, col: &str, value: &str, msg: String| {
        issues.push(RowIssue::error(row, col, value, msg));
    };
    let handle = p.handle.trim();
    if handle.is_empty()
        || handle.chars().count() > MAX_HANDLE
        || handle.chars().any(char::is_control)
    {
        err(
            &mut issues,
            p.row,
            "handle",
            handle,
            format!("商品を識別するキー(ハンドル・商品ID)が空か不正です({MAX_HANDLE}文字まで)"),
        );
    }
    let name = parse_text(&p.name, MAX_NAME)
        .map_err(|e| {
            err(
                &mut issues,
                p.row,
                "name",
                &p.name,
                field_message(&e, "商品名"),
            )
        })
        .ok();
    let description = SafeHtml::sanitize(&p.description_html);
    let removed: Vec<String> = markup_names(&p.description_html)
        .difference(&markup_names(description.as_str()))
        .cloned()
        .collect();
    if !removed.is_empty() {
        issues.push(RowIssue::warning(
            p.row,
            "description",
            &removed.join(", "),
            format!(
                "説明文から使えない要素を取り除きました: {}",
                removed.join(", ")
            ),
        ));
    }
    if description.as_str().chars().count() > MAX_DESCRIPTION {
        err(
            &mut issues,
            p.row,
            "description",
            "",
            format!("説明文が長すぎます({MAX_DESCRIPTION}文字まで)"),
        );
    }
    let mut category_path = Vec::new();
    if p.category_path.len() > MAX_CATEGORY_DEPTH {
        err(
            &mut issues,
            p.row,
            "category",
            &p.category_path.join(" > "),
            format!("カテゴリの階層が深すぎます({MAX_CATEGORY_DEPTH}段まで)"),
        );
    }
    for c in &p.category_path {
        match parse_text(c, MAX_CATEGORY_NAME) {
            Ok(c) => category_path.push(c),
            Err(e) => err(
                &mut issues,
                p.row,
                "category",
                c,
                field_message(&e, "カテゴリ名"),
            ),
        }
    }
    let tax = p.tax.unwrap_or(TaxCategory::Standard);
    if p.variants.is_empty() {
        err(
            &mut issues,
            p.row,
            "",
            "",
            "SKU(バリエーション)が1つもありません".into(),
        );
    }
    let mut skus = Vec::new();
    let mut codes = BTreeSet::new();
    for v in &p.variants {
        let code = sku_code(&v.code);
        match &code {
            None => err(
                &mut issues,
                v.row,
                v.code_column,
                &v.code,
                format!(
                    "SKUが空か、使えない文字があります(半角の英数字と記号、{MAX_SKU_CODE}文字まで)"
                ),
            ),
            Some(c) if !codes.insert(c.clone()) => err(
                &mut issues,
                v.row,
                v.code_column,
                c,
                "同じ商品の中でSKUが重複しています".into(),
            ),
            Some(_) => {}
        }
        let option_label = match v.option_label.trim() {
            "" => Some(String::new()),
            l => parse_text(l, MAX_OPTION_LABEL)
                .map_err(|e| err(&mut issues, v.row, "option", l, field_message(&e, "規格名")))
                .ok(),
        };
        let price = match parse_price(&v.price) {
            Some(n) if n <= MAX_PRICE => {
                let stated = Yen(n);
                let price = match basis {
                    PriceBasis::TaxIncluded => stated,
                    PriceBasis::TaxExcluded => price_with_tax(stated, tax, rounding),
                };
                (price.0 <= MAX_PRICE).then_some(price)
            }
            _ => None,
        };
        if price.is_none() {
            err(
                &mut issues,
                v.row,
                v.price_column,
                &v.price,
                format!("価格は0円から{MAX_PRICE}円までの整数で書いてください"),
            );
        }
        let stock = match v.stock.trim() {
            "" => Some(0),
            s => match crate::catalog::parse_whole(s, i64::MIN..=i64::MAX) {
                Some(n) if n < 0 => {
                    issues.push(RowIssue::warning(
                        v.row,
                        v.stock_column,
                        s,
                        "在庫数がマイナスなので0として取り込みます",
                    ));
                    Some(0)
                }
                Some(n) if n <= MAX_STOCK => Some(n),
                _ => None,
            },
        };
        if stock.is_none() {
            err(
                &mut issues,
                v.row,
                v.stock_column,
                &v.stock,
                format!("在庫数は0から{MAX_STOCK}までの整数で書いてください"),
            );
        }
        if let (Some(code), Some(option_label), Some(price), Some(stock)) =
            (code, option_label, price, stock)
        {
            skus.push(ValidSku {
                row: v.row,
                code,
                option_label,
                price,
                stock,
            });
        }
    }
    if issues.iter().any(RowIssue::is_error) {
        return (None, issues);
    }
    let Some(name) = name else {
        return (None, issues);
    };
    let valid = ValidProduct {
        row: p.row,
        handle: handle.to_string(),
        name,
        description,
        category_path,
        tax,
        published: p.published,
        skus,
        images: p.images.clone(),
    };
    (Some(valid), issues)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::ImportedVariant;

    fn product(price: &str) -> ImportedProduct {
        ImportedProduct {
            row: 2,
            handle: "miso".into(),
            name: "味噌".into(),
            description_html: "<p>おいしい</p>".into(),
            published: true,
            variants: vec![ImportedVariant {
                row: 2,
                code: "MISO-1".into(),
                price: price.into(),
                stock: "5".into(),
                price_column: "price",
                stock_column: "stock",
                code_column: "sku",
                ..ImportedVariant::default()
            }],
            ..ImportedProduct::default()
        }
    }

    #[test]
    fn prices_are_whole_yen_in_the_forms_files_use() {
        for (text, yen) in [
            ("1980", 1980),
            ("1,980", 1980),
            ("¥1,980", 1980),
            ("1980.00", 1980),
            ("１９８０", 1980),
            ("0", 0),
        ] {
            assert_eq!(parse_price(text), Some(yen), "{text}");
        }
        for bad in ["", "19.80", "-5", "abc", "1e3"] {
            assert_eq!(parse_price(bad), None, "{bad}");
        }
    }

    #[test]
    fn jp_tax_1_excluded_prices_get_their_tax_once_by_the_rounding_rule() {
        use RoundingMode::{Ceil, Floor, HalfUp};
        use TaxCategory::{NonTaxable, Reduced, Standard};
        for (excluded, tax, mode, included) in [
            (1000, Standard, Floor, 1100),
            (1000, Reduced, Floor, 1080),
            (999, Reduced, Floor, 1078),
            (999, Reduced, Ceil, 1079),
            (999, Reduced, HalfUp, 1079),
            (500, NonTaxable, Ceil, 500),
        ] {
            assert_eq!(price_with_tax(Yen(excluded), tax, mode), Yen(included));
        }
        let p = product("1000");
        let (v, _) = validate_product(
            &ImportedProduct {
                tax: Some(TaxCategory::Reduced),
                ..p
            },
            PriceBasis::TaxExcluded,
            RoundingMode::Floor,
        );
        assert_eq!(v.map(|v| v.skus[0].price), Some(Yen(1080)));
    }

    #[test]
    fn sws_5_scripts_and_handlers_are_removed_and_reported() {
        let mut p = product("100");
        p.description_html = "<p onclick=\"steal()\">味</p><script>alert(1)</script><a href=\"https://x.example\">x</a>".into();
        let (v, issues) = validate_product(&p, PriceBasis::TaxIncluded, RoundingMode::Floor);
        let v = v.unwrap();
        assert!(!v.description.as_str().contains("script"));
        assert!(!v.description.as_str().contains("onclick"));
        assert_eq!(issues.len(), 1);
        assert!(!issues[0].is_error());
        assert!(
            issues[0].message.contains("onclick") && issues[0].message.contains("script"),
            "{:?}",
            issues[0]
        );
        // Harmless markup is not reported.
        p.description_html = "<p>味<br>噌</p><ul><li>1</li></ul>".into();
        assert!(
            validate_product(&p, PriceBasis::TaxIncluded, RoundingMode::Floor)
                .1
                .is_empty()
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_row_and_column() {
        let mut p = product("19.5");
        p.name = String::new();
        p.variants.push(ImportedVariant {
            row: 3,
            code: "MISO-1".into(),
            price: "1".into(),
            stock: "x".into(),
            price_column: "price",
            stock_column: "stock",
            code_column: "sku",
            ..ImportedVariant::default()
        });
        p.variants.push(ImportedVariant {
            row: 4,
            code: "味噌 1".into(),
            price: "1".into(),
            stock: "-3".into(),
            price_column: "price",
            stock_column: "stock",
            code_column: "sku",
            ..ImportedVariant::default()
        });
        let (v, issues) = validate_product(&p, PriceBasis::TaxIncluded, RoundingMode::Floor);
        assert!(v.is_none());
        let errors: Vec<(u64, &str)> = issues
            .iter()
            .filter(|i| i.is_error())
            .map(|i| (i.row, i.column.as_str()))
            .collect();
        assert_eq!(
            errors,
            vec![
                (2, "name"),
                (2, "price"),
                (3, "sku"),
                (3, "stock"),
                (4, "sku")
            ]
        );
        assert!(
            issues.iter().any(|i| !i.is_error() && i.row == 4),
            "negative stock is a warning"
        );
    }

    #[test]
    fn sku_codes_are_visible_ascii() {
        assert_eq!(sku_code(" AB-1/黒 "), None);
        assert_eq!(sku_code(" AB-1/BK "), Some("AB-1/BK".into()));
        assert_eq!(sku_code("A B"), None);
        assert_eq!(sku_code(&"x".repeat(65)), None);
    }
}
