//! The guest purchase flow end to end over HTTP: browse → search → cart → checkout → final
//! confirmation (JP-TOK-2) → order → confirmation mail → status page.

use reqwest::StatusCode;

use crate::support::TestApp;

#[tokio::test]
async fn a_guest_buys_receives_the_mail_and_opens_the_status_page() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    // Browse and search.
    assert_eq!(shopper.get("/").await.status, StatusCode::OK);
    let found = shopper.get("/search?q=%E7%85%8E%E8%8C%B6").await; // 煎茶
    assert!(found.body.contains("静岡煎茶"));
    let tea = app.sku_named("静岡煎茶 100g").await;
    let belt = app.sku_named("本革ベルト").await;
    let tea_stock = app.stock(tea).await;
    let prices = app.store.skus_for_sale(&[tea, belt]).await.unwrap();
    let items = 2 * prices.iter().find(|s| s.sku_id == tea).unwrap().price.0
        + prices.iter().find(|s| s.sku_id == belt).unwrap().price.0;
    let shipping = if items >= 10_000 { 0 } else { 800 };
    let grand = akinai_domain::Yen(items + shipping).display();
    // Cart.
    let added = shopper.add(tea, "2").await;
    assert_eq!(
        (added.status, added.location()),
        (StatusCode::SEE_OTHER, "/cart")
    );
    shopper.add(belt, "1").await;
    let cart = shopper.get("/cart").await;
    assert!(cart.body.contains("静岡煎茶") && cart.body.contains("本革ベルト"));
    assert!(
        cart.body.contains("<span class=\"badge\">3</span>"),
        "cart count in the header"
    );
    // Details.
    let details = shopper.submit_details(&[]).await;
    assert_eq!(
        (details.status, details.location()),
        (StatusCode::SEE_OTHER, "/checkout/confirm")
    );
    // Final confirmation screen shows every JP-TOK-2 item.
    let confirm = shopper.get("/checkout/confirm").await;
    assert_eq!(confirm.status, StatusCode::OK);
    for must in [
        "静岡煎茶",                                                            // what
        "<td class=\"num\" data-label=\"数量\">2</td>",                        // quantity (分量)
        "お支払い合計(税込)",                                                  // total price
        "銀行振込(前払い)",                                                    // payment method
        "ご注文後7日以内に、確認メールでお知らせする口座へお振り込みください", // payment timing of the method chosen
        "3営業日以内に発送",                                                   // delivery timing
        "商品到着後8日以内",                                                   // returns (JP-TOK-3)
        "期間の定めはありません",                                              // application period
        "8%対象",
        "10%対象",
    ] {
        assert!(
            confirm.body.contains(must),
            "confirmation screen lacks {must}"
        );
    }
    assert!(
        confirm
            .body
            .contains(&format!("<td class=\"num\">{grand}</td>")),
        "grand total {grand}"
    );
    // Place the order.
    let placed = shopper.place().await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
    let status_path = placed.location().to_string();
    assert!(
        status_path.starts_with("/order/") && status_path.len() == "/order/".len() + 64,
        "{status_path}"
    );
    assert_eq!(app.stock(tea).await, tea_stock - 2);
    // The cart is closed: the header shows an empty cart again.
    assert!(shopper
        .get("/cart")
        .await
        .body
        .contains("<span class=\"badge\">0</span>"));
    // The confirmation mail (受領連絡) is delivered by the worker.
    assert!(
        app.mails().is_empty(),
        "mail goes through the outbox, not the request"
    );
    assert_eq!(app.shop.jobs().run_due_jobs().await.unwrap(), 1);
    let mails = app.mails();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(
        mail.contains("To: =?utf-8?b?") || mail.contains("To: \"山田 花子 様\""),
        "{mail}"
    );
    assert!(mail.contains("hanako@example.jp"));
    assert!(mail.contains("Message-ID: <order-"));
    assert!(
        mail.contains(&format!("https://shop.example.jp{status_path}")),
        "status link from the configured base URL:\n{mail}"
    );
    assert!(mail.contains("あきない銀行") && mail.contains(&grand));
    // Time to confirmation is recorded.
    let order = app
        .shop
        .orders()
        .order_by_status_secret(status_path.trim_start_matches("/order/"))
        .await
        .unwrap();
    assert_eq!(order.confirmation_sent_at, Some(crate::support::test_now()));
    // Status page (顧客確認).
    let status = app.shopper().get(&status_path).await;
    assert_eq!(
        status.status,
        StatusCode::OK,
        "reachable by the link alone, from any browser"
    );
    for must in [
        order.number().as_str(),
        "ご注文受付",
        "静岡煎茶",
        "あきない銀行",
        "1234567",
        grand.as_str(),
        "8%対象",
        "内消費税",
    ] {
        assert!(status.body.contains(must), "status page lacks {must}");
    }
}

