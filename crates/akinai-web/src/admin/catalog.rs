//! The catalog pages (admin issue, item 5): the product list, a product's edit page with its
//! prices, stock adjustments (by delta) and images, and the upload form. The handlers parse and
//! render; the core validates, decides and audits.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::admin::{ImageChange, ProductForm, ProductPage, SignedInAdmin};
use akinai_core::images::ImageRejected;
use akinai_core::CoreError;
use akinai_domain::admin::ManageCatalog;
use akinai_domain::ids::{ImageName, ProductId, SkuId};

use super::AdminExt;
use crate::error::WebError;
use crate::form::{CsrfForm, CsrfUpload};
use crate::layout::Ctx;
use crate::AppState;

struct ListRow {
    id: i64,
    name: String,
    published: bool,
    skus: i64,
    stock: i64,
    price: String,
}

#[derive(Template)]
#[template(path = "admin/products.html")]
struct ListPage {
    csrf: String,
    rows: Vec<ListRow>,
    next: Option<i64>,
    message: Option<&'static str>,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    #[serde(default)]
    after: String,
}

pub(super) async fn list_get(
    Query(q): Query<ListQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let after = match q.after.trim() {
        "" => None,
        s => Some(ProductId(
            s.parse()
                .map_err(|_| WebError::BadRequest("errorpage.bad_cursor"))?,
        )),
    };
    list(&state, &ctx, &a, after, StatusCode::OK, None, None).await
}

pub(super) async fn list(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    after: Option<ProductId>,
    status: StatusCode,
    message: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCatalog>()?;
    let rows = state
        .shop
        .catalog_admin()
        .admin_products(&proof, after)
        .await?;
    let next = (rows.len() == akinai_core::admin::PRODUCTS_PER_PAGE as usize)
        .then(|| rows.last().map(|r| r.id.0))
        .flatten();
    let rows = rows
        .into_iter()
        .map(|r| ListRow {
            id: r.id.0,
            name: r.name,
            published: r.published,
            skus: r.skus,
            stock: r.stock,
            price: r.price_min.display(),
        })
        .collect();
    let page = ListPage {
        csrf: ctx.csrf.clone(),
        rows,
        next,
        message,
        error,
    };
    ctx.page(status, &page)
}

struct SkuRow {
    id: i64,
    code: String,
    option: String,
    /// 棚番 (empty when not set).
    location: String,
    price: i64,
    stock: i64,
}

#[derive(Template)]
#[template(path = "admin/product.html")]
struct EditPage {
    csrf: String,
    id: i64,
    name: String,
    description: String,
    category: i64,
    tax_category: &'static str,
    published: bool,
    publish_at: String,
    categories: Vec<(i64, String)>,
    skus: Vec<SkuRow>,
    images: Vec<(ImageName, u32, u32)>,
    message: Option<&'static str>,
    error: Option<&'static str>,
}

fn edit_page(ctx: &Ctx, p: ProductPage) -> EditPage {
    let product = &p.product.product;
    EditPage {
        csrf: ctx.csrf.clone(),
        id: product.id.0,
        name: product.name.clone(),
        description: product.description.as_str().to_string(),
        category: product.category_id.0,
        tax_category: product.tax_category.as_str(),
        published: p.product.published,
        publish_at: p
            .product
            .publish_at
            .map(|t| {
                t.with_timezone(&akinai_core::clock::jst())
                    .format("%Y-%m-%dT%H:%M")
                    .to_string()
            })
            .unwrap_or_default(),
        categories: p
            .categories
            .iter()
            .map(|c| (c.id.0, c.name.clone()))
            .collect(),
        skus: product
            .skus
            .iter()
            .map(|s| SkuRow {
                id: s.id.0,
                code: s.code.clone(),
                option: s.option_label.clone(),
                location: p
                    .locations
                    .iter()
                    .find(|(code, _)| *code == s.code)
                    .map(|(_, l)| l.clone())
                    .unwrap_or_default(),
                price: s.price.0,
                stock: s.stock,
            })
            .collect(),
        images: p
            .images
            .into_iter()
            .map(|i| (i.name, i.width, i.height))
            .collect(),
        message: None,
        error: None,
    }
}

pub(super) fn parse_id(raw: &str) -> Result<ProductId, WebError> {
    super::path_id(raw).map(ProductId)
}

/// The edit page again with a message or an error, at `status`.
pub(super) async fn again(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    id: ProductId,
    status: StatusCode,
    message: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCatalog>()?;
    let p = state
        .shop
        .catalog_admin()
        .admin_product_page(&proof, id)
        .await?;
    let mut page = edit_page(ctx, p);
    page.message = message;
    page.error = error;
    ctx.page(status, &page)
}

#[derive(Deserialize, Default)]
pub(super) struct EditQuery {
    #[serde(default)]
    saved: String,
}

pub(super) async fn edit_get(
    Path(raw): Path<String>,
    Query(q): Query<EditQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let message = (q.saved == "1").then_some("保存しました。");
    again(&state, &ctx, &a, id, StatusCode::OK, message, None).await
}

#[derive(Deserialize, Default)]
pub(super) struct EditForm {
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
    publish_at: String,
}

