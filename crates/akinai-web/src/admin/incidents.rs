//! The incident register's pages (operations issue, item 4): the list with each open incident's
//! APPI report clock and the form to open one; an incident's page with its facts, deadlines,
//! actions, the form to record an action and the one to close it; and the plain-text export for
//! the report to the PPC. Owners only (`ManageSecurity`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use akinai_core::incidents::{IncidentForm, IncidentView, TEXT_MAX};
use akinai_core::CoreError;
use akinai_domain::admin::ManageSecurity;
use akinai_domain::ids::IncidentId;
use akinai_domain::incident::{days_left, IncidentKind, ReportDeadlines};

use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

/// One deadline as the pages show it.
pub(super) struct Due {
    pub label: &'static str,
    pub at: String,
    pub days_left: i64,
}

fn dues(d: Option<ReportDeadlines>, closed: bool, now: chrono::DateTime<chrono::Utc>) -> Vec<Due> {
    match d {
        Some(d) if !closed => vec![
            Due {
                label: "速報(速やかに)",
                at: super::local_time(d.preliminary),
                days_left: days_left(d.preliminary, now),
            },
            Due {
                label: if d.final_days == 60 {
                    "確報(60 日以内)"
                } else {
                    "確報(30 日以内)"
                },
                at: super::local_time(d.final_report),
                days_left: days_left(d.final_report, now),
            },
        ],
        _ => Vec::new(),
    }
}

pub(super) struct Row {
    pub id: i64,
    pub kind: &'static str,
    pub found: String,
    pub affected: String,
    pub closed: bool,
    pub dues: Vec<Due>,
}

#[derive(Template)]
#[template(path = "admin/incidents.html")]
struct ListPage {
    csrf: String,
    rows: Vec<Row>,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<&'static str>,
    text_max: usize,
}

#[derive(Template)]
#[template(path = "admin/incident.html")]
struct IncidentPage {
    csrf: String,
    id: i64,
    kind: &'static str,
    found: String,
    opened: String,
    opened_by: String,
    personal_data: bool,
    affected: String,
    dues: Vec<Due>,
    actions: Vec<(String, String, String)>,
    closed: Option<(String, String, String)>,
    error: Option<&'static str>,
    text_max: usize,
}

/// What went wrong in a form, in words the owner can act on.
fn problem(e: &CoreError) -> Option<&'static str> {
    let CoreError::InvalidFields(fields) = e else {
        return None;
    };
    Some(match fields.first().map(|(f, _)| *f) {
        Some("kind") => "種類を選んでください。登録していません。",
        Some("found_at") => "発覚した日時を「2026-12-03T09:30」の形で入力してください(未来の日時は指定できません)。登録していません。",
        Some("affected") => "影響の範囲を入力してください(4000 文字まで)。登録していません。",
        Some("action") => "対応の内容を入力してください(4000 文字まで)。記録していません。",
        _ => "終了の記録(原因・対応・再発防止)を入力してください(4000 文字まで)。終了していません。",
    })
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let rows = state
        .shop
        .incidents()
        .list(&proof)
        .await?
        .into_iter()
        .map(|(i, d)| Row {
            id: i.id.0,
            kind: i.opened.kind.label(),
            found: super::local_time(i.opened.found_at),
            affected: i.opened.affected.chars().take(80).collect(),
            closed: i.closed.is_some(),
            dues: dues(d, i.closed.is_some(), state.shop.incidents().now()),
        })
        .collect();
    let page = ListPage {
        csrf: ctx.csrf.clone(),
        rows,
        kinds: IncidentKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        error,
        text_max: TEXT_MAX,
    };
    ctx.page(status, &page)
}

pub(super) async fn list_get(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    list_page(&state, &ctx, &a, StatusCode::OK, None).await
}

#[derive(Deserialize, Default)]
pub(super) struct OpenForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    affected: String,
    #[serde(default)]
    personal_data: String,
    #[serde(default)]
    found_at: String,
}

pub(super) async fn open_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<OpenForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let form = IncidentForm {
        kind: f.kind,
        affected: f.affected,
        personal_data: f.personal_data == "1",
        found_at: f.found_at,
    };
    match state
        .shop
        .incidents()
        .open(&proof, &form, &ctx.client)
        .await
    {
        Ok(id) => Ok(ctx.redirect(&format!("/admin/incidents/{id}"))),
        Err(e) => match problem(&e) {
            Some(text) => {
                list_page(
                    &state,
                    &ctx,
                    &a,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(text),
                )
                .await
            }
            None => Err(e.into()),
        },
    }
}

async fn incident_page(
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    id: IncidentId,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let IncidentView {
        incident,
        deadlines,
        actions,
    } = state.shop.incidents().view(&proof, id).await?;
    let o = incident.opened;
    let page = IncidentPage {
        csrf: ctx.csrf.clone(),
        id: incident.id.0,
        kind: o.kind.label(),
        found: super::local_time(o.found_at),
        opened: super::local_time(o.opened_at),
        opened_by: o.opened_by,
        personal_data: o.personal_data,
        affected: o.affected,
        dues: dues(
            deadlines,
            incident.closed.is_some(),
            state.shop.incidents().now(),
        ),
        actions: actions
            .into_iter()
            .map(|x| (super::local_time(x.at), x.by, x.text))
            .collect(),
        closed: incident
            .closed
            .map(|(at, by, record)| (super::local_time(at), by, record)),
        error,
        text_max: TEXT_MAX,
    };
    ctx.page(status, &page)
}

fn incident_id(raw: &str) -> Result<IncidentId, WebError> {
    super::path_id(raw).map(IncidentId)
}

pub(super) async fn incident_get(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let id = incident_id(&raw)?;
    incident_page(&state, &ctx, &a, id, StatusCode::OK, None).await
}

#[derive(Deserialize, Default)]
pub(super) struct TextForm {
    #[serde(default)]
    text: String,
}

/// Records an action (`/admin/incidents/{id}`) or closes (`…/close`) — the same form shape.
async fn step(
    state: AppState,
    ctx: Ctx,
    a: akinai_core::admin::SignedInAdmin,
    raw: String,
    text: String,
    close: bool,
) -> Result<Response, WebError> {
    let id = incident_id(&raw)?;
    let proof = a.authorize::<ManageSecurity>()?;
    let register = state.shop.incidents();
    let done = if close {
        register.close(&proof, id, &text, &ctx.client).await
    } else {
        register.add_action(&proof, id, &text, &ctx.client).await
    };
    match done {
        Ok(()) => Ok(ctx.redirect(&format!("/admin/incidents/{id}"))),
        Err(e) => match problem(&e) {
            Some(msg) => {
                incident_page(
                    &state,
                    &ctx,
                    &a,
                    id,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(msg),
                )
                .await
            }
            None => Err(e.into()),
        },
    }
}

pub(super) async fn action_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<TextForm>,
) -> Result<Response, WebError> {
    step(state, ctx, a, raw, f.text, false).await
}

pub(super) async fn close_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<TextForm>,
) -> Result<Response, WebError> {
    step(state, ctx, a, raw, f.text, true).await
}

/// The plain-text account, downloaded as `incident-N.txt`.
pub(super) async fn export_get(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let id = incident_id(&raw)?;
    let proof = a.authorize::<ManageSecurity>()?;
    let text = state.shop.incidents().export(&proof, id).await?;
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"incident-{id}.txt\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
