//! Price writes through the API (issue #23, item 7) on both backends, with `products:write`:
//! customer groups are created (a taken name 409, refused fields 422 naming them) and saved whole;
//! a product's variants get tiers, a sale, a case multiple and a group price in one `PUT`
//! (tiers that rise, an unknown variant or group: refused, nothing saved); coupons are made as
//! the CLI makes them and stopped; `products:read` alone is refused (403, SWS-11); every change
//! is audited.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::api::token;
use crate::support::TestApp;

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    secret: &str,
    body: Value,
) -> (StatusCode, Value) {
    let key = format!("key-{}", rand_key());
    crate::support::api::send(app, method, path, secret, &key, Some(body)).await
}

/// A fresh Idempotency-Key for each request.
fn rand_key() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default()
}

async fn pricing_writes_work(app: &TestApp) {
    let (writer, _) = token(app, "products:write").await;
    let (reader, _) = token(app, "products:read").await;
    let (post, put, patch) = (Method::POST, Method::PUT, Method::PATCH);

    // Customer groups.
    let groups = "/api/v1/customer-groups";
    let new = json!({ "name": "卸", "discount_percent": 15, "tax_exclusive": true });
    let (status, refused) = send(app, post.clone(), groups, &reader, new.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (status, group) = send(app, post.clone(), groups, &writer, new.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    assert_eq!(
        (
            &group["name"],
            &group["discount_percent"],
            &group["tax_exclusive"]
        ),
        (&json!("卸"), &json!(15), &json!(true))
    );
    let id = group["id"].as_i64().unwrap();
    let (status, taken) = send(app, post.clone(), groups, &writer, new).await;
    assert_eq!(status, StatusCode::CONFLICT, "{taken}");
    assert_eq!(fields(&taken), ["name"]);
    let bad = json!({ "name": " ", "discount_percent": 101 });
    let (status, problem) = send(app, post.clone(), groups, &writer, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(fields(&problem), ["name", "discount_percent"]);
    let whole = json!({ "name": "卸売", "discount_percent": 20 });
    let (status, saved) = send(
        app,
        put.clone(),
        &format!("{groups}/{id}"),
        &writer,
        whole.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(
        (
            &saved["name"],
            &saved["discount_percent"],
            &saved["tax_exclusive"]
        ),
        (&json!("卸売"), &json!(20), &json!(false))
    );
    let (status, _) = send(
        app,
        put.clone(),
        &format!("{groups}/999999"),
        &writer,
        whole,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.store.customer_groups().await.unwrap().len(), 1);

    // A product's price rules.
    let sku = app.sku_named("本みりん").await;
    let found = app.store.skus_for_sale(&[sku]).await.unwrap();
    let (list, product) = (found[0].price.0, found[0].product_id.0);
    let path = format!("/api/v1/products/{product}/price-rules");
    let rules = json!([{
        "variant_id": sku.0,
        "tiers": [
            { "min_quantity": 10, "price": list * 9 / 10 },
            { "min_quantity": 50, "price": list * 8 / 10 }
        ],
        "sale": { "price": list * 95 / 100, "first_day": "2026-01-01", "last_day": "2099-12-31" },
        "group_prices": [{ "group_id": id, "price": list * 7 / 10 }],
        "multiple": 2
    }]);
    let (status, _) = send(app, put.clone(), &path, &reader, rules.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, saved) = send(app, put.clone(), &path, &writer, rules).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let variant = saved
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["variant_id"] == sku.0)
        .unwrap()
        .clone();
    assert_eq!(variant["tiers"][1]["price"], list * 8 / 10, "{variant}");
    assert_eq!(variant["sale"]["price"], list * 95 / 100);
    assert_eq!(variant["group_prices"][0]["group_id"], id);
    assert_eq!(variant["multiple"], 2);
    let cart = app.shopper();
    cart.add(sku, "10").await;
    assert!(
        cart.get("/cart").await.body.contains("まとめ買い価格"),
        "the storefront prices with the rules saved"
    );

    // Refused whole: tiers that rise, an unknown variant or group; nothing changes.
    let rising = json!([{ "variant_id": sku.0, "tiers": [
        { "min_quantity": 10, "price": list * 8 / 10 },
        { "min_quantity": 50, "price": list * 9 / 10 }
    ] }]);
    let (status, problem) = send(app, put.clone(), &path, &writer, rising).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(fields(&problem), ["tiers"]);
    for refused in [
        json!([{ "variant_id": 999_999 }]),
        json!([{ "variant_id": sku.0, "group_prices": [{ "group_id": 999_999, "price": 1 }] }]),
    ] {
        let (status, _) = send(app, put.clone(), &path, &writer, refused).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, unchanged) = send(app, put.clone(), &path, &writer, json!([])).await;
    assert_eq!(status, StatusCode::OK, "none given, nothing changes");
    assert_eq!(
        unchanged.as_array().unwrap().len(),
        saved.as_array().unwrap().len()
    );
    let bad_day = json!([{ "variant_id": sku.0, "sale": { "price": 1, "last_day": "" } }]);
    let (status, problem) = send(app, put.clone(), &path, &writer, bad_day).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let backwards = json!([{ "variant_id": sku.0, "sale": {
        "price": 1, "first_day": "2027-01-31", "last_day": "2027-01-01" } }]);
    let (status, problem) = send(app, put.clone(), &path, &writer, backwards).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        ["sale.last_day"],
        "named as the JSON names it"
    );
    let rules = app.store.sku_price_rules(&[sku]).await.unwrap();
    assert_eq!(rules[&sku].tiers.len(), 2, "unchanged");

    // Coupons.
    let coupons = "/api/v1/coupons";
    let new = json!({ "code": "api-10", "kind": "percent", "value": 10, "max_uses": 5, "last_day": "2099-12-31" });
    let (status, coupon) = send(app, post.clone(), coupons, &writer, new.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{coupon}");
    assert_eq!(
        (&coupon["code"], &coupon["max_uses"], &coupon["disabled"]),
        (&json!("API-10"), &json!(5), &json!(false))
    );
    let (status, taken) = send(app, post.clone(), coupons, &writer, new).await;
    assert_eq!(status, StatusCode::CONFLICT, "{taken}");
    assert_eq!(fields(&taken), ["code"]);
    let over = json!({ "code": "OVER", "kind": "percent", "value": 150 });
    let (status, problem) = send(app, post.clone(), coupons, &writer, over).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(fields(&problem), ["value"]);
    let cid = coupon["id"].as_i64().unwrap();
    let stop = json!({ "disabled": true });
    let (status, _) = send(
        app,
        patch.clone(),
        &format!("{coupons}/{cid}"),
        &writer,
        stop.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(app, patch, &format!("{coupons}/999999"), &writer, stop).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let listed = crate::api_resources::call(app, "GET", coupons, &reader).await;
    assert_eq!(listed.body[0]["disabled"], true, "{:?}", listed.body);

    let audit = app.audit_actions().await;
    for action in [
        "customer_group.save",
        "sku.price_rules",
        "coupon.create",
        "coupon.disable",
    ] {
        assert!(audit.iter().any(|a| a == action), "no {action}");
    }
}

#[tokio::test]
async fn sws_11_a_products_write_token_writes_groups_price_rules_and_coupons_on_sqlite() {
    let app = TestApp::demo().await;
    pricing_writes_work(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sws_11_a_products_write_token_writes_groups_price_rules_and_coupons_on_postgresql() {
    let Some((app, db)) = TestApp::postgres().await else {
        return;
    };
    app.seed().await;
    pricing_writes_work(&app).await;
    drop(app);
    db.drop_database().await;
}
