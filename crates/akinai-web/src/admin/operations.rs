//! The owner's operations page (operations issue, items 1 and 4): whether the storefront is
//! open, the switch that closes it for maintenance (password and code again, audited), and the
//! state of backups — the latest backup and restore drill, and a warning when no backup has
//! succeeded for `akinai_core::operations::BACKUP_OVERDUE_HOURS`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::admin::{Reauth, SignedInAdmin};
use akinai_core::operations::BackupRun;
use akinai_core::operations::BackupStatus;
use akinai_core::CoreError;
use akinai_domain::admin::ManageSecurity;

use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

/// One backup or drill run as the page shows it.
pub(super) struct RunRow {
    pub at: String,
    pub ok: bool,
    pub file: String,
    pub size: String,
    pub seconds: String,
    pub detail: String,
}

fn row(run: &BackupRun) -> RunRow {
    RunRow {
        at: super::local_time(run.at),
        ok: run.ok,
        file: run.file.clone(),
        size: size(run.bytes),
        seconds: format!("{:.1}", run.millis as f64 / 1000.0),
        detail: run.detail.clone(),
    }
}

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1u32 << 20)),
        b => format!("{:.1} KB", b as f64 / 1024.0),
    }
}

/// The backup panel of the page and the dashboard.
pub(super) struct Backups {
    /// The latest backup, the latest good one, the latest drill and the latest good one.
    pub runs: Vec<(&'static str, Option<RunRow>)>,
    pub last_good_at: Option<String>,
    pub last_good_drill_at: Option<String>,
    /// No successful backup for a day and more (or none ever).
    pub overdue: bool,
}

pub(super) fn backups(status: &BackupStatus) -> Backups {
    Backups {
        runs: vec![
            ("最新のバックアップ", status.last_backup.as_ref().map(row)),
            (
                "最後に成功したバックアップ",
                status.last_good_backup.as_ref().map(row),
            ),
            ("最新の復元テスト", status.last_verify.as_ref().map(row)),
            (
                "最後に成功した復元テスト",
                status.last_good_verify.as_ref().map(row),
            ),
        ],
        last_good_at: status
            .last_good_backup
            .as_ref()
            .map(|r| super::local_time(r.at)),
        last_good_drill_at: status
            .last_good_verify
            .as_ref()
            .map(|r| super::local_time(r.at)),
        overdue: status.overdue,
    }
}

#[derive(Template)]
#[template(path = "admin/operations.html")]
struct OperationsPage {
    csrf: String,
    /// (since, by, message) while the storefront is closed.
    closed: Option<(String, String, String)>,
    backups: Backups,
    error: Option<&'static str>,
    saved: bool,
    max_message: usize,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    status: StatusCode,
    error: Option<&'static str>,
    saved: bool,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let ops = state.shop.operations();
    let closed = ops
        .maintenance()
        .await?
        .map(|m| (super::local_time(m.since), m.by, m.message));
    let status_now = ops.backup_status_for(&proof).await?;
    let view = OperationsPage {
        csrf: ctx.csrf.clone(),
        closed,
        backups: backups(&status_now),
        error,
        saved,
        max_message: akinai_core::operations::MAINTENANCE_MESSAGE_MAX,
    };
    ctx.page(status, &view)
}

pub(super) async fn operations_get(
    Query(q): Query<super::settings::SavedQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    page(&state, &ctx, &a, StatusCode::OK, None, q.saved == "1").await
}

#[derive(Deserialize, Default)]
pub(super) struct MaintenanceForm {
    /// `on` closes the storefront, `off` opens it.
    #[serde(default)]
    switch: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

pub(super) async fn maintenance_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<MaintenanceForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let message = match f.switch.as_str() {
        "on" => Some(f.message.as_str()),
        "off" => None,
        _ => return Err(WebError::BadRequest("errorpage.unreadable_form")),
    };
    let reauth = Reauth {
        password: f.password,
        code: f.code,
    };
    let outcome = state
        .shop
        .operations()
        .switch_maintenance_as_admin(&proof, message, &reauth, &ctx.client)
        .await;
    match outcome {
        Ok(()) => Ok(ctx.redirect("/admin/operations?saved=1")),
        Err(CoreError::InvalidForm(fields)) if super::reauth_failed(&fields) => {
            page(
                &state,
                &ctx,
                &a,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("パスワードまたは認証コードが違います。切り替えていません。"),
                false,
            )
            .await
        }
        Err(CoreError::InvalidFields(_)) => {
            page(
                &state,
                &ctx,
                &a,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("お知らせの文が長すぎます(500 文字まで)。切り替えていません。"),
                false,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
