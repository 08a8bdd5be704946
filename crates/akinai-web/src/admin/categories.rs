//! The categories page (admin issue, item 5): the tree as the storefront's menu shows it, a form
//! per category to rename, readdress, move or reorder it, and the form to add one. Rules live in
//! `akinai_core::admin` (categories).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::admin::{CategoryForm, SignedInAdmin};
use akinai_core::CoreError;
use akinai_domain::admin::ManageCatalog;
use akinai_domain::catalog::Category;
use akinai_domain::ids::CategoryId;

use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

/// One category in the tree: its fields, its depth (for indenting) and the categories it may be
/// moved under.
struct Row {
    id: i64,
    name: String,
    slug: String,
    position: i64,
    depth: usize,
    parent: i64,
    parents: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "admin/categories.html")]
struct CategoriesPage {
    csrf: String,
    rows: Vec<Row>,
    message: Option<&'static str>,
    error: Option<&'static str>,
}

/// The categories in menu order (each followed by its children), with their depth.
fn tree(all: &[Category]) -> Vec<(&Category, usize)> {
    fn below<'a>(
        all: &'a [Category],
        parent: Option<CategoryId>,
        depth: usize,
        out: &mut Vec<(&'a Category, usize)>,
    ) {
        let mut level: Vec<&Category> = all.iter().filter(|c| c.parent_id == parent).collect();
        level.sort_by_key(|c| (c.position, c.id.0));
        for c in level {
            // A tree never has a cycle (the domain refuses one); the depth bound is a backstop.
            if depth < all.len() {
                out.push((c, depth));
                below(all, Some(c.id), depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    below(all, None, 0, &mut out);
    out
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    status: StatusCode,
    message: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCatalog>()?;
    let all = state.shop.catalog_admin().admin_categories(&proof).await?;
    let rows = tree(&all)
        .into_iter()
        .map(|(c, depth)| Row {
            id: c.id.0,
            name: c.name.clone(),
            slug: c.slug.clone(),
            position: c.position,
            depth,
            parent: c.parent_id.map_or(0, |p| p.0),
            parents: all
                .iter()
                .filter(|p| akinai_domain::catalog::may_place_under(&all, c.id, p.id))
                .map(|p| (p.id.0, p.name.clone()))
                .collect(),
        })
        .collect();
    let page = CategoriesPage {
        csrf: ctx.csrf.clone(),
        rows,
        message,
        error,
    };
    ctx.page(status, &page)
}

#[derive(Deserialize, Default)]
pub(super) struct Done {
    #[serde(default)]
    done: String,
}

pub(super) async fn list_get(
    Query(q): Query<Done>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let message = match q.done.as_str() {
        "added" => Some("カテゴリを追加しました。"),
        "saved" => Some("カテゴリを保存しました。"),
        _ => None,
    };
    page(&state, &ctx, &a, StatusCode::OK, message, None).await
}

#[derive(Deserialize, Default)]
pub(super) struct Form {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    position: String,
}

/// What went wrong with a category form, as the owner reads it.
fn problem(fields: &[(&str, &str)]) -> &'static str {
    if fields.iter().any(|(_, k)| *k == "admin.code_taken") {
        "この URL 名はすでに使われています。"
    } else if fields.iter().any(|(_, k)| *k == "admin.category_cycle") {
        "カテゴリを自分自身やその下のカテゴリの中には移動できません。"
    } else {
        "カテゴリ名(40 文字まで)、URL 名(半角英数字と - _)、表示順(0〜9999)を確認してください。"
    }
}

async fn answer(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    outcome: Result<(), CoreError>,
    done: &str,
) -> Result<Response, WebError> {
    match outcome {
        Ok(()) => Ok(ctx.redirect(&format!("/admin/categories?done={done}"))),
        Err(CoreError::InvalidForm(fields)) => {
            let text = problem(&fields);
            page(
                state,
                ctx,
                a,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(text),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn create_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<Form>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCatalog>()?;
    let outcome = state
        .shop
        .catalog_admin()
        .create_category(&proof, &f.name, &f.slug, &ctx.client)
        .await
        .map(|_| ());
    answer(&state, &ctx, &a, outcome, "added").await
}

pub(super) async fn edit_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<Form>,
) -> Result<Response, WebError> {
    let id = CategoryId(super::path_id(&raw)?);
    let proof = a.authorize::<ManageCatalog>()?;
    let form = CategoryForm {
        name: f.name,
        slug: f.slug,
        parent: f.parent,
        position: f.position,
    };
    let outcome = state
        .shop
        .catalog_admin()
        .edit_category(&proof, id, &form, &ctx.client)
        .await;
    answer(&state, &ctx, &a, outcome, "saved").await
}
