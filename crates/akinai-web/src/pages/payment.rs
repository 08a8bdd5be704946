//! Paying through the payment provider (payments issue, items 2 and 8): the button on the order
//! status page that (re)opens the provider's checkout, and the provider's webhook. Neither
//! route takes card data; the webhook's only authentication is the provider's signature.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use akinai_core::accounts::challenge::Answer;
use akinai_core::payments::Payment;
use akinai_core::CoreError;
use akinai_domain::payment::PaymentStatus;

use crate::error::WebError;
use crate::form::CsrfForm;
use crate::i18n::Tr;
use crate::layout::Ctx;
use crate::AppState;

/// `POST /order/{token}/pay`: sends the shopper to the provider's page.
pub async fn pay_post(
    Path(token): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let answer = Answer {
        challenge: field("challenge"),
        solution: field("solution"),
    };
    let answer = (!answer.challenge.is_empty()).then_some(answer);
    match state
        .shop
        .payments()
        .start_payment(&token, &ctx.client, answer.as_ref())
        .await
    {
        Ok(url) => Ok(provider_redirect(&state, &ctx, &url)),
        Err(CoreError::ChallengeRequired) => Ok(to_challenge(&ctx, &token)),
        Err(e) => Err(e.into()),
    }
}

/// Back to the order's status page, whose pay button then carries the bot challenge.
pub fn to_challenge(ctx: &Ctx, token: &str) -> Response {
    ctx.redirect(&format!("/order/{token}?verify=1"))
}

/// The 303 to the provider's page (only under its configured checkout origin).
pub fn provider_redirect(state: &AppState, ctx: &Ctx, url: &str) -> Response {
    let origin = state
        .shop
        .payments()
        .gateway()
        .map(|g| g.checkout_origin())
        .unwrap_or_default();
    ctx.redirect_to_provider(url, &origin)
}

/// `POST /webhooks/stripe`: a signed event from Stripe (200 once handled or known, 400 when the
/// signature does not hold; Stripe retries anything else).
pub async fn stripe_webhook_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match state
        .shop
        .payments()
        .handle_payment_webhook(signature, &body)
        .await
    {
        Ok(()) => Ok((StatusCode::OK, "ok").into_response()),
        Err(CoreError::PaymentClosed) => Ok((StatusCode::NOT_FOUND, "").into_response()),
        Err(e) => Err(e.into()),
    }
}

/// What the order page says about a provider payment.
pub struct PaymentView {
    pub state: &'static str,
    /// The shopper may (re)open the provider's page.
    pub can_pay: bool,
    /// Konbini: deadline (JST), voucher page, and each store's number.
    pub deadline: Option<String>,
    pub voucher_url: Option<String>,
    pub stores: Vec<(&'static str, String)>,
    /// What was refunded, when anything was (e.g. `¥1,234`).
    pub refunded: Option<String>,
}

fn store_name(t: Tr, store: &str) -> &'static str {
    t.get(match store {
        "familymart" => "konbini.familymart",
        "lawson" => "konbini.lawson",
        "ministop" => "konbini.ministop",
        "seicomart" => "konbini.seicomart",
        _ => "konbini.other",
    })
}

impl PaymentView {
    pub fn of(t: Tr, payment: Option<&Payment>, order_open: bool) -> PaymentView {
        let status = payment.map_or(PaymentStatus::Open, |p| p.status);
        let instructions: serde_json::Value = payment
            .and_then(|p| p.instructions.as_deref())
            .and_then(|i| serde_json::from_str(i).ok())
            .unwrap_or_default();
        let deadline = instructions["expires_at"]
            .as_i64()
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
            .map(|d| {
                d.with_timezone(&akinai_core::clock::jst())
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            });
        let stores = instructions["stores"]
            .as_object()
            .map(|all| {
                all.iter()
                    .filter_map(|(k, v)| {
                        Some((
                            store_name(t, k),
                            v["confirmation_number"].as_str()?.to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        PaymentView {
            state: t.get(match status {
                PaymentStatus::Open => "payment_state.open",
                PaymentStatus::Awaiting => "payment_state.awaiting",
                PaymentStatus::Authorized => "payment_state.authorized",
                PaymentStatus::Succeeded => "payment_state.succeeded",
                PaymentStatus::Failed => "payment_state.failed",
            }),
            can_pay: order_open && status == PaymentStatus::Open,
            deadline,
            voucher_url: instructions["voucher_url"].as_str().map(str::to_string),
            stores,
            refunded: payment
                .filter(|p| p.refunded.0 > 0)
                .map(|p| p.refunded.display()),
        }
    }
}
