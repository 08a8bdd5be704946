//! CSV pages of the admin (CSV issue, item 5): 商品 → CSV and 顧客 → CSV. A file is uploaded
//! (streamed into the store, never held whole), checked by the worker while the page shows a
//! progress bar, and its report shown row by row in Japanese; only a file without errors can be
//! confirmed, and the worker then applies it in one transaction. The same handlers serve both
//! kinds, told apart by the capability each needs ([`ImportCapability`]).

use askama::Template;
use axum::extract::{FromRequest, Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use akinai_core::admin::SignedInAdmin;
use akinai_core::transfer::{
    Format, ImportCapability, RunEntry, RunKind, RunOptions, RunState, RunView, TransferRun, Upload,
};
use akinai_core::CoreError;
use akinai_domain::admin::{ExportPersonalData, ManageCatalog, ManageCustomers};
use akinai_domain::ids::TransferRunId;
use akinai_domain::transfer::{PlanSummary, PriceBasis, RowIssue};

use super::{AdminExt, EmptyForm};
use crate::error::WebError;
use crate::form::{multipart_error, CsrfForm, CsrfMultipart};
use crate::layout::Ctx;
use crate::AppState;

/// Runs listed on the CSV page.
const LISTED_RUNS: u32 = 10;
/// Issues and entries a run's page shows (the downloadable report has the rest).
const SHOWN: usize = 200;

/// Where a kind's pages live.
fn base(kind: RunKind) -> &'static str {
    match kind {
        RunKind::Products => "/admin/products/csv",
        RunKind::Customers => "/admin/customers/csv",
    }
}

fn state_label(state: RunState) -> &'static str {
    match state {
        RunState::Uploading => "受信中",
        RunState::Planning => "確認中",
        RunState::Planned => "確認済み(未実行)",
        RunState::Applying => "取り込み中",
        RunState::Applied => "取り込み済み",
        RunState::Failed => "失敗(変更なし)",
    }
}

/// A step's error as the admin reads it.
fn run_error(key: &str) -> &'static str {
    match key {
        "transfer.images_not_zip" => "画像のファイルを zip として開けませんでした。何も書き込んでいません。画像をまとめ直した zip で、もう一度アップロードしてください。",
        "transfer.changed_since_check" => "確認のあとでショップの内容が変わり、取り込む直前の確認でエラーが見つかりました。何も書き込んでいません。もう一度アップロードして確認してください。",
        _ => "処理を最後まで行えませんでした。何も書き込んでいません。ファイルを確かめて、もう一度アップロードしてください。",
    }
}

/// A form's error as the admin reads it.
fn form_error(fields: &[(&str, &str)]) -> &'static str {
    match fields.first().map(|(_, k)| *k) {
        Some("transfer.too_large") => {
            "ファイルが大きすぎます(200 MB まで)。分けてアップロードしてください。"
        }
        Some("transfer.images_too_large") => {
            "画像の zip が大きすぎます(500 MB まで)。分けてアップロードしてください。"
        }
        Some("transfer.empty_file") => "ファイルが空です。CSV ファイルを選んでください。",
        Some("transfer.not_ready") => {
            "この取り込みは確認が済んでいないか、エラーがあるため実行できません。"
        }
        Some("transfer.unknown_option") => {
            "形式または価格の指定が読み取れません。選び直してください。"
        }
        _ => "ファイルを受け付けられませんでした。もう一度選んでください。",
    }
}

/// One run as the list shows it.
pub(super) struct RunRow {
    id: i64,
    at: String,
    file: String,
    state: &'static str,
    summary: Option<PlanSummary>,
}

fn run_row(r: &TransferRun) -> RunRow {
    RunRow {
        id: r.id.0,
        at: super::local_time(r.created_at),
        file: r.file_name.clone(),
        state: state_label(r.state),
        summary: RunView::summary(r),
    }
}

#[derive(Template)]
#[template(path = "admin/transfer.html")]
struct CsvPage {
    csrf: String,
    /// `products` or `customers`.
    kind: &'static str,
    base: &'static str,
    runs: Vec<RunRow>,
    error: Option<&'static str>,
    notice: Option<String>,
    /// Customers: members imported and not yet invited.
    awaiting: i64,
    /// Customers: whether this admin may download the customer list.
    may_export_people: bool,
}

async fn csv_page<C: ImportCapability>(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    status: StatusCode,
    error: Option<&'static str>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<C>()?;
    let transfer = state.shop.transfer();
    let runs = transfer.import_runs(&proof, LISTED_RUNS).await?;
    let awaiting = match C::KIND {
        RunKind::Customers => {
            let proof = a.authorize::<ManageCustomers>()?;
            transfer.awaiting_invitation(&proof).await?
        }
        RunKind::Products => 0,
    };
    let view = CsvPage {
        csrf: ctx.csrf.clone(),
        kind: C::KIND.as_str(),
        base: base(C::KIND),
        runs: runs.iter().map(run_row).collect(),
        error,
        notice,
        awaiting,
        may_export_people: a.holds::<ExportPersonalData>(),
    };
    ctx.page(status, &view)
}

