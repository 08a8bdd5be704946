//! Quick order (大量注文, issue #23 item 3) over HTTP: the form without JavaScript, the check
//! that shows each line's product and stock, lines refused with their line number and reason and
//! kept in the form, good lines added together; and 5,000 lines carried from the form through
//! the cart and checkout to one order.

use std::collections::HashMap;

use reqwest::StatusCode;

use akinai_domain::catalog::SkuForSale;
use akinai_domain::ids::SkuId;

use crate::support::TestApp;

/// 「カートに入れる」 with `text` in the form.
async fn add_lines(shopper: &crate::support::Shopper, text: &str) -> crate::support::Page {
    let csrf = shopper.csrf().await;
    shopper
        .post(
            "/quick-order",
            &[("csrf", &csrf), ("lines", text), ("action", "add")],
        )
        .await
}

/// Every SKU for sale, by id.
async fn skus(app: &TestApp, up_to: i64) -> Vec<SkuForSale> {
    let ids: Vec<SkuId> = (1..=up_to).map(SkuId).collect();
    app.store.skus_for_sale(&ids).await.unwrap()
}

async fn cart(app: &TestApp, shopper: &crate::support::Shopper) -> HashMap<SkuId, u32> {
    let secret = shopper.cookie("cart");
    let cart = app
        .shop
        .storefront()
        .find_cart(secret.as_deref())
        .await
        .unwrap();
    let view = app
        .shop
        .storefront()
        .view_cart(
            cart.as_ref(),
            &akinai_core::storefront::prices::Pricing::consumer(),
        )
        .await
        .unwrap();
    view.lines
        .iter()
        .map(|l| (l.line.sku_id, l.line.quantity))
        .collect()
}

#[tokio::test]
async fn codes_and_quantities_go_into_the_cart_and_bad_lines_stay_with_their_reason() {
    let app = TestApp::demo().await;
    let all = skus(&app, 400).await;
    let roomy: Vec<&SkuForSale> = all.iter().filter(|s| s.stock >= 5).collect();
    let (a, b) = (roomy[0], roomy[1]);
    let shopper = app.shopper();
    let page = shopper.get("/quick-order").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("まとめて注文") && page.body.contains("<textarea"));
    assert!(
        page.body
            .contains(r#"<form method="post" action="/quick-order""#),
        "a plain form: it works without JavaScript"
    );
    let csrf = shopper.csrf().await;
    let post = |lines: String, action: &'static str| {
        let shopper = &shopper;
        let csrf = csrf.clone();
        async move {
            shopper
                .post(
                    "/quick-order",
                    &[("csrf", &csrf), ("lines", &lines), ("action", action)],
                )
                .await
        }
    };

    // Check: each good line with its product and stock; the bad ones with line and reason.
    let text = format!(
        "商品コード\t数量\n{}\t2\nNO-SUCH-CODE\t1\n{},x\n{} {}\n",
        a.code,
        b.code,
        b.code,
        b.stock + 1
    );
    let checked = post(text.clone(), "check").await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert!(checked.body.contains(&a.product_name), "{}", checked.body);
    assert!(checked.body.contains("1 品目をカートに入れられます"));
    assert!(checked.body.contains("見つかりません"));
    assert!(checked.body.contains("1〜999 の整数"));
    assert!(checked
        .body
        .contains(&format!("在庫が足りません(あと {} 点まで)", b.stock)));
    assert!(
        cart(&app, &shopper).await.is_empty(),
        "a check changes nothing"
    );

    // Add: the good line goes in; the others stay in the form for correction.
    let added = post(text, "add").await;
    assert_eq!(added.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(added.body.contains("1 品目をカートに入れました"));
    assert!(added.body.contains("カートに入れられない行(3 行)"));
    assert!(added.body.contains("NO-SUCH-CODE\t1"), "{}", added.body);
    assert!(
        !added.body.contains(&format!("{}\t2", a.code)),
        "the added line left the form"
    );
    assert_eq!(cart(&app, &shopper).await, HashMap::from([(a.sku_id, 2)]));

    // Corrected lines: added on top of the cart, then to the cart page.
    let fixed = post(format!("{}\t1\n{}\t3\n", a.code, b.code), "add").await;
    assert_eq!(fixed.status, StatusCode::SEE_OTHER);
    assert_eq!(fixed.location(), "/cart");
    assert_eq!(
        cart(&app, &shopper).await,
        HashMap::from([(a.sku_id, 3), (b.sku_id, 3)])
    );

    // Nothing typed, or too many lines: said so, nothing changed.
    let empty = post("\n \n".into(), "add").await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains("1 行以上入力してください"));
    let many: String = (0..5_001).map(|_| format!("{}\t1\n", a.code)).collect();
    let refused = post(many, "add").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("5001 行あります"), "{}", refused.body);
    assert_eq!(cart(&app, &shopper).await.len(), 2);
}

