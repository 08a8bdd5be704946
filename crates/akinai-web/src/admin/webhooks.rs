//! Webhook in the back office (issue 20, item 4): owners (`ManageSecurity`) register endpoints
//! with the events they want (the `whsec_` secret shown once, on the answer to the form), see
//! each endpoint's state and the delivery log, and act: テスト送信, 再送 of a failed delivery,
//! 鍵の更新 (rotation with a day's overlap), 再開 after a `410 Gone`, 削除. The core validates
//! (SSRF included) and audits.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::webhooks::Webhooks;
use akinai_core::CoreError;
use akinai_domain::admin::ManageSecurity;
use akinai_domain::ids::{WebhookDeliveryId, WebhookEndpointId};
use akinai_domain::webhook::EventType;

use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

/// Deliveries the log shows.
const LOG_ROWS: u32 = 50;

struct EndpointRow {
    id: i64,
    url: String,
    events: String,
    state: String,
    active: bool,
    rotating: Option<String>,
}

struct DeliveryRow {
    id: i64,
    endpoint: i64,
    at: String,
    event: String,
    state: &'static str,
    failed: bool,
    attempts: i64,
    result: String,
    next: String,
}

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct WebhooksPage {
    csrf: String,
    endpoints: Vec<EndpointRow>,
    deliveries: Vec<DeliveryRow>,
    events: Vec<(&'static str, &'static str)>,
    /// A secret just made (endpoint id, secret), shown this once.
    made: Option<(i64, String)>,
    message: Option<&'static str>,
    error: Option<&'static str>,
}

fn state_ja(state: &str) -> &'static str {
    match state {
        "delivered" => "送信済み",
        "failed" => "失敗",
        _ => "再送待ち",
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    status: StatusCode,
    made: Option<(i64, String)>,
    message: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<Response, WebError> {
    a.authorize::<ManageSecurity>()?;
    let hooks = state.shop.webhooks();
    let endpoints = hooks
        .list()
        .await?
        .into_iter()
        .map(|e| EndpointRow {
            id: e.id.0,
            url: e.endpoint.url,
            events: e.endpoint.events,
            active: e.disabled.is_none(),
            state: e.disabled.map_or_else(
                || "有効".into(),
                |(at, why)| format!("停止中({why}、{})", super::local_time(at)),
            ),
            rotating: e.previous_secret.map(|(_, until)| super::local_time(until)),
        })
        .collect();
    let deliveries = hooks
        .deliveries(None, LOG_ROWS)
        .await?
        .into_iter()
        .map(|d| DeliveryRow {
            id: d.id.0,
            endpoint: d.endpoint_id.0,
            at: super::local_time(d.created_at),
            event: d.event_type,
            state: state_ja(&d.state),
            failed: d.state == "failed",
            attempts: d.attempts,
            result: match (d.last_status, d.last_error) {
                (_, Some(e)) => e.chars().take(120).collect(),
                (Some(s), None) => format!("HTTP {s}"),
                (None, None) => "—".into(),
            },
            next: d.next_attempt.map_or_else(String::new, super::local_time),
        })
        .collect();
    let page = WebhooksPage {
        csrf: ctx.csrf.clone(),
        endpoints,
        deliveries,
        events: EventType::ALL
            .iter()
            .map(|e| (e.as_str(), e.label_ja()))
            .collect(),
        made,
        message,
        error,
    };
    ctx.page(status, &page)
}

/// `GET /admin/webhooks`
pub(super) async fn webhooks_get(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    page(&state, &ctx, &a, StatusCode::OK, None, None, None).await
}

/// `POST /admin/webhooks`: registers an endpoint and shows its secret once.
pub(super) async fn add_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let url = fields
        .iter()
        .find(|(k, _)| k == "url")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    let events: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "event")
        .map(|(_, v)| v.as_str())
        .collect();
    let who = Webhooks::owner(&proof, &ctx.client);
    match state
        .shop
        .webhooks()
        .add(&who, url, &events.join(","))
        .await
    {
        Ok(made) => {
            let made = Some((made.id.0, made.secret));
            page(&state, &ctx, &a, StatusCode::OK, made, None, None).await
        }
        Err(CoreError::InvalidForm(fields)) => {
            let error = match fields.first().map(|(_, key)| *key) {
                Some("webhook.internal_url") => "社内・ローカルのアドレス(127.0.0.1、10.x、192.168.x、169.254.x など)には送れません(SSRF 対策)。登録していません。",
                Some("webhook.plain_http") => "https:// で始まる URL を入れてください。登録していません。",
                Some("webhook.bad_events") => "送るイベントを 1 つ以上選んでください。登録していません。",
                Some("webhook.too_many") => "登録できるのは 20 件までです。使わないものを削除してください。",
                _ => "https:// で始まる URL(ユーザー名・パスワードを含まないもの)を入れてください。登録していません。",
            };
            page(
                &state,
                &ctx,
                &a,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                None,
                Some(error),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct ActionForm {
    #[serde(default)]
    id: i64,
}

/// `POST /admin/webhooks/{remove|rotate|enable|test|retry}`
pub(super) async fn action_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    Path(action): Path<String>,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let who = Webhooks::owner(&proof, &ctx.client);
    let hooks = state.shop.webhooks();
    let endpoint = WebhookEndpointId(f.id);
    let mut made = None;
    let outcome = match action.as_str() {
        "remove" => hooks
            .remove(&who, endpoint)
            .await
            .map(|()| "削除しました。未送信の通知は送りません。"),
        "rotate" => hooks.rotate(&who, endpoint).await.map(|n| {
            made = Some((n.id.0, n.secret));
            "署名の鍵を更新しました。古い鍵も 24 時間は併せて署名します。その間に受信側の設定を新しい鍵に替えてください。"
        }),
        "enable" => hooks
            .enable(&who, endpoint)
            .await
            .map(|()| "送信を再開しました。"),
        "test" => hooks
            .ping(&who, endpoint)
            .await
            .map(|()| "テスト通知を送信待ちにしました(data.test = true)。数秒後に送信結果が下の履歴に出ます。"),
        "retry" => hooks
            .retry(&who, WebhookDeliveryId(f.id))
            .await
            .map(|()| "再送を予約しました。数秒後に送信結果が下の履歴に出ます。"),
        _ => Err(CoreError::NotFound),
    };
    match outcome {
        Ok(message) => page(&state, &ctx, &a, StatusCode::OK, made, Some(message), None).await,
        Err(CoreError::NotFound) => {
            page(
                &state,
                &ctx,
                &a,
                StatusCode::NOT_FOUND,
                None,
                None,
                Some("その送信先(または通知)は見つからないか、その操作はできない状態です。"),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
