//! Bad input gets a clear error, stores nothing and never crashes the server.

use reqwest::StatusCode;

use crate::support::TestApp;

#[tokio::test]
async fn invalid_quantities_are_refused_with_a_message_and_change_nothing() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let sku = app.sku_named("玄米茶").await;
    let stock = app.stock(sku).await;
    for (qty, status, message) in [
        ("0", StatusCode::BAD_REQUEST, "数量は1以上"),
        ("-3", StatusCode::BAD_REQUEST, "数量は1以上"),
        ("1000", StatusCode::BAD_REQUEST, "999以下"),
        (
            "99999999999999999999999999",
            StatusCode::BAD_REQUEST,
            "999以下",
        ),
        ("abc", StatusCode::BAD_REQUEST, "半角数字"),
        ("1.5", StatusCode::BAD_REQUEST, "半角数字"),
        ("", StatusCode::BAD_REQUEST, "半角数字"),
        ("999", StatusCode::CONFLICT, "在庫が足りません"),
    ] {
        let page = shopper.add(sku, qty).await;
        assert_eq!(page.status, status, "quantity {qty:?}");
        assert!(
            page.body.contains(message),
            "quantity {qty:?}: expected {message}"
        );
    }
    assert!(shopper.cart_is_empty().await, "nothing was added");
    assert_eq!(app.stock(sku).await, stock);
}

#[tokio::test]
async fn unknown_or_malformed_skus_are_refused() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let csrf = shopper.csrf().await;
    for sku in ["999999", "0", "-1", "abc", "1 OR 1=1", ""] {
        let page = shopper
            .post(
                "/cart/add",
                &[("csrf", &csrf), ("sku", sku), ("quantity", "1")],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "sku {sku:?}");
        assert!(page.body.contains("商品が見つかりません"), "sku {sku:?}");
    }
    assert!(app.shopper().cart_is_empty().await);
}

#[tokio::test]
async fn cart_updates_validate_like_adds() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let sku = app.sku_named("天然醸造醤油").await;
    shopper.add(sku, "2").await;
    let csrf = shopper.csrf().await;
    let s = sku.0.to_string();
    let bad = shopper
        .post(
            "/cart/update",
            &[("csrf", &csrf), ("sku", &s), ("quantity", "-1")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("数量は1以上"));
    let ok = shopper
        .post(
            "/cart/update",
            &[("csrf", &csrf), ("sku", &s), ("quantity", "3")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(shopper.get("/cart").await.body.contains("value=\"3\""));
    let removed = shopper
        .post(
            "/cart/update",
            &[("csrf", &csrf), ("sku", &s), ("quantity", "0")],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(shopper.cart_is_empty().await);
}

#[tokio::test]
async fn malformed_checkout_details_are_reported_per_field_and_not_stored() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    shopper.add(app.sku_named("米味噌").await, "1").await;
    let page = shopper
        .submit_details(&[
            ("postal_code", "12-34567"),
            ("email", "not-an-email"),
            ("phone", "12345"),
            ("prefecture", "48"),
            ("name_kana", "山田"),
        ])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("入力内容に誤りがあります"));
    assert_eq!(
        page.body.matches("class=\"field invalid\"").count(),
        5,
        "each bad field is marked"
    );
    assert!(
        page.body.contains("value=\"12-34567\""),
        "what was typed is kept for correction"
    );
    assert_eq!(
        shopper.get("/checkout/confirm").await.location(),
        "/checkout",
        "nothing was saved"
    );
}

#[tokio::test]
async fn header_injection_in_names_is_refused_before_it_can_reach_a_mail() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    shopper.add(app.sku_named("柚子ぽん酢").await, "1").await;
    let page = shopper
        .submit_details(&[
            ("name", "花子\r\nBcc: victim@example.com"),
            ("email", "a@example.jp\r\nBcc: victim@example.com"),
        ])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "SWS-8");
    assert_eq!(page.body.matches("class=\"field invalid\"").count(), 2);
}

