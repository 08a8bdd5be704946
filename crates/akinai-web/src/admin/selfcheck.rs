//! 「セキュリティ自己点検」(issue #22, item 1): the self-assessment of the live shop as an admin
//! page for owners (`ManageSecurity`), and the same table as a standalone HTML file for
//! `akinai selfcheck --format html`.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use akinai_domain::admin::ViewSecurity;
use akinai_domain::selfcheck::{Report, Row, Status};

use super::AdminExt;
use crate::error::WebError;
use crate::layout::Ctx;
use crate::AppState;

/// The badge colour of a status (the order list's status classes).
fn class(status: Status) -> &'static str {
    match status {
        Status::Pass => "s-shipped",
        Status::Fail => "s-cancelled",
        Status::Manual => "s-placed",
        Status::Operator => "s-delivered",
    }
}

/// What needs doing comes first: failures, then the questions, then the rest (catalogue order
/// within each).
fn rows(report: &Report) -> Vec<(Row, &'static str)> {
    let rank = |s: Status| match s {
        Status::Fail => 0,
        Status::Manual => 1,
        Status::Pass => 2,
        Status::Operator => 3,
    };
    let mut rows: Vec<(Row, &'static str)> = report
        .rows
        .iter()
        .map(|r| (r.clone(), class(r.status)))
        .collect();
    rows.sort_by_key(|(r, _)| rank(r.status));
    rows
}

fn generated(report: &Report) -> String {
    super::local_time(report.generated_at)
}

#[derive(Template)]
#[template(path = "admin/selfcheck.html")]
struct SelfcheckPage {
    report: Report,
    rows: Vec<(Row, &'static str)>,
    generated: String,
}

#[derive(Template)]
#[template(path = "selfcheck_report.html")]
struct SelfcheckFile<'a> {
    report: &'a Report,
    rows: Vec<(Row, &'static str)>,
    generated: String,
    shop_name: &'a str,
}

/// `GET /admin/selfcheck`: every requirement checked now.
pub(super) async fn selfcheck_get(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    a.authorize::<ViewSecurity>()?;
    let report = state
        .shop
        .selfcheck()
        .run(state.config.deployment.clone())
        .await?;
    let page = SelfcheckPage {
        rows: rows(&report),
        generated: generated(&report),
        report,
    };
    ctx.page(StatusCode::OK, &page)
}

/// The report as a standalone HTML file (its own small style sheet, no script).
pub fn report_html(report: &Report, shop_name: &str) -> Result<String, askama::Error> {
    SelfcheckFile {
        report,
        rows: rows(report),
        generated: generated(report),
        shop_name,
    }
    .render()
}
