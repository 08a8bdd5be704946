//! `/api/v1/webhooks` and `Idempotency-Key` (issue 20, items 1, 4 and 6) on both backends: a
//! token with `webhooks:write` registers an endpoint (the secret in that answer only), a retry
//! with the same key and body replays the answer without registering twice, the same key with
//! another body is refused (422), a POST without a key is a 400; read-only tokens are refused
//! writes (403); every change is audited with the token as the actor.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::api::token;
use crate::support::TestApp;

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    secret: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let shopper = app.shopper();
    let mut request = shopper
        .client
        .request(method, format!("{}{path}", shopper.base))
        .bearer_auth(secret);
    if let Some(k) = key {
        request = request.header("Idempotency-Key", k);
    }
    if let Some(b) = body {
        request = request.json(&b);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

async fn webhooks_api_works(app: &TestApp) {
    use reqwest::Method;
    let (reader, _) = token(app, "webhooks:read").await;
    let (writer, writer_id) = token(app, "webhooks:read,webhooks:write").await;
    let new =
        json!({ "url": "http://127.0.0.1:9/hook", "events": ["order.created", "order.paid"] });

    let refused = send(
        app,
        Method::POST,
        "/api/v1/webhooks",
        &reader,
        Some("k-1"),
        Some(new.clone()),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    let keyless = send(
        app,
        Method::POST,
        "/api/v1/webhooks",
        &writer,
        None,
        Some(new.clone()),
    )
    .await;
    assert_eq!(keyless.status, StatusCode::BAD_REQUEST);
    assert_eq!(keyless.headers["content-type"], "application/problem+json");
    assert!(keyless.body["errors"]
        .to_string()
        .contains("Idempotency-Key"));

    let made = send(
        app,
        Method::POST,
        "/api/v1/webhooks",
        &writer,
        Some("k-1"),
        Some(new.clone()),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let id = made.body["id"].as_i64().unwrap();
    assert!(made.body["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(made.headers["location"], format!("/api/v1/webhooks/{id}"));

    // The same request again: the first answer, nothing registered twice.
    let again = send(
        app,
        Method::POST,
        "/api/v1/webhooks",
        &writer,
        Some("k-1"),
        Some(new.clone()),
    )
    .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body, made.body);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.headers["location"], made.headers["location"]);
    // The same key for another request: refused.
    let other = json!({ "url": "http://127.0.0.1:9/other", "events": ["order.paid"] });
    let reused = send(
        app,
        Method::POST,
        "/api/v1/webhooks",
        &writer,
        Some("k-1"),
        Some(other),
    )
    .await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Keys belong to their token: another token's k-1 is its own.
    let list = send(app, Method::GET, "/api/v1/webhooks", &reader, None, None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        list.body["items"][0]["events"],
        json!(["order.created", "order.paid"])
    );
    assert!(
        list.body["items"][0].get("secret").is_none(),
        "never listed"
    );

    // Bad bodies are 400 problems naming the field; nothing is saved.
    for (key, body) in [
        (
            "k-2",
            json!({ "url": "ftp://x.jp/", "events": ["order.created"] }),
        ),
        (
            "k-3",
            json!({ "url": "http://127.0.0.1:9/hook", "events": ["order.exploded"] }),
        ),
        ("k-4", json!({ "events": ["order.created"] })),
    ] {
        let bad = send(
            app,
            Method::POST,
            "/api/v1/webhooks",
            &writer,
            Some(key),
            Some(body),
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{:?}", bad.body);
    }

    let rotated = send(
        app,
        Method::POST,
        &format!("/api/v1/webhooks/{id}/rotate"),
        &writer,
        Some("k-5"),
        None,
    )
    .await;
    assert_eq!(rotated.status, StatusCode::OK, "{:?}", rotated.body);
    assert_ne!(rotated.body["secret"], made.body["secret"]);

    app.order_one("本みりん").await;
    let log = send(
        app,
        Method::GET,
        &format!("/api/v1/webhooks/{id}/deliveries"),
        &reader,
        None,
        None,
    )
    .await;
    assert_eq!(log.status, StatusCode::OK);
    assert_eq!(log.body["items"][0]["event"], "order.created");
    assert_eq!(log.body["items"][0]["state"], "pending");

    let gone = send(
        app,
        Method::DELETE,
        &format!("/api/v1/webhooks/{id}"),
        &reader,
        None,
        None,
    )
    .await;
    assert_eq!(gone.status, StatusCode::FORBIDDEN);
    let gone = send(
        app,
        Method::DELETE,
        &format!("/api/v1/webhooks/{id}"),
        &writer,
        None,
        None,
    )
    .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let gone = send(
        app,
        Method::DELETE,
        &format!("/api/v1/webhooks/{id}"),
        &writer,
        None,
        None,
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    let entries = app.store.audit_entries(0, 1000).await.unwrap();
    let by_token: Vec<&str> = entries
        .iter()
        .filter(|e| e.record.actor == format!("api-token:{writer_id}"))
        .map(|e| e.record.action.as_str())
        .collect();
    assert_eq!(
        by_token,
        ["webhook.add", "webhook.rotate", "webhook.remove"]
    );
}

#[tokio::test]
async fn tokens_manage_webhooks_once_per_idempotency_key_on_sqlite() {
    let app = TestApp::builder()
        .demo()
        .security(TestApp::internal_webhooks())
        .start()
        .await;
    webhooks_api_works(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_manage_webhooks_once_per_idempotency_key_on_postgresql() {
    let Some((app, db)) = TestApp::postgres_with(TestApp::internal_webhooks()).await else {
        return;
    };
    app.seed().await;
    webhooks_api_works(&app).await;
    drop(app);
    db.drop_database().await;
}