/// 商品 → CSV.
pub(super) async fn products_get(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    csv_page::<ManageCatalog>(&state, &ctx, &a, StatusCode::OK, None, None).await
}

/// 顧客 → CSV.
pub(super) async fn customers_get(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    csv_page::<ManageCustomers>(&state, &ctx, &a, StatusCode::OK, None, None).await
}

/// 顧客 → CSV again, with an error (422) or a notice.
pub(super) async fn customers_page(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    error: Option<&'static str>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    csv_page::<ManageCustomers>(state, ctx, a, status, error, notice).await
}

pub(super) async fn products_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    req: axum::extract::Request,
) -> Result<Response, WebError> {
    upload::<ManageCatalog>(&state, &ctx, &a, req).await
}

pub(super) async fn customers_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    req: axum::extract::Request,
) -> Result<Response, WebError> {
    upload::<ManageCustomers>(&state, &ctx, &a, req).await
}

/// Why an upload did not become a run: a broken request, or the core's refusal.
enum UploadFailure {
    Request(WebError),
    Refused(CoreError),
}

impl From<CoreError> for UploadFailure {
    fn from(e: CoreError) -> UploadFailure {
        UploadFailure::Refused(e)
    }
}

fn broken(e: axum::extract::multipart::MultipartError) -> UploadFailure {
    UploadFailure::Request(multipart_error(e.status()))
}

fn refuse(key: &'static str) -> UploadFailure {
    UploadFailure::Refused(CoreError::InvalidForm(vec![("file", key)]))
}

/// Streams one file field into the upload's current part.
async fn stream(
    up: &mut Upload,
    field: &mut axum::extract::multipart::Field<'_>,
) -> Result<(), UploadFailure> {
    while let Some(bytes) = field.chunk().await.map_err(broken)? {
        up.write(&bytes).await?;
    }
    Ok(())
}

/// Reads the form's options, then streams its CSV (and, for products, an optional zip of
/// images) into a new run.
async fn receive<C: ImportCapability>(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    mut parts: axum::extract::Multipart,
) -> Result<TransferRunId, UploadFailure> {
    let proof = a.authorize::<C>()?;
    let mut options = RunOptions::default();
    let mut upload: Option<Upload> = None;
    let outcome = async {
        while let Some(mut field) = parts.next_field().await.map_err(broken)? {
            match (field.name(), upload.as_mut()) {
                (Some("format"), None) => {
                    let v = field.text().await.map_err(broken)?;
                    options.format = match v.as_str() {
                        "" => None,
                        name => Some(Format::parse(name).ok_or(refuse("transfer.unknown_option"))?),
                    };
                }
                (Some("prices"), None) => {
                    let v = field.text().await.map_err(broken)?;
                    options.prices = match v.as_str() {
                        "" => None,
                        name => {
                            Some(PriceBasis::parse(name).ok_or(refuse("transfer.unknown_option"))?)
                        }
                    };
                }
                (Some("file"), None) => {
                    let name = field.file_name().unwrap_or("upload.csv").to_string();
                    let up = state
                        .shop
                        .transfer()
                        .start_upload(&proof, &name, options, &ctx.client)
                        .await?;
                    stream(upload.insert(up), &mut field).await?;
                }
                // A browser sends an empty part when no zip was chosen.
                (Some("images"), Some(up)) if field.file_name().is_some_and(|n| !n.is_empty()) => {
                    up.start_images().await?;
                    stream(up, &mut field).await?;
                }
                _ => {}
            }
        }
        Ok::<(), UploadFailure>(())
    }
    .await;
    match (outcome, upload) {
        (Ok(()), Some(up)) => Ok(up.finish().await?),
        (Ok(()), None) => Err(refuse("transfer.empty_file")),
        (Err(e), Some(up)) => {
            up.abandon().await;
            Err(e)
        }
        (Err(e), None) => Err(e),
    }
}

/// Checks the capability before a byte of the body is read, then the token, then receives.
async fn upload<C: ImportCapability>(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    req: axum::extract::Request,
) -> Result<Response, WebError> {
    a.authorize::<C>()?;
    let CsrfMultipart(parts) = CsrfMultipart::from_request(req, state).await?;
    match receive::<C>(state, ctx, a, parts).await {
        Ok(id) => Ok(ctx.redirect(&format!("{}/{}", base(C::KIND), id.0))),
        Err(UploadFailure::Refused(CoreError::InvalidForm(fields))) => {
            csv_page::<C>(
                state,
                ctx,
                a,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(form_error(&fields)),
                None,
            )
            .await
        }
        Err(UploadFailure::Refused(e)) => Err(e.into()),
        Err(UploadFailure::Request(e)) => Err(e),
    }
}