#[tokio::test]
async fn oversize_and_undecodable_bodies_get_clear_errors() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let csrf = shopper.csrf().await;
    let huge = format!("csrf={csrf}&sku=1&quantity=1&pad={}", "a".repeat(200_000));
    let page = shopper.post_raw("/cart/add", huge.into_bytes()).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        page.body.contains("class=\"site-header\"")
            && page.body.contains("送信データが大きすぎます"),
        "the 413 page keeps the shop's header: {}",
        page.body
    );
    let mut invalid = format!("csrf={csrf}&sku=1&quantity=").into_bytes();
    invalid.extend_from_slice(b"%FF%FE\xff");
    let page = shopper.post_raw("/cart/add", invalid).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("フォームの内容を読み取れません"));
    let page = shopper
        .post_raw("/checkout", b"\xc3\x28=\xa0\xa1".to_vec())
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(app.shopper().cart_is_empty().await);
    assert_eq!(
        shopper.get("/healthz").await.status,
        StatusCode::OK,
        "the server is still up"
    );
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let sku = app.sku_named("本みりん").await;
    shopper.csrf().await;
    let s = sku.0.to_string();
    for token in [
        "",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "wrong",
    ] {
        let page = shopper
            .post(
                "/cart/add",
                &[("csrf", token), ("sku", &s), ("quantity", "1")],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "SWS-6 token {token:?}");
    }
    // A cross-site form has no cookie at all.
    let stranger = app.shopper();
    let token = shopper.csrf().await;
    let page = stranger
        .post(
            "/cart/add",
            &[("csrf", &token), ("sku", &s), ("quantity", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(shopper.cart_is_empty().await);
}

/// Walks the route table (SWS-6, SWS-11): `Public` and `Member` routes have no state-changing
/// method; every form route refuses a POST without a valid CSRF token; and without a live session
/// every `Member`/`MemberForm` route sends the browser to the login page and changes nothing.
#[tokio::test]
async fn every_route_behaves_as_its_declared_policy() {
    use akinai_web::Policy;
    let app = TestApp::demo().await;
    let member = app.member("walker@example.jp").await;
    let stranger = app.shopper();
    stranger.csrf().await;
    let table = akinai_web::route_table();
    assert!(table.len() >= 28);
    let send = |who: &crate::support::Shopper, method: &str, path: &str| {
        who.client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{path}", who.base),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body("sku=1&quantity=1")
            .send()
    };
    // The API's methods per path, from its OpenAPI document (checked against the routes).
    let document: serde_json::Value =
        serde_json::from_str(&akinai_web::api::openapi::document()).unwrap();
    for akinai_web::RouteInfo { path, policy, .. } in table {
        let concrete = crate::support::concrete_path(path);
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            let resp = send(&member, method, &concrete).await.unwrap();
            let answers = document["paths"][path][method.to_lowercase()].is_object();
            let expected = match (policy, method) {
                // A cookie is no API credential (SWS-4).
                (Policy::Api, _) if answers => StatusCode::UNAUTHORIZED,
                (Policy::PublicForm | Policy::MemberForm, "POST") => StatusCode::FORBIDDEN,
                (Policy::Report, "POST") => StatusCode::BAD_REQUEST, // a form body is no report
                // This shop has no payment provider: no such endpoint.
                (Policy::Webhook, "POST") => StatusCode::NOT_FOUND,
                _ => StatusCode::METHOD_NOT_ALLOWED,
            };
            assert_eq!(resp.status(), expected, "{method} {path} ({policy:?})");
        }
        if matches!(policy, Policy::Member | Policy::MemberForm) {
            for method in ["GET", "POST"] {
                let resp = send(&stranger, method, &concrete).await.unwrap();
                assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{method} {path}");
                let to = resp.headers()["location"].to_str().unwrap();
                assert!(to.starts_with("/account/login?next="), "{to}");
            }
            let get = send(&member, "GET", &concrete).await.unwrap().status();
            // A path parameter names something of another member's: not found.
            let not_theirs = path.contains('{') && get == StatusCode::NOT_FOUND;
            let ok = match policy {
                Policy::Member => get == StatusCode::OK || not_theirs,
                _ => get == StatusCode::OK || get == StatusCode::METHOD_NOT_ALLOWED || not_theirs,
            };
            assert!(ok, "GET {path} as a member: {get}");
        }
    }
}

/// Every route that takes a body declares its limit, and a body one byte over it is answered
/// `413` before anything else happens (hardening item 5).
#[tokio::test]
async fn every_route_refuses_a_body_over_its_declared_limit() {
    use akinai_web::Policy;
    let app = TestApp::demo().await;
    let email = "limits@example.jp";
    let shopper = app.member(email).await;
    let api_token = app
        .shop
        .api_tokens()
        .create(
            &akinai_core::audit::AuditContext::cli("test"),
            &akinai_core::api::TokenRequest {
                name: "limits".into(),
                scopes: akinai_domain::api::Scope::ALL.map(|s| s.as_str()).join(","),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .secret;
    let document: serde_json::Value =
        serde_json::from_str(&akinai_web::api::openapi::document()).unwrap();
    let mut checked = 0;
    for route in akinai_web::route_table() {
        // Pages, and API routes that only read, take no body.
        if matches!(route.policy, Policy::Public | Policy::Member)
            || (matches!(route.policy, Policy::Api) && route.body_limit == 0)
        {
            assert_eq!(route.body_limit, 0, "{} reads no body", route.path);
            continue;
        }
        // The quick order form and the API's product writes take the largest bodies (5,000
        // lines; a 20,000-character description however escaped); the rest the fallback.
        let largest = if route.path.starts_with("/api/v1/products")
            || route.path.starts_with("/quick-order")
        {
            akinai_web::body_limit::LARGEST
        } else {
            akinai_web::MAX_BODY_BYTES
        };
        assert!(
            route.body_limit > 0 && route.body_limit <= largest,
            "{}",
            route.path
        );
        // A previous route (logout, revoke-all) may have ended the session.
        shopper.login(email, crate::support::MEMBER_PASSWORD).await;
        let csrf = shopper.csrf().await;
        let head = format!("csrf={csrf}&sku=1&quantity=1&pad=");
        let fits = format!("{head}{}", "a".repeat(route.body_limit - head.len()));
        let over = format!("{fits}a");
        let path = crate::support::concrete_path(route.path);
        if matches!(route.policy, Policy::Api) {
            // The route's write method, as its OpenAPI document says (POST, PUT or PATCH).
            let item = &document["paths"][route.path];
            let method = if item["post"].is_object() {
                reqwest::Method::POST
            } else if item["put"].is_object() {
                reqwest::Method::PUT
            } else {
                reqwest::Method::PATCH
            };
            let post = |body: String, key: &str| {
                shopper
                    .client
                    .request(method.clone(), format!("{}{path}", shopper.base))
                    .bearer_auth(&api_token)
                    .header("idempotency-key", key)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
            };
            let status = post(over, "over").await.unwrap().status();
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{}", route.path);
            let status = post(fits, "fits").await.unwrap().status();
            assert_ne!(status, StatusCode::PAYLOAD_TOO_LARGE, "{}", route.path);
            checked += 1;
            continue;
        }
        let page = shopper.post_raw(&path, over.into_bytes()).await;
        assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", route.path);
        let page = shopper.post_raw(&path, fits.into_bytes()).await;
        assert_ne!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", route.path);
        checked += 1;
    }
    assert!(checked >= 6, "forms and the report endpoint were checked");
    assert!(shopper.cart_is_empty().await, "nothing was stored");
}

/// One source posting forms faster than the limit gets 429 with Retry-After; reading pages and
/// other sources are unaffected.
#[tokio::test]
async fn a_source_posting_too_fast_is_told_to_wait() {
    use akinai_web::limits::RateLimit;
    use akinai_web::{AppState, WebConfig};
    let app = TestApp::demo().await;
    let web = WebConfig {
        form_rate: RateLimit {
            burst: 3,
            per_minute: 6,
        },
        ..WebConfig::new(false)
    };
    let addr = crate::support::serve(AppState::new(app.shop.clone(), web)).await;
    let shopper = crate::support::Shopper {
        base: format!("http://{addr}"),
        ..app.shopper()
    };
    let sku = app.sku_with_stock("茶", 10).await;
    let statuses: Vec<StatusCode> = {
        let mut v = Vec::new();
        for _ in 0..5 {
            v.push(shopper.add(sku, "1").await.status);
        }
        v
    };
    assert_eq!(&statuses[..3], &[StatusCode::SEE_OTHER; 3]);
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS);
    let limited = shopper.add(sku, "1").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        limited.body.contains("class=\"site-header\"") && limited.body.contains("role=\"search\""),
        "the 429 page keeps the shop's header and search"
    );
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(
        shopper.get("/cart").await.status,
        StatusCode::OK,
        "pages are still served"
    );
    assert!(
        shopper.get("/cart").await.body.contains("value=\"3\""),
        "the limited posts changed nothing"
    );
}

/// Reads from a raw connection until the server closes it (bounded by a 10 s read timeout) and
/// returns what arrived.
fn read_until_closed(mut s: std::net::TcpStream) -> String {
    use std::io::Read;
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

async fn limited_server(
    app: &TestApp,
    limits: akinai_web::server::ServerLimits,
) -> std::net::SocketAddr {
    let state = akinai_web::AppState::new(app.shop.clone(), akinai_web::WebConfig::new(false));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Connections served by threads of their own, as the shop's listener serves them (ADR 052).
    let limits = akinai_web::server::ServerLimits {
        threads: 2,
        ..limits
    };
    tokio::spawn(akinai_web::server::serve(
        listener,
        akinai_web::router(state),
        limits,
        std::future::pending(),
    ));
    addr
}

/// A client that never finishes its headers (slow-loris) is disconnected; the server keeps
/// answering others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use std::io::Write;
    let app = TestApp::empty().await;
    let limits = akinai_web::server::ServerLimits {
        header_read_timeout: std::time::Duration::from_millis(300),
        ..Default::default()
    };
    let addr = limited_server(&app, limits).await;
    let reply = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .unwrap();
        read_until_closed(s)
    })
    .await
    .unwrap();
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 408"),
        "{reply}"
    );
    let ok = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}

