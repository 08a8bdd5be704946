//! `POST /api/v1/inventory/adjust|set` (issue 20, items 1 and 6) on both backends: stock by SKU
//! code with a reason, `products:write` only (403 for a read token), an adjustment that would go
//! below zero refused with nothing changed (409), a replayed key changes stock once, every
//! change audited with the token and the reason, and `inventory.low` written for subscribed
//! endpoints in the same transaction.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use akinai_core::audit::AuditContext;

use crate::support::api::{send, token};
use crate::support::TestApp;

async fn inventory_works(app: &TestApp) {
    let (reader, _) = token(app, "products:read").await;
    let (writer, writer_id) = token(app, "products:read,products:write").await;
    let (_, products) = send(
        app,
        Method::GET,
        "/api/v1/products?limit=50",
        &reader,
        "-",
        None,
    )
    .await;
    // The variant with the most stock (above the low mark, so setting 3 crosses it).
    let (product, variant) = products["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            let id = p["id"].as_i64().unwrap();
            let variants = p["variants"].as_array().unwrap().clone();
            variants.into_iter().map(move |v| (id, v))
        })
        .max_by_key(|(_, v)| v["stock"].as_i64().unwrap())
        .unwrap();
    let code = variant["sku"].as_str().unwrap().to_string();
    let stock = variant["stock"].as_i64().unwrap();
    assert!(stock > 5, "the demo has stock");
    app.shop
        .webhooks()
        .add(
            &AuditContext::cli("test"),
            "http://127.0.0.1:9/hook",
            "inventory.low",
        )
        .await
        .unwrap();

    let add = json!({ "sku": code, "delta": 4, "reason": "入荷" });
    let (status, _) = send(
        app,
        Method::POST,
        "/api/v1/inventory/adjust",
        &reader,
        "a-1",
        Some(add.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(
        app,
        Method::POST,
        "/api/v1/inventory/adjust",
        &writer,
        "a-1",
        Some(add.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body:?}");
    assert_eq!(body["stock"], stock + 4);
    assert_eq!(body["sku"], code);
    // A retry of the same request does not add again.
    let (status, again) = send(
        app,
        Method::POST,
        "/api/v1/inventory/adjust",
        &writer,
        "a-1",
        Some(add),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, body);

    let too_many = json!({ "sku": code, "delta": -(stock + 5), "reason": "破損" });
    let (status, problem) = send(
        app,
        Method::POST,
        "/api/v1/inventory/adjust",
        &writer,
        "a-2",
        Some(too_many),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem:?}");
    for (key, bad) in [
        (
            "a-3",
            json!({ "sku": "NO-SUCH-SKU", "delta": 1, "reason": "入荷" }),
        ),
        (
            "a-4",
            json!({ "sku": code, "delta": 100_001, "reason": "入荷" }),
        ),
        ("a-5", json!({ "sku": code, "delta": 1, "reason": "" })),
        ("a-6", json!({ "sku": code, "stock": -1, "reason": "棚卸" })),
    ] {
        let path = if bad.get("stock").is_some() {
            "/api/v1/inventory/set"
        } else {
            "/api/v1/inventory/adjust"
        };
        let (status, _) = send(app, Method::POST, path, &writer, key, Some(bad.clone())).await;
        let expected = if key == "a-3" {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::BAD_REQUEST
        };
        assert_eq!(status, expected, "{bad}");
    }

    let set = json!({ "sku": code, "stock": 3, "reason": "棚卸" });
    let (status, body) = send(
        app,
        Method::POST,
        "/api/v1/inventory/set",
        &writer,
        "s-1",
        Some(set),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body:?}");
    assert_eq!(body["stock"], 3);
    let path = format!("/api/v1/products/{product}");
    let (_, after) = send(app, Method::GET, &path, &reader, "-", None).await;
    let variants = after["variants"].as_array().unwrap();
    let same = variants.iter().find(|v| v["sku"] == code.as_str()).unwrap();
    assert_eq!(same["stock"], 3);
    let log = app.shop.webhooks().deliveries(None, 10).await.unwrap();
    assert_eq!(log.len(), 1, "one inventory.low as the stock fell to 3");
    assert_eq!(log[0].event_type, "inventory.low");

    // Publication.
    let off = format!("/api/v1/products/{product}/unpublish");
    let (status, _) = send(app, Method::POST, &off, &reader, "p-1", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(app, Method::POST, &off, &writer, "p-2", None).await;
    assert_eq!(status, StatusCode::OK, "{body:?}");
    assert_eq!(body, json!({ "id": product, "published": false }));
    let (_, read) = send(app, Method::GET, &path, &reader, "-", None).await;
    assert_eq!(read["published"], false);
    let on = format!("/api/v1/products/{product}/publish");
    let (status, _) = send(app, Method::POST, &on, &writer, "p-3", None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, read) = send(app, Method::GET, &path, &reader, "-", None).await;
    assert_eq!(read["published"], true);
    let nothing = "/api/v1/products/99999999/publish";
    let (status, _) = send(app, Method::POST, nothing, &writer, "p-4", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let entries = app.store.audit_entries(0, 1000).await.unwrap();
    let changes: Vec<(String, Value)> = entries
        .iter()
        .filter(|e| e.record.actor == format!("api-token:{writer_id}"))
        .map(|e| {
            let detail = serde_json::from_str(&e.record.detail).unwrap();
            (e.record.action.clone(), detail)
        })
        .collect();
    // The back office's bulk publication records the attempt on a missing product too.
    assert_eq!(changes.len(), 5, "{changes:?}");
    assert_eq!(changes[0].0, "stock.adjust");
    assert_eq!(changes[0].1["reason"], "入荷");
    assert_eq!(changes[1].0, "stock.set");
    assert_eq!(changes[1].1["before"], stock + 4);
}

#[tokio::test]
async fn tokens_adjust_and_set_stock_by_sku_on_sqlite() {
    let app = TestApp::builder()
        .demo()
        .security(TestApp::internal_webhooks())
        .start()
        .await;
    inventory_works(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_adjust_and_set_stock_by_sku_on_postgresql() {
    let Some((app, db)) = TestApp::postgres_with(TestApp::internal_webhooks()).await else {
        return;
    };
    app.seed().await;
    inventory_works(&app).await;
    drop(app);
    db.drop_database().await;
}