/// An issue as the run's page lists it.
pub(super) struct IssueRow {
    row: String,
    column: String,
    value: String,
    message: String,
    error: bool,
}

fn issue_row(i: &RowIssue) -> IssueRow {
    IssueRow {
        row: if i.row == 0 {
            "ファイル全体".to_string()
        } else {
            i.row.to_string()
        },
        column: i.column.clone(),
        value: i.value.clone(),
        message: i.message.clone(),
        error: i.is_error(),
    }
}

#[derive(Template)]
#[template(path = "admin/transfer_run.html")]
struct RunPage {
    csrf: String,
    kind: &'static str,
    base: &'static str,
    id: i64,
    file: String,
    at: String,
    state: &'static str,
    busy: bool,
    applied: bool,
    can_apply: bool,
    /// Percent of the file read, while busy.
    percent: i64,
    rows_done: u64,
    format: String,
    encoding: String,
    summary: Option<PlanSummary>,
    categories_created: usize,
    error: Option<&'static str>,
    issues: Vec<IssueRow>,
    issues_more: u64,
    entries: Vec<RunEntry>,
    entries_more: u64,
}

fn run_id(raw: &str) -> Result<TransferRunId, WebError> {
    super::path_id(raw).map(TransferRunId)
}

async fn run_page<C: ImportCapability>(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    id: TransferRunId,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<C>()?;
    let view = state.shop.transfer().import_run(&proof, id).await?;
    let run = &view.run;
    let report = view.report.clone().unwrap_or_default();
    let summary = view.report.as_ref().map(|r| r.summary);
    let listed_issues = summary.map_or(0, |s| s.errors + s.warnings);
    let listed_entries = summary.map_or(0, |s| s.new + s.updated);
    let percent = if run.file_bytes > 0 {
        (run.bytes_done * 100 / run.file_bytes).clamp(0, 100)
    } else {
        0
    };
    let page = RunPage {
        csrf: ctx.csrf.clone(),
        kind: C::KIND.as_str(),
        base: base(C::KIND),
        id: run.id.0,
        file: run.file_name.clone(),
        at: super::local_time(run.created_at),
        state: state_label(run.state),
        busy: run.state.busy(),
        applied: run.state == RunState::Applied,
        can_apply: view.can_apply(),
        percent,
        rows_done: u64::try_from(run.rows_done).unwrap_or(0),
        format: report.format.clone().unwrap_or_default(),
        encoding: report.encoding.clone().unwrap_or_default(),
        summary,
        categories_created: report.categories_created,
        error: error.or_else(|| run.error.as_deref().map(run_error)),
        issues: report.issues.iter().take(SHOWN).map(issue_row).collect(),
        issues_more: listed_issues.saturating_sub(SHOWN.min(report.issues.len()) as u64),
        entries: report.entries.iter().take(SHOWN).cloned().collect(),
        entries_more: listed_entries.saturating_sub(SHOWN.min(report.entries.len()) as u64),
    };
    ctx.page(status, &page)
}

pub(super) async fn products_run_get(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    run_page::<ManageCatalog>(&state, &ctx, &a, run_id(&raw)?, StatusCode::OK, None).await
}

pub(super) async fn customers_run_get(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    run_page::<ManageCustomers>(&state, &ctx, &a, run_id(&raw)?, StatusCode::OK, None).await
}

async fn apply<C: ImportCapability>(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    raw: &str,
) -> Result<Response, WebError> {
    let id = run_id(raw)?;
    let proof = a.authorize::<C>()?;
    match state.shop.transfer().confirm_import(&proof, id).await {
        Ok(()) => Ok(ctx.redirect(&format!("{}/{}", base(C::KIND), id.0))),
        Err(CoreError::InvalidForm(fields)) => {
            let error = Some(form_error(&fields));
            run_page::<C>(state, ctx, a, id, StatusCode::CONFLICT, error).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn products_apply_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    apply::<ManageCatalog>(&state, &ctx, &a, &raw).await
}

pub(super) async fn customers_apply_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    apply::<ManageCustomers>(&state, &ctx, &a, &raw).await
}

async fn report<C: ImportCapability>(
    state: &AppState,
    a: &SignedInAdmin,
    raw: &str,
) -> Result<Response, WebError> {
    let id = run_id(raw)?;
    let proof = a.authorize::<C>()?;
    let bytes = state.shop.transfer().import_report_csv(&proof, id).await?;
    Ok(super::exports::download(
        bytes,
        &format!("import-{}-report.csv", id.0),
    ))
}

pub(super) async fn products_report_get(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    report::<ManageCatalog>(&state, &a, &raw).await
}

pub(super) async fn customers_report_get(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    report::<ManageCustomers>(&state, &a, &raw).await
}
