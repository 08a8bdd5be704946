//! The REST API's resources (issue 20, items 1–3 and 6) on both backends: products, categories,
//! orders and customers read with scoped tokens, cursor pages with `Link: rel="next"` that
//! neither skip nor repeat a row while products are added between pages, problem details for
//! every refusal (SWS-4: 401; scopes: 403), personal data only with `customers:read` and every
//! such read audited with the token as the actor (IPA-C-8), the per-token rate limit, and the
//! served OpenAPI document.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use akinai_core::api::TokenRequest;
use akinai_core::audit::AuditContext;
use akinai_domain::catalog::{NewProduct, NewSku};
use akinai_domain::money::Yen;
use akinai_domain::rich_text::SafeHtml;
use akinai_domain::tax::TaxCategory;

use crate::support::TestApp;

/// A token with `scopes`, as the CLI makes one.
pub(crate) async fn token(app: &TestApp, scopes: &str) -> String {
    let made = app
        .shop
        .api_tokens()
        .create(
            &AuditContext::cli("test"),
            &TokenRequest {
                name: format!("連携 {scopes}"),
                scopes: scopes.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    made.secret
}

pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: Value,
}

pub(crate) async fn call(app: &TestApp, method: &str, path: &str, secret: &str) -> Answer {
    let shopper = app.shopper();
    let response = shopper
        .client
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}{path}", shopper.base),
        )
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

pub(crate) fn problem(a: &Answer, status: StatusCode, kind: &str) {
    assert_eq!(a.status, status, "{:?}", a.body);
    assert_eq!(a.headers["content-type"], "application/problem+json");
    assert_eq!(a.body["status"], status.as_u16());
    assert!(
        a.body["type"].as_str().unwrap().ends_with(kind),
        "{:?}",
        a.body
    );
}

/// The next page's path from the `Link` header, if any.
fn next_link(a: &Answer) -> Option<String> {
    let link = a.headers.get("link")?.to_str().unwrap();
    let start = link.find('<')? + 1;
    let end = link.find('>')?;
    assert!(link.ends_with("rel=\"next\""), "{link}");
    Some(link[start..end].to_string())
}

async fn add_product(app: &TestApp, name: &str, code: &str) -> i64 {
    let category = app.store.categories().await.unwrap()[0].id;
    app.store
        .create_product(&NewProduct {
            category_id: category,
            name: name.into(),
            description: SafeHtml::sanitize("<p>追加</p>"),
            tax_category: TaxCategory::Reduced,
            image_hue: 10,
            published: false,
            skus: vec![NewSku {
                code: code.into(),
                option_label: String::new(),
                price: Yen(1080),
                stock: 7,
            }],
        })
        .await
        .unwrap()
        .0
}

