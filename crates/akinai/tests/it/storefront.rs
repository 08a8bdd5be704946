//! Browsing the storefront: pages, Japanese search, legal pages, languages, headers.

use reqwest::StatusCode;

use crate::support::TestApp;

#[tokio::test]
async fn home_shows_categories_and_products_with_tax_inclusive_prices() {
    let app = TestApp::demo().await;
    let page = app.shopper().get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    for category in ["ファッション", "食品", "お酒", "キッチン用品"] {
        assert!(page.body.contains(category), "{category}");
    }
    assert!(
        page.body.contains("(税込)"),
        "prices are labelled tax-inclusive (JP-TAX-1)"
    );
    assert!(
        page.body.contains("軽減税率8%"),
        "reduced-rate products are marked"
    );
}

#[tokio::test]
async fn category_pages_paginate_through_subcategories() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let first = shopper.get("/category/food").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first.body.contains("お茶") && first.body.contains("和菓子・お菓子"),
        "children are listed"
    );
    let next = first
        .body
        .split("rel=\"next\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let second = shopper.get(&next).await;
    assert_eq!(second.status, StatusCode::OK);
    let names = |body: &str| body.matches("class=\"name\"").count();
    assert_eq!(names(&first.body), 24);
    assert!(names(&second.body) > 0);
    assert_eq!(
        shopper.get("/category/no-such-category").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        shopper.get("/category/food?after=abc").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn product_pages_show_variants_stock_and_sanitised_description() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let sku = app.sku_named("レザージャケット 黒").await;
    let product = app.store.skus_for_sale(&[sku]).await.unwrap()[0].product_id;
    let page = shopper.get(&format!("/product/{product}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("レザージャケット 黒"));
    for size in ["S", "M", "L"] {
        assert!(
            page.body.contains(&format!("<span>{size}</span>")),
            "variant {size}"
        );
    }
    assert!(page.body.contains("action=\"/cart/add\""));
    for bad in [
        "/product/0",
        "/product/999999",
        "/product/abc",
        "/product/1%27%20OR%201=1",
    ] {
        assert_eq!(
            shopper.get(bad).await.status,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
}

async fn result_names(app: &TestApp, q: &str) -> Vec<String> {
    let page = app
        .shopper()
        .get(&format!("/search?q={}", urlencode(q)))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.body
        .split("class=\"name\">")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_string())
        .collect()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn search_finds_japanese_partial_words_in_every_script_and_width() {
    let app = TestApp::demo().await;
    let jackets = result_names(&app, "ジャケット").await;
    assert!(
        jackets.iter().any(|n| n == "レザージャケット 黒"),
        "{jackets:?}"
    );
    assert!(jackets.iter().all(|n| n.contains("ジャケット")));
    assert_eq!(
        result_names(&app, "ｼﾞｬｹｯﾄ").await,
        jackets,
        "half-width katakana"
    );
    assert_eq!(result_names(&app, "じゃけっと").await, jackets, "hiragana");
    assert!(
        result_names(&app, "革")
            .await
            .iter()
            .any(|n| n.starts_with("本革ベルト")),
        "one kanji"
    );
    let leather = result_names(&app, "ＬＥＡＴＨＥＲ").await;
    assert!(
        leather.iter().any(|n| n.starts_with("Leather Card Case")),
        "{leather:?}"
    );
    assert!(result_names(&app, "存在しない商品名").await.is_empty());
    let page = app
        .shopper()
        .get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert!(
        !page.body.contains("<script>alert(1)"),
        "the query is escaped when echoed (SWS-5)"
    );
    assert!(page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn search_ranks_name_matches_before_description_matches() {
    let app = TestApp::demo().await;
    let names = result_names(&app, "レザー").await;
    let first_desc_only = names.iter().position(|n| !n.contains("レザー"));
    let last_name_match = names.iter().rposition(|n| n.contains("レザー"));
    // The demo has both kinds: "レザージャケット" (the word in the name) and products found through
    // the synonyms (革 in the name) or their description; the word itself ranks first.
    let (Some(d), Some(n)) = (first_desc_only, last_name_match) else {
        panic!("expected name and description-only matches: {names:?}");
    };
    assert!(n < d, "name matches first: {names:?}");
}

#[tokio::test]
async fn every_page_links_the_legal_pages_which_show_the_settings() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    for path in [
        "/",
        "/category/tea",
        "/search?q=茶",
        "/cart",
        "/legal/privacy",
    ] {
        let page = shopper.get(path).await;
        assert!(
            page.body.contains("href=\"/legal/tokushoho\""),
            "{path} links the notice (JP-TOK-1)"
        );
        assert!(
            page.body.contains("href=\"/legal/privacy\""),
            "{path} links the policy (JP-APPI-1)"
        );
    }
    let notice = shopper.get("/legal/tokushoho").await;
    let settings = app.shop.storefront().settings().await.unwrap();
    for value in [
        &settings.legal.seller_name,
        &settings.legal.address,
        &settings.legal.phone,
        &settings.legal.returns_policy,
    ] {
        assert!(notice.body.contains(value.as_str()), "{value}");
    }
    let policy = shopper.get("/legal/privacy").await;
    for purpose in &settings.privacy.purposes {
        assert!(policy.body.contains(purpose.as_str()));
    }
}

#[tokio::test]
async fn english_is_selectable_and_negotiated() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    assert!(shopper
        .get("/cart")
        .await
        .body
        .contains("ショッピングカート"));
    let switch = shopper.get("/lang/en?next=/cart").await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.location(), "/cart");
    let page = shopper.get("/cart").await;
    assert!(page.body.contains("Shopping cart") && page.body.contains("lang=\"en\""));
    let browser = app.shopper();
    let resp = browser
        .client
        .get(format!("{}/cart", browser.base))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(resp.text().await.unwrap().contains("Shopping cart"));
    let evil = shopper.get("/lang/ja?next=//evil.example/").await;
    assert_eq!(evil.location(), "/", "no open redirect (SWS-7)");
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    for path in ["/", "/cart", "/no-such-page"] {
        let page = shopper.get(path).await;
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(page.headers["x-frame-options"], "DENY", "SWS-9");
        assert_eq!(page.headers["x-content-type-options"], "nosniff");
    }
    let first = app.shopper().get("/").await;
    let cookie = first.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "SWS-4: {cookie}"
    );
}

#[tokio::test]
async fn nothing_outside_the_routes_is_served() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    for path in [
        "/.env",
        "/.git/config",
        "/data/akinai.db",
        "/backup.sql",
        "/config.toml",
        "/assets/../Cargo.toml",
        "/assets/%2e%2e%2fCargo.toml",
        "/assets/app.css",
    ] {
        assert_eq!(
            shopper.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path} (CCSG-V-2)"
        );
    }
    let home = shopper.get("/").await;
    let css = home
        .body
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let sheet = shopper.get(&css).await;
    assert_eq!(sheet.status, StatusCode::OK);
    let integrity = home
        .body
        .split("integrity=\"sha384-")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let digest = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha384::digest(sheet.body.as_bytes()))
    };
    assert_eq!(
        integrity, digest,
        "the SRI hash matches the served stylesheet"
    );
    assert!(sheet.headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
}

