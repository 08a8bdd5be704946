//! Rendered pages served from the page cache (ADR 030): each visitor still gets their own CSP
//! nonce, CSRF token and cart badge, and a signed-in visitor never sees a page rendered for
//! someone else.

use std::time::Duration;

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;

use crate::admin_orders::signed_in;
use crate::support::{Page, TestApp};

async fn cached_demo() -> TestApp {
    TestApp::builder()
        .demo()
        .cache_ttl(Duration::from_secs(3600))
        .start()
        .await
}

fn csp_nonce(page: &Page) -> String {
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    csp.split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_string()
}

fn badge(page: &Page) -> String {
    page.body
        .split("<span class=\"badge\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_string()
}

/// SWS-5 and SWS-6: a page served from the cache carries this response's own nonce (the one in
/// its CSP header) and a CSRF token that matches this visitor's cookie, and shows this visitor's
/// cart, never another's.
#[tokio::test]
async fn cached_pages_carry_each_visitors_own_nonce_token_and_cart() {
    let app = cached_demo().await;
    let sku = app.sku_named("レザージャケット 黒").await;
    let product = app.store.skus_for_sale(&[sku]).await.unwrap()[0].product_id;
    let path = format!("/product/{product}");
    let (alice, bob) = (app.shopper(), app.shopper());

    let first = alice.get(&path).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(bob.add(sku, "2").await.status, StatusCode::SEE_OTHER);
    let for_bob = bob.get(&path).await;
    let again = alice.get(&path).await;

    for page in [&first, &for_bob, &again] {
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.headers["cache-control"], "no-store");
        assert!(page.body.contains("レザージャケット 黒"));
        assert_eq!(
            page.attr("nonce"),
            csp_nonce(page),
            "the script's nonce is the response's own"
        );
    }
    assert_ne!(
        csp_nonce(&first),
        csp_nonce(&again),
        "a fresh nonce every time"
    );
    assert_eq!(badge(&first), "0");
    assert_eq!(badge(&for_bob), "2", "Bob sees his own cart");
    assert_eq!(badge(&again), "0", "and Alice still sees hers");
    assert_ne!(
        first.hidden("csrf"),
        again.hidden("csrf"),
        "tokens are masked afresh"
    );

    // Alice's token from a cached page is hers and works; Bob's does not work for her.
    let sku_field = sku.to_string();
    let with = |token: String| {
        vec![
            ("csrf".to_string(), token),
            ("sku".to_string(), sku_field.clone()),
            ("quantity".to_string(), "1".to_string()),
        ]
    };
    let form = with(again.hidden("csrf"));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        alice.post("/cart/add", &fields).await.status,
        StatusCode::SEE_OTHER
    );
    let form = with(for_bob.hidden("csrf"));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        alice.post("/cart/add", &fields).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(badge(&alice.get(&path).await), "1");
}

/// The page is rendered once and kept: a price change reaches it when the entry expires
/// (`cache_ttl_ms`), while a shop that caches nothing shows it at once.
#[tokio::test]
async fn pages_are_rendered_once_per_time_to_live() {
    for (ttl, shows_new_price) in [(Duration::from_secs(3600), false), (Duration::ZERO, true)] {
        let app = TestApp::builder().demo().cache_ttl(ttl).start().await;
        let sku = app.sku_named("レザージャケット 黒").await;
        let product = app.store.skus_for_sale(&[sku]).await.unwrap()[0].product_id;
        let path = format!("/product/{product}");
        let search =
            "/search?q=%E3%83%AC%E3%82%B6%E3%83%BC%E3%82%B8%E3%83%A3%E3%82%B1%E3%83%83%E3%83%88";
        let shopper = app.shopper();
        assert!(!shopper.get(&path).await.body.contains("¥12,345"));
        let results = shopper.get(search).await;
        assert!(results.body.contains("レザージャケット 黒"));
        assert!(!results.body.contains("¥12,345"));
        assert!(app
            .store
            .set_sku_price(
                product,
                sku,
                akinai_domain::money::Yen(12_345),
                chrono::Utc::now(),
            )
            .await
            .unwrap());
        let page = shopper.get(&path).await;
        assert_eq!(
            page.body.contains("¥12,345"),
            shows_new_price,
            "ttl {ttl:?}"
        );
        // Search results are kept the same way (ADR 030 decision 8), each with its own nonce.
        let results = shopper.get(search).await;
        assert_eq!(
            results.body.contains("¥12,345"),
            shows_new_price,
            "search, ttl {ttl:?}"
        );
        assert_eq!(results.attr("nonce"), csp_nonce(&results));
        // The cart never reads the cache: the new price is what the cart charges.
        assert_eq!(shopper.add(sku, "1").await.status, StatusCode::SEE_OTHER);
        assert!(shopper.get("/cart").await.body.contains("¥12,345"));
    }
}

