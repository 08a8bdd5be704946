//! The vulnerability-class regression suite (SWS-1, SWS-3, SWS-5, SWS-7): injection payloads in
//! every path and query parameter of every GET route in the route table, and in every field of
//! the checkout form. Every answer must be a non-5xx page that shows the payload only escaped,
//! with no database error text, and nothing may change in the store. The REST API's routes get
//! the same payloads in their path and query parameters and in every text field of their JSON
//! bodies (issue 20, item 6): JSON answers only, nothing executed, text stored as text. The suite prints how many
//! routes, parameters and payloads it tried (recorded in docs/security.md).

use reqwest::StatusCode;

use crate::support::TestApp;

const SQLI: &[&str] = &[
    "' OR '1'='1",
    "1' OR 1=1 --",
    "1; DROP TABLE products; --",
    "' UNION SELECT name, sql FROM sqlite_master --",
    "1) OR (1=1",
    "\" OR \"\"=\"",
    "%' AND 1=0 UNION SELECT NULL --",
    "1 AND SLEEP(5)",
    "'; SELECT pg_sleep(5); --",
    "\\' OR 1=1 #",
];

const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "<iframe src=javascript:alert(1)>",
    "</title><script>alert(1)</script>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "{{7*7}}<%= 7*7 %>${7*7}",
];

const OTHER: &[&str] = &[
    "../../../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%00",
    "\r\nSet-Cookie: pwned=1",
    "//evil.example/",
    "ｼﾞｬｹｯﾄ",
    "",
];

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Raw markup that must never appear unescaped in a page.
const FORBIDDEN: &[&str] = &[
    "<script>alert",
    "<img src=x",
    "<svg onload",
    "<iframe src=javascript",
    "href=\"javascript:",
];
const DB_ERRORS: &[&str] = &[
    "syntax error",
    "SQLITE_",
    "sqlx::",
    "unrecognized token",
    "error returned from database",
    "no such column",
];

fn check(path: &str, status: StatusCode, body: &str, headers: &reqwest::header::HeaderMap) {
    assert!(!status.is_server_error(), "{path} → {status}");
    for f in FORBIDDEN {
        assert!(!body.contains(f), "{path}: unescaped {f}");
    }
    for e in DB_ERRORS {
        assert!(!body.contains(e), "{path}: database error text {e}");
    }
    assert!(
        headers
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().unwrap_or("").contains("pwned")),
        "{path}: header injection"
    );
    if let Some(location) = headers.get("location") {
        let l = location.to_str().unwrap();
        assert!(
            l.starts_with('/') && !l.starts_with("//"),
            "{path}: redirect off-site to {l}"
        );
    }
}

#[tokio::test]
async fn injection_payloads_in_every_parameter_are_inert() {
    let app = TestApp::demo().await;
    let products = app.store.product_count().await.unwrap();
    let sample_sku = app.sku_named("本革ベルト").await;
    let stock = app.stock(sample_sku).await;
    let shopper = app.shopper();
    let payloads: Vec<&str> = SQLI.iter().chain(XSS).chain(OTHER).copied().collect();
    let queries = ["q", "page", "after", "next", "t"];
    let mut routes = 0;
    let mut parameters = 0;
    let mut requests = 0;
    for akinai_web::RouteInfo { path, policy, .. } in akinai_web::route_table() {
        if !matches!(
            policy,
            akinai_web::Policy::Public | akinai_web::Policy::PublicForm
        ) {
            continue;
        }
        routes += 1;
        let params: Vec<&str> = path.split('/').filter(|s| s.starts_with('{')).collect();
        parameters += params.len() + queries.len();
        for payload in &payloads {
            let p = encode(payload);
            // Each path parameter in turn.
            for param in &params {
                let concrete = path.replace(param, &p);
                let page = shopper.get(&concrete).await;
                check(&concrete, page.status, &page.body, &page.headers);
                requests += 1;
            }
            // Each query parameter.
            let base = crate::support::concrete_path(path);
            for q in queries {
                let url = format!("{base}?{q}={p}");
                let page = shopper.get(&url).await;
                check(&url, page.status, &page.body, &page.headers);
                requests += 1;
            }
        }
    }
    // Every checkout field with every payload: refused or stored as text, never executed.
    shopper.add(app.sku_named("玄米茶").await, "1").await;
    let fields = [
        "name",
        "name_kana",
        "email",
        "phone",
        "postal_code",
        "prefecture",
        "city",
        "line1",
        "line2",
        "shipping_method",
        "delivery_date",
        "delivery_slot",
        "payment_method",
    ];
    parameters += fields.len();
    for field in fields {
        for payload in &payloads {
            let page = shopper.submit_details(&[(field, payload)]).await;
            check(field, page.status, &page.body, &page.headers);
            requests += 2;
            if page.status == StatusCode::SEE_OTHER {
                let confirm = shopper.get("/checkout/confirm").await;
                check(field, confirm.status, &confirm.body, &confirm.headers);
                requests += 1;
            }
        }
    }
    assert_eq!(
        app.store.product_count().await.unwrap(),
        products,
        "no product was added or removed"
    );
    assert_eq!(app.stock(sample_sku).await, stock);
    assert_eq!(
        app.store.pending_jobs().await.unwrap(),
        0,
        "no order was placed"
    );
    println!(
        "vulnerability suite: {routes} GET routes and 1 form, {parameters} parameters, {} payloads, {requests} requests",
        payloads.len()
    );
}