/// An idle keep-alive connection is closed after the header deadline too (idle timeout): a
/// client cannot hold a connection slot by sending one request and then nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed() {
    use std::io::Write;
    let app = TestApp::empty().await;
    let limits = akinai_web::server::ServerLimits {
        header_read_timeout: std::time::Duration::from_millis(300),
        ..Default::default()
    };
    let addr = limited_server(&app, limits).await;
    let reply = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        // Keep the connection open and send nothing more: reading to the end succeeds only if
        // the server closes it (a read timeout, the bound on this loop, is an error instead).
        use std::io::Read;
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut out = Vec::new();
        let closed = s.read_to_end(&mut out).is_ok();
        (String::from_utf8_lossy(&out).into_owned(), closed)
    })
    .await
    .unwrap();
    assert!(reply.0.starts_with("HTTP/1.1 200"), "{}", reply.0);
    assert!(reply.1, "the idle connection was closed by the server");
}

/// Connections beyond the configured maximum are closed on accept instead of piling up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_are_refused() {
    use std::io::Write;
    let app = TestApp::empty().await;
    let limits = akinai_web::server::ServerLimits {
        max_connections: 1,
        ..Default::default()
    };
    let addr = limited_server(&app, limits).await;
    let reply = tokio::task::spawn_blocking(move || {
        // The first connection holds the only slot (keep-alive after one request).
        let mut first = std::net::TcpStream::connect(addr).unwrap();
        first
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 256];
        let n = std::io::Read::read(&mut first, &mut buf).unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        let mut second = std::net::TcpStream::connect(addr).unwrap();
        let _ = second.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        let reply = read_until_closed(second);
        drop(first);
        reply
    })
    .await
    .unwrap();
    assert!(
        reply.is_empty(),
        "the second connection was answered: {reply}"
    );
}

