//! Adding to the catalog (admin issue, item 5): new products with their first variant, more
//! variants (SKUs) for a product, and a variant's code and label changed. Codes and slugs are checked before anything is
//! written; every addition is audited (IPA-C-12).

use crate::CatalogAdmin;
use akinai_store::catalog_admin::SkuLabel;
use serde_json::json;

use akinai_domain::admin::ManageCatalog;
use akinai_domain::catalog::{hue_of, NewProduct, NewSku};
use akinai_domain::ids::{ProductId, SkuId};
use akinai_domain::Yen;

use akinai_domain::catalog::parse_whole as whole_number;

use super::catalog::{ProductForm, MAX_PRICE, MAX_STOCK_DELTA};
use super::Authorized;
use crate::accounts::Client;
use crate::CoreError;

/// Most variants one new product may bring (more are added one by one).
pub const MAX_VARIANTS: usize = 100;

/// Adds a form error's fields to `errors`; any other error is passed on.
fn gather(e: CoreError, errors: &mut Vec<(&'static str, &'static str)>) -> Result<(), CoreError> {
    match e {
        CoreError::InvalidForm(f) => {
            errors.extend(f);
            Ok(())
        }
        other => Err(other),
    }
}

/// Longest 棚番 (e.g. `A-12-3`), in characters.
pub const MAX_LOCATION_CHARS: usize = 20;

/// A variant as typed: code (品番), option label, price, first stock.
#[derive(Debug, Clone, Default)]
pub struct VariantForm {
    pub code: String,
    pub option_label: String,
    pub price: String,
    pub stock: String,
}

/// A variant's code and option label as typed: the code by [`code`], the label plain text up
/// to 60 characters or empty (a product with one variant needs none).
fn variant_names(code_input: &str, label: &str) -> Result<(String, String), CoreError> {
    let mut errors = Vec::new();
    let code = akinai_domain::transfer::sku_code(code_input);
    if code.is_none() {
        errors.push(("code", "error.invalid"));
    }
    let option_label = match label.trim() {
        "" => Some(String::new()),
        o => akinai_domain::address::parse_text(o, 60).ok(),
    };
    if option_label.is_none() {
        errors.push(("option_label", "error.invalid"));
    }
    match (code, option_label) {
        (Some(c), Some(o)) => Ok((c, o)),
        _ => Err(CoreError::InvalidForm(errors)),
    }
}