/// The same payloads in every path parameter and every query parameter of every admin GET route
/// (admin issue; SWS-1, SWS-3, SWS-5), signed in as an owner, who sees the most.
#[tokio::test]
async fn injection_payloads_in_every_admin_parameter_are_inert() {
    let app = TestApp::demo().await;
    app.order_one("本みりん").await;
    let owner = crate::admin_orders::signed_in(&app, akinai_domain::admin::AdminRole::Owner).await;
    let audit_before = app.store.audit_entries(0, 10_000).await.unwrap().len();
    let payloads: Vec<&str> = SQLI.iter().chain(XSS).chain(OTHER).copied().collect();
    let queries = [
        "q", "status", "payment", "from", "to", "email", "flagged", "after", "before", "action",
        "saved", "done", "t",
    ];
    let mut requests = 0;
    for route in akinai_web::admin::route_table() {
        if route.get.is_none() {
            continue;
        }
        let params: Vec<&str> = route
            .path
            .split('/')
            .filter(|s| s.starts_with('{'))
            .collect();
        for payload in &payloads {
            let p = encode(payload);
            for param in &params {
                let concrete = route.path.replace(param, &p);
                let page = owner.get(&concrete).await;
                check(&concrete, page.status, &page.body, &page.headers);
                requests += 1;
            }
            let base = route
                .path
                .replace("{id}", "1")
                .replace("{name}", &format!("{}.jpg", "0".repeat(32)));
            for q in queries {
                let url = format!("{base}?{q}={p}");
                let page = owner.get(&url).await;
                check(&url, page.status, &page.body, &page.headers);
                requests += 1;
            }
        }
    }
    // Only the owner's views of the order's personal data (the order page, its printed
    // documents) were recorded; nothing else changed.
    let added: Vec<String> = app.store.audit_entries(0, 10_000).await.unwrap()[audit_before..]
        .iter()
        .map(|e| e.record.action.clone())
        .collect();
    assert!(
        added
            .iter()
            .all(|a| a == "personal_data.viewed" || a == "document.downloaded"),
        "{added:?}"
    );
    println!("vulnerability suite (admin): {requests} requests");
}

/// JSON answers only: a problem document or a resource, never a page a browser would render.
fn check_api(what: &str, status: StatusCode, body: &str, headers: &reqwest::header::HeaderMap) {
    assert!(!status.is_server_error(), "{what} → {status}: {body}");
    let kind = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        kind.starts_with("application/json") || kind.starts_with("application/problem+json"),
        "{what}: content type {kind}"
    );
    for e in DB_ERRORS {
        assert!(!body.contains(e), "{what}: database error text {e}");
    }
    for f in FORBIDDEN {
        assert!(!body.contains(f), "{what}: payload {f} echoed");
    }
}