/// Everything a read token sees, on whichever backend `app` runs.
async fn reads_work(app: &TestApp) {
    let products = token(app, "products:read").await;
    let orders = token(app, "orders:read").await;
    let everything = token(app, "orders:read,customers:read,products:read").await;

    // Products page by page, following Link, while products are added between pages.
    let total_before = app.store.product_count().await.unwrap();
    let mut seen = Vec::new();
    let mut path = Some("/api/v1/products?limit=7".to_string());
    let mut added = Vec::new();
    while let Some(p) = path {
        let page = call(app, "GET", &p, &products).await;
        assert_eq!(page.status, StatusCode::OK, "{p}: {:?}", page.body);
        assert!(page.body["items"].as_array().unwrap().len() <= 7);
        for item in page.body["items"].as_array().unwrap() {
            seen.push(item["id"].as_i64().unwrap());
        }
        path = next_link(&page);
        assert_eq!(
            path.is_some(),
            page.body["next_cursor"].is_string(),
            "the body's cursor and the Link header agree"
        );
        if added.len() < 2 {
            let n = added.len();
            added.push(add_product(app, &format!("追加商品{n}"), &format!("API-ADD-{n}")).await);
        }
    }
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no product twice");
    assert_eq!(seen.len() as i64, total_before + 2, "none skipped");
    assert!(added.iter().all(|id| unique.contains(id)));

    // One product, unpublished, with its variant, stock and reduced rate.
    let one = call(
        app,
        "GET",
        &format!("/api/v1/products/{}", added[0]),
        &products,
    )
    .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["name"], "追加商品0");
    assert_eq!(one.body["published"], false);
    assert_eq!(one.body["tax_category"], "reduced");
    assert_eq!(one.body["variants"][0]["sku"], "API-ADD-0");
    assert_eq!(one.body["variants"][0]["price"], 1080);
    assert_eq!(one.body["variants"][0]["stock"], 7);
    let categories = call(app, "GET", "/api/v1/categories", &products).await;
    assert_eq!(
        categories.body.as_array().unwrap().len(),
        app.store.categories().await.unwrap().len()
    );

    // Bad parameters and unknown ids: problem details naming the parameter.
    for bad in [
        "limit=0",
        "limit=251",
        "limit=abc",
        "cursor=xyz",
        "cursor=-3",
    ] {
        let a = call(app, "GET", &format!("/api/v1/products?{bad}"), &products).await;
        problem(&a, StatusCode::BAD_REQUEST, "invalid-request");
        let field = a.body["errors"][0]["field"].as_str().unwrap();
        assert!(
            ["limit", "cursor", "query"].contains(&field),
            "{bad}: {field}"
        );
    }
    problem(
        &call(app, "GET", "/api/v1/products/999999", &products).await,
        StatusCode::NOT_FOUND,
        "not-found",
    );
    problem(
        &call(app, "GET", "/api/v1/products/abc", &products).await,
        StatusCode::BAD_REQUEST,
        "invalid-request",
    );

    // Scopes: nothing implied, each refusal names the scope.
    let refused = call(app, "GET", "/api/v1/orders", &products).await;
    problem(&refused, StatusCode::FORBIDDEN, "insufficient-scope");
    assert!(refused.body["detail"]
        .as_str()
        .unwrap()
        .contains("orders:read"));
    for path in ["/api/v1/customers", "/api/v1/customers/1"] {
        let a = call(app, "GET", path, &orders).await;
        problem(&a, StatusCode::FORBIDDEN, "insufficient-scope");
        assert!(a.body["detail"]
            .as_str()
            .unwrap()
            .contains("customers:read"));
    }
    problem(
        &call(app, "GET", "/api/v1/products", &orders).await,
        StatusCode::FORBIDDEN,
        "insufficient-scope",
    );

    // Orders: masked without customers:read, whole (and audited) with it.
    app.order_one("本革ベルト").await;
    let order = app.newest_order().await;
    let masked = call(app, "GET", "/api/v1/orders?limit=1", &orders).await;
    assert_eq!(masked.status, StatusCode::OK);
    let row = &masked.body["items"][0];
    assert_eq!(row["id"], order.id.0);
    assert_eq!(row["number"], order.number());
    assert_eq!(row["status"], "placed");
    assert_eq!(row["grand_total"], order.totals.grand_total.0);
    assert!(row["placed_at"].as_str().unwrap().ends_with("+09:00"));
    assert_ne!(row["recipient"]["name"], order.details.name.as_str());
    assert!(row["recipient"]["phone"].is_null());
    let detail = call(
        app,
        "GET",
        &format!("/api/v1/orders/{}", order.id.0),
        &orders,
    )
    .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body["recipient"]["email"].is_null());
    assert_eq!(detail.body["lines"][0]["quantity"], 1);
    let rates = detail.body["totals"]["rates"].as_array().unwrap();
    let taxed: i64 = rates.iter().map(|r| r["total"].as_i64().unwrap()).sum();
    assert_eq!(taxed, order.totals.grand_total.0, "the rates add up");
    assert!(detail.body["next_steps"]
        .as_array()
        .unwrap()
        .contains(&Value::from("pay")));
    let whole = call(
        app,
        "GET",
        &format!("/api/v1/orders/{}", order.id.0),
        &everything,
    )
    .await;
    assert_eq!(
        whole.body["recipient"]["email"],
        order.details.email.as_str()
    );
    assert_eq!(whole.body["recipient"]["name"], order.details.name.as_str());
    let list = call(app, "GET", "/api/v1/orders?status=placed", &everything).await;
    assert_eq!(
        list.body["items"][0]["recipient"]["name"],
        order.details.name.as_str()
    );
    for bad in ["status=lost", "placed_from=yesterday", "cursor=1"] {
        let a = call(app, "GET", &format!("/api/v1/orders?{bad}"), &orders).await;
        problem(&a, StatusCode::BAD_REQUEST, "invalid-request");
    }
    let none = call(app, "GET", "/api/v1/orders?status=refunded", &orders).await;
    assert!(none.body["items"].as_array().unwrap().is_empty());
    assert!(none.headers.get("link").is_none());

    // Customers: every read audited with the token as the actor.
    let member = app.member("api-reader@example.jp").await;
    drop(member);
    let customers = call(app, "GET", "/api/v1/customers", &everything).await;
    assert_eq!(customers.status, StatusCode::OK);
    let first = &customers.body["items"][0];
    assert_eq!(first["email"], "api-reader@example.jp");
    let id = first["id"].as_i64().unwrap();
    let one = call(app, "GET", &format!("/api/v1/customers/{id}"), &everything).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["email"], "api-reader@example.jp");
    let entries = app.store.audit_entries(0, 10_000).await.unwrap();
    let by_token: Vec<_> = entries
        .iter()
        .filter(|e| e.record.actor.starts_with("api-token:"))
        .filter(|e| e.record.action == "personal_data.viewed")
        .map(|e| e.record.target.as_str())
        .collect();
    for target in [
        "customers",
        "orders",
        &format!("customer:{id}"),
        &format!("order:{}", order.id.0),
    ] {
        assert!(
            by_token.contains(&target),
            "{target} read audited: {by_token:?}"
        );
    }
}