/// A code or slug: 1 to 40 ASCII letters, digits, `-` and `_`.
pub(super) fn code(input: &str) -> Option<String> {
    let c = input.trim();
    (!c.is_empty()
        && c.len() <= 40
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then(|| c.to_string())
}

impl VariantForm {
    fn parse(&self) -> Result<NewSku, CoreError> {
        let mut errors = Vec::new();
        let names = variant_names(&self.code, &self.option_label);
        if let Err(CoreError::InvalidForm(e)) = &names {
            errors.extend(e.iter().copied());
        }
        let (code, option_label) = match names {
            Ok((c, o)) => (Some(c), Some(o)),
            Err(_) => (None, None),
        };
        let price = whole_number(&self.price, 0..=MAX_PRICE);
        if price.is_none() {
            errors.push(("price", "error.invalid"));
        }
        let stock = whole_number(&self.stock, 0..=MAX_STOCK_DELTA);
        if stock.is_none() {
            errors.push(("stock", "error.invalid"));
        }
        match (code, option_label, price, stock) {
            (Some(code), Some(option_label), Some(price), Some(stock)) => Ok(NewSku {
                code,
                option_label,
                price: Yen(price),
                stock,
            }),
            _ => Err(CoreError::InvalidForm(errors)),
        }
    }
}

impl CatalogAdmin {
    /// Creates a product with its variants (the back office's form has one; the API may send
    /// up to [`MAX_VARIANTS`]); returns its id. Every field and every variant is checked, and
    /// codes must be new and differ from each other, before anything is written; the product
    /// and its SKUs are stored in one transaction with their `product.updated` event.
    pub async fn create_product(
        &self,
        by: &Authorized<ManageCatalog>,
        form: &ProductForm,
        variants: &[VariantForm],
        client: &Client,
    ) -> Result<ProductId, CoreError> {
        let s = by.principal();
        let categories = self.catalog_store.categories().await?;
        let mut errors = Vec::new();
        let edit = match form.parse(&categories) {
            Ok(e) => Some(e),
            Err(e) => {
                gather(e, &mut errors)?;
                None
            }
        };
        if variants.is_empty() || variants.len() > MAX_VARIANTS {
            errors.push(("variants", "error.invalid"));
        }
        let mut skus: Vec<NewSku> = Vec::with_capacity(variants.len());
        for v in variants {
            match v.parse() {
                Ok(sku) if skus.iter().any(|k| k.code == sku.code) => {
                    errors.push(("code", "admin.code_taken"));
                }
                Ok(sku) => skus.push(sku),
                Err(e) => gather(e, &mut errors)?,
            }
        }
        for sku in &skus {
            if self.catalog_admin_store.sku_code_taken(&sku.code).await? {
                errors.push(("code", "admin.code_taken"));
            }
        }
        let edit = match edit {
            Some(e) if errors.is_empty() => e,
            _ => {
                errors.dedup();
                return Err(CoreError::InvalidForm(errors));
            }
        };
        let id = self
            .catalog_admin_store
            .add_product(
                &NewProduct {
                    category_id: edit.category_id,
                    name: edit.name.clone(),
                    description: edit.description.clone(),
                    tax_category: edit.tax_category,
                    image_hue: hue_of(&edit.name),
                    published: edit.published,
                    skus: skus.clone(),
                },
                self.base.clock.now(),
            )
            .await?;
        let variants: Vec<_> = skus
            .iter()
            .map(|k| json!({ "sku": k.code, "option": k.option_label, "price": k.price.0, "stock": k.stock }))
            .collect();
        self.audit
            .record(
                &s.audit_context(client),
                "product.create",
                &format!("product:{}", id.0),
                json!({ "name": edit.name, "published": edit.published, "variants": variants }),
            )
            .await?;
        Ok(id)
    }

    /// Changes a variant's code (品番), option label and 棚番 (where it is kept, for the
    /// picking list); price and stock have their own forms. Orders already placed keep the
    /// code and label they were placed with.
    #[allow(clippy::too_many_arguments)]
    pub async fn relabel_variant(
        &self,
        by: &Authorized<ManageCatalog>,
        product: ProductId,
        sku: SkuId,
        code_input: &str,
        label_input: &str,
        location_input: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.principal();
        let (code, option_label) = variant_names(code_input, label_input)?;
        let location =
            akinai_domain::address::parse_optional_text(location_input, MAX_LOCATION_CHARS)
                .map_err(|_| CoreError::InvalidForm(vec![("location", "error.invalid")]))?
                .unwrap_or_default();
        let before = self.sku_of(product, sku).await?;
        let before_location = self
            .catalog_admin_store
            .sku_locations(std::slice::from_ref(&before.code))
            .await?
            .pop()
            .map(|(_, l)| l)
            .unwrap_or_default();
        match self
            .catalog_admin_store
            .relabel_sku(
                product,
                sku,
                &SkuLabel {
                    code: &code,
                    option_label: &option_label,
                    location: &location,
                },
                self.base.clock.now(),
            )
            .await?
        {
            None => return Err(CoreError::InvalidForm(vec![("code", "admin.code_taken")])),
            Some(false) => return Err(CoreError::NotFound),
            Some(true) => {}
        }
        self.audit
            .record(
                &s.audit_context(client),
                "sku.update",
                &format!("sku:{}", sku.0),
                json!({
                    "before": { "code": before.code, "option": before.option_label, "location": before_location },
                    "after": { "code": code, "option": option_label, "location": location },
                }),
            )
            .await?;
        Ok(())
    }

    /// Adds a variant (SKU) to a product.
    pub async fn add_variant(
        &self,
        by: &Authorized<ManageCatalog>,
        product: ProductId,
        variant: &VariantForm,
        client: &Client,
    ) -> Result<SkuId, CoreError> {
        let s = by.principal();
        let sku = variant.parse()?;
        if self
            .catalog_admin_store
            .admin_product(product)
            .await?
            .is_none()
        {
            return Err(CoreError::NotFound);
        }
        let id = self
            .catalog_admin_store
            .add_sku(product, &sku, self.base.clock.now())
            .await?
            .ok_or(CoreError::InvalidForm(vec![("code", "admin.code_taken")]))?;
        self.audit.record(
            &s.audit_context(client),
            "sku.create",
            &format!("sku:{}", id.0),
            json!({ "product": product.0, "code": sku.code, "option": sku.option_label, "price": sku.price.0, "stock": sku.stock }),
        )
        .await?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_plain_ascii() {
        assert_eq!(code(" MIRIN-500_a ").as_deref(), Some("MIRIN-500_a"));
        for bad in ["", "みりん", "a b", "a/b", &"x".repeat(41)] {
            assert_eq!(code(bad), None, "{bad}");
        }
    }

    #[test]
    fn variants_are_parsed_whole() {
        let ok = VariantForm {
            code: "T-1".into(),
            option_label: "".into(),
            price: "1,980".into(),
            stock: "12".into(),
        };
        assert_eq!(ok.parse().unwrap().price, Yen(1980));
        let bad = VariantForm {
            price: "-1".into(),
            ..ok
        };
        assert!(
            matches!(bad.parse(), Err(CoreError::InvalidForm(f)) if f == vec![("price", "error.invalid")])
        );
    }
}
