//! 「定期作業」(issue #22, item 3): the calendar of periodic security work with each task's last
//! record and due date, and the form that records a task done or not done. Owners record
//! (`ManageSecurity`), auditors read (`ViewSecurity`); every record is audited.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::security_tasks::TaskView;
use akinai_core::CoreError;
use akinai_domain::admin::{ManageSecurity, ViewSecurity};
use akinai_domain::security_tasks::{task, Due, NOTE_MAX};

use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

/// One task as the page shows it.
struct Row {
    key: &'static str,
    period: &'static str,
    title: &'static str,
    what: &'static str,
    /// A screen of the back office (a link) or a command (shown as code).
    where_: &'static str,
    is_screen: bool,
    last: String,
    overdue: bool,
    due: String,
}

fn row(v: TaskView) -> Row {
    let last = match (&v.last, &v.last_done) {
        (Some(l), Some(d)) if l == d => {
            format!("{} {} 実施{}", super::local_time(d.at), d.by, note(&d.note))
        }
        (Some(l), done) => format!(
            "{} {} 未実施{}{}",
            super::local_time(l.at),
            l.by,
            note(&l.note),
            done.as_ref()
                .map(|d| format!("(最後の実施 {})", super::local_time(d.at)))
                .unwrap_or_default()
        ),
        (None, _) => "記録なし".to_string(),
    };
    let (overdue, due) = match v.due {
        Due::Until(at) => (false, format!("{} まで", super::local_time(at))),
        Due::Overdue(_) => (true, "期限切れ".to_string()),
    };
    Row {
        key: v.def.key,
        period: v.def.period.label_ja(),
        title: v.def.title,
        what: v.def.what,
        where_: v.def.where_,
        is_screen: v.def.where_.starts_with("/admin"),
        last,
        overdue,
        due,
    }
}

fn note(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(" — {text}")
    }
}

#[derive(Template)]
#[template(path = "admin/security_tasks.html")]
struct TasksPage {
    rows: Vec<Row>,
    overdue: usize,
    error: Option<String>,
    recorded: Option<&'static str>,
    note_max: usize,
    csrf: String,
    /// Owners record; auditors only read.
    can_record: bool,
}

#[derive(Deserialize)]
pub(super) struct Shown {
    recorded: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    status: StatusCode,
    error: Option<String>,
    recorded: Option<&'static str>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewSecurity>()?;
    let rows: Vec<Row> = state
        .shop
        .security_tasks()
        .calendar(&proof)
        .await?
        .into_iter()
        .map(row)
        .collect();
    let page = TasksPage {
        overdue: rows.iter().filter(|r| r.overdue).count(),
        rows,
        error,
        recorded,
        note_max: NOTE_MAX,
        csrf: ctx.csrf.clone(),
        can_record: a.holds::<ManageSecurity>(),
    };
    ctx.page(status, &page)
}

/// `GET /admin/security-tasks`.
pub(super) async fn tasks_get(
    State(state): State<AppState>,
    Query(shown): Query<Shown>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    a.authorize::<ViewSecurity>()?;
    let recorded = shown.recorded.as_deref().and_then(task).map(|t| t.title);
    page(&state, &ctx, &a, StatusCode::OK, None, recorded).await
}

#[derive(Deserialize)]
pub(super) struct RecordForm {
    #[serde(default)]
    task: String,
    /// `1` done, `0` looked at and not done.
    #[serde(default)]
    done: String,
    #[serde(default)]
    note: String,
}

/// `POST /admin/security-tasks`: records one task.
pub(super) async fn record_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<RecordForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let done = f.done == "1";
    match state
        .shop
        .security_tasks()
        .record(&proof, &ctx.client, &f.task, done, &f.note)
        .await
    {
        Ok(()) => Ok(ctx.redirect(&format!("/admin/security-tasks?recorded={}", f.task))),
        Err(CoreError::InvalidFields(fields)) => {
            let message = match fields.first().map(|(_, e)| e) {
                Some(akinai_domain::address::FieldError::Required) => {
                    "「未実施」を記録するときは、理由を備考に書いてください。記録していません。"
                        .to_string()
                }
                _ => format!("備考は {NOTE_MAX} 文字以内で入力してください。記録していません。"),
            };
            page(
                &state,
                &ctx,
                &a,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