/// Answers a form: back to the page with `?saved=1`, or the page with the form's error.
async fn answer(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    id: ProductId,
    outcome: Result<(), CoreError>,
    invalid: &'static str,
) -> Result<Response, WebError> {
    match outcome {
        Ok(()) => Ok(ctx.redirect(&format!("/admin/products/{}?saved=1", id.0))),
        Err(CoreError::InvalidForm(_)) => {
            again(
                state,
                ctx,
                a,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(invalid),
            )
            .await
        }
        Err(CoreError::ImageRejected(why)) => {
            let text = match why {
                ImageRejected::TooLarge => "画像が大きすぎます(10 MB まで)。",
                ImageRejected::NotAnImage => {
                    "JPEG・PNG・WebP の画像ではありません(ファイルの中身で判定しています)。"
                }
                ImageRejected::TooManyPixels => "画像の画素数が多すぎます(縦横 8,000 画素まで)。",
                ImageRejected::Damaged => "画像が壊れているため読み込めません。",
            };
            again(
                state,
                ctx,
                a,
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

pub(super) async fn edit_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<EditForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<ManageCatalog>()?;
    let form = ProductForm {
        category: f.category,
        name: f.name,
        description: f.description,
        tax_category: f.tax_category,
        published: f.published == "1",
        publish_at: f.publish_at,
    };
    let outcome = state
        .shop
        .catalog_admin()
        .edit_product(&proof, id, &form, &ctx.client)
        .await;
    let invalid = "商品名(100 文字まで)・カテゴリ・税区分・公開予定日時(これから先の日時)を確認してください。";
    answer(&state, &ctx, &a, id, outcome, invalid).await
}

#[derive(Deserialize, Default)]
pub(super) struct SkuForm {
    #[serde(default)]
    sku: i64,
    #[serde(default)]
    delta: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    option_label: String,
    #[serde(default)]
    location: String,
}

pub(super) async fn stock_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<SkuForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<ManageCatalog>()?;
    let outcome = state
        .shop
        .catalog_admin()
        .adjust_stock(&proof, id, SkuId(f.sku), &f.delta, &ctx.client)
        .await
        .map(|_| ());
    let invalid = "在庫の増減は「+10」「-3」のように入力してください。在庫は 0 未満にできません。";
    answer(&state, &ctx, &a, id, outcome, invalid).await
}

pub(super) async fn price_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<SkuForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<ManageCatalog>()?;
    let outcome = state
        .shop
        .catalog_admin()
        .set_price(&proof, id, SkuId(f.sku), &f.price, &ctx.client)
        .await;
    let invalid = "価格は 0 〜 10,000,000 円の整数(税込)で入力してください。";
    answer(&state, &ctx, &a, id, outcome, invalid).await
}

pub(super) async fn image_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfUpload(bytes): CsrfUpload,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<ManageCatalog>()?;
    let outcome = state
        .shop
        .catalog_admin()
        .upload_product_image(&proof, id, bytes, &ctx.client)
        .await
        .map(|_| ());
    let invalid = "画像は 1 商品につき 10 枚までです。";
    answer(&state, &ctx, &a, id, outcome, invalid).await
}

#[derive(Deserialize, Default)]
pub(super) struct ImageForm {
    #[serde(default)]
    name: String,
}

pub(super) async fn image_delete_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<ImageForm>,
) -> Result<Response, WebError> {
    image_change(&raw, &state, &ctx, &a, &f.name, ImageChange::Remove).await
}

/// Makes an image the first one (the storefront's main photo).
pub(super) async fn image_first_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<ImageForm>,
) -> Result<Response, WebError> {
    image_change(&raw, &state, &ctx, &a, &f.name, ImageChange::MakeFirst).await
}

async fn image_change(
    raw: &str,
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    name: &str,
    change: ImageChange,
) -> Result<Response, WebError> {
    let id = parse_id(raw)?;
    let proof = a.authorize::<ManageCatalog>()?;
    let name = ImageName::parse(name).ok_or(WebError::NotFound)?;
    let outcome = state
        .shop
        .catalog_admin()
        .change_product_image(&proof, id, &name, change, &ctx.client)
        .await;
    answer(state, ctx, a, id, outcome, "").await
}

/// Changes a variant's code and option label.
pub(super) async fn relabel_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<SkuForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<ManageCatalog>()?;
    let outcome = state
        .shop
        .catalog_admin()
        .relabel_variant(
            &proof,
            id,
            SkuId(f.sku),
            &f.code,
            &f.option_label,
            &f.location,
            &ctx.client,
        )
        .await;
    let invalid = match &outcome {
        Err(CoreError::InvalidForm(fields))
            if fields.iter().any(|(_, k)| *k == "admin.code_taken") =>
        {
            "この品番はすでに使われています。"
        }
        Err(CoreError::InvalidForm(fields)) if fields.iter().any(|(f, _)| *f == "location") => {
            "棚番は 20 文字までで入力してください(空欄にすると棚番なしになります)。"
        }
        _ => "品番は半角英数字と - _ で 40 文字まで、オプションは 60 文字までで入力してください。",
    };
    answer(&state, &ctx, &a, id, outcome, invalid).await
}
