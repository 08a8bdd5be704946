//! Delivery to phones (performance issue, item 4): the catalog, its stylesheet and scripts come
//! compressed (brotli or gzip, as asked) while pages with a shopper's own data never do, and the
//! CSRF token is masked afresh on every page, so compression cannot reveal either (BREACH); a
//! product page with its stylesheet and scripts stays within its weight budget.

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
use reqwest::StatusCode;

use crate::support::TestApp;

/// The product page's budget: HTML, CSS and JS as sent compressed (images aside).
const PRODUCT_PAGE_BUDGET: usize = 50 * 1024;

async fn fetch(app: &TestApp, path: &str, encoding: &str) -> (StatusCode, Option<String>, Vec<u8>) {
    let response = reqwest::Client::new()
        .get(format!("http://{}{path}", app.addr))
        .header(ACCEPT_ENCODING, encoding)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let coding = response
        .headers()
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap().to_string());
    (status, coding, response.bytes().await.unwrap().to_vec())
}

async fn product_path(app: &TestApp) -> String {
    let sku = app.sku_named("レザージャケット 黒").await;
    let product = app.store.skus_for_sale(&[sku]).await.unwrap()[0].product_id;
    format!("/product/{product}")
}

#[tokio::test]
async fn ipa_c_8_the_catalog_is_compressed_and_a_shoppers_own_pages_are_not() {
    let app = TestApp::demo().await;
    let product = product_path(&app).await;
    for path in [
        "/",
        "/category/food",
        product.as_str(),
        "/search?q=茶",
        "/legal/tokushoho",
    ] {
        let (status, coding, br) = fetch(&app, path, "br").await;
        assert_eq!(
            (status, coding.as_deref()),
            (StatusCode::OK, Some("br")),
            "{path}"
        );
        let (_, coding, gz) = fetch(&app, path, "gzip").await;
        assert_eq!(coding.as_deref(), Some("gzip"), "{path}");
        let (_, coding, plain) = fetch(&app, path, "identity").await;
        assert_eq!(coding, None, "{path}");
        assert!(
            br.len() < plain.len() && gz.len() < plain.len(),
            "{path}: {} / {} / {}",
            br.len(),
            gz.len(),
            plain.len()
        );
    }
    let css = app.shopper().get("/").await.attr("rel=\"stylesheet\" href");
    assert_eq!(fetch(&app, &css, "br").await.1.as_deref(), Some("br"));
    for path in ["/cart", "/checkout", "/account/login", "/account/register"] {
        let (status, coding, _) = fetch(&app, path, "br, gzip").await;
        assert!(
            status.is_success() || status.is_redirection(),
            "{path}: {status}"
        );
        assert_eq!(
            coding, None,
            "{path} shows a shopper's own data: never compressed"
        );
    }
}

/// `body` with the values that differ per response (CSP nonce, masked CSRF token) blanked.
fn blank_per_response_values(body: &str) -> String {
    let mut out = body.to_string();
    for before in ["nonce=\"", "name=\"csrf\" value=\""] {
        let mut from = 0;
        while let Some(at) = out[from..].find(before) {
            let start = from + at + before.len();
            let end = start + out[start..].find('"').unwrap();
            out.replace_range(start..end, "…");
            from = start;
        }
    }
    out
}

