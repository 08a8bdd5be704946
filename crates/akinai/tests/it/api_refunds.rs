//! `POST /api/v1/orders/{id}/refunds` (issue 20, item 1; ADR 039) against the fake Stripe, on
//! both backends: `orders:write` alone is refused (403, nothing reaches the provider) — a
//! refund needs the `orders:refund` scope an owner grants on purpose —; an amount above what is
//! left is a 409; a part, then the rest, reach the provider with idempotency keys, the order
//! becomes 返金済み, `order.refunded` is written for subscribed endpoints, and each refund is
//! audited with the token as actor (IPA-C-12). A replayed request refunds once; an order paid
//! by bank transfer has no provider payment (409).

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{json, Value};

use akinai_core::audit::AuditContext;
use akinai_domain::order::OrderStatus;
use akinai_domain::Yen;
use akinai_fakepsp::{CardOutcome, FakeStripe, CARD_SUCCESS};

use crate::support::api::token;
use crate::support::TestApp;

async fn post(
    app: &TestApp,
    path: &str,
    secret: &str,
    key: &str,
    body: Value,
) -> (StatusCode, Value) {
    crate::support::api::send(app, reqwest::Method::POST, path, secret, key, Some(body)).await
}

fn refunds(fake: &FakeStripe) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path == "/v1/refunds")
        .count()
}

async fn refunds_work(app: &TestApp, fake: &Arc<FakeStripe>) {
    app.shop
        .webhooks()
        .add(
            &AuditContext::cli("test"),
            "http://127.0.0.1:9/hook",
            "order.refunded",
        )
        .await
        .unwrap();
    let shopper = app.shopper();
    shopper.add(app.sku_named("本みりん").await, "2").await;
    shopper.submit_details(&[("payment_method", "card")]).await;
    let placed = shopper.place().await;
    let session = placed.location().rsplit('/').next().unwrap().to_string();
    assert_eq!(
        fake.pay_card(&session, CARD_SUCCESS).await,
        CardOutcome::Succeeded
    );
    let order = app.newest_order().await;
    assert_eq!(order.status, OrderStatus::Paid);
    let total = order.totals.grand_total;
    let path = format!(
        "/api/v1/orders/{}/refunds",
        akinai_core::order_number(order.id)
    );

    let (writer, _) = token(app, "orders:read,orders:write").await;
    let (refunder, refunder_id) = token(app, "orders:write,orders:refund").await;
    let (status, problem) = post(app, &path, &writer, "r-0", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("orders:refund"));
    let (status, _) = post(
        app,
        &path,
        &refunder,
        "r-1",
        json!({ "amount": total.0 + 1 }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refunds(fake), 0, "nothing reached the provider");

    let (status, part) = post(app, &path, &refunder, "r-2", json!({ "amount": 1000 })).await;
    assert_eq!(status, StatusCode::OK, "{part}");
    assert_eq!(part["refunded"], 1000);
    // The same request again answers the same and refunds nothing more.
    let (status, again) = post(app, &path, &refunder, "r-2", json!({ "amount": 1000 })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, part);
    assert_eq!(refunds(fake), 1);
    assert_eq!(app.newest_order().await.status, OrderStatus::Paid, "a part");

    let (status, rest) = post(app, &path, &refunder, "r-3", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rest}");
    assert_eq!(rest["refunded"], total.0 - 1000);
    assert_eq!(refunds(fake), 2);
    let p = app.store.payment_of_order(order.id).await.unwrap().unwrap();
    assert_eq!(p.refunded, total);
    assert_eq!(app.newest_order().await.status, OrderStatus::Refunded);
    let (status, _) = post(app, &path, &refunder, "r-4", json!({ "amount": 1 })).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing left to refund");

    let audit: Vec<Value> = app
        .store
        .audit_entries(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.record.action == "payment.refund"
                && e.record.actor == format!("api-token:{refunder_id}")
        })
        .map(|e| serde_json::from_str(&e.record.detail).unwrap())
        .collect();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0]["amount"], 1000);
    assert_eq!(audit[1]["full"], true);
    let events: Vec<String> = app
        .shop
        .webhooks()
        .deliveries(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.event_type)
        .collect();
    assert_eq!(events, ["order.refunded"]);

    // An order paid by bank transfer: its money is refunded by the shop (the `refund` step).
    app.order_one("本みりん").await;
    let transfer = app.newest_order().await;
    let path = format!("/api/v1/orders/{}/refunds", transfer.id.0);
    let (status, problem) = post(app, &path, &refunder, "r-5", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let (status, _) = post(
        app,
        "/api/v1/orders/AK99999999/refunds",
        &refunder,
        "r-6",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(refunds(fake), 2);
    assert_eq!(
        app.store
            .payment_of_order(order.id)
            .await
            .unwrap()
            .unwrap()
            .refunded,
        Yen(total.0)
    );
}

#[tokio::test]
async fn a_token_with_orders_refund_refunds_through_the_provider_on_sqlite() {
    let app = TestApp::builder()
        .stripe()
        .security(TestApp::internal_webhooks())
        .start()
        .await;
    let fake = app.stripe.clone().unwrap();
    refunds_work(&app, &fake).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_with_orders_refund_refunds_through_the_provider_on_postgresql() {
    let Some(db) = crate::support::PgDatabase::create().await else {
        return;
    };
    let app = TestApp::builder()
        .store(Arc::new(db.store.clone()))
        .stripe()
        .security(TestApp::internal_webhooks())
        .start()
        .await;
    let fake = app.stripe.clone().unwrap();
    refunds_work(&app, &fake).await;
    drop(app);
    db.drop_database().await;
}
