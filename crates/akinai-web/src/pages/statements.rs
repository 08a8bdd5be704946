//! My page 「請求書」 (issue #23 item 5; ADR 050): the monthly statements of the member's
//! company, with their state and PDF; another company's statement is not found (SWS-11).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use akinai_core::receivables::StatementView;
use akinai_domain::ids::StatementId;

use crate::error::WebError;
use crate::layout::{Ctx, Layout};
use crate::pages::account::MemberExt;
use crate::AppState;

#[derive(Template)]
#[template(path = "account_statements.html")]
pub struct MyStatementsPage {
    pub l: Layout,
    pub statements: Vec<StatementView>,
}

/// `GET /account/statements`.
pub async fn my_statements_get(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
) -> Result<Response, WebError> {
    let statements = state.shop.receivables().mine(&m).await?;
    let l = ctx.layout(&state).await?;
    ctx.page(StatusCode::OK, &MyStatementsPage { l, statements })
}

/// `GET /account/statements/{id}/pdf`.
pub async fn my_statement_pdf_get(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    MemberExt(m): MemberExt,
) -> Result<Response, WebError> {
    let id = StatementId(raw.parse().map_err(|_| WebError::NotFound)?);
    let pdf = state.shop.receivables().pdf_for_member(&m, id).await?;
    Ok(crate::pages::order::pdf_response(pdf))
}
