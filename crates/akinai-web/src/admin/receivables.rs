//! 「請求・入金」 (issue #23, items 5 and 7; ADR 050): the monthly statements of companies paying
//! by invoice — unpaid first with the overdue ones marked, 「締め処理を実行」 to issue the
//! statements of periods closed now — and one statement's page with its orders, tax per rate,
//! the payments received, a form to record one and the PDF. Reading needs `ViewSales`,
//! closing and recording payments `ManageCustomers`; the core audits both.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use akinai_core::receivables::{PaymentInput, StatementDetail, StatementView};
use akinai_core::CoreError;
use akinai_domain::admin::{ManageCustomers, ViewSales};
use akinai_domain::ids::StatementId;

use super::{local_time, AdminExt};
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/receivables.html")]
struct ListPage {
    statements: Vec<StatementView>,
    can_manage: bool,
    csrf: String,
    /// Statements issued by 「締め処理を実行」 just now.
    issued: Option<usize>,
}

impl ListPage {
    fn overdue_count(&self) -> usize {
        self.statements.iter().filter(|s| s.overdue()).count()
    }
}

#[derive(Template)]
#[template(path = "admin/receivable.html")]
struct DetailPage {
    d: StatementDetail,
    can_manage: bool,
    csrf: String,
    received_on: String,
    amount: String,
    note: String,
    error: Option<String>,
    done: bool,
}

impl DetailPage {
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        local_time(*at)
    }
}

#[derive(serde::Deserialize, Default)]
pub(super) struct Done {
    #[serde(default)]
    done: String,
    #[serde(default)]
    issued: Option<usize>,
}

/// `GET /admin/receivables`.
pub(super) async fn receivables_get(
    Query(q): Query<Done>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewSales>()?;
    let statements = state.shop.receivables().list(&proof).await?;
    let page = ListPage {
        statements,
        can_manage: a.holds::<ManageCustomers>(),
        csrf: ctx.csrf.clone(),
        issued: q.issued,
    };
    ctx.page(StatusCode::OK, &page)
}

/// `POST /admin/receivables/close`: 締め処理 now.
pub(super) async fn close_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCustomers>()?;
    let n = state
        .shop
        .receivables()
        .close_now(&proof, &ctx.client)
        .await?;
    Ok(ctx.redirect(&format!("/admin/receivables?issued={n}")))
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    id: StatementId,
    status: StatusCode,
    typed: Option<(PaymentInput, String)>,
    done: bool,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewSales>()?;
    let d = state.shop.receivables().detail(&proof, id).await?;
    let (input, error) = match typed {
        Some((input, error)) => (input, Some(error)),
        None => (
            PaymentInput {
                received_on: state.shop.storefront().today().to_string(),
                amount: d.view.balance().0.to_string(),
                note: String::new(),
            },
            None,
        ),
    };
    let page = DetailPage {
        d,
        can_manage: a.holds::<ManageCustomers>(),
        csrf: ctx.csrf.clone(),
        received_on: input.received_on,
        amount: input.amount,
        note: input.note,
        error,
        done,
    };
    ctx.page(status, &page)
}

/// `GET /admin/receivables/{id}`.
pub(super) async fn receivable_get(
    Path(raw): Path<String>,
    Query(q): Query<Done>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    a.authorize::<ViewSales>()?;
    let id = StatementId(super::path_id(&raw)?);
    detail_page(&state, &ctx, &a, id, StatusCode::OK, None, q.done == "1").await
}

/// `GET /admin/receivables/{id}/pdf`: the statement as issued.
pub(super) async fn receivable_pdf_get(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewSales>()?;
    let id = StatementId(super::path_id(&raw)?);
    let pdf = state.shop.receivables().pdf_for_staff(&proof, id).await?;
    Ok(crate::pages::order::pdf_response(pdf))
}

/// The shop's words for a refused field.
fn field_text(field: &str) -> &'static str {
    match field {
        "received_on" => "入金日を YYYY-MM-DD の日付で入力してください。",
        "amount" => "入金額を 1 円以上の金額(円)で入力してください。",
        _ => "メモは 200 文字以内にしてください。",
    }
}

/// `POST /admin/receivables/{id}/payments`: records a payment received.
pub(super) async fn payment_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(input): CsrfForm<PaymentInput>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCustomers>()?;
    let id = StatementId(super::path_id(&raw)?);
    match state
        .shop
        .receivables()
        .record_payment(&proof, &ctx.client, id, &input)
        .await
    {
        Ok(_) => Ok(ctx.redirect(&format!("/admin/receivables/{}?done=1", id.0))),
        Err(CoreError::InvalidFields(fields)) => {
            let texts: Vec<&str> = fields.iter().map(|(f, _)| field_text(f)).collect();
            let error = format!("記録していません。{}", texts.join(" "));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            detail_page(&state, &ctx, &a, id, status, Some((input, error)), false).await
        }
        Err(e) => Err(e.into()),
    }
}
