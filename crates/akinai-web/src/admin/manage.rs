//! Owners' admin management pages: the list with invite, role change, per-person grants,
//! factor reset and unlock (each re-authenticated by the acting owner's password and code), and
//! the account review.
//! Rules live in `akinai_core::admin::manage`.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;

use akinai_core::admin::{Reauth, SignedInAdmin};
use akinai_core::CoreError;
use akinai_domain::admin::{AdminRole, ManageAdmins, GRANTABLE};
use akinai_domain::ids::AdminId;

use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

/// One admin in the list.
pub(super) struct AdminRow {
    id: AdminId,
    email: String,
    name: String,
    role: &'static str,
    state: &'static str,
    last_login: String,
    /// Each grantable capability: its name, its label and whether this admin has it.
    grants: Vec<(&'static str, &'static str, bool)>,
}

/// What a grant lets the admin do, as the owner reads it.
fn grant_label(name: &str) -> &'static str {
    match name {
        "view_personal_data" => "個人情報をマスクせずに表示",
        "export_personal_data" => "顧客・注文の CSV 書き出し(個人情報)",
        "view_audit" => "操作ログの閲覧",
        "view_sales" => "売上・KPI の閲覧",
        "review_orders" => "要確認注文の確認",
        "process_orders" => "注文処理(入金確認・発送・メモ)",
        "cancel_orders" => "注文のキャンセル・返金",
        "manage_catalog" => "商品・在庫の管理",
        "manage_customers" => "会員のロック・削除・CSV 取り込み",
        "manage_shop" => "ショップ設定",
        _ => "",
    }
}

impl AdminRow {
    fn of(x: akinai_core::admin::Admin, state: &'static str) -> AdminRow {
        AdminRow {
            id: x.id,
            state,
            grants: GRANTABLE
                .iter()
                .map(|g| (*g, grant_label(g), x.grants.contains(g)))
                .collect(),
            email: x.email,
            name: x.name,
            role: x.role.as_str(),
            last_login: x.last_login_at.map(super::local_time).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/admins.html")]
struct AdminsPage {
    csrf: String,
    admins: Vec<AdminRow>,
    roles: [&'static str; 5],
    error: Option<&'static str>,
    /// An enrolment link made by this request, shown once.
    link: Option<String>,
}

async fn admins_page(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    status: StatusCode,
    error: Option<&'static str>,
    link: Option<String>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageAdmins>()?;
    let admins = state
        .shop
        .admin_accounts()
        .list_admins(&proof)
        .await?
        .into_iter()
        .map(|x| {
            let state = if x.locked_at.is_some() {
                "ロック中"
            } else if x.enrolled_at.is_none() {
                "登録待ち"
            } else {
                "有効"
            };
            AdminRow::of(x, state)
        })
        .collect();
    let page = AdminsPage {
        csrf: ctx.csrf.clone(),
        admins,
        roles: AdminRole::ALL.map(AdminRole::as_str),
        error,
        link,
    };
    ctx.page(status, &page)
}

pub(super) async fn admins_get(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    admins_page(&state, &ctx, &a, StatusCode::OK, None, None).await
}

/// Every admin-management form: the action's fields and the acting owner's re-authentication.
#[derive(Deserialize, Default)]
pub(super) struct ManageForm {
    #[serde(default)]
    id: i64,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

impl ManageForm {
    fn reauth(&self) -> Reauth {
        Reauth {
            password: self.password.clone(),
            code: self.code.clone(),
        }
    }

    fn role(&self) -> Result<AdminRole, CoreError> {
        AdminRole::parse(&self.role).ok_or(CoreError::InvalidForm(vec![("role", "error.invalid")]))
    }
}

/// Shows the list again with the outcome: a link to hand over, or the form error.
async fn outcome(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    result: Result<Option<String>, CoreError>,
    link_base: String,
) -> Result<Response, WebError> {
    match result {
        Ok(None) => Ok(ctx.redirect("/admin/admins")),
        Ok(Some(secret)) => {
            let link = format!("{link_base}/admin/enrol?t={secret}");
            admins_page(state, ctx, a, StatusCode::OK, None, Some(link)).await
        }
        Err(CoreError::InvalidForm(errors)) => {
            let error = errors.first().map(|(_, k)| ctx.t.lookup(k));
            admins_page(state, ctx, a, StatusCode::UNPROCESSABLE_ENTITY, error, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn invite_post(
    State(state): State<AppState>,
    Extension(base): Extension<super::AdminBase>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<ManageForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageAdmins>()?;
    let result = match f.role() {
        Ok(role) => state
            .shop
            .admin_accounts()
            .invite_admin(&proof, &f.email, &f.name, role, &f.reauth(), &ctx.client)
            .await
            .map(Some),
        Err(e) => Err(e),
    };
    outcome(&state, &ctx, &a, result, base.0.clone()).await
}

pub(super) async fn role_post(
    State(state): State<AppState>,
    Extension(base): Extension<super::AdminBase>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<ManageForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageAdmins>()?;
    let result = match f.role() {
        Ok(role) => state
            .shop
            .admin_accounts()
            .change_admin_role(&proof, AdminId(f.id), role, &f.reauth(), &ctx.client)
            .await
            .map(|()| None),
        Err(e) => Err(e),
    };
    outcome(&state, &ctx, &a, result, base.0.clone()).await
}

/// Sets an admin's per-person grants: the ticked `grants` boxes, with the owner's
/// re-authentication.
pub(super) async fn grants_post(
    State(state): State<AppState>,
    Extension(base): Extension<super::AdminBase>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageAdmins>()?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let target: AdminId = field("id")
        .parse()
        .map_err(|_| WebError::BadRequest("errorpage.unreadable_form"))?;
    let names = fields
        .iter()
        .filter(|(k, _)| k == "grants")
        .map(|(_, v)| v.as_str());
    let reauth = Reauth {
        password: field("password"),
        code: field("code"),
    };
    let result = state
        .shop
        .admin_accounts()
        .change_admin_grants(&proof, target, names, &reauth, &ctx.client)
        .await
        .map(|()| None);
    outcome(&state, &ctx, &a, result, base.0.clone()).await
}

pub(super) async fn reset_post(
    State(state): State<AppState>,
    Extension(base): Extension<super::AdminBase>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<ManageForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageAdmins>()?;
    let result = state
        .shop
        .admin_accounts()
        .reset_admin_factors(&proof, AdminId(f.id), &f.reauth(), &ctx.client)
        .await
        .map(Some);
    outcome(&state, &ctx, &a, result, base.0.clone()).await
}

#[derive(Template)]
#[template(path = "admin/review.html")]
struct ReviewPage {
    unused: Vec<AdminRow>,
    without_factor: Vec<AdminRow>,
    role_changes: Vec<(String, String, String, String)>,
}

/// The periodic account review (owners).
pub(super) async fn review_get(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageAdmins>()?;
    let review = state.shop.admin_accounts().account_review(&proof).await?;
    let row = |x| AdminRow::of(x, "");
    let page = ReviewPage {
        unused: review.unused.into_iter().map(row).collect(),
        without_factor: review.without_factor.into_iter().map(row).collect(),
        role_changes: review
            .role_changes
            .into_iter()
            .map(|e| {
                (
                    super::local_time(e.record.at),
                    e.record.actor,
                    e.record.target,
                    e.record.detail,
                )
            })
            .collect(),
    };
    ctx.page(StatusCode::OK, &page)
}