/// A CSV saved by Excel (Shift_JIS, a header row) is read, checked and put in the form; a file
/// in no known encoding is refused with what to do, and nothing changes.
#[tokio::test]
async fn an_excel_csv_is_read_checked_and_put_in_the_form() {
    let app = TestApp::demo().await;
    let all = skus(&app, 400).await;
    let a = all.iter().find(|s| s.stock >= 3).unwrap();
    let shopper = app.shopper();
    let csrf = shopper.csrf().await;
    let upload = |bytes: Vec<u8>| {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name("注文.csv")
            .mime_str("text/csv")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part("file", part);
        shopper.send_multipart("/quick-order/upload", form)
    };
    let csv = format!("商品コード,数量\r\n{},3\r\n存在しない品番,1\r\n", a.code);
    let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(&csv);
    assert!(!bad);
    let read = upload(sjis.into_owned()).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert!(read.body.contains(&a.product_name), "{}", read.body);
    assert!(read.body.contains("見つかりません"));
    assert!(
        read.body.contains(&format!("{},3", a.code)),
        "the lines are in the form"
    );
    assert!(
        cart(&app, &shopper).await.is_empty(),
        "reading changes nothing"
    );

    let unreadable = upload(vec![0x82, 0xA0, 0xFF, 0xFE, 0x00, 0x81]).await;
    assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unreadable.body.contains("UTF-8 か Shift_JIS"),
        "{}",
        unreadable.body
    );
}

/// 5,000 lines, one per SKU, from the form to one order (the whole HTTP path; the time is in
/// the benchmark, not asserted here).
#[tokio::test]
async fn five_thousand_lines_reach_one_order() {
    let app = TestApp::builder().start().await;
    akinai_core::demo::seed(app.store.as_ref(), 5_000)
        .await
        .unwrap();
    let all = skus(&app, 20_000).await;
    let chosen: Vec<&SkuForSale> = all.iter().filter(|s| s.stock >= 1).take(5_000).collect();
    assert_eq!(chosen.len(), 5_000);
    let text: String = chosen.iter().map(|s| format!("{}\t1\n", s.code)).collect();
    let shopper = app.shopper();
    let added = add_lines(&shopper, &text).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(cart(&app, &shopper).await.len(), 5_000);
    let details = shopper.submit_details(&[]).await;
    assert_eq!(details.status, StatusCode::SEE_OTHER, "{}", details.body);
    let placed = shopper.place().await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let order = app
        .store
        .order(akinai_domain::ids::OrderId(1))
        .await
        .unwrap()
        .expect("the order was placed");
    assert_eq!(order.lines.len(), 5_000);
}

/// 「もう一度注文する」 on the status page: the order's lines in the quick-order form, checked at
/// today's stock, and into a new cart with 「カートに入れる」; an unknown status link finds nothing.
#[tokio::test]
async fn an_earlier_order_is_ordered_again_from_its_status_page() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let tea = app.sku_named("静岡煎茶 100g").await;
    let belt = app.sku_named("本革ベルト").await;
    shopper.add(tea, "2").await;
    shopper.add(belt, "1").await;
    shopper.submit_details(&[]).await;
    let status_path = shopper.place().await.location().to_string();
    let reorder = format!("{status_path}/reorder");
    assert!(shopper.get(&status_path).await.body.contains(&reorder));
    let order = app.newest_order().await;
    let page = shopper.get(&reorder).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&order.number()));
    for l in &order.lines {
        assert!(
            page.body
                .contains(&format!("{}\t{}", l.sku_code, l.quantity)),
            "{} in the form",
            l.sku_code
        );
    }
    let text: String = order
        .lines
        .iter()
        .map(|l| format!("{}\t{}\n", l.sku_code, l.quantity))
        .collect();
    let added = add_lines(&shopper, &text).await;
    assert_eq!(
        (added.status, added.location()),
        (StatusCode::SEE_OTHER, "/cart")
    );
    let now = cart(&app, &shopper).await;
    assert_eq!((now[&tea], now[&belt]), (2, 1));
    let missing = shopper.get("/order/0000/reorder").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sws_6_the_lines_are_checked_as_the_buyer_types_without_touching_the_cart_and_a_forged_check_is_refused(
) {
    let app = TestApp::demo().await;
    let all = skus(&app, 400).await;
    let a = all.iter().find(|s| s.stock >= 5).unwrap();
    let shopper = app.shopper();
    let page = shopper.get("/quick-order").await;
    assert!(
        page.body.contains("/assets/quick_order-"),
        "the page loads the script"
    );
    assert!(
        !page.body.contains("&lt;script"),
        "in the body, not the title"
    );
    assert!(page
        .body
        .contains("id=\"quick-summary\" class=\"hint\" role=\"status\""));
    let csrf = page.hidden("csrf");
    let text = format!("{}\t2\nNO-SUCH-CODE 1", a.code);
    let answer = shopper
        .post("/quick-order/preview", &[("csrf", &csrf), ("lines", &text)])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let json: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert!(json["summary"]
        .as_str()
        .unwrap()
        .contains("入る行 1 件、直す行 1 件"));
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["line"].as_str(), rows[0]["error"].as_bool()),
        (Some("2"), Some(true))
    );
    assert_eq!(rows[1]["code"], a.code.as_str());
    assert_eq!(rows[1]["quantity"], "2");
    assert_eq!(rows[1]["stock"], a.stock.to_string());
    assert_eq!(rows[1]["price"], a.price.display());
    assert!(cart(&app, &shopper).await.is_empty(), "nothing was added");
    // Like every form: without the token, refused.
    let forged = shopper
        .post("/quick-order/preview", &[("lines", &text)])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}
