//! `/api/v1/webhooks` (issue 20, items 1 and 4): endpoints read with `webhooks:read` and
//! registered, rotated and removed with `webhooks:write` — the same use cases as the back office
//! and the CLI (`akinai_core::Webhooks`), audited with the token as the actor. The secret is in
//! the answer to the POST that made it (or rotated it) and never again.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use akinai_core::webhooks::Webhooks;
use akinai_core::webhooks::{DeliveryLogEntry, WebhookEndpoint};
use akinai_domain::api::Scope;
use akinai_domain::ids::WebhookEndpointId;
use akinai_domain::webhook::EventType;

use super::json::jst;
use super::page::ApiJson;
use super::{Caller, Problem};
use crate::AppState;

/// A webhook endpoint.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Webhook)]
pub struct WebhookJson {
    pub id: i64,
    pub url: String,
    /// The events it receives.
    pub events: Vec<String>,
    /// False after a `410 Gone` (or until an owner turns it back on).
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<FixedOffset>,
}

impl From<WebhookEndpoint> for WebhookJson {
    fn from(e: WebhookEndpoint) -> WebhookJson {
        WebhookJson {
            id: e.id.0,
            url: e.endpoint.url,
            events: e.endpoint.events.split(' ').map(str::to_string).collect(),
            active: e.disabled.is_none(),
            disabled_reason: e.disabled.map(|(_, why)| why),
            created_at: jst(e.endpoint.created_at),
        }
    }
}

/// The endpoints of the shop.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookJson>,
}

/// What registers an endpoint.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewWebhook {
    /// `https://…` (internal addresses are refused in production).
    #[schema(
        max_length = 2000,
        pattern = "^https://([a-z][a-z0-9-]*\\.)+[a-z]{2,}(/[A-Za-z0-9._~/-]*)?$"
    )]
    pub url: String,
    /// One or more events.
    #[schema(min_items = 1, inline)]
    pub events: Vec<EventName>,
}

/// An event a webhook endpoint may receive.
#[derive(Debug, Deserialize, ToSchema)]
pub enum EventName {
    #[serde(rename = "order.created")]
    #[schema(rename = "order.created")]
    OrderCreated,
    #[serde(rename = "order.paid")]
    #[schema(rename = "order.paid")]
    OrderPaid,
    #[serde(rename = "order.shipped")]
    #[schema(rename = "order.shipped")]
    OrderShipped,
    #[serde(rename = "order.cancelled")]
    #[schema(rename = "order.cancelled")]
    OrderCancelled,
    #[serde(rename = "order.refunded")]
    #[schema(rename = "order.refunded")]
    OrderRefunded,
    #[serde(rename = "product.updated")]
    #[schema(rename = "product.updated")]
    ProductUpdated,
    #[serde(rename = "inventory.low")]
    #[schema(rename = "inventory.low")]
    InventoryLow,
    #[serde(rename = "customer.created")]
    #[schema(rename = "customer.created")]
    CustomerCreated,
}

impl EventName {
    fn domain(&self) -> EventType {
        match self {
            EventName::OrderCreated => EventType::OrderCreated,
            EventName::OrderPaid => EventType::OrderPaid,
            EventName::OrderShipped => EventType::OrderShipped,
            EventName::OrderCancelled => EventType::OrderCancelled,
            EventName::OrderRefunded => EventType::OrderRefunded,
            EventName::ProductUpdated => EventType::ProductUpdated,
            EventName::InventoryLow => EventType::InventoryLow,
            EventName::CustomerCreated => EventType::CustomerCreated,
        }
    }
}

/// A signing secret, in this answer only.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookSecret {
    pub id: i64,
    /// `whsec_…`: keep it secret; it is not shown again.
    pub secret: String,
}

/// One delivery of one event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = WebhookDelivery)]
pub struct DeliveryJson {
    pub id: i64,
    pub event: String,
    /// `webhook-id` of the event.
    pub message_id: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<FixedOffset>>,
    pub created_at: DateTime<FixedOffset>,
}

impl From<DeliveryLogEntry> for DeliveryJson {
    fn from(d: DeliveryLogEntry) -> DeliveryJson {
        DeliveryJson {
            id: d.id.0,
            event: d.event_type,
            message_id: akinai_domain::webhook::message_id(d.event_id),
            state: d.state,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            next_attempt_at: d.next_attempt.map(jst),
            created_at: jst(d.created_at),
        }
    }
}

/// The newest deliveries of one endpoint (up to 100).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<DeliveryJson>,
}

