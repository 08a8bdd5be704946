//! 「法人アカウント」 (issue #23, items 2 and 7): members' business applications, pending first,
//! with the forms to approve one (into a customer group) or turn it down; the companies already
//! decided below. Viewing needs `ViewCustomers`, deciding `ManageCustomers`; decisions are
//! audited by the core.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_domain::admin::{ManageCustomers, ViewCustomers};
use akinai_domain::business::{Company, CompanyStatus};
use akinai_domain::ids::CompanyId;
use akinai_domain::price_rules::GroupId;
use akinai_domain::receivables::MonthDay;

use super::{local_time, AdminExt};
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/business.html")]
struct BusinessPage {
    pending: Vec<Company>,
    decided: Vec<Company>,
    groups: Vec<(i64, String)>,
    can_manage: bool,
    done: bool,
    error: Option<String>,
    csrf: String,
}

impl BusinessPage {
    fn when(&self, c: &Company) -> String {
        local_time(c.applied_at)
    }

    fn decided_on(&self, c: &Company) -> String {
        c.decided_at.map(local_time).unwrap_or_default()
    }

    /// 「末締め翌月末払い・限度額 ¥500,000」 or 「未設定」.
    fn terms_text(&self, c: &Company) -> String {
        match (c.terms, c.credit_limit) {
            (Some(t), Some(l)) => format!("{}・限度額 {}", t.label_ja(), l.display()),
            (Some(t), None) => format!("{}(掛け払いなし)", t.label_ja()),
            _ => "未設定".to_string(),
        }
    }

    /// The form's value of a month day (`末` or the day; 末 when not set).
    fn day_value(d: Option<MonthDay>) -> String {
        match d.unwrap_or(MonthDay::EndOfMonth) {
            MonthDay::EndOfMonth => "末".to_string(),
            MonthDay::Day(n) => n.to_string(),
        }
    }

    fn closing_value(&self, c: &Company) -> String {
        Self::day_value(c.terms.map(|t| t.closing))
    }

    fn pay_day_value(&self, c: &Company) -> String {
        Self::day_value(c.terms.map(|t| t.pay_day))
    }

    /// The payment month's choices with the company's chosen (翌月 when not set).
    fn month_options(&self, c: &Company) -> Vec<(u8, &'static str, bool)> {
        let chosen = c.terms.map_or(1, |t| t.months_after);
        [(0, "当月"), (1, "翌月"), (2, "翌々月"), (3, "3か月後")]
            .into_iter()
            .map(|(n, label)| (n, label, n == chosen))
            .collect()
    }

    fn group_name(&self, c: &Company) -> String {
        c.group
            .and_then(|g| self.groups.iter().find(|(id, _)| *id == g.0))
            .map_or_else(|| "—".to_string(), |(_, n)| n.clone())
    }
}

#[derive(Deserialize, Default)]
pub(super) struct Done {
    #[serde(default)]
    done: String,
}

/// `GET /admin/business`.
pub(super) async fn business_get(
    State(state): State<AppState>,
    Query(q): Query<Done>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    a.authorize::<ViewCustomers>()?;
    business_page(&state, &ctx, &a, StatusCode::OK, None, q.done == "1").await
}

async fn business_page(
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    status: StatusCode,
    error: Option<String>,
    done: bool,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewCustomers>()?;
    let (pending, decided) = state
        .shop
        .business()
        .list(&proof)
        .await?
        .into_iter()
        .partition(|c| c.status == CompanyStatus::Pending);
    let groups = state
        .shop
        .prices()
        .groups()
        .await?
        .into_iter()
        .map(|g| (g.id.0, g.name))
        .collect();
    let page = BusinessPage {
        pending,
        decided,
        groups,
        can_manage: a.holds::<ManageCustomers>(),
        done,
        error,
        csrf: ctx.csrf.clone(),
    };
    ctx.page(status, &page)
}

#[derive(Deserialize, Default)]
pub(super) struct Decision {
    /// `approve` or `reject`.
    #[serde(default)]
    action: String,
    /// The customer group approved buyers join (`0`: none).
    #[serde(default)]
    group: String,
}

/// `POST /admin/business/{id}/terms`: 締め日・支払日 and the credit limit of an approved company.
pub(super) async fn terms_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(input): CsrfForm<akinai_domain::receivables::TermsInput>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCustomers>()?;
    let id = CompanyId(super::path_id(&raw)?);
    match state
        .shop
        .business()
        .set_terms(&proof, &ctx.client, id, &input)
        .await
    {
        Ok(()) => Ok(ctx.redirect("/admin/business?done=1")),
        Err(akinai_core::CoreError::InvalidFields(fields)) => {
            let texts: Vec<&str> = fields
                .iter()
                .map(|(f, _)| match *f {
                    "closing" | "pay_day" => "締め日・支払日は 1〜28 か「末」にしてください。",
                    "months_after" => "支払月は当月・翌月・翌々月・3か月後から選んでください。",
                    _ => "与信限度額は 0〜1億円の金額(円)にしてください。空欄なら掛け払いを使えません。",
                })
                .collect();
            let error = format!("保存していません。{}", texts.join(" "));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            business_page(&state, &ctx, &a, status, Some(error), false).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/business/{id}/decide`.
pub(super) async fn decide_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCustomers>()?;
    let id = CompanyId(super::path_id(&raw)?);
    let approve = match f.action.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(WebError::NotFound),
    };
    let group = match f.group.trim().parse::<i64>() {
        Ok(n) if n > 0 => Some(GroupId(n)),
        _ => None,
    };
    state
        .shop
        .business()
        .decide(&proof, &ctx.client, id, approve, group)
        .await?;
    Ok(ctx.redirect("/admin/business?done=1"))
}
