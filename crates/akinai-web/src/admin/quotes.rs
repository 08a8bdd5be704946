//! 「見積」 (issue #23, items 4 and 7; ADR 049): quote requests first, then quotes sent; one
//! quote's page with the lines to adjust (quantity, unit price beside the list price), the
//! shipping fee, the last valid day and a message, sent as the next revision, the revisions
//! kept, the shopper's link and 御見積書 as PDF. Reading needs `ViewPersonalData` (the contact
//! details), sending and withdrawing `ManageCustomers`; the core audits both.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use akinai_core::quotes::QuoteDetail;
use akinai_core::CoreError;
use akinai_domain::admin::{ManageCustomers, ViewPersonalData};
use akinai_domain::ids::SkuId;
use akinai_domain::quote::{Quote, QuoteEditInput, QuoteState, DEFAULT_VALID_DAYS};

use super::{local_time, AdminExt};
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/quotes.html")]
struct ListPage {
    quotes: Vec<(Quote, QuoteState)>,
}

impl ListPage {
    fn total(&self, q: &Quote) -> String {
        q.quoted_total().display()
    }
    fn when(&self, q: &Quote) -> String {
        local_time(q.requested_at)
    }
}

/// One line of the form: the line as quoted, and the typed quantity and price.
struct LineForm {
    line: akinai_domain::quote::QuoteLine,
    quantity: String,
    price: String,
}

#[derive(Template)]
#[template(path = "admin/quote.html")]
struct DetailPage {
    d: QuoteDetail,
    lines: Vec<LineForm>,
    shipping_fee: String,
    valid_until: String,
    message: String,
    error: Option<String>,
    can_manage: bool,
    done: bool,
    csrf: String,
    base_url: String,
}

impl DetailPage {
    fn editable(&self) -> bool {
        self.can_manage
            && matches!(
                self.d.state,
                QuoteState::Requested | QuoteState::Open | QuoteState::Expired
            )
    }
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        local_time(*at)
    }
}

/// `GET /admin/quotes`.
pub(super) async fn quotes_get(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewPersonalData>()?;
    let quotes = state.shop.quotes().list(&proof).await?;
    ctx.page(StatusCode::OK, &ListPage { quotes })
}

#[derive(serde::Deserialize, Default)]
pub(super) struct Done {
    #[serde(default)]
    done: String,
}

/// The shop's words for a refused field.
fn field_text(field: &str) -> &'static str {
    match field {
        "quantity" => "数量は 0〜99999 の整数にしてください(0 はその行を外します)。",
        "unit_price" => "単価は 0 円以上の金額(円)にしてください。",
        "lines" => "少なくとも 1 行は数量を 1 以上にしてください。",
        "shipping_fee" => "送料を 0 円以上の金額(円)で入力してください。",
        "valid_until" => "有効期限は今日以降の日付(YYYY-MM-DD)にしてください。",
        _ => "ご連絡は 1000 文字以内にしてください。",
    }
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    id: akinai_domain::ids::QuoteId,
    status: StatusCode,
    typed: Option<(QuoteEditInput, String)>,
    done: bool,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewPersonalData>()?;
    let d = state.shop.quotes().detail(&proof, id).await?;
    let today = state.shop.storefront().today();
    let default_until = today
        .checked_add_days(chrono::Days::new(DEFAULT_VALID_DAYS))
        .unwrap_or(today);
    let (lines, shipping_fee, valid_until, message, error) = match typed {
        Some((input, error)) => {
            let lines = d
                .quote
                .lines
                .iter()
                .map(|l| {
                    let t = input.lines.iter().find(|t| t.0 == l.line.sku_id);
                    LineForm {
                        line: l.clone(),
                        quantity: t.map(|t| t.1.clone()).unwrap_or_default(),
                        price: t.map(|t| t.2.clone()).unwrap_or_default(),
                    }
                })
                .collect();
            (
                lines,
                input.shipping_fee,
                input.valid_until,
                input.message,
                Some(error),
            )
        }
        None => (
            d.quote
                .lines
                .iter()
                .map(|l| LineForm {
                    line: l.clone(),
                    quantity: l.line.quantity.to_string(),
                    price: l.line.unit_price.0.to_string(),
                })
                .collect(),
            d.quote
                .shipping_fee
                .map(|f| f.0.to_string())
                .unwrap_or_default(),
            d.quote
                .valid_until
                .filter(|v| *v >= today)
                .unwrap_or(default_until)
                .format("%Y-%m-%d")
                .to_string(),
            d.quote.message.clone(),
            None,
        ),
    };
    let page = DetailPage {
        lines,
        shipping_fee,
        valid_until,
        message,
        error,
        can_manage: a.holds::<ManageCustomers>(),
        done,
        csrf: ctx.csrf.clone(),
        base_url: state
            .config
            .deployment
            .base_url
            .as_str()
            .trim_end_matches('/')
            .to_string(),
        d,
    };
    ctx.page(status, &page)
}

/// `GET /admin/quotes/{id}`.
pub(super) async fn quote_get(
    Path(raw): Path<String>,
    Query(q): Query<Done>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    a.authorize::<ViewPersonalData>()?;
    let id = akinai_domain::ids::QuoteId(super::path_id(&raw)?);
    detail_page(&state, &ctx, &a, id, StatusCode::OK, None, q.done == "1").await
}

/// `GET /admin/quotes/{id}/pdf`: 御見積書 as it stands.
pub(super) async fn quote_pdf_get(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ViewPersonalData>()?;
    let id = akinai_domain::ids::QuoteId(super::path_id(&raw)?);
    let pdf = state.shop.quotes().pdf_for_staff(&proof, id).await?;
    Ok(crate::pages::order::pdf_response(pdf))
}

/// The form's fields: `qty_{sku}`, `price_{sku}`, `shipping_fee`, `valid_until`, `message`.
fn edit_input(f: &HashMap<String, String>) -> Result<QuoteEditInput, WebError> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let mut lines = Vec::new();
    for (k, v) in f {
        if let Some(sku) = k.strip_prefix("qty_") {
            let sku = SkuId(super::path_id(sku)?);
            lines.push((sku, v.clone(), get(&format!("price_{}", sku.0))));
        }
    }
    Ok(QuoteEditInput {
        lines,
        shipping_fee: get("shipping_fee"),
        valid_until: get("valid_until"),
        message: get("message"),
    })
}

/// `POST /admin/quotes/{id}/send`: sends the quote as its next revision.
pub(super) async fn send_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCustomers>()?;
    let id = akinai_domain::ids::QuoteId(super::path_id(&raw)?);
    let input = edit_input(&f)?;
    match state
        .shop
        .quotes()
        .send(&proof, &ctx.client, id, &input)
        .await
    {
        Ok(_) => Ok(ctx.redirect(&format!("/admin/quotes/{}?done=1", id.0))),
        Err(CoreError::InvalidFields(fields)) => {
            let mut texts: Vec<&str> = fields.iter().map(|(f, _)| field_text(f)).collect();
            texts.dedup();
            let error = format!("送付していません。{}", texts.join(" "));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            detail_page(&state, &ctx, &a, id, status, Some((input, error)), false).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/quotes/{id}/withdraw`.
pub(super) async fn withdraw_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCustomers>()?;
    let id = akinai_domain::ids::QuoteId(super::path_id(&raw)?);
    state
        .shop
        .quotes()
        .withdraw(&proof, &ctx.client, id)
        .await?;
    Ok(ctx.redirect(&format!("/admin/quotes/{}?done=1", id.0)))
}
