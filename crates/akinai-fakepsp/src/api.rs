//! The API endpoints, answering as Stripe's reference describes: form-encoded requests, bearer
//! authentication (401 otherwise), JSON objects, `{"error": {...}}` on failure, and a replay of
//! the first answer for a repeated `Idempotency-Key`.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};

use super::state::{Recorded, Session};
use super::{webhooks, Shared};

type Fields = Vec<(String, String)>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/checkout/sessions", post(create_session))
        .route("/v1/checkout/sessions/{id}", get(get_session))
        .route("/v1/checkout/sessions/{id}/expire", post(expire_session))
        .route("/v1/payment_intents/{id}/capture", post(capture_intent))
        .route("/v1/payment_intents/{id}/cancel", post(cancel_intent))
        .route("/v1/refunds", post(create_refund))
        .with_state(shared)
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "type": kind, "message": message } })),
    )
        .into_response()
}

fn field<'a>(form: &'a Fields, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Records the request and applies authentication, injected failures and stalls; `Some` is the
/// answer to give instead of handling it.
async fn gate(
    shared: &Shared,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    form: &Fields,
) -> Option<Response> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (authorised, fail, stall, replay) = {
        let mut s = shared.state();
        s.requests.push(Recorded {
            method: method.to_string(),
            path: path.to_string(),
            idempotency_key: key.clone(),
            form: form.clone(),
        });
        let expected = format!("Bearer {}", s.api_key);
        let authorised = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == expected);
        let fail = (!s.fail_next.is_empty()).then(|| s.fail_next.remove(0));
        let stall = s.stall_next > 0;
        if stall {
            s.stall_next -= 1;
        }
        let replay = key.and_then(|k| s.idempotent.get(&k).cloned());
        (authorised, fail, stall, replay)
    };
    if stall {
        shared.never.notified().await;
    }
    if !authorised {
        return Some(error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "Invalid API Key provided",
        ));
    }
    if let Some(status) = fail {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return Some(error(status, "api_error", "injected failure"));
    }
    if let Some((status, body)) = replay {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        return Some((status, Json(body)).into_response());
    }
    None
}

/// Remembers the answer under the request's idempotency key and gives it.
fn remember(shared: &Shared, headers: &HeaderMap, body: Value) -> Response {
    if let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        shared
            .state()
            .idempotent
            .insert(key.to_string(), (200, body.clone()));
    }
    Json(body).into_response()
}

async fn create_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    if let Some(r) = gate(&shared, "POST", "/v1/checkout/sessions", &headers, &form).await {
        return r;
    }
    let amount =
        field(&form, "line_items[0][price_data][unit_amount]").and_then(|v| v.parse().ok());
    let method = field(&form, "payment_method_types[0]").unwrap_or("card");
    let required = [
        field(&form, "mode") == Some("payment"),
        field(&form, "line_items[0][price_data][currency]") == Some("jpy"),
        field(&form, "success_url").is_some(),
        field(&form, "cancel_url").is_some(),
        matches!(method, "card" | "konbini"),
    ];
    let Some(amount) = amount.filter(|a: &i64| *a > 0 && required.iter().all(|ok| *ok)) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "Missing or invalid parameters",
        );
    };
    let body = {
        let mut s = shared.state();
        let id = s.next_id("cs");
        let expires_at = field(&form, "expires_at")
            .and_then(|v| v.parse().ok())
            .unwrap_or(s.unix_now() + 86_400);
        s.sessions.insert(
            id.clone(),
            Session {
                method: method.to_string(),
                status: "open",
                payment_status: "unpaid",
                amount,
                order: field(&form, "metadata[order_id]").unwrap_or("").to_string(),
                success_url: field(&form, "success_url").unwrap_or("").to_string(),
                cancel_url: field(&form, "cancel_url").unwrap_or("").to_string(),
                three_d_secure: field(
                    &form,
                    "payment_method_options[card][request_three_d_secure]",
                )
                .unwrap_or("automatic")
                .to_string(),
                konbini_days: field(&form, "payment_method_options[konbini][expires_after_days]")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(3),
                expires_at,
                intent: None,
                challenge_outcome: None,
                capture_manual: method == "card"
                    && field(&form, "payment_intent_data[capture_method]") == Some("manual"),
            },
        );
        s.session_json(&id, false)
    };
    remember(&shared, &headers, body)
}

