//! Outgoing webhooks (issue 20, items 4 and 6; ADR 038) on both backends, against a receiver
//! on loopback: an order placed in the shop is delivered signed per Standard Webhooks, checked
//! here with an independent HMAC-SHA256 (the `hmac` crate, not akinai's signer); a failing
//! receiver is retried on the schedule with the same message id; `410 Gone` disables the
//! endpoint; a rotation signs with both secrets; and in production the SSRF guard (issue 20 item 4, ADR 038; the catalogue has no SSRF ID)
//! refuses loopback, private, link-local, metadata and IPv6 loopback destinations and a name
//! that resolves to loopback.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use akinai_core::audit::AuditContext;
use akinai_core::{Clock, CoreError};
use akinai_domain::ids::WebhookEndpointId;

use crate::support::TestApp;

/// What the receiver was sent.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signatures: Vec<String>,
    body: String,
}

/// A receiver on loopback answering the statuses queued (then 204).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<Vec<u16>>>,
}

impl Receiver {
    async fn start() -> (Receiver, String) {
        let receiver = Receiver::default();
        let state = receiver.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let state = state.clone();
                async move {
                    let header = |n: &str| {
                        headers
                            .get(n)
                            .map(|v| v.to_str().unwrap().to_string())
                            .unwrap_or_default()
                    };
                    state.got.lock().unwrap().push(Received {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signatures: header("webhook-signature")
                            .split(' ')
                            .map(str::to_string)
                            .collect(),
                        body,
                    });
                    let mut answers = state.answers.lock().unwrap();
                    let status = if answers.is_empty() {
                        204
                    } else {
                        answers.remove(0)
                    };
                    StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    fn answer(&self, statuses: &[u16]) {
        self.answers.lock().unwrap().extend_from_slice(statuses);
    }
}

/// Standard Webhooks' check, written here from the specification: base64 HMAC-SHA256 of
/// `id.timestamp.body` with the base64-decoded part of the `whsec_` secret.
fn signed_by(secret: &str, r: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    r.signatures.contains(&expected)
}

fn cli() -> AuditContext {
    AuditContext::cli("運用担当")
}

async fn deliveries_work(app: &TestApp) {
    let (receiver, url) = Receiver::start().await;
    let hooks = app.shop.webhooks();
    let made = hooks
        .add(&cli(), &url, "order.created,order.shipped, inventory.low")
        .await
        .unwrap();
    assert!(made.secret.starts_with("whsec_"));
    assert!(app
        .audit_actions()
        .await
        .contains(&"webhook.add".to_string()));

    // An order placed in the shop: one signed order.created, sent by the worker.
    app.order_one("本みりん").await;
    let order = app.newest_order().await;
    assert_eq!(hooks.deliver_due().await.unwrap(), 1);
    let got = receiver.got();
    assert_eq!(got.len(), 1);
    let first = &got[0];
    assert!(signed_by(&made.secret, first), "{first:?}");
    assert!(first.id.starts_with("msg_"));
    let now = app.clock.now().timestamp();
    assert!((first.timestamp.parse::<i64>().unwrap() - now).abs() <= 1);
    let body: Value = serde_json::from_str(&first.body).unwrap();
    assert_eq!(body["type"], "order.created");
    assert_eq!(body["data"]["id"], akinai_core::order_number(order.id));
    assert_eq!(body["data"]["status"], "placed");
    assert!(body["timestamp"].as_str().unwrap().ends_with("+09:00"));
    assert!(
        !first.body.contains(order.details.email.as_str()),
        "no personal data in events"
    );

    // A failing receiver: retried after about 5 s with the same id, then delivered.
    receiver.answer(&[500]);
    app.order_one("本みりん").await;
    assert_eq!(hooks.deliver_due().await.unwrap(), 1);
    assert_eq!(hooks.deliver_due().await.unwrap(), 0, "not due before 5 s");
    let log = hooks.deliveries(None, 10).await.unwrap();
    assert_eq!(log[0].state, "pending");
    assert_eq!(log[0].last_status, Some(500));
    app.clock.advance(chrono::Duration::seconds(6));
    assert_eq!(hooks.deliver_due().await.unwrap(), 1);
    let got = receiver.got();
    assert_eq!(got.len(), 3);
    assert_eq!(got[1].id, got[2].id, "a retry keeps the message id");
    assert_ne!(got[0].id, got[1].id);
    assert!(signed_by(&made.secret, &got[2]));
    let log = hooks.deliveries(Some(made.id), 10).await.unwrap();
    assert_eq!(log[0].state, "delivered");
    assert_eq!(log[0].attempts, 2);

    // A rotation: both secrets sign during the overlap.
    let rotated = hooks.rotate(&cli(), made.id).await.unwrap();
    app.order_one("本みりん").await;
    hooks.deliver_due().await.unwrap();
    let last = receiver.got().pop().unwrap();
    assert!(signed_by(&rotated.secret, &last) && signed_by(&made.secret, &last));
    assert_eq!(last.signatures.len(), 2);
    app.clock.advance(chrono::Duration::hours(25));
    app.order_one("本みりん").await;
    hooks.deliver_due().await.unwrap();
    let last = receiver.got().pop().unwrap();
    assert!(signed_by(&rotated.secret, &last) && !signed_by(&made.secret, &last));

    // 410 Gone disables the endpoint: later events are not delivered, nothing is pending.
    receiver.answer(&[410]);
    app.order_one("本みりん").await;
    hooks.deliver_due().await.unwrap();
    let endpoint = &hooks.list().await.unwrap()[0];
    assert!(endpoint.disabled.is_some(), "{endpoint:?}");
    let before = receiver.got().len();
    app.order_one("本みりん").await;
    assert_eq!(hooks.deliver_due().await.unwrap(), 0);
    assert_eq!(receiver.got().len(), before);
    // 再送 after the owner turns it back on.
    hooks.enable(&cli(), made.id).await.unwrap();
    let failed = hooks.deliveries(Some(made.id), 1).await.unwrap()[0].clone();
    assert_eq!(failed.state, "failed");
    hooks.retry(&cli(), failed.id).await.unwrap();
    assert_eq!(hooks.deliver_due().await.unwrap(), 1);
    assert_eq!(receiver.got().len(), before + 1);

    // Removed: no more deliveries.
    hooks.remove(&cli(), made.id).await.unwrap();
    app.order_one("本みりん").await;
    assert_eq!(hooks.deliver_due().await.unwrap(), 0);
    assert!(hooks.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn orders_are_delivered_signed_retried_rotated_and_410_disables_on_sqlite() {
    let app = TestApp::builder()
        .demo()
        .security(TestApp::internal_webhooks())
        .start()
        .await;
    deliveries_work(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_are_delivered_signed_retried_rotated_and_410_disables_on_postgresql() {
    let Some((app, db)) = TestApp::postgres_with(TestApp::internal_webhooks()).await else {
        return;
    };
    app.seed().await;
    deliveries_work(&app).await;
    drop(app);
    db.drop_database().await;
}

/// SSRF (issue 20 item 4, ADR 038): in production, internal destinations are refused when registered, and a name
/// that resolves to loopback is refused when a delivery is sent.
#[tokio::test]
async fn production_refuses_internal_destinations_ssrf() {
    let app = TestApp::demo().await;
    let hooks = app.shop.webhooks();
    for url in [
        "https://127.0.0.1/hook",
        "https://10.0.0.8/hook",
        "https://192.168.1.20/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://localhost/hook",
        "http://hooks.example.jp/hook",
    ] {
        let refused = hooks.add(&cli(), url, "order.created").await;
        assert!(
            matches!(refused, Err(CoreError::InvalidForm(_))),
            "{url}: {refused:?}"
        );
    }
    assert!(hooks.list().await.unwrap().is_empty(), "nothing saved");

    // This machine's own name resolves to an internal address (here 127.0.0.1).
    let name = std::fs::read_to_string("/etc/hostname").unwrap();
    let name = name.trim();
    let resolved: Vec<_> = tokio::net::lookup_host((name, 443))
        .await
        .unwrap()
        .collect();
    assert!(resolved
        .iter()
        .any(|a| !akinai_domain::webhook::is_public(a.ip())));
    let (receiver, url) = Receiver::start().await;
    let port = url.split(':').nth(2).unwrap().split('/').next().unwrap();
    let made = hooks
        .add(
            &cli(),
            &format!("https://{name}:{port}/hook"),
            "order.created",
        )
        .await
        .unwrap();
    app.order_one("本みりん").await;
    assert_eq!(hooks.deliver_due().await.unwrap(), 1);
    assert!(receiver.got().is_empty(), "nothing reached the receiver");
    let log = hooks.deliveries(Some(made.id), 1).await.unwrap();
    let error = log[0].last_error.clone().unwrap_or_default();
    assert!(error.contains("internal address"), "{error}");
    assert_eq!(log[0].state, "pending", "retried later, never sent inside");
}

/// Endpoints are checked: unknown events and bad URLs save nothing; unknown ids are not found.
#[tokio::test]
async fn bad_endpoints_are_refused_and_unknown_ones_not_found() {
    let app = TestApp::builder()
        .demo()
        .security(TestApp::internal_webhooks())
        .start()
        .await;
    let hooks = app.shop.webhooks();
    for (url, events) in [
        ("http://127.0.0.1:9/hook", "order.exploded"),
        ("http://127.0.0.1:9/hook", ""),
        ("ftp://127.0.0.1/hook", "order.created"),
        ("https://user:pw@hooks.example.jp/", "order.created"),
    ] {
        assert!(matches!(
            hooks.add(&cli(), url, events).await,
            Err(CoreError::InvalidForm(_))
        ));
    }
    let nobody = WebhookEndpointId(999);
    assert!(matches!(
        hooks.rotate(&cli(), nobody).await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        hooks.remove(&cli(), nobody).await,
        Err(CoreError::NotFound)
    ));
}

/// `inventory.low` from the shop's own sales: the order that takes a SKU's stock to the low mark
/// writes the event in its placement transaction (the PostgreSQL placement is one statement with
/// the event in it); later orders below the mark do not repeat it.
async fn a_sale_to_the_low_mark_raises_inventory_low(app: &TestApp) {
    let (receiver, url) = Receiver::start().await;
    let hooks = app.shop.webhooks();
    let made = hooks.add(&cli(), &url, "inventory.low").await.unwrap();
    let sku = app.sku_named("本みりん").await;
    let low = akinai_domain::webhook::LOW_STOCK;
    app.store
        .set_stock(sku, low + 2, app.clock.now())
        .await
        .unwrap();
    let shopper = app.shopper();
    shopper.add(sku, "1").await;
    shopper.submit_details(&[]).await;
    assert_eq!(shopper.place().await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        hooks.deliver_due().await.unwrap(),
        0,
        "still above the mark"
    );
    let shopper = app.shopper();
    shopper.add(sku, "2").await;
    shopper.submit_details(&[]).await;
    assert_eq!(shopper.place().await.status, StatusCode::SEE_OTHER);
    assert_eq!(hooks.deliver_due().await.unwrap(), 1);
    let got = receiver.got();
    assert!(signed_by(&made.secret, &got[0]));
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["type"], "inventory.low");
    assert_eq!(body["data"]["sku_id"], sku.0);
    assert_eq!(body["data"]["stock"], low - 1);
    app.order_one("本みりん").await;
    assert_eq!(hooks.deliver_due().await.unwrap(), 0, "once per crossing");
}

#[tokio::test]
async fn a_sale_to_the_low_mark_raises_inventory_low_on_sqlite() {
    let app = TestApp::with_security(TestApp::internal_webhooks()).await;
    a_sale_to_the_low_mark_raises_inventory_low(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_to_the_low_mark_raises_inventory_low_on_postgresql() {
    let Some((app, db)) = TestApp::postgres_with(TestApp::internal_webhooks()).await else {
        return;
    };
    app.seed().await;
    a_sale_to_the_low_mark_raises_inventory_low(&app).await;
    drop(app);
    db.drop_database().await;
}
