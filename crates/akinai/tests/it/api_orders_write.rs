//! `POST /api/v1/orders/{id}/events` (issue 20, items 1 and 6) on both backends: a token with
//! `orders:write` takes the back office's steps — 入金確認, 発送 with carrier and tracking
//! number, 配達完了 — through the order desk's own use case; a read token is refused (403), a
//! step the state does not allow is a 409, shipping without a tracking number a 400; the steps
//! are audited with the token as the actor and raise their webhook events.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use akinai_core::audit::AuditContext;

use crate::support::api::token;
use crate::support::TestApp;

async fn step(
    app: &TestApp,
    secret: &str,
    order: &str,
    key: &str,
    body: Value,
) -> (StatusCode, Value) {
    let path = format!("/api/v1/orders/{order}/events");
    crate::support::api::send(app, Method::POST, &path, secret, key, Some(body)).await
}

async fn steps_work(app: &TestApp) {
    app.shop
        .webhooks()
        .add(
            &AuditContext::cli("test"),
            "http://127.0.0.1:9/hook",
            "order.paid,order.shipped",
        )
        .await
        .unwrap();
    app.order_one("本みりん").await;
    let number = akinai_core::order_number(app.newest_order().await.id);
    let (reader, _) = token(app, "orders:read").await;
    let (writer, writer_id) = token(app, "orders:write").await;

    let (status, _) = step(app, &reader, &number, "k1", json!({ "event": "pay" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = step(app, &writer, &number, "k2", json!({ "event": "deliver" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body:?}");
    // `updated_since`: nothing changed since this moment, until the order is paid.
    app.clock.advance(chrono::Duration::hours(1));
    let since = akinai_core::Clock::now(app.clock.as_ref()).to_rfc3339();
    let changed = |secret: String, since: String| async move {
        let shopper = app.shopper();
        let page: Value = shopper
            .client
            .get(format!("{}/api/v1/orders", shopper.base))
            .query(&[("updated_since", since)])
            .bearer_auth(secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["number"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(changed(reader.clone(), since.clone()).await.is_empty());
    let (status, body) = step(app, &writer, &number, "k3", json!({ "event": "pay" })).await;
    assert_eq!(status, StatusCode::OK, "{body:?}");
    assert_eq!(body, json!({ "id": number, "status": "paid" }));
    assert_eq!(
        changed(reader.clone(), since).await,
        std::slice::from_ref(&number)
    );
    let (status, _) = step(app, &writer, &number, "k4", json!({ "event": "ship" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let ship = json!({ "event": "ship", "carrier": "yamato", "tracking_number": "1234-5678-9012" });
    let (status, body) = step(app, &writer, &number, "k5", ship).await;
    assert_eq!(status, StatusCode::OK, "{body:?}");
    assert_eq!(body["status"], "shipped");
    let (status, _) = step(
        app,
        &writer,
        "AK99999999",
        "k6",
        json!({ "event": "deliver" }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = step(app, &writer, &number, "k7", json!({ "event": "explode" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let order = app.newest_order().await;
    assert_eq!(order.status.as_str(), "shipped");
    let events: Vec<String> = app
        .shop
        .webhooks()
        .deliveries(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.event_type)
        .collect();
    assert_eq!(events, ["order.shipped", "order.paid"]);
    let entries = app.store.audit_entries(0, 1000).await.unwrap();
    let by_token: Vec<&str> = entries
        .iter()
        .filter(|e| e.record.actor == format!("api-token:{writer_id}"))
        .map(|e| e.record.action.as_str())
        .collect();
    assert_eq!(by_token, ["order.pay", "order.ship"]);
}

#[tokio::test]
async fn a_warehouse_token_pays_and_ships_orders_on_sqlite() {
    let app = TestApp::builder()
        .demo()
        .security(TestApp::internal_webhooks())
        .start()
        .await;
    steps_work(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warehouse_token_pays_and_ships_orders_on_postgresql() {
    let Some((app, db)) = TestApp::postgres_with(TestApp::internal_webhooks()).await else {
        return;
    };
    app.seed().await;
    steps_work(&app).await;
    drop(app);
    db.drop_database().await;
}
