//! The vulnerability-class regression suite (SWS-1, SWS-3, SWS-5, SWS-7): injection payloads in
//! every path and query parameter of every GET route in the route table, and in every field of
//! the checkout form. Every answer must be a non-5xx page that shows the payload only escaped,
//! with no database error text, and nothing may change in the store. The suite prints how many
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
