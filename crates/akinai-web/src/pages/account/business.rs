//! `/account/business`: a member applies for a business account (会社名, 部署, インボイス登録番号)
//! and sees where the application stands (issue #23, item 2); once approved, the company's admin
//! invites colleagues and sets the approval rule, approvers approve held orders, and an invited
//! member joins by the mailed link (ADR 051).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use akinai_core::accounts::Member;
use akinai_core::business::CompanyView;
use akinai_core::CoreError;
use akinai_domain::business::{BusinessInput, Company, CompanyRole, InviteInput};
use akinai_domain::ids::{AddressId, CustomerId, OrderId};

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
    /// The approved company's members, invitations and held orders, as the member may see them.
    pub view: Option<CompanyView>,
    pub invite: InviteInput,
    pub approval_over: String,
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

    pub fn is_admin(&self) -> bool {
        self.view
            .as_ref()
            .is_some_and(|v| v.membership.role == CompanyRole::Admin)
    }

    pub fn approves(&self) -> bool {
        self.view
            .as_ref()
            .is_some_and(|v| v.membership.role.approves())
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
    let view = state.shop.business().company_view(m).await?;
    let approval_over = view
        .as_ref()
        .and_then(|v| v.membership.company.approval_over)
        .map(|a| a.0.to_string())
        .unwrap_or_default();
    let l = ctx.layout(state).await?;
    ctx.page(
        status,
        &BusinessPage {
            l,
            company,
            typed,
            errors,
            view,
            invite: InviteInput::default(),
            approval_over,
        },
    )
}

/// The member's words for a refused field of the company's forms.
fn field_words(
    ctx: &Ctx,
    fields: &[(&'static str, akinai_domain::address::FieldError)],
) -> Vec<String> {
    fields
        .iter()
        .map(|(f, _)| {
            let key = match *f {
                "email" => "business.error_invite_email",
                "role" => "business.error_invite_role",
                "change" => "business.error_member_change",
                _ => "business.error_approval_over",
            };
            ctx.t.get(key).to_string()
        })
        .collect()
}

/// `POST /account/business/invite`: the admin invites a colleague by e-mail.
pub async fn invite_post(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(input): CsrfForm<InviteInput>,
) -> Result<Response, WebError> {
    let outcome = state.shop.business().invite(&m, &ctx.client, &input).await;
    after_form(&state, &ctx, &m, outcome, "/account/business?invited=1").await
}

/// The company page after one of the admin's forms: back to `done` when it went through; the
/// refused fields said on the page (422) when not.
async fn after_form<T>(
    state: &AppState,
    ctx: &Ctx,
    m: &Member,
    outcome: Result<T, CoreError>,
    done: &str,
) -> Result<Response, WebError> {
    match outcome {
        Ok(_) => Ok(ctx.redirect(done)),
        Err(CoreError::InvalidFields(fields)) => {
            let errors = field_words(ctx, &fields);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(state, ctx, m, status, BusinessInput::default(), errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ApprovalForm {
    approval_over: String,
}

/// `POST /account/business/approval`: the admin sets the approval amount.
pub async fn approval_post(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<ApprovalForm>,
) -> Result<Response, WebError> {
    let outcome = state
        .shop
        .business()
        .set_approval_rule(&m, &ctx.client, &form.approval_over)
        .await;
    after_form(&state, &ctx, &m, outcome, "/account/business").await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct MemberForm {
    change: String,
}

/// `POST /account/business/members/{id}`: the admin changes a member's role or removes them.
pub async fn member_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<MemberForm>,
) -> Result<Response, WebError> {
    let id = CustomerId(raw.parse().map_err(|_| WebError::NotFound)?);
    let outcome = state
        .shop
        .business()
        .change_member(&m, &ctx.client, id, &form.change)
        .await;
    after_form(&state, &ctx, &m, outcome, "/account/business").await
}

/// An approver's decision on a held order of their company.
async fn decide(
    state: &AppState,
    ctx: &Ctx,
    m: &Member,
    raw: &str,
    approve: bool,
) -> Result<Response, WebError> {
    let id = OrderId(raw.parse().map_err(|_| WebError::NotFound)?);
    let business = state.shop.business();
    if approve {
        business.approve_order(m, &ctx.client, id).await?;
    } else {
        business.reject_order(m, &ctx.client, id).await?;
    }
    Ok(ctx.redirect("/account/business"))
}

/// `POST /account/business/orders/{id}/approve`.
pub async fn order_approve_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    decide(&state, &ctx, &m, &raw, true).await
}

/// `POST /account/business/orders/{id}/reject`.
pub async fn order_reject_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    decide(&state, &ctx, &m, &raw, false).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShareForm {
    shared: String,
}

/// `POST /account/addresses/{id}/share`: shares the address with the company, or stops.
pub async fn share_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<ShareForm>,
) -> Result<Response, WebError> {
    let id = AddressId(raw.parse().map_err(|_| WebError::NotFound)?);
    state
        .shop
        .business()
        .share_address(&m, id, form.shared == "1")
        .await?;
    Ok(ctx.redirect("/account/addresses"))
}

#[derive(Template)]
#[template(path = "account_business_join.html")]
pub struct JoinPage {
    pub l: Layout,
    pub company: String,
    pub role: &'static str,
    pub acceptable: bool,
    pub token: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct JoinQuery {
    t: String,
}

/// `GET /account/business/join?t=…`: the invitation, with 「参加する」 when the signed-in member
/// may accept it.
pub async fn join_get(
    Query(q): Query<JoinQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
) -> Result<Response, WebError> {
    // An unknown or mistyped link says it cannot be used, like a used one.
    let (company, role, acceptable) = match state.shop.business().invite_view(&m, &q.t).await {
        Ok(v) => (v.company, v.role.label_ja(), v.acceptable),
        Err(CoreError::NotFound) => (String::new(), "", false),
        Err(e) => return Err(e.into()),
    };
    let l = ctx.layout(&state).await?;
    let page = JoinPage {
        l,
        company,
        role,
        acceptable,
        token: q.t,
    };
    ctx.page(StatusCode::OK, &page)
}

/// `POST /account/business/join`: joins the company.
pub async fn join_post(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(q): CsrfForm<JoinQuery>,
) -> Result<Response, WebError> {
    match state
        .shop
        .business()
        .accept_invite(&m, &ctx.client, &q.t)
        .await
    {
        Ok(()) => Ok(ctx.redirect("/account/business")),
        Err(CoreError::Refused(_)) => Err(WebError::Core(CoreError::NotFound)),
        Err(e) => Err(e.into()),
    }
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
