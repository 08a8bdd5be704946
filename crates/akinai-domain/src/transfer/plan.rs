//! The plan of an import: a valid product compared with the shop's product of the same handle.
//! New when the shop has none, unchanged when every field and every SKU of the file is as
//! stored (so importing the same file twice changes nothing), otherwise an update that names
//! what changes. SKUs the shop has but the file lacks are kept (orders refer to them).

use serde::Serialize;

use crate::ids::ProductId;
use crate::tax::TaxCategory;
use crate::Yen;

use super::ValidProduct;

/// A product as the shop stores it, for comparison and export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingProduct {
    pub id: ProductId,
    pub handle: String,
    pub name: String,
    /// Sanitised HTML (empty where only the key is needed).
    pub description: String,
    /// [`description_key`] of the description, what a plan compares.
    pub description_key: String,
    pub category_path: Vec<String>,
    pub tax: TaxCategory,
    pub published: bool,
    pub skus: Vec<ExistingSku>,
}

/// A SKU as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingSku {
    pub code: String,
    pub option_label: String,
    /// Tax included.
    pub price: Yen,
    pub stock: i64,
}

/// A digest of a description, so a plan over a large catalog compares descriptions without
/// holding them.
pub fn description_key(html: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(html.as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// What an import does with one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", content = "changes", rename_all = "snake_case")]
pub enum PlanAction {
    New,
    /// The fields that change, in Japanese (商品名, 価格, …).
    Update(Vec<&'static str>),
    Unchanged,
}

/// What importing `file` does to `shop` (the shop's product with the same handle, if any).
pub fn plan_product(file: &ValidProduct, shop: Option<&ExistingProduct>) -> PlanAction {
    let Some(shop) = shop else {
        return PlanAction::New;
    };
    let mut changes = Vec::new();
    let mut note = |changed: bool, what: &'static str| {
        if changed && !changes.contains(&what) {
            changes.push(what);
        }
    };
    note(file.name != shop.name, "商品名");
    note(
        description_key(file.description.as_str()) != shop.description_key,
        "説明",
    );
    note(file.category_path != shop.category_path, "カテゴリ");
    note(file.tax != shop.tax, "税区分");
    note(file.published != shop.published, "公開");
    for sku in &file.skus {
        match shop.skus.iter().find(|s| s.code == sku.code) {
            None => note(true, "SKUの追加"),
            Some(s) => {
                note(s.option_label != sku.option_label, "規格名");
                note(s.price != sku.price, "価格");
                note(s.stock != sku.stock, "在庫数");
            }
        }
    }
    if changes.is_empty() {
        PlanAction::Unchanged
    } else {
        PlanAction::Update(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rich_text::SafeHtml;
    use crate::transfer::ValidSku;

    fn file() -> ValidProduct {
        ValidProduct {
            row: 2,
            handle: "miso".into(),
            name: "味噌".into(),
            description: SafeHtml::sanitize("<p>味</p>"),
            category_path: vec!["食品".into()],
            tax: TaxCategory::Reduced,
            published: true,
            skus: vec![ValidSku {
                row: 2,
                code: "M-1".into(),
                option_label: String::new(),
                price: Yen(540),
                stock: 3,
            }],
            images: Vec::new(),
        }
    }

    fn stored(f: &ValidProduct) -> ExistingProduct {
        ExistingProduct {
            id: ProductId(1),
            handle: f.handle.clone(),
            name: f.name.clone(),
            description: f.description.as_str().to_string(),
            description_key: description_key(f.description.as_str()),
            category_path: f.category_path.clone(),
            tax: f.tax,
            published: f.published,
            skus: f
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

    #[test]
    fn the_same_file_again_changes_nothing() {
        let f = file();
        assert_eq!(plan_product(&f, None), PlanAction::New);
        let mut shop = stored(&f);
        assert_eq!(plan_product(&f, Some(&shop)), PlanAction::Unchanged);
        // A SKU only the shop has is kept and is no change.
        shop.skus.push(ExistingSku {
            code: "M-2".into(),
            option_label: "大".into(),
            price: Yen(900),
            stock: 1,
        });
        assert_eq!(plan_product(&f, Some(&shop)), PlanAction::Unchanged);
        shop.skus[0].price = Yen(500);
        shop.name = "みそ".into();
        assert_eq!(
            plan_product(&f, Some(&shop)),
            PlanAction::Update(vec!["商品名", "価格"])
        );
    }
}