/// IPA-C-9: a plain-HTTP request reported by a trusted TLS proxy is redirected to the https base
/// URL; the same header from anyone else is ignored.
#[tokio::test]
async fn plain_http_behind_a_trusted_proxy_is_redirected_to_https() {
    use akinai_web::{AppState, WebConfig};
    let app = TestApp::empty().await; // base_url https://shop.example.jp
    let trusted = WebConfig {
        trusted_proxies: akinai_web::proxy::TrustedProxies(vec!["127.0.0.0/8".parse().unwrap()]),
        ..WebConfig::new(true)
    };
    let addr = crate::support::serve(AppState::new(app.shop.clone(), trusted)).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client
        .get(format!("http://{addr}/search?q=a"))
        .header("x-forwarded-proto", "http")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        resp.headers()["location"],
        "https://shop.example.jp/search?q=a"
    );
    let tls = client
        .get(format!("http://{addr}/healthz"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(tls.status(), StatusCode::OK);
    assert!(tls.headers().contains_key("strict-transport-security"));
    let untrusted = WebConfig::new(true);
    let addr = crate::support::serve(AppState::new(app.shop.clone(), untrusted)).await;
    let direct = client
        .get(format!("http://{addr}/healthz"))
        .header("x-forwarded-proto", "http")
        .send()
        .await
        .unwrap();
    assert_eq!(
        direct.status(),
        StatusCode::OK,
        "an untrusted header causes no redirect"
    );
}