/// The endpoints.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    security(("bearer" = ["webhooks:read"])),
    responses(
        (status = 200, description = "The endpoints, newest first", body = WebhookList),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `webhooks:read`", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn webhooks_get(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<WebhookList>, Problem> {
    caller.0.require(Scope::WebhooksRead)?;
    let items = state.shop.webhooks().list().await?;
    Ok(Json(WebhookList {
        items: items.into_iter().map(WebhookJson::from).collect(),
    }))
}

/// Registers an endpoint; the answer holds its secret, once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks",
    params(("Idempotency-Key" = String, Header, description = "A new key (e.g. a UUID) for each new request; a retry with the same key and body replays the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    request_body = NewWebhook,
    security(("bearer" = ["webhooks:write"])),
    responses(
        (status = 201, description = "Registered; `Location` names it", body = WebhookSecret),
        (status = 400, description = "A bad URL, event list, body or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `webhooks:write`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this Idempotency-Key is still running, or the shop has 20 endpoints already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used for a different request", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn webhooks_post(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(new): ApiJson<NewWebhook>,
) -> Result<Response, Problem> {
    let who = Webhooks::token(&caller.0, caller.1.ip, Scope::WebhooksWrite)?;
    let events: Vec<&str> = new.events.iter().map(|e| e.domain().as_str()).collect();
    let made = state
        .shop
        .webhooks()
        .add(&who, &new.url, &events.join(","))
        .await
        .map_err(|e| match e {
            akinai_core::CoreError::InvalidForm(fields)
                if fields.iter().any(|(_, key)| *key == "webhook.too_many") =>
            {
                Problem::conflict("a shop has at most 20 endpoints; remove one first")
            }
            akinai_core::CoreError::InvalidForm(fields) => {
                let (field, key) = fields.first().copied().unwrap_or(("url", ""));
                Problem::invalid_field(
                    field,
                    match key {
                        "webhook.internal_url" => "leads to an internal address (refused: SSRF)",
                        "webhook.plain_http" => "must be https",
                        "webhook.bad_events" => "must name one or more known events",
                        _ => "must be an absolute https URL without credentials",
                    },
                )
            }
            other => other.into(),
        })?;
    let location = format!("/api/v1/webhooks/{}", made.id.0);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(WebhookSecret {
            id: made.id.0,
            secret: made.secret,
        }),
    )
        .into_response())
}

/// Removes an endpoint; its pending deliveries end.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "The endpoint's id", minimum = 1)),
    security(("bearer" = ["webhooks:write"])),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "A bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `webhooks:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn webhook_delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let id = WebhookEndpointId(super::path_id(&id)?);
    let who = Webhooks::token(&caller.0, caller.1.ip, Scope::WebhooksWrite)?;
    state.shop.webhooks().remove(&who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives an endpoint a new secret (in the answer, once); the old one signs too for 24 hours.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate", tag = "webhooks",
    params(("id" = i64, Path, description = "The endpoint's id", minimum = 1),
        ("Idempotency-Key" = String, Header, description = "A new key for each new request", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    security(("bearer" = ["webhooks:write"])),
    responses(
        (status = 200, description = "The new secret", body = WebhookSecret),
        (status = 400, description = "A bad id or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `webhooks:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this Idempotency-Key is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used for a different request", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn webhook_rotate_post(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WebhookSecret>, Problem> {
    let id = WebhookEndpointId(super::path_id(&id)?);
    let who = Webhooks::token(&caller.0, caller.1.ip, Scope::WebhooksWrite)?;
    let made = state.shop.webhooks().rotate(&who, id).await?;
    Ok(Json(WebhookSecret {
        id: made.id.0,
        secret: made.secret,
    }))
}

/// The newest deliveries of an endpoint.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = i64, Path, description = "The endpoint's id", minimum = 1)),
    security(("bearer" = ["webhooks:read"])),
    responses(
        (status = 200, description = "Up to 100 deliveries, newest first", body = DeliveryList),
        (status = 400, description = "A bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `webhooks:read`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn webhook_deliveries_get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeliveryList>, Problem> {
    caller.0.require(Scope::WebhooksRead)?;
    let id = WebhookEndpointId(super::path_id(&id)?);
    let hooks = state.shop.webhooks();
    if !hooks.list().await?.iter().any(|e| e.id == id) {
        return Err(Problem::not_found());
    }
    let items = hooks.deliveries(Some(id), 100).await?;
    Ok(Json(DeliveryList {
        items: items.into_iter().map(DeliveryJson::from).collect(),
    }))
}
