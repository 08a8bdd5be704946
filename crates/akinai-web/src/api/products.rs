//! Product writes of the API (`products:write`): `POST /api/v1/products` (a product with its
//! variants), `PATCH /api/v1/products/{id}` (the fields given), `POST
//! /api/v1/products/{id}/variants` (one more variant) and `PATCH
//! /api/v1/products/{id}/variants/{variant_id}` (code, label, 棚番, price). Each goes through
//! the back office's use case, so the checks, the audit entry (the token as actor) and the
//! `product.updated` event are the admin's; each answers with the product as saved.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use akinai_core::admin::{ProductForm, ProductPatch, VariantForm, VariantPatch};
use akinai_domain::admin::ManageCatalog;
use akinai_domain::ids::{ProductId, SkuId};

use super::json::Product;
use super::page::{whole, whole_or_none, ApiJson};
use super::{Caller, Problem};
use crate::AppState;

/// `standard` (10%) or `reduced` (8%, 軽減税率: food and drink).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaxCategoryName {
    Standard,
    Reduced,
}

impl TaxCategoryName {
    fn as_str(self) -> &'static str {
        match self {
            TaxCategoryName::Standard => "standard",
            TaxCategoryName::Reduced => "reduced",
        }
    }
}

/// A variant (SKU) to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVariant {
    /// The SKU code: 1–64 visible ASCII characters (letters, digits, `-`, `_`, `/` …), unique in
    /// the shop.
    #[schema(min_length = 1, max_length = 64, pattern = "^[!-~]+$")]
    pub sku: String,
    /// e.g. `M / 黒`; empty or absent for a product without options (at most 60 characters, no
    /// control characters).
    #[schema(max_length = 60, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    #[serde(default)]
    pub option_label: String,
    /// Tax-inclusive price in yen.
    #[schema(minimum = 0, maximum = 10000000)]
    #[serde(deserialize_with = "whole")]
    pub price: i64,
    /// Units in stock at the start.
    #[schema(minimum = 0, maximum = 100000)]
    #[serde(default, deserialize_with = "whole")]
    pub stock: i64,
}

impl NewVariant {
    fn form(&self) -> VariantForm {
        VariantForm {
            code: self.sku.clone(),
            option_label: self.option_label.clone(),
            price: self.price.to_string(),
            stock: self.stock.to_string(),
        }
    }
}

/// A product to create, with 1–100 variants.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProductRequest {
    /// 1–100 characters, not only spaces, no control characters.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub name: String,
    /// A category's id (`GET /api/v1/categories`).
    #[schema(minimum = 1)]
    #[serde(deserialize_with = "whole")]
    pub category_id: i64,
    /// HTML; sanitised as in the back office (scripts, styles and event handlers removed).
    #[schema(max_length = 20000)]
    #[serde(default)]
    pub description: String,
    pub tax_category: TaxCategoryName,
    /// Shown in the shop at once (false: saved hidden).
    #[serde(default)]
    pub published: bool,
    #[schema(min_items = 1, max_items = 100)]
    pub variants: Vec<NewVariant>,
}

/// The fields of a product to change; those left out keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductChanges {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub name: Option<String>,
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "whole_or_none")]
    pub category_id: Option<i64>,
    #[schema(max_length = 20000)]
    pub description: Option<String>,
    pub tax_category: Option<TaxCategoryName>,
    /// Publish now (a schedule is dropped) or hide.
    pub published: Option<bool>,
}

/// The fields of a variant to change; those left out keep their value. Stock changes go
/// through `/api/v1/inventory/…` (with a reason).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantChanges {
    #[schema(min_length = 1, max_length = 64, pattern = "^[!-~]+$")]
    pub sku: Option<String>,
    #[schema(max_length = 60, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub option_label: Option<String>,
    /// 棚番 (where it is kept, for the picking list), at most 20 characters.
    #[schema(max_length = 20, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub location: Option<String>,
    #[schema(minimum = 0, maximum = 10000000)]
    #[serde(default, deserialize_with = "whole_or_none")]
    pub price: Option<i64>,
}

/// A use case's error in the API's words: its form fields `code` and `category` are the
/// JSON's `sku` and `category_id`. A request the schema allows but the shop's state refuses — a
/// SKU code already in use, a category that does not exist — is a 409 with the fields named.
fn refused(e: akinai_core::CoreError) -> Problem {
    let conflict = matches!(&e, akinai_core::CoreError::InvalidForm(fields)
        if fields.iter().all(|(f, k)| *k == "admin.code_taken" || *f == "category"));
    let mut p = Problem::from(e);
    if conflict {
        let errors = std::mem::take(&mut p.errors);
        p = Problem::conflict("a SKU code is already in use, or the category does not exist");
        p.errors = errors;
    }
    for f in &mut p.errors {
        f.field = match f.field.as_str() {
            "code" => "sku",
            "category" => "category_id",
            other => other,
        }
        .to_string();
    }
    p
}