/// ADR 056 (IPA-C-8, SWS-6): a browser asking for gzip gets a kept page as a gzip stream put
/// together from parts compressed once; it decompresses to the page an uncompressed response
/// carries, with the response's own nonce and token, and the next visitor gets theirs.
#[tokio::test]
async fn ipa_c_8_a_kept_page_goes_to_a_browser_as_gzip_with_its_own_values() {
    use std::io::Read;
    let app = TestApp::demo().await;
    let product = product_path(&app).await;
    let mut pages = Vec::new();
    for _ in 0..2 {
        let response = reqwest::Client::new()
            .get(format!("http://{}{product}", app.addr))
            .header(ACCEPT_ENCODING, "gzip, deflate, br, zstd")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        assert_eq!(headers[CONTENT_ENCODING], "gzip");
        assert_eq!(headers[reqwest::header::VARY], "accept-encoding");
        let csp = headers["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        let gz = response.bytes().await.unwrap();
        let mut page = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut page)
            .unwrap();
        assert!(page.contains("レザージャケット"), "{page}");
        let nonce = page
            .split("nonce=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(csp.contains(&format!("'nonce-{nonce}'")), "{csp}");
        pages.push(page);
    }
    let token =
        |page: &str| page.split("name=\"csrf\" value=\"").nth(1).unwrap()[..128].to_string();
    assert_ne!(
        token(&pages[0]),
        token(&pages[1]),
        "each visitor their own token"
    );
    let (_, coding, plain) = fetch(&app, &product, "identity").await;
    assert_eq!(coding, None);
    let plain = String::from_utf8(plain).unwrap();
    for page in &pages {
        assert_eq!(
            blank_per_response_values(page),
            blank_per_response_values(&plain)
        );
    }
}

/// Issue #18 item 4 (ADR 057): what is the same for every visitor carries a tag, and a browser
/// that holds it gets `304 Not Modified` without the body; pages, with their own nonce and
/// token each, never do.
#[tokio::test]
async fn files_and_lookups_are_revalidated_with_a_304_and_pages_never_are() {
    let app = TestApp::demo().await;
    let get = |path: String, tag: Option<String>| {
        let addr = app.addr;
        async move {
            let mut request = reqwest::Client::new().get(format!("http://{addr}{path}"));
            if let Some(tag) = tag {
                request = request.header(reqwest::header::IF_NONE_MATCH, tag);
            }
            let response = request.send().await.unwrap();
            let headers = response.headers().clone();
            (response.status(), headers, response.bytes().await.unwrap())
        }
    };
    let css = app.shopper().get("/").await.attr("rel=\"stylesheet\" href");
    for path in [css, "/postal-code/1500001".to_string()] {
        let (status, headers, body) = get(path.clone(), None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let tag = headers[reqwest::header::ETAG].to_str().unwrap().to_string();
        assert!(tag.starts_with("W/\"") && !body.is_empty(), "{path}: {tag}");
        let (status, again, body) = get(path.clone(), Some(tag.clone())).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(body.is_empty(), "{path}");
        assert_eq!(again[reqwest::header::ETAG], tag.as_str());
        assert_eq!(
            again[reqwest::header::CACHE_CONTROL],
            headers[reqwest::header::CACHE_CONTROL]
        );
        let (status, _, body) = get(path.clone(), Some("W/\"other\"".into())).await;
        assert_eq!(status, StatusCode::OK, "{path}: another tag gets the body");
        assert!(!body.is_empty());
    }
    let product = product_path(&app).await;
    let (status, headers, body) = get(product, Some("*".into())).await;
    assert_eq!(status, StatusCode::OK, "a page is never answered 304");
    assert!(headers.get(reqwest::header::ETAG).is_none() && !body.is_empty());
    assert_eq!(headers[reqwest::header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn sws_6_the_csrf_token_differs_on_every_page_and_every_copy_works() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let product = product_path(&app).await;
    let first = shopper.get(&product).await.hidden("csrf");
    let second = shopper.get(&product).await.hidden("csrf");
    assert_ne!(first, second, "masked afresh on each response");
    let cookie = shopper.cookie("csrf").unwrap();
    assert!(!first.contains(&cookie) && !second.contains(&cookie));
    let sku = app.sku_named("レザージャケット 黒").await.0.to_string();
    for token in [&first, &second] {
        let added = shopper
            .post(
                "/cart/add",
                &[("csrf", token), ("sku", &sku), ("quantity", "1")],
            )
            .await;
        assert_eq!(
            added.status,
            StatusCode::SEE_OTHER,
            "a masked token is accepted"
        );
    }
    let forged = format!("{}{}", &first[..64], &second[64..]);
    let refused = shopper
        .post(
            "/cart/add",
            &[("csrf", &forged), ("sku", &sku), ("quantity", "1")],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "halves of two masks do not make a token"
    );
}

#[tokio::test]
async fn a_product_page_with_its_stylesheet_and_scripts_stays_within_its_budget() {
    let app = TestApp::demo().await;
    let product = product_path(&app).await;
    let page = app.shopper().get(&product).await;
    let mut assets = vec![page.attr("rel=\"stylesheet\" href")];
    let mut rest = page.body.as_str();
    while let Some(at) = rest.find("<script src=\"") {
        rest = &rest[at + 13..];
        assets.push(rest[..rest.find('"').unwrap()].to_string());
    }
    let mut total = fetch(&app, &product, "br").await.2.len();
    for asset in &assets {
        let (status, _, bytes) = fetch(&app, asset, "br").await;
        assert_eq!(status, StatusCode::OK, "{asset}");
        total += bytes.len();
    }
    assert!(
        total < PRODUCT_PAGE_BUDGET,
        "product page, {} assets: {total} bytes compressed (budget {PRODUCT_PAGE_BUDGET})",
        assets.len()
    );
}

#[tokio::test]
async fn phones_get_product_photos_scaled_to_the_width_they_show() {
    let app = TestApp::demo().await;
    let (staff, _) = crate::support::admin::signed_in(
        &app,
        "staff@example.jp",
        akinai_domain::admin::AdminRole::Staff,
    )
    .await;
    let sku = app.sku_named("レザージャケット 黒").await;
    let product = app.store.skus_for_sale(&[sku]).await.unwrap()[0].product_id;
    let edit = format!("/admin/products/{product}");
    let token = staff.get(&edit).await.hidden("csrf");
    let photo = crate::admin_catalog::photo_with_exif(1600, 1200);
    let uploaded = staff
        .upload(
            &format!("{edit}/images"),
            &token,
            "p.jpg",
            "image/jpeg",
            photo,
        )
        .await;
    assert!(uploaded.status.is_redirection(), "{}", uploaded.status);
    let image = app.store.product_images(product).await.unwrap()[0]
        .name
        .clone();

    let page = app.shopper().get(&format!("/product/{product}")).await;
    let srcset = page.attr("srcset");
    assert!(
        srcset.contains(&format!("/media/{} 320w", image.sized(320))),
        "{srcset}"
    );
    let original = fetch(&app, &format!("/media/{image}"), "identity").await.2;
    let mut last = 0;
    for width in akinai_domain::ids::IMAGE_WIDTHS {
        let (status, _, bytes) =
            fetch(&app, &format!("/media/{}", image.sized(width)), "identity").await;
        assert_eq!(status, StatusCode::OK, "{width}");
        let size = image::load_from_memory(&bytes).unwrap();
        assert_eq!(size.width(), width, "scaled to {width}");
        assert!(
            bytes.len() > last && bytes.len() < original.len(),
            "{width}: {} bytes",
            bytes.len()
        );
        last = bytes.len();
        let again = fetch(&app, &format!("/media/{}", image.sized(width)), "identity")
            .await
            .2;
        assert_eq!(again, bytes, "made once, then kept");
    }
    for odd in [
        format!("{}-w500.jpg", &image.as_str()[..32]),
        format!("{}-w320.png", &image.as_str()[..32]),
    ] {
        assert_eq!(
            fetch(&app, &format!("/media/{odd}"), "identity").await.0,
            StatusCode::NOT_FOUND,
            "{odd}"
        );
    }
}
