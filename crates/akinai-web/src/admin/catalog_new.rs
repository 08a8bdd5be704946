//! Adding to the catalog and acting on many products (admin issue, item 5): the new-product
//! page, adding variants, and publishing or unpublishing many products at once.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::admin::{ProductForm, SignedInAdmin, VariantForm};
use akinai_core::CoreError;
use akinai_domain::admin::ManageCatalog;
use akinai_domain::ids::ProductId;

use super::catalog::{again, list, parse_id};
use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/product_new.html")]
struct NewPage {
    csrf: String,
    categories: Vec<(i64, String)>,
    form: NewForm,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub(super) struct NewForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    tax_category: String,
    #[serde(default)]
    published: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    option_label: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    stock: String,
}

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    form: NewForm,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCatalog>()?;
    let categories = state
        .shop
        .catalog_admin()
        .admin_categories(&proof)
        .await?
        .into_iter()
        .map(|c| (c.id.0, c.name))
        .collect();
    let page = NewPage {
        csrf: ctx.csrf.clone(),
        categories,
        form,
        error,
    };
    ctx.page(status, &page)
}

pub(super) async fn new_get(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let form = NewForm {
        tax_category: "standard".into(),
        stock: "0".into(),
        ..NewForm::default()
    };
    new_page(&state, &ctx, &a, form, StatusCode::OK, None).await
}

fn variant_of(f: &NewForm) -> VariantForm {
    VariantForm {
        code: f.code.clone(),
        option_label: f.option_label.clone(),
        price: f.price.clone(),
        stock: f.stock.clone(),
    }
}

fn taken_or(fields: &[(&str, &str)], otherwise: &'static str) -> &'static str {
    if fields.iter().any(|(_, k)| *k == "admin.code_taken") {
        "この品番(またはカテゴリのURL名)はすでに使われています。"
    } else {
        otherwise
    }
}

pub(super) async fn new_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<NewForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCatalog>()?;
    let product = ProductForm {
        category: f.category.clone(),
        name: f.name.clone(),
        description: f.description.clone(),
        tax_category: f.tax_category.clone(),
        published: f.published == "1",
        publish_at: String::new(),
    };
    match state
        .shop
        .catalog_admin()
        .create_product(&proof, &product, &[variant_of(&f)], &ctx.client)
        .await
    {
        Ok(id) => Ok(ctx.redirect(&format!("/admin/products/{}?saved=1", id.0))),
        Err(CoreError::InvalidForm(fields)) => {
            let text = taken_or(
                &fields,
                "入力内容を確認してください(商品名・カテゴリ・税区分、品番は半角英数字と - _、価格と在庫は 0 以上の整数)。",
            );
            new_page(
                &state,
                &ctx,
                &a,
                f,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(text),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn variant_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<NewForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<ManageCatalog>()?;
    match state
        .shop
        .catalog_admin()
        .add_variant(&proof, id, &variant_of(&f), &ctx.client)
        .await
    {
        Ok(_) => Ok(ctx.redirect(&format!("/admin/products/{}?saved=1", id.0))),
        Err(CoreError::InvalidForm(fields)) => {
            let text = taken_or(
                &fields,
                "品番は半角英数字と - _、価格と在庫は 0 以上の整数で入力してください。",
            );
            again(
                &state,
                &ctx,
                &a,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(text),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Publishes or unpublishes the ticked products of the list.
pub(super) async fn bulk_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCatalog>()?;
    let ids: Vec<ProductId> = fields
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| v.parse().ok().map(ProductId))
        .collect();
    let publish = match fields
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.as_str())
    {
        Some("publish") => true,
        Some("unpublish") => false,
        _ => return Err(WebError::BadRequest("errorpage.unreadable_form")),
    };
    match state
        .shop
        .catalog_admin()
        .bulk_publish(&proof, &ids, publish, &ctx.client)
        .await
    {
        Ok(_) => Ok(ctx.redirect("/admin/products")),
        Err(CoreError::InvalidForm(_)) => {
            let text = "商品を 1〜100 件選んでください。";
            list(
                &state,
                &ctx,
                &a,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(text),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