/// An edit saved in the admin shows on this node's storefront at once, cached pages or not
/// (other nodes converge by expiry); a refused edit leaves the cache alone.
#[tokio::test]
async fn an_admin_edit_shows_at_once_on_this_node() {
    let app = cached_demo().await;
    let sku = app.sku_named("レザージャケット 黒").await;
    let product = app.store.skus_for_sale(&[sku]).await.unwrap()[0].product_id;
    let path = format!("/product/{product}");
    let shopper = app.shopper();
    assert!(shopper.get(&path).await.body.contains("レザージャケット"));
    assert!(shopper.get("/").await.body.contains("レザージャケット"));
    let search = "/search?q=%E3%83%A9%E3%82%A4%E3%83%80%E3%83%BC%E3%82%B9"; // ライダース
    assert!(!shopper.get(search).await.body.contains("本革ライダース"));

    let staff = signed_in(&app, AdminRole::Staff).await;
    let admin_path = format!("/admin/products/{}", product.0);
    let form = staff.get(&admin_path).await;
    let category = app
        .store
        .admin_product(product)
        .await
        .unwrap()
        .unwrap()
        .product
        .category_id
        .0
        .to_string();
    let saved = staff
        .post(
            &admin_path,
            &[
                ("csrf", form.hidden("csrf").as_str()),
                ("name", "本革ライダース"),
                ("description", "<p>新しい説明</p>"),
                ("category", category.as_str()),
                ("tax_category", "standard"),
                ("published", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = shopper.get(&path).await;
    assert!(page.body.contains("本革ライダース"), "stale page served");
    assert!(!page.body.contains("レザージャケット 黒"));
    assert!(shopper.get("/").await.body.contains("本革ライダース"));
    assert!(
        shopper.get(search).await.body.contains("本革ライダース"),
        "stale search results served"
    );
}

/// A signed-in visitor's page (「マイページ」) is kept apart from everyone else's (「ログイン」),
/// and each language has its own.
#[tokio::test]
async fn signed_in_visitors_and_languages_have_their_own_pages() {
    let app = cached_demo().await;
    let visitor = app.shopper();
    let member = app.shopper();
    member.jar.add_cookie_str(
        "sid=0000000000000000000000000000000000000000000000000000000000000000",
        &member.base.parse().unwrap(),
    );
    for _ in 0..2 {
        let page = visitor.get("/").await;
        assert!(page.body.contains("href=\"/account/login\""));
        assert!(!page.body.contains("href=\"/account\">"));
        let page = member.get("/").await;
        assert!(page.body.contains("href=\"/account\">"));
    }
    let english = app.shopper();
    english
        .jar
        .add_cookie_str("lang=en", &english.base.parse().unwrap());
    let page = english.get("/").await;
    assert!(
        page.body.contains("<html lang=\"en\">"),
        "{}",
        &page.body[..200]
    );
    assert!(visitor.get("/").await.body.contains("<html lang=\"ja\">"));
}