/// Every API route (from the OpenAPI document, which the route table is checked against) with
/// the payloads in its path parameters and query parameters, and every text field of the write
/// bodies with each payload (SWS-1, SWS-5; issue 20, item 6).
#[tokio::test]
async fn injection_payloads_in_every_api_parameter_and_field_are_inert() {
    let app = TestApp::builder()
        .demo()
        .security(TestApp::internal_webhooks())
        .start()
        .await;
    app.order_one("本みりん").await;
    let all = akinai_domain::api::Scope::ALL
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let secret = app
        .shop
        .api_tokens()
        .create(
            &akinai_core::audit::AuditContext::cli("test"),
            &akinai_core::api::TokenRequest {
                name: "vulnerability suite".into(),
                scopes: all,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .secret;
    let client = app.shopper().client;
    let base = app.shopper().base;
    let document: serde_json::Value =
        serde_json::from_str(&akinai_web::api::openapi::document()).unwrap();
    let payloads: Vec<&str> = SQLI.iter().chain(XSS).chain(OTHER).copied().collect();
    let queries = [
        "limit",
        "cursor",
        "status",
        "from",
        "to",
        "updated_since",
        "endpoint",
    ];
    let products = app.store.product_count().await.unwrap();
    let mut requests = 0;
    let mut key = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        if !item["get"].is_object() {
            continue;
        }
        let params: Vec<&str> = path.split('/').filter(|s| s.starts_with('{')).collect();
        for payload in &payloads {
            let p = encode(payload);
            let mut urls: Vec<String> = params
                .iter()
                .map(|param| crate::support::concrete_path(&path.replace(param, &p)))
                .collect();
            let concrete = crate::support::concrete_path(path);
            urls.extend(queries.iter().map(|q| format!("{concrete}?{q}={p}")));
            for url in urls {
                let r = client
                    .get(format!("{base}{url}"))
                    .bearer_auth(&secret)
                    .send()
                    .await
                    .unwrap();
                let (status, headers) = (r.status(), r.headers().clone());
                check_api(&url, status, &r.text().await.unwrap(), &headers);
                requests += 1;
            }
        }
    }
    assert_eq!(
        app.store.product_count().await.unwrap(),
        products,
        "reads change nothing"
    );

    // Every text field of the write bodies, one payload at a time.
    let order = akinai_core::order_number(app.newest_order().await.id);
    let sku = app
        .store
        .product(akinai_domain::ids::ProductId(1))
        .await
        .unwrap()
        .unwrap()
        .skus[0]
        .code
        .clone();
    let category = app.store.categories().await.unwrap()[0].id.0;
    let bodies: Vec<(&str, String, serde_json::Value, Vec<&str>)> = vec![
        (
            "POST",
            "/api/v1/products".into(),
            serde_json::json!({ "name": "x", "category_id": category, "description": "", "tax_category": "standard",
                "variants": [{ "sku": "VS-1", "option_label": "", "price": 100 }] }),
            vec!["name", "description"],
        ),
        (
            "PATCH",
            "/api/v1/products/1".into(),
            serde_json::json!({ "name": "x" }),
            vec!["name", "description"],
        ),
        (
            "POST",
            "/api/v1/inventory/adjust".into(),
            serde_json::json!({ "sku": sku, "delta": 0, "reason": "x" }),
            vec!["sku", "reason"],
        ),
        (
            "POST",
            format!("/api/v1/orders/{order}/events"),
            serde_json::json!({ "event": "ship", "carrier": "yamato", "tracking_number": "1", "note": "x" }),
            vec!["tracking_number", "note"],
        ),
        (
            "POST",
            "/api/v1/webhooks".into(),
            serde_json::json!({ "url": "https://example.jp/hook", "events": ["order.created"] }),
            vec!["url"],
        ),
    ];
    for (method, path, body, fields) in &bodies {
        for field in fields {
            for payload in &payloads {
                let mut b = body.clone();
                b[*field] = serde_json::json!(payload);
                key += 1;
                if b.get("variants").is_some() {
                    b["variants"][0]["sku"] = serde_json::json!(format!("VS-{key}"));
                }
                let r = client
                    .request(
                        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                        format!("{base}{path}"),
                    )
                    .bearer_auth(&secret)
                    .header("Idempotency-Key", format!("vuln-{key}"))
                    .json(&b)
                    .send()
                    .await
                    .unwrap();
                let (status, headers) = (r.status(), r.headers().clone());
                let text = r.text().await.unwrap();
                let what = format!("{method} {path} {field}={payload}");
                check_api(&what, status, &text, &headers);
                requests += 1;
                // Accepted text is stored as the text it was, markup sanitised.
                if status.is_success() && *field == "name" && payload.is_ascii() {
                    let saved: serde_json::Value = serde_json::from_str(&text).unwrap();
                    assert_eq!(saved["name"].as_str(), Some(payload.trim()), "{what}");
                }
                if status.is_success() && *field == "description" {
                    let saved: serde_json::Value = serde_json::from_str(&text).unwrap();
                    let html = saved["description_html"].as_str().unwrap();
                    for f in FORBIDDEN {
                        assert!(!html.contains(f), "{what}: {html}");
                    }
                }
            }
        }
    }
    println!("vulnerability suite (API): {requests} requests");
}
