//! `/account/business`: a member applies for a business account (会社名, 部署, インボイス登録番号)
//! and sees where the application stands (issue #23, item 2).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use akinai_core::accounts::Member;
use akinai_core::CoreError;
use akinai_domain::business::{BusinessInput, Company};

use super::MemberExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::{Ctx, Layout};
use crate::AppState;

#[derive(Template)]
#[template(path = "account_business.html")]
pub struct BusinessPage {
    pub l: Layout,
    pub company: Option<Company>,
    pub typed: BusinessInput,
    pub errors: Vec<String>,
}

impl BusinessPage {
    /// 「末締め翌月末払い・限度額 ¥500,000」 when invoice payment is agreed with the company.
    pub fn terms_text(&self) -> Option<String> {
        let c = self.company.as_ref()?;
        Some(format!(
            "{}・限度額 {}",
            c.terms?.label_ja(),
            c.credit_limit?.display()
        ))
    }

    /// Whether the member may apply (none yet, or the last one turned down).
    pub fn may_apply(&self) -> bool {
        self.company
            .as_ref()
            .is_none_or(|c| c.status == akinai_domain::business::CompanyStatus::Rejected)
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    m: &Member,
    status: StatusCode,
    typed: BusinessInput,
    errors: Vec<String>,
) -> Result<Response, WebError> {
    let company = state.shop.business().mine(m).await?;
    let l = ctx.layout(state).await?;
    ctx.page(
        status,
        &BusinessPage {
            l,
            company,
            typed,
            errors,
        },
    )
}

pub async fn business_get(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
) -> Result<Response, WebError> {
    page(
        &state,
        &ctx,
        &m,
        StatusCode::OK,
        BusinessInput::default(),
        Vec::new(),
    )
    .await
}

/// `POST /account/business`: applies, or shows the form again saying what to fix.
pub async fn business_post(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(input): CsrfForm<BusinessInput>,
) -> Result<Response, WebError> {
    match state.shop.business().apply(&m, &ctx.client, &input).await {
        Ok(_) => Ok(ctx.redirect("/account/business")),
        Err(CoreError::InvalidFields(fields)) => {
            let errors = fields
                .iter()
                .map(|(f, _)| {
                    let key = match *f {
                        "company" => "business.error_company",
                        "department" => "business.error_department",
                        _ => "business.error_invoice_number",
                    };
                    ctx.t.get(key).to_string()
                })
                .collect();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(&state, &ctx, &m, status, input, errors).await
        }
        Err(CoreError::Refused(_)) => {
            let errors = vec![ctx.t.get("business.error_open").to_string()];
            page(&state, &ctx, &m, StatusCode::CONFLICT, input, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