#[tokio::test]
async fn a_read_token_pages_products_orders_and_customers_on_sqlite() {
    let app = TestApp::demo().await;
    reads_work(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_token_pages_products_orders_and_customers_on_postgresql() {
    let Some((app, db)) = TestApp::postgres().await else {
        return;
    };
    app.seed().await;
    reads_work(&app).await;
    drop(app);
    db.drop_database().await;
}

/// The API speaks JSON even where a page would answer HTML: unknown paths, other methods,
/// card data in a query (CCSG-P-1), maintenance; the OpenAPI document is served as committed.
#[tokio::test]
async fn the_api_answers_problem_details_for_unknown_paths_methods_and_maintenance() {
    let app = TestApp::demo().await;
    let secret = token(&app, "products:read").await;
    problem(
        &call(&app, "GET", "/api/v1/nothing-here", &secret).await,
        StatusCode::NOT_FOUND,
        "not-found",
    );
    problem(
        &call(&app, "DELETE", "/api/v1/products", &secret).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
    );
    // CCSG-P-1: card data in a query is refused in the API's shape; the API's own cursors,
    // however long their digits, are not card data.
    let card = call(&app, "GET", "/api/v1/products?q=4242424242424242", &secret).await;
    problem(&card, StatusCode::BAD_REQUEST, "invalid-request");
    assert!(card.body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("CCSG-P-1"));
    let far = call(
        &app,
        "GET",
        "/api/v1/products?cursor=4242424242424242",
        &secret,
    )
    .await;
    assert_eq!(far.status, StatusCode::OK);
    assert!(far.body["items"].as_array().unwrap().is_empty());
    let served = call(&app, "GET", "/api/v1/openapi.json", "").await;
    assert_eq!(served.status, StatusCode::OK);
    let committed: Value = serde_json::from_str(&akinai_web::api::openapi::document()).unwrap();
    assert_eq!(served.body, committed);
    assert!(served.body["paths"]["/api/v1/orders/{id}"].is_object());

    app.shop
        .operations()
        .switch_maintenance(&AuditContext::cli("test"), "test", Some("棚卸し中です"))
        .await
        .unwrap();
    let closed = call(&app, "GET", "/api/v1/products", &secret).await;
    problem(&closed, StatusCode::SERVICE_UNAVAILABLE, "maintenance");
    assert_eq!(closed.body["detail"], "棚卸し中です");
    assert!(closed.headers.contains_key("retry-after"));
}

/// Each token has its own bucket: past the burst, 429 with Retry-After; the rate headers tell
/// the budget on every answer; another token is not affected.
#[tokio::test]
async fn a_token_past_its_burst_is_told_to_wait_and_others_are_not() {
    use akinai_web::limits::RateLimit;
    use akinai_web::{AppState, WebConfig};
    let app = TestApp::demo().await;
    let web = WebConfig {
        api_rate: RateLimit {
            burst: 3,
            per_minute: 6,
        },
        ..WebConfig::new(false)
    };
    let addr = crate::support::serve(AppState::new(app.shop.clone(), web)).await;
    let busy = token(&app, "products:read").await;
    let calm = token(&app, "products:read").await;
    let client = reqwest::Client::new();
    let get = |secret: &str| {
        client
            .get(format!("http://{addr}/api/v1/shop"))
            .bearer_auth(secret)
            .send()
    };
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let r = get(&busy).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["ratelimit-limit"], "3");
        remaining.push(
            r.headers()["ratelimit-remaining"]
                .to_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let limited = get(&busy).await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        limited.headers()["content-type"],
        "application/problem+json"
    );
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&retry), "{retry}");
    assert_eq!(get(&calm).await.unwrap().status(), StatusCode::OK);
    // An unknown token is refused before any bucket is touched.
    let stranger = format!("akn_{}", "1".repeat(64));
    assert_eq!(
        get(&stranger).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}
