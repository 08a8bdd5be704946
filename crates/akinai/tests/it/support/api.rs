//! The API tests' two helpers: a token made as the CLI makes it, and one request with a bearer
//! token and an `Idempotency-Key`, read as JSON.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use akinai_core::api::TokenRequest;
use akinai_core::audit::AuditContext;

use super::TestApp;

/// A new token with these scopes: its secret and id.
pub async fn token(app: &TestApp, scopes: &str) -> (String, i64) {
    let request = TokenRequest {
        name: "連携".into(),
        scopes: scopes.into(),
        ..Default::default()
    };
    let made = app
        .shop
        .api_tokens()
        .create(&AuditContext::cli("test"), &request)
        .await
        .unwrap();
    (made.secret, made.id.0)
}

/// Sends `body` (if any) to `path` with the token and the key; the status and the JSON answer
/// (`null` when it is none).
pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    secret: &str,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let shopper = app.shopper();
    let mut request = shopper
        .client
        .request(method, format!("{}{path}", shopper.base))
        .bearer_auth(secret)
        .header("Idempotency-Key", key);
    if let Some(b) = body {
        request = request.json(&b);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
