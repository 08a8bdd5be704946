//! 「本番公開の判定」(issue #22, item 5; ADR 044): the go-live gate as a production start will
//! judge it — what the self-assessment fails, which failures stop the start, the owner's
//! exceptions — with the forms that record the vulnerability diagnosis before going live
//! (IPA-C-3) and an exception or its withdrawal. Owners record (`ManageSecurity`), auditors
//! read (`ViewSecurity`); every record is audited.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::golive::DiagnosisRecord;
use akinai_core::CoreError;
use akinai_domain::admin::{ManageSecurity, ViewSecurity};
use akinai_domain::selfcheck::gate::{DiagnosisForm, Gate, MAX_NAME, MAX_TEXT};

use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/golive.html")]
struct GoLivePage {
    gate: Gate,
    production: bool,
    diagnoses: Vec<DiagnosisRecord>,
    error: Option<String>,
    done: Option<&'static str>,
    /// The diagnosis form as typed, after a refusal.
    typed: DiagnosisForm,
    today: String,
    csrf: String,
    can_record: bool,
    name_max: usize,
    text_max: usize,
}

impl GoLivePage {
    /// When an exception was recorded, in Japan time.
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        super::local_time(*at)
    }
}

#[derive(Deserialize)]
pub(super) struct Shown {
    done: Option<String>,
}

/// What a redirect after a record says.
fn done_message(key: &str) -> Option<&'static str> {
    match key {
        "diagnosis" => Some("脆弱性診断を記録しました。"),
        "exception" => Some("例外を記録しました。"),
        "withdrawn" => Some("例外を取り下げました。"),
        _ => None,
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    status: StatusCode,
    error: Option<String>,
    done: Option<&'static str>,
    typed: DiagnosisForm,
) -> Result<Response, WebError> {
    a.authorize::<ViewSecurity>()?;
    let golive = state.shop.golive();
    let deployment = state.config.deployment.clone();
    let production = deployment.production;
    let (_, gate) = golive.gate(deployment).await?;
    let page = GoLivePage {
        gate,
        production,
        diagnoses: golive.diagnoses(10).await?,
        error,
        done,
        typed,
        today: golive.today().to_string(),
        csrf: ctx.csrf.clone(),
        can_record: a.holds::<ManageSecurity>(),
        name_max: MAX_NAME,
        text_max: MAX_TEXT,
    };
    ctx.page(status, &page)
}

/// `GET /admin/go-live`.
pub(super) async fn golive_get(
    State(state): State<AppState>,
    Query(shown): Query<Shown>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let done = shown.done.as_deref().and_then(done_message);
    page(
        &state,
        &ctx,
        &a,
        StatusCode::OK,
        None,
        done,
        DiagnosisForm::default(),
    )
    .await
}

/// A refused record: the page again (422) with the reasons in one line and what was typed; any
/// other error as the error map says.
async fn answer_refusal(
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    e: CoreError,
    typed: DiagnosisForm,
) -> Result<Response, WebError> {
    let CoreError::Refused(fields) = e else {
        return Err(e.into());
    };
    let mut text: Vec<String> = fields.into_iter().map(|(_, m)| m).collect();
    text.push("記録していません。".into());
    let error = Some(text.join(" "));
    page(
        state,
        ctx,
        a,
        StatusCode::UNPROCESSABLE_ENTITY,
        error,
        None,
        typed,
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct DiagnosisFields {
    #[serde(default)]
    performed_on: String,
    #[serde(default)]
    performer: String,
    #[serde(default)]
    tool: String,
    #[serde(default)]
    findings: String,
    #[serde(default)]
    fixes: String,
}

/// `POST /admin/go-live/diagnosis`.
pub(super) async fn diagnosis_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<DiagnosisFields>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let form = DiagnosisForm {
        performed_on: f.performed_on,
        performer: f.performer,
        tool: f.tool,
        findings: f.findings,
        fixes: f.fixes,
    };
    match state
        .shop
        .golive()
        .record_diagnosis(&proof, &ctx.client, &form)
        .await
    {
        Ok(()) => Ok(ctx.redirect("/admin/go-live?done=diagnosis")),
        Err(e) => answer_refusal(&state, &ctx, &a, e, form).await,
    }
}

#[derive(Deserialize)]
pub(super) struct ExceptionFields {
    #[serde(default)]
    requirement: String,
    #[serde(default)]
    reason: String,
    /// `record` or `withdraw`.
    #[serde(default)]
    action: String,
}

/// `POST /admin/go-live/exception`: records or withdraws an exception.
pub(super) async fn exception_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<ExceptionFields>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let golive = state.shop.golive();
    let (result, done) = if f.action == "withdraw" {
        (
            golive
                .withdraw_exception(&proof, &ctx.client, &f.requirement)
                .await,
            "withdrawn",
        )
    } else {
        (
            golive
                .record_exception(&proof, &ctx.client, &f.requirement, &f.reason)
                .await,
            "exception",
        )
    };
    match result {
        Ok(()) => Ok(ctx.redirect(&format!("/admin/go-live?done={done}"))),
        Err(e) => answer_refusal(&state, &ctx, &a, e, DiagnosisForm::default()).await,
    }
}