async fn saved(state: &AppState, caller: &Caller, id: ProductId) -> Result<Product, Problem> {
    let proof = caller.0.authorize::<ManageCatalog>()?;
    let page = state
        .shop
        .catalog_admin()
        .admin_product_page(&proof, id)
        .await?;
    Ok(Product::from(page.product))
}

/// Creates a product with its variants.
#[utoipa::path(post, path = "/api/v1/products", tag = "products",
    params(("Idempotency-Key" = String, Header, description = "A new key for each new request", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    request_body = NewProductRequest,
    security(("bearer" = ["products:write"])),
    responses(
        (status = 201, description = "The product as saved", body = Product),
        (status = 400, description = "A bad field (each named in `errors`), or a bad Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:write`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A SKU code already in use or a category that does not exist (named in `errors`), or the Idempotency-Key's request is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used for a different request", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn products_post(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(p): ApiJson<NewProductRequest>,
) -> Result<(StatusCode, Json<Product>), Problem> {
    let proof = caller.0.authorize::<ManageCatalog>()?;
    let form = ProductForm {
        category: p.category_id.to_string(),
        name: p.name,
        description: p.description,
        tax_category: p.tax_category.as_str().to_string(),
        published: p.published,
        publish_at: String::new(),
    };
    let variants: Vec<VariantForm> = p.variants.iter().map(NewVariant::form).collect();
    let id = state
        .shop
        .catalog_admin()
        .create_product(&proof, &form, &variants, &caller.1)
        .await
        .map_err(refused)?;
    Ok((StatusCode::CREATED, Json(saved(&state, &caller, id).await?)))
}

/// Changes a product's fields.
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "products",
    params(("id" = i64, Path, description = "The product's id", minimum = 1)),
    request_body = ProductChanges,
    security(("bearer" = ["products:write"])),
    responses(
        (status = 200, description = "The product as saved", body = Product),
        (status = 400, description = "A bad id or field (each named in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A category that does not exist (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn product_patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(c): ApiJson<ProductChanges>,
) -> Result<Json<Product>, Problem> {
    let id = ProductId(super::path_id(&id)?);
    let proof = caller.0.authorize::<ManageCatalog>()?;
    let patch = ProductPatch {
        category: c.category_id,
        name: c.name,
        description: c.description,
        tax_category: c.tax_category.map(|t| t.as_str().to_string()),
        published: c.published,
    };
    state
        .shop
        .catalog_admin()
        .patch_product(&proof, id, &patch, &caller.1)
        .await
        .map_err(refused)?;
    Ok(Json(saved(&state, &caller, id).await?))
}

/// Adds a variant to a product.
#[utoipa::path(post, path = "/api/v1/products/{id}/variants", tag = "products",
    params(("id" = i64, Path, description = "The product's id", minimum = 1),
        ("Idempotency-Key" = String, Header, description = "A new key for each new request", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    request_body = NewVariant,
    security(("bearer" = ["products:write"])),
    responses(
        (status = 201, description = "The product as saved", body = Product),
        (status = 400, description = "A bad id or field (named in `errors`), or a bad Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A SKU code already in use (named in `errors`), or the Idempotency-Key's request is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used for a different request", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn variants_post(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<NewVariant>,
) -> Result<(StatusCode, Json<Product>), Problem> {
    let id = ProductId(super::path_id(&id)?);
    let proof = caller.0.authorize::<ManageCatalog>()?;
    state
        .shop
        .catalog_admin()
        .add_variant(&proof, id, &v.form(), &caller.1)
        .await
        .map_err(refused)?;
    Ok((StatusCode::CREATED, Json(saved(&state, &caller, id).await?)))
}

/// Changes a variant's code, option label, 棚番 or price.
#[utoipa::path(patch, path = "/api/v1/products/{id}/variants/{variant_id}", tag = "products",
    params(("id" = i64, Path, description = "The product's id", minimum = 1),
        ("variant_id" = i64, Path, description = "The variant's id (`variants[].id`)", minimum = 1)),
    request_body = VariantChanges,
    security(("bearer" = ["products:write"])),
    responses(
        (status = 200, description = "The product as saved", body = Product),
        (status = 400, description = "A bad id or field (named in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product, or no such variant of it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A SKU code already in use (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn variant_patch(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, variant)): Path<(String, String)>,
    ApiJson(c): ApiJson<VariantChanges>,
) -> Result<Json<Product>, Problem> {
    let id = ProductId(super::path_id(&id)?);
    let variant = SkuId(
        variant
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                Problem::invalid_field("variant_id", "must be a positive whole number")
            })?,
    );
    let proof = caller.0.authorize::<ManageCatalog>()?;
    let patch = VariantPatch {
        code: c.sku,
        option_label: c.option_label,
        location: c.location,
        price: c.price,
    };
    state
        .shop
        .catalog_admin()
        .patch_variant(&proof, id, variant, &patch, &caller.1)
        .await
        .map_err(refused)?;
    Ok(Json(saved(&state, &caller, id).await?))
}
