//! The audit trail list (admin issue, item 4; IPA-C-12): newest first, filtered by action,
//! actor, target and JST date, paged by sequence number with the filters kept.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_domain::admin::ViewAudit;

use super::AdminExt;
use crate::error::WebError;
use crate::layout::Ctx;
use crate::AppState;

/// One audit entry as listed.
struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    ip: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    rows: Vec<AuditRow>,
    q: AuditQuery,
    older: Option<String>,
    bad_query: bool,
}

#[derive(Deserialize, Default)]
pub(super) struct AuditQuery {
    #[serde(default)]
    before: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl AuditQuery {
    /// The store's filter and cursor, or `None` when a value is malformed.
    fn parse(&self) -> Option<(akinai_core::audit::AuditFilter, Option<i64>)> {
        let text = |s: &str| {
            let t: String = s.trim().chars().take(100).collect();
            (!t.is_empty()).then_some(t)
        };
        let day = |s: &str, next: bool| -> Option<Option<chrono::DateTime<chrono::Utc>>> {
            match s.trim() {
                "" => Some(None),
                d => {
                    let d = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?;
                    let d = if next { d.succ_opt()? } else { d };
                    Some(Some(akinai_core::clock::jst_midnight(d)))
                }
            }
        };
        let before = match self.before.trim() {
            "" => None,
            b => Some(b.parse::<i64>().ok()?),
        };
        let filter = akinai_core::audit::AuditFilter {
            action: text(&self.action),
            actor: text(&self.actor),
            target: text(&self.target),
            from: day(&self.from, false)?,
            to: day(&self.to, true)?,
        };
        Some((filter, before))
    }

    /// This query's filters as a query string, for the "older" link.
    fn filters(&self) -> String {
        let pairs = [
            ("action", self.action.as_str()),
            ("actor", self.actor.as_str()),
            ("target", self.target.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ];
        let kept: Vec<(&str, &str)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }
}

/// The audit trail, newest first (owners and managers), filtered by action, actor, target and
/// date (JST days).
pub(super) async fn audit_get(
    Query(q): Query<AuditQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewAudit>()?;
    let Some((filter, before)) = q.parse() else {
        let page = AuditPage {
            rows: Vec::new(),
            q,
            older: None,
            bad_query: true,
        };
        return ctx.page(StatusCode::BAD_REQUEST, &page);
    };
    let entries = state
        .shop
        .audit()
        .audit_page(&proof, before, &filter)
        .await?;
    let older = (entries.len() == 50)
        .then(|| {
            entries
                .last()
                .map(|e| format!("before={}&{}", e.seq, q.filters()))
        })
        .flatten();
    let rows = entries
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: e
                .record
                .at
                .with_timezone(&akinai_core::clock::jst())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            actor: e.record.actor,
            action: e.record.action,
            target: e.record.target,
            ip: e.record.ip.unwrap_or_default(),
            detail: e.record.detail,
        })
        .collect();
    let page = AuditPage {
        rows,
        q,
        older,
        bad_query: false,
    };
    ctx.page(StatusCode::OK, &page)
}
