//! The customer pages (admin issue, item 7): the list, a customer's page with their orders, and
//! the forms that lock, unlock and erase an account on request. The core masks, decides and
//! audits.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::admin::{CustomerView, Reauth, SignedInAdmin};
use akinai_core::CoreError;
use akinai_domain::admin::{ManageCustomers, ViewCustomers, ViewPersonalData};
use akinai_domain::ids::CustomerId;

use super::order_desk::status_label;
use super::{local_time, AdminExt};
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

struct Row {
    id: i64,
    name: String,
    email: String,
    since: String,
    last_login: String,
    orders: i64,
    state: &'static str,
}

fn state_of(v: &CustomerView) -> &'static str {
    let c = &v.customer;
    if c.deleted_at.is_some() {
        "退会済み"
    } else if c.locked_at.is_some() {
        "ロック中"
    } else if c.email_verified_at.is_none() {
        "メール未確認"
    } else {
        "有効"
    }
}

fn row(v: CustomerView) -> Row {
    Row {
        id: v.customer.id.0,
        state: state_of(&v),
        since: local_time(v.customer.created_at),
        last_login: v.customer.last_login_at.map(local_time).unwrap_or_default(),
        name: v.name,
        email: v.email,
        orders: v.orders,
    }
}

#[derive(Template)]
#[template(path = "admin/customers.html")]
struct ListPage {
    rows: Vec<Row>,
    email: String,
    locked: bool,
    can_search: bool,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    #[serde(default)]
    email: String,
    #[serde(default)]
    locked: String,
    #[serde(default)]
    before: String,
}

pub(super) async fn list_get(
    Query(q): Query<ListQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewCustomers>()?;
    let before = match q.before.trim() {
        "" => None,
        s => Some(CustomerId(
            s.parse()
                .map_err(|_| WebError::BadRequest("errorpage.bad_cursor"))?,
        )),
    };
    let locked = q.locked == "1";
    let found = state
        .shop
        .customers()
        .admin_customers(&proof, &q.email, locked, before)
        .await?;
    let next = found.next.map(|c| {
        let pairs = [
            ("email", q.email.as_str()),
            ("locked", q.locked.as_str()),
            ("before", &c.0.to_string()),
        ];
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    });
    let page = ListPage {
        rows: found.rows.into_iter().map(row).collect(),
        email: q.email,
        locked,
        can_search: a.holds::<ViewPersonalData>(),
        next,
    };
    ctx.page(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "admin/customer.html")]