async fn get_session(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let path = format!("/v1/checkout/sessions/{id}");
    if let Some(r) = gate(&shared, "GET", &path, &headers, &Vec::new()).await {
        return r;
    }
    let expand = query.is_some_and(|q| q.contains("payment_intent"));
    let body = shared.state().session_json(&id, expand);
    if body.is_null() {
        return error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "No such checkout.session",
        );
    }
    Json(body).into_response()
}

async fn expire_session(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/v1/checkout/sessions/{id}/expire");
    if let Some(r) = gate(&shared, "POST", &path, &headers, &Vec::new()).await {
        return r;
    }
    let (body, events) = {
        let mut s = shared.state();
        match s.sessions.get_mut(&id) {
            Some(session) if session.status == "open" => session.status = "expired",
            Some(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    "Only open sessions can be expired",
                )
            }
            None => {
                return error(
                    StatusCode::NOT_FOUND,
                    "invalid_request_error",
                    "No such checkout.session",
                )
            }
        }
        let body = s.session_json(&id, false);
        let event = s.event("checkout.session.expired", body.clone());
        (body, vec![event])
    };
    webhooks::deliver(&shared, events).await;
    Json(body).into_response()
}

async fn capture_intent(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let path = format!("/v1/payment_intents/{id}/capture");
    if let Some(r) = gate(&shared, "POST", &path, &headers, &form).await {
        return r;
    }
    let amount = field(&form, "amount_to_capture").and_then(|v| v.parse().ok());
    let result = shared.state().capture(&id, amount);
    answer_and_deliver(&shared, &headers, result).await
}

async fn cancel_intent(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let path = format!("/v1/payment_intents/{id}/cancel");
    if let Some(r) = gate(&shared, "POST", &path, &headers, &form).await {
        return r;
    }
    let reason = field(&form, "cancellation_reason").unwrap_or("requested_by_customer");
    let result = shared.state().cancel_intent(&id, reason);
    answer_and_deliver(&shared, &headers, result).await
}

/// Answers a call on a payment intent (remembered under its idempotency key) and delivers its
/// events; an error is a 400 as Stripe gives it (404 for an unknown intent).
async fn answer_and_deliver(
    shared: &Shared,
    headers: &HeaderMap,
    result: Result<(Value, Vec<Value>), &'static str>,
) -> Response {
    match result {
        Ok((body, events)) => {
            let answer = remember(shared, headers, body);
            webhooks::deliver(shared, events).await;
            answer
        }
        Err(message) => {
            let status = if message.starts_with("No such") {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::BAD_REQUEST
            };
            error(status, "invalid_request_error", message)
        }
    }
}

async fn create_refund(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    if let Some(r) = gate(&shared, "POST", "/v1/refunds", &headers, &form).await {
        return r;
    }
    let intent = field(&form, "payment_intent").unwrap_or("").to_string();
    let (body, events) = {
        let mut s = shared.state();
        let Some(i) = s.intents.get(&intent) else {
            return error(
                StatusCode::NOT_FOUND,
                "invalid_request_error",
                "No such payment_intent",
            );
        };
        let remaining = i.amount - i.refunded;
        let amount = field(&form, "amount")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(remaining);
        if i.status != "succeeded" || amount <= 0 || amount > remaining {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "Refund amount is greater than the unrefunded amount",
            );
        }
        let order = i.order.clone();
        let total = i.refunded + amount;
        if let Some(i) = s.intents.get_mut(&intent) {
            i.refunded = total;
        }
        let id = s.next_id("re");
        let body = json!({
            "id": id, "object": "refund", "amount": amount, "currency": "jpy",
            "payment_intent": intent, "status": "succeeded",
        });
        let charge = json!({
            "id": format!("ch_for_{intent}"), "object": "charge", "payment_intent": intent,
            "amount": s.intents.get(&intent).map_or(0, |i| i.amount),
            "amount_refunded": total, "refunded": true, "metadata": { "order_id": order },
        });
        let event = s.event("charge.refunded", charge);
        (body, vec![event])
    };
    let answer = remember(&shared, &headers, body);
    webhooks::deliver(&shared, events).await;
    answer
}
