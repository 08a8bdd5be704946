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
    csrf: String,
}

impl BusinessPage {
    fn when(&self, c: &Company) -> String {
        local_time(c.applied_at)
    }

    fn decided_on(&self, c: &Company) -> String {
        c.decided_at.map(local_time).unwrap_or_default()
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
        done: q.done == "1",
        csrf: ctx.csrf.clone(),
    };
    ctx.page(StatusCode::OK, &page)
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