struct DetailPage {
    csrf: String,
    c: Row,
    phone: String,
    orders: Vec<(i64, String, String, &'static str, String)>,
    live_sessions: usize,
    addresses: usize,
    locked: bool,
    deleted: bool,
    can_manage: bool,
    error: Option<&'static str>,
    /// The last change went through (lock, unlock, erasure, points).
    done: bool,
    points: i64,
    /// The newest point movements: when, what, points (signed), balance after.
    point_entries: Vec<(String, &'static str, String, i64)>,
    /// The customer's group (0 for none) and the shop's groups to choose from (ADR 047).
    group: i64,
    groups: Vec<(i64, String)>,
}

async fn detail(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    id: CustomerId,
    status: StatusCode,
    (error, done): (Option<&'static str>, bool),
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewCustomers>()?;
    let d = state
        .shop
        .customers()
        .admin_customer(&proof, id, &ctx.client)
        .await?;
    let (balance, entries) = state.shop.points().of_customer(&proof, id).await?;
    let prices = state.shop.prices();
    let group = prices.group_of(&proof, id).await?.map_or(0, |g| g.id.0);
    let groups = prices
        .groups()
        .await?
        .into_iter()
        .map(|g| (g.id.0, g.name))
        .collect();
    let locked = d.view.customer.locked_at.is_some();
    let deleted = d.view.customer.deleted_at.is_some();
    let phone = d.view.phone.clone().unwrap_or_default();
    let page = DetailPage {
        csrf: ctx.csrf.clone(),
        c: row(d.view),
        phone,
        orders: d
            .orders
            .iter()
            .map(|o| {
                (
                    o.id.0,
                    format!("AK{:08}", o.id.0),
                    local_time(o.placed_at),
                    status_label(o.status),
                    o.grand_total.display(),
                )
            })
            .collect(),
        live_sessions: d.live_sessions,
        addresses: d.addresses,
        locked,
        deleted,
        can_manage: a.holds::<ManageCustomers>(),
        done: done && error.is_none(),
        error,
        points: balance.balance,
        point_entries: entries
            .iter()
            .map(|e| {
                (
                    local_time(e.created_at),
                    e.kind.label_ja(),
                    format!("{:+}", e.points),
                    e.balance_after,
                )
            })
            .collect(),
        group,
        groups,
    };
    ctx.page(status, &page)
}

fn parse_id(raw: &str) -> Result<CustomerId, WebError> {
    super::path_id(raw).map(CustomerId)
}

#[derive(Deserialize, Default)]
pub(super) struct DetailQuery {
    #[serde(default)]
    done: String,
}

pub(super) async fn detail_get(
    Path(raw): Path<String>,
    Query(q): Query<DetailQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    detail(&state, &ctx, &a, id, StatusCode::OK, (None, q.done == "1")).await
}

#[derive(Deserialize, Default)]
pub(super) struct ManageForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

async fn answer(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    id: CustomerId,
    outcome: Result<(), CoreError>,
) -> Result<Response, WebError> {
    match outcome {
        Ok(()) => Ok(ctx.redirect(&format!("/admin/customers/{}?done=1", id.0))),
        Err(CoreError::InvalidForm(fields)) => {
            let text = if super::reauth_failed(&fields) {
                "パスワードまたは認証コードが違います。何も変更していません。"
            } else {
                "理由(依頼の内容)を入力してください。"
            };
            detail(
                state,
                ctx,
                a,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                (Some(text), false),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn lock_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<ManageForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<ManageCustomers>()?;
    let outcome = state
        .shop
        .customers()
        .lock_customer(&proof, id, &f.note, &ctx.client)
        .await;
    answer(&state, &ctx, &a, id, outcome).await
}

pub(super) async fn unlock_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(_): CsrfForm<ManageForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<ManageCustomers>()?;
    let outcome = state
        .shop
        .customers()
        .unlock_customer(&proof, id, &ctx.client)
        .await;
    answer(&state, &ctx, &a, id, outcome).await
}

pub(super) async fn erase_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<ManageForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<ManageCustomers>()?;
    let reauth = Reauth {
        password: f.password,
        code: f.code,
    };
    let outcome = state
        .shop
        .customers()
        .erase_customer_on_request(&proof, id, &f.note, &reauth, &ctx.client)
        .await;
    answer(&state, &ctx, &a, id, outcome).await
}

#[derive(Deserialize, Default)]
pub(super) struct PointsForm {
    #[serde(default)]
    points: String,
    #[serde(default)]
    reason: String,
}

/// `POST /admin/customers/{id}/points`: the shop's adjustment of a member's points, audited.
pub(super) async fn points_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<PointsForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<ManageCustomers>()?;
    let outcome = state
        .shop
        .points()
        .adjust(&proof, id, &f.points, &f.reason, &ctx.client)
        .await;
    match outcome {
        Ok(_) => Ok(ctx.redirect(&format!("/admin/customers/{}?done=1", id.0))),
        Err(CoreError::InvalidForm(fields)) => {
            let text = fields
                .first()
                .map(|(_, key)| ctx.t.lookup(key))
                .unwrap_or("入力内容を確認してください。");
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            detail(&state, &ctx, &a, id, status, (Some(text), false)).await
        }
        Err(e) => Err(e.into()),
    }
}