#[tokio::test]
async fn the_status_page_is_not_reachable_by_order_number_or_a_guessed_token() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    for path in [
        "/order/1",
        "/order/AK00000001",
        &format!("/order/{}", "0".repeat(64)),
        "/order/..%2f..%2fetc%2fpasswd",
    ] {
        assert_eq!(
            shopper.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_double_submit_places_one_order() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let sku = app.sku_named("宇治抹茶").await;
    let before = app.stock(sku).await;
    shopper.add(sku, "1").await;
    shopper.submit_details(&[]).await;
    let confirm = shopper.get("/checkout/confirm").await;
    let form = [
        ("csrf", confirm.hidden("csrf")),
        ("fingerprint", confirm.hidden("fingerprint")),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = shopper.post("/checkout/confirm", &form).await;
    let second = shopper.post("/checkout/confirm", &form).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(
        second.location(),
        first.location(),
        "the reload lands on the same order"
    );
    assert_eq!(app.stock(sku).await, before - 1, "stock reserved once");
    assert_eq!(
        app.store.pending_jobs().await.unwrap(),
        1,
        "one confirmation mail"
    );
}

#[tokio::test]
async fn a_cart_changed_after_confirmation_is_shown_again_before_ordering() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let sku = app.sku_with_stock("茶", 2).await;
    assert_eq!(shopper.add(sku, "1").await.status, StatusCode::SEE_OTHER);
    shopper.submit_details(&[]).await;
    let confirm = shopper.get("/checkout/confirm").await;
    assert_eq!(
        shopper.add(sku, "1").await.status,
        StatusCode::SEE_OTHER,
        "another tab adds one more"
    );
    let placed = shopper
        .post(
            "/checkout/confirm",
            &[
                ("csrf", &confirm.hidden("csrf")),
                ("fingerprint", &confirm.hidden("fingerprint")),
            ],
        )
        .await;
    assert_eq!(placed.location(), "/checkout/confirm?changed=1");
    assert_eq!(
        app.store.pending_jobs().await.unwrap(),
        0,
        "no order was placed"
    );
    assert!(shopper
        .get("/checkout/confirm?changed=1")
        .await
        .body
        .contains("カートの内容または価格が変わりました"));
}

#[tokio::test]
async fn cash_on_delivery_adds_its_fee_and_free_shipping_applies_over_the_threshold() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let jacket = app.sku_named("レザージャケット 黒").await;
    shopper.add(jacket, "1").await; // from ¥29,800: over the ¥10,000 free-shipping threshold
    let price = app.store.skus_for_sale(&[jacket]).await.unwrap()[0].price.0;
    let settings = app.shop.storefront().settings().await.unwrap();
    let fee = settings.cod_fee(akinai_domain::Yen(price)).unwrap().0;
    assert!(fee > 0);
    shopper
        .submit_details(&[
            ("payment_method", "cash_on_delivery"),
            ("prefecture", "47"),
            ("postal_code", "900-0001"),
        ])
        .await;
    let confirm = shopper.get("/checkout/confirm").await;
    assert!(confirm.body.contains("代引手数料"));
    let total = akinai_domain::Yen(price + fee).display(); // Okinawa, but shipping is free
    assert!(
        confirm
            .body
            .contains(&format!("<td class=\"num\">{total}</td>")),
        "{total}"
    );
    let placed = shopper.place().await;
    let status = shopper.get(placed.location()).await;
    assert!(status.body.contains("代金引換") && status.body.contains(&total));
}

#[tokio::test]
async fn mail_delivery_offers_no_delivery_slot() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    shopper.add(app.sku_named("和紙のノート").await, "1").await;
    let refused = shopper.submit_details(&[("shipping_method", "mail")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .body
        .contains("この配送方法(ポストへのお届け)では、お届け日・時間帯を指定できません"));
    let ok = shopper
        .submit_details(&[
            ("shipping_method", "mail"),
            ("delivery_date", ""),
            ("delivery_slot", ""),
        ])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(
        shopper.get("/checkout/confirm").await.body.contains("¥370"),
        "flat mail fee"
    );
}
