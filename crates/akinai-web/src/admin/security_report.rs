//! 「セキュリティ月次報告」(issue #22, item 4): the month's report for the security meeting as an
//! admin page (owners and auditors read, `ViewSecurity`; owners sign off, `ManageSecurity`) with its PDF and the sign-off form, and the same report
//! as a standalone HTML file for `akinai report security --format html`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use akinai_core::security_report::NOTE_MAX;
use akinai_core::CoreError;
use akinai_domain::admin::{ManageSecurity, ViewSecurity};
use akinai_domain::security_report::{Month, MonthlyReport};

use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/security_report.html")]
struct ReportPage {
    report: MonthlyReport,
    month: String,
    generated: String,
    csrf: String,
    note_max: usize,
    error: Option<&'static str>,
    signed: bool,
    /// Owners sign off; auditors only read.
    can_sign: bool,
}

#[derive(Template)]
#[template(path = "security_report_file.html")]
struct ReportFile<'a> {
    report: &'a MonthlyReport,
    generated: String,
}

/// The report as a standalone HTML file (its own small style sheet, no script).
pub fn report_html(report: &MonthlyReport) -> Result<String, askama::Error> {
    ReportFile {
        report,
        generated: super::local_time(report.generated_at),
    }
    .render()
}

#[derive(Deserialize)]
pub(super) struct Shown {
    month: Option<String>,
    signed: Option<String>,
}

/// The month asked for, or the one before this (the meeting discusses the month just ended).
fn month_of(state: &AppState, asked: Option<&str>) -> Result<Month, WebError> {
    match asked.filter(|m| !m.is_empty()) {
        Some(m) => Month::parse(m).ok_or(WebError::BadRequest(
            "月は「2026-11」の形で指定してください。",
        )),
        None => Ok(state.shop.security_reports().last_month()),
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    month: Month,
    status: StatusCode,
    error: Option<&'static str>,
    signed: bool,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewSecurity>()?;
    let report = state
        .shop
        .security_reports()
        .for_owner(&proof, month, state.config.deployment.clone())
        .await?;
    let page = ReportPage {
        can_sign: a.holds::<ManageSecurity>(),
        month: month.as_str(),
        generated: super::local_time(report.generated_at),
        report,
        csrf: ctx.csrf.clone(),
        note_max: NOTE_MAX,
        error,
        signed,
    };
    ctx.page(status, &page)
}

/// `GET /admin/security-report?month=YYYY-MM`.
pub(super) async fn report_get(
    State(state): State<AppState>,
    Query(shown): Query<Shown>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    a.authorize::<ViewSecurity>()?;
    let month = month_of(&state, shown.month.as_deref())?;
    page(
        &state,
        &ctx,
        &a,
        month,
        StatusCode::OK,
        None,
        shown.signed.is_some(),
    )
    .await
}

/// `GET /admin/security-report/pdf?month=YYYY-MM`: the report as a PDF download.
pub(super) async fn pdf_get(
    State(state): State<AppState>,
    Query(shown): Query<Shown>,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewSecurity>()?;
    let month = month_of(&state, shown.month.as_deref())?;
    let report = state
        .shop
        .security_reports()
        .for_owner(&proof, month, state.config.deployment.clone())
        .await?;
    let pdf = state.shop.security_reports().pdf(&report)?;
    let mut response = pdf.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"security-report-{}.pdf\"",
        month.as_str()
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub(super) struct SignOffForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    note: String,
}

/// `POST /admin/security-report/sign-off`: the meeting signed the month off.
pub(super) async fn sign_off_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<SignOffForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let month = month_of(&state, Some(&f.month))?;
    match state
        .shop
        .security_reports()
        .sign_off(
            &proof,
            &ctx.client,
            month,
            &f.note,
            state.config.deployment.clone(),
        )
        .await
    {
        Ok(()) => Ok(ctx.redirect(&format!(
            "/admin/security-report?month={}&signed=1",
            month.as_str()
        ))),
        Err(CoreError::InvalidFields(fields)) => {
            let error = if fields.iter().any(|(f, _)| *f == "month") {
                "まだ終わっていない先の月は承認できません。記録していません。"
            } else {
                "備考は 4000 文字以内で入力してください。記録していません。"
            };
            page(
                &state,
                &ctx,
                &a,
                month,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(error),
                false,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
