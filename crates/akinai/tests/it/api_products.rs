//! Product writes through the API (issue 20, items 1 and 6) on both backends: `POST
//! /api/v1/products` makes a product with its variants (201; bad fields named, nothing stored;
//! a replayed key creates once), `PATCH` changes only the fields given (a schedule and the rest
//! kept), variants are added and relabelled and repriced; `products:read` alone is refused
//! (403); every change is audited with the token as actor (IPA-C-12) and raises
//! `product.updated` for subscribed endpoints — also a price change, which only the back
//! office's price form made before.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use akinai_core::audit::AuditContext;

use crate::support::api::token;
use crate::support::TestApp;

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    secret: &str,
    key: &str,
    body: Value,
) -> (StatusCode, Value) {
    crate::support::api::send(app, method, path, secret, key, Some(body)).await
}

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default()
}

async fn product_writes_work(app: &TestApp) {
    let (reader, _) = token(app, "products:read").await;
    let (writer, writer_id) = token(app, "products:write").await;
    app.shop
        .webhooks()
        .add(
            &AuditContext::cli("test"),
            "http://127.0.0.1:9/hook",
            "product.updated",
        )
        .await
        .unwrap();
    let category = app.store.categories().await.unwrap()[0].id.0;
    let products_before = app.store.product_count().await.unwrap();
    let new = json!({
        "name": "手ぬぐい 藍染",
        "category_id": category,
        "description": "<p>綿100%</p><script>alert(1)</script>",
        "tax_category": "standard",
        "published": true,
        "variants": [
            { "sku": "TENUGUI-AI", "option_label": "藍", "price": 1650, "stock": 30 },
            { "sku": "TENUGUI-BENI", "option_label": "紅", "price": 1650 }
        ]
    });

    let (status, _) = send(
        app,
        Method::POST,
        "/api/v1/products",
        &reader,
        "c-0",
        new.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a read token does not write");

    // Every bad field is named, and nothing is stored.
    let mut bad = new.clone();
    bad["category_id"] = json!(99_999);
    bad["name"] = json!("");
    bad["variants"][1]["sku"] = json!("TENUGUI-AI");
    let (status, problem) = send(app, Method::POST, "/api/v1/products", &writer, "c-1", bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let named = fields(&problem);
    for f in ["name", "category_id", "sku"] {
        assert!(named.contains(&f), "{f} in {problem}");
    }
    let (status, _) = send(
        app,
        Method::POST,
        "/api/v1/products",
        &writer,
        "c-2",
        json!({ "name": "x", "category_id": category, "tax_category": "standard", "variants": [] }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no variant");
    assert_eq!(app.store.product_count().await.unwrap(), products_before);

    let (status, made) = send(
        app,
        Method::POST,
        "/api/v1/products",
        &writer,
        "c-3",
        new.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["name"], "手ぬぐい 藍染");
    assert_eq!(made["published"], true);
    assert_eq!(made["description_html"], "<p>綿100%</p>", "sanitised");
    let variants = made["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    assert_eq!(variants[0]["sku"], "TENUGUI-AI");
    assert_eq!(variants[0]["stock"], 30);
    assert_eq!(variants[1]["stock"], 0);
    let id = made["id"].as_i64().unwrap();
    // The same request again answers the same and creates nothing more.
    let (status, again) = send(
        app,
        Method::POST,
        "/api/v1/products",
        &writer,
        "c-3",
        new.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again, made);
    assert_eq!(
        app.store.product_count().await.unwrap(),
        products_before + 1
    );
    // A new request with a code now taken is refused.
    let (status, problem) = send(app, Method::POST, "/api/v1/products", &writer, "c-4", new).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(fields(&problem).contains(&"sku"), "{problem}");

    // PATCH changes only what it names.
    let path = format!("/api/v1/products/{id}");
    let (status, changed) = send(
        app,
        Method::PATCH,
        &path,
        &writer,
        "-",
        json!({ "name": "手ぬぐい 藍染め", "tax_category": "reduced" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["name"], "手ぬぐい 藍染め");
    assert_eq!(changed["tax_category"], "reduced");
    assert_eq!(changed["description_html"], made["description_html"]);
    assert_eq!(changed["category_id"], made["category_id"]);
    assert_eq!(changed["published"], true);
    let (status, problem) = send(
        app,
        Method::PATCH,
        &path,
        &writer,
        "-",
        json!({ "category_id": 99_999 }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(fields(&problem), ["category_id"]);
    let (status, _) = send(
        app,
        Method::PATCH,
        &path,
        &writer,
        "-",
        json!({ "nmae": "typo" }),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unknown fields are refused"
    );
    let (status, _) = send(
        app,
        Method::PATCH,
        "/api/v1/products/99999999",
        &writer,
        "-",
        json!({ "name": "x" }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Variants: one more, then relabelled and repriced; a taken code is refused.
    let (status, more) = send(
        app,
        Method::POST,
        &format!("{path}/variants"),
        &writer,
        "v-1",
        json!({ "sku": "TENUGUI-KON", "option_label": "紺", "price": 1800, "stock": 5 }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{more}");
    let kon = more["variants"].as_array().unwrap()[2]["id"]
        .as_i64()
        .unwrap();
    let variant = format!("{path}/variants/{kon}");
    let (status, problem) = send(
        app,
        Method::PATCH,
        &variant,
        &writer,
        "-",
        json!({ "sku": "TENUGUI-AI" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(fields(&problem), ["sku"]);
    let (status, repriced) = send(
        app,
        Method::PATCH,
        &variant,
        &writer,
        "-",
        json!({ "price": 1980.0, "location": "A-3-2" }), // JSON numbers may be written 1980.0
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{repriced}");
    let kon_now = &repriced["variants"].as_array().unwrap()[2];
    assert_eq!(kon_now["price"], 1980);
    assert_eq!(kon_now["sku"], "TENUGUI-KON", "the code is kept");
    assert_eq!(kon_now["option_label"], "紺");
    let (status, _) = send(
        app,
        Method::PATCH,
        &format!("/api/v1/products/1/variants/{kon}"),
        &writer,
        "-",
        json!({ "price": 1 }),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a variant of another product"
    );

    // Audited with the token as actor.
    let actions: Vec<String> = app
        .store
        .audit_entries(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.record.actor == format!("api-token:{writer_id}"))
        .map(|e| e.record.action)
        .collect();
    assert_eq!(
        actions,
        [
            "product.create",
            "product.update",
            "sku.create",
            "sku.update",
            "price.update"
        ]
    );
    // product.updated: created, changed, variant added, relabelled (棚番), repriced.
    let log = app.shop.webhooks().deliveries(None, 50).await.unwrap();
    let ours: Vec<_> = log
        .iter()
        .filter(|d| d.event_type == "product.updated")
        .collect();
    assert_eq!(ours.len(), 5, "{log:?}");
}

#[tokio::test]
async fn tokens_create_and_change_products_on_sqlite() {
    let app = TestApp::builder()
        .demo()
        .security(TestApp::internal_webhooks())
        .start()
        .await;
    product_writes_work(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_create_and_change_products_on_postgresql() {
    let Some((app, db)) = TestApp::postgres_with(TestApp::internal_webhooks()).await else {
        return;
    };
    app.seed().await;
    product_writes_work(&app).await;
    drop(app);
    db.drop_database().await;
}

/// The largest product the schema allows fits the route's body limit however the client escapes
/// it (every character of a 20,000-character description as a `\uD83D\uDE00` pair, 100
/// variants with 60-character labels): 201. One character more is the 400 naming
/// `description`, not a 413 (found by schemathesis: a schema-violating request must be refused
/// as such). A body over the limit is the API's 413 problem.
#[tokio::test]
async fn the_largest_valid_product_fits_the_body_limit() {
    let app = TestApp::builder().demo().start().await;
    let (writer, _) = token(&app, "products:write").await;
    let category = app.store.categories().await.unwrap()[0].id.0;
    let body = |chars: usize, sku: &str| {
        let label = "\\uD83D\\uDE00".repeat(60);
        let variants: Vec<String> = (0..100)
            .map(|i| {
                format!(
                    r#"{{"sku":"{sku}-{i:03}","option_label":"{label}","price":10000000,"stock":100000}}"#
                )
            })
            .collect();
        format!(
            r#"{{"name":"{}","category_id":{category},"description":"{}","tax_category":"standard","published":false,"variants":[{}]}}"#,
            "\\uD83D\\uDE00".repeat(100),
            "\\uD83D\\uDE00".repeat(chars),
            variants.join(",")
        )
    };
    let post = |key: &'static str, body: String| {
        let shopper = app.shopper();
        let writer = writer.clone();
        async move {
            let response = shopper
                .client
                .post(format!("{}/api/v1/products", shopper.base))
                .bearer_auth(writer)
                .header("Idempotency-Key", key)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let text = response.text().await.unwrap();
            (
                status,
                serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
            )
        }
    };

    let largest = body(20_000, "MAX");
    assert!(
        largest.len() > akinai_web::api::API_BODY,
        "{}",
        largest.len()
    );
    let (status, answer) = post("max", largest).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");

    let (status, problem) = post("over", body(20_001, "OVER")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(fields(&problem), ["description"], "{problem}");

    let huge = format!(
        r#"{{"name":"x","description":"{}"}}"#,
        "x".repeat(akinai_web::api::PRODUCT_BODY)
    );
    let (status, problem) = post("huge", huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(problem["status"], 413, "{problem}");
}