#[tokio::test]
async fn health_check_answers_when_the_store_is_reachable() {
    let app = TestApp::empty().await;
    let page = app.shopper().get("/healthz").await;
    assert_eq!((page.status, page.body.as_str()), (StatusCode::OK, "ok"));
}

/// Suggestions as you type (#18 item 2): product names as JSON from the name index — distinct,
/// at most eight, none for an empty box, hostile input answered as plain text. The suggestion
/// script runs on catalog pages and never on checkout, which runs no script (CCSG-V-3).
#[tokio::test]
async fn the_search_box_suggests_product_names_as_json() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let names = |page: &crate::support::Page| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(&page.body).unwrap();
        v["names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect()
    };
    let page = shopper
        .get(&format!("/search/suggest?q={}", urlencode("ｼﾞｬｹ")))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(page.headers["cache-control"], "public, max-age=60");
    let jackets = names(&page);
    assert!(!jackets.is_empty() && jackets.len() <= 8, "{jackets:?}");
    assert!(
        jackets.iter().all(|n| n.contains("ジャケット")),
        "{jackets:?}"
    );
    let mut distinct = jackets.clone();
    distinct.dedup();
    assert_eq!(distinct, jackets);
    assert!(names(&shopper.get("/search/suggest?q=").await).is_empty());
    assert!(names(&shopper.get("/search/suggest").await).is_empty());
    for attack in ["' OR 1=1 --", "%", "<script>"] {
        let page = shopper
            .get(&format!("/search/suggest?q={}", urlencode(attack)))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{attack}");
        assert!(names(&page).is_empty(), "{attack}");
    }
    let home = shopper.get("/").await;
    assert!(home.body.contains("data-suggest=\"/search/suggest\""));
    assert!(home.body.contains("<datalist id=\"search-suggestions\">"));
    assert!(home.body.contains("src=\"/assets/suggest-"));
    let belt = app.sku_named("本革ベルト").await;
    shopper.add(belt, "1").await;
    let checkout = shopper.get("/checkout").await;
    assert_eq!(checkout.status, StatusCode::OK);
    assert!(!checkout.body.contains("<script"), "CCSG-V-3");
    assert!(!checkout.body.contains("data-suggest"));
}
