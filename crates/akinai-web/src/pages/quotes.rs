//! Quotes on the storefront (見積, issue #23 item 4; ADR 049): `/quote-request` asks for a quote
//! on the cart, `/quotes/{secret}` shows it by its private link (a member's quote to that member
//! only) with 御見積書 as PDF and the button that orders it, `/account/quotes` lists a member's.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use akinai_core::quotes::QuoteView;
use akinai_core::storefront::cart::CartView;
use akinai_core::CoreError;
use akinai_domain::pricing::{PricedLine, Totals};
use akinai_domain::quote::{Quote, QuoteRequestInput, QuoteState};

use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::{Ctx, Layout};
use crate::pages::account::MemberExt;
use crate::AppState;

#[derive(Template)]
#[template(path = "quote_request.html")]
pub struct RequestPage {
    pub l: Layout,
    pub cart: CartView,
    pub typed: QuoteRequestInput,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "quote.html")]
pub struct QuotePage {
    pub l: Layout,
    pub quote: Quote,
    pub state: QuoteState,
    pub lines: Vec<PricedLine>,
    pub totals: Totals,
    pub path: String,
    pub done: bool,
}

impl QuotePage {
    pub fn open(&self) -> bool {
        self.state == QuoteState::Open
    }
    pub fn sent(&self) -> bool {
        self.quote.revision > 0
    }
    pub fn valid_until(&self) -> String {
        self.quote
            .valid_until
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "account_quotes.html")]
pub struct MyQuotesPage {
    pub l: Layout,
    /// Number, state, total, last valid day, link.
    pub quotes: Vec<(String, &'static str, String, String, String)>,
}

async fn request_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    typed: Option<QuoteRequestInput>,
    errors: Vec<String>,
) -> Result<Response, WebError> {
    let form = state
        .shop
        .quotes()
        .request_form(ctx.cart(), ctx.session_secret.as_deref())
        .await;
    let form = match form {
        Ok(f) => f,
        Err(CoreError::EmptyCart) => return Ok(ctx.redirect("/cart")),
        Err(e) => return Err(e.into()),
    };
    let l = ctx.layout(state).await?;
    ctx.page(
        status,
        &RequestPage {
            l,
            cart: form.cart,
            typed: typed.unwrap_or(form.input),
            errors,
        },
    )
}

/// `GET /quote-request`: the cart and the contact form (filled for a member).
pub async fn request_get(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    request_page(&state, &ctx, StatusCode::OK, None, Vec::new()).await
}

/// `POST /quote-request`: records the request and opens the quote's page.
pub async fn request_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(input): CsrfForm<QuoteRequestInput>,
) -> Result<Response, WebError> {
    let asked = state
        .shop
        .quotes()
        .request(
            ctx.cart(),
            ctx.session_secret.as_deref(),
            &ctx.client,
            &input,
        )
        .await;
    match asked {
        Ok(secret) => Ok(ctx.redirect(&format!("/quotes/{secret}?done=1"))),
        Err(CoreError::EmptyCart) => Ok(ctx.redirect("/cart")),
        Err(CoreError::InvalidFields(fields)) => {
            let errors = fields
                .iter()
                .map(|(f, _)| {
                    let key = match *f {
                        "name" => "quote.error_name",
                        "email" => "quote.error_email",
                        "phone" => "quote.error_phone",
                        "company" => "quote.error_company",
                        _ => "quote.error_note",
                    };
                    ctx.t.get(key).to_string()
                })
                .collect();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            request_page(&state, &ctx, status, Some(input), errors).await
        }
        Err(CoreError::Refused(r)) => {
            let errors = r.into_iter().map(|(_, m)| m).collect();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            request_page(&state, &ctx, status, Some(input), errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A member's quote asks its member to sign in first (then comes back here).
fn sign_in_first(ctx: &Ctx, secret: &str) -> Response {
    // The secret is hex: the path needs no escaping in the query.
    ctx.redirect(&format!("/account/login?next=/quotes/{secret}"))
}

#[derive(serde::Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// `GET /quotes/{secret}`.
pub async fn quote_get(
    Path(secret): Path<String>,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let v: QuoteView = match state
        .shop
        .quotes()
        .view(&secret, ctx.session_secret.as_deref())
        .await
    {
        Ok(v) => v,
        Err(CoreError::MembersOnly) => return Ok(sign_in_first(&ctx, &secret)),
        Err(e) => return Err(e.into()),
    };
    let l = ctx.layout(&state).await?;
    ctx.page(
        StatusCode::OK,
        &QuotePage {
            l,
            lines: v.quote.priced_lines(),
            quote: v.quote,
            state: v.state,
            totals: v.totals,
            path: format!("/quotes/{secret}"),
            done: q.done == "1",
        },
    )
}

/// `GET /quotes/{secret}/pdf`: 御見積書 of the last sending.
pub async fn quote_pdf_get(
    Path(secret): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    match state
        .shop
        .quotes()
        .pdf(&secret, ctx.session_secret.as_deref())
        .await
    {
        Ok(pdf) => Ok(crate::pages::order::pdf_response(pdf)),
        Err(CoreError::MembersOnly) => Ok(sign_in_first(&ctx, &secret)),
        Err(e) => Err(e.into()),
    }
}

/// `POST /quotes/{secret}/order`: fills the cart with the quote and goes to checkout.
pub async fn quote_order_post(
    Path(secret): Path<String>,
    State(state): State<AppState>,
    mut ctx: Ctx,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let open = state
        .shop
        .quotes()
        .order(
            &secret,
            ctx.session_secret.as_deref(),
            ctx.cart(),
            &ctx.client,
        )
        .await;
    match open {
        Ok(open) => {
            ctx.set_cart(open.new_secret);
            Ok(ctx.redirect("/checkout"))
        }
        Err(CoreError::MembersOnly) => Ok(sign_in_first(&ctx, &secret)),
        Err(e) => Err(e.into()),
    }
}

/// `GET /account/quotes`: the member's quotes.
pub async fn my_quotes_get(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
) -> Result<Response, WebError> {
    let quotes = state
        .shop
        .quotes()
        .mine(&m)
        .await?
        .into_iter()
        .map(|(q, s, link)| {
            let until = q
                .valid_until
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            let total = q.quoted_total().display();
            (q.number(), s.label_ja(), total, until, link)
        })
        .collect();
    let l = ctx.layout(&state).await?;
    ctx.page(StatusCode::OK, &MyQuotesPage { l, quotes })
}
