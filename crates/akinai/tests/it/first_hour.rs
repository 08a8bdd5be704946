//! The first hour of a newcomer (first-hour issue): what the demo offers out of the box and what
//! the shop's legal notice says about it.

use reqwest::StatusCode;

use akinai_domain::order::PaymentMethod;

use crate::support::TestApp;

/// Item 2: the demo that `serve --demo` seeds offers all four payment methods (its test payment
/// page takes card and konbini) and keeps the many-orders-to-one-address rule, loosened so that
/// trying the README flow a few times is not held; the starter settings stay as they were.
#[tokio::test]
async fn the_trial_demo_offers_every_payment_method_and_a_looser_address_rule() {
    let app = TestApp::empty().await;
    app.shop.demo().seed_for_trial().await.unwrap();
    let s = app.shop.storefront().settings().await.unwrap();
    for m in [
        PaymentMethod::BankTransfer,
        PaymentMethod::CashOnDelivery,
        PaymentMethod::Card,
        PaymentMethod::Konbini,
    ] {
        assert!(s.payment_methods.contains(&m), "{m:?} offered");
    }
    assert_eq!(
        s.holds.orders_per_address_per_day,
        akinai_core::demo::TRIAL_ORDERS_PER_ADDRESS
    );
    assert!(
        s.holds.orders_per_address_per_day > 3,
        "still a rule, looser"
    );
    assert!(s.legal.payment_timing.contains("クレジットカード"));
    assert!(s.legal.payment_timing.contains("コンビニ"));

    let plain = TestApp::demo().await;
    let s = plain.shop.storefront().settings().await.unwrap();
    assert!(!s.payment_methods.contains(&PaymentMethod::Card));
    assert_eq!(s.holds.orders_per_address_per_day, 3);
}

/// JP-TOK-2: the 特商法 notice lists the payment methods the shop takes now, not a fixed text —
/// card and konbini only where a provider takes them.
#[tokio::test]
async fn jp_tok_2_the_legal_notice_lists_the_payment_methods_the_shop_takes() {
    let app = TestApp::demo().await;
    let page = app.shopper().get("/legal/tokushoho").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("銀行振込"));
    assert!(page.body.contains("代金引換"));
    assert!(
        !page.body.contains("クレジットカード"),
        "no provider, no card"
    );

    let (app, _fake) = TestApp::with_stripe().await;
    let page = app.shopper().get("/legal/tokushoho").await;
    assert!(page.body.contains("クレジットカード"));
    assert!(page.body.contains("コンビニ払い"));
}

/// Item 13: a mail file is named after its whole Message-ID, `@` included
/// (`order-1.confirmation@…`, not `order-1.confirmationshop…`).
#[tokio::test]
async fn mail_files_are_named_after_the_whole_message_id() {
    let app = TestApp::demo().await;
    app.order_one("本みりん").await;
    app.shop.jobs().run_due_jobs().await.unwrap();
    let names: Vec<String> = std::fs::read_dir(&app.mail_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("order-") && n.contains('@') && n.ends_with(".eml")),
        "{names:?}"
    );
}

/// Item 6 (JP-TOK-2): the final confirmation screen states 支払の時期 of the method chosen — the
/// card's when a card is chosen (not the bank transfer's), the owner's wording where given.
#[tokio::test]
async fn jp_tok_2_the_final_screen_states_the_timing_of_the_method_chosen() {
    use akinai_domain::payment_timing::default_timing;
    use akinai_domain::settings::CardCapture;
    let (app, _fake) = TestApp::with_stripe().await;
    let shopper = app.shopper();
    shopper.add(app.sku_named("本みりん").await, "1").await;
    let confirm_for = |method: &'static str| {
        let shopper = &shopper;
        async move {
            shopper.submit_details(&[("payment_method", method)]).await;
            shopper.get("/checkout/confirm").await.body
        }
    };
    let card = confirm_for("card").await;
    assert!(card.contains(default_timing(PaymentMethod::Card, CardCapture::OnPayment)));
    assert!(!card.contains(default_timing(
        PaymentMethod::BankTransfer,
        CardCapture::OnPayment
    )));
    let konbini = confirm_for("konbini").await;
    assert!(konbini.contains(default_timing(
        PaymentMethod::Konbini,
        CardCapture::OnPayment
    )));

    let mut settings = app.shop.storefront().settings().await.unwrap();
    settings.legal.payment_timings.card = "発送の前日に決済します。".into();
    app.store.save_settings(&settings).await.unwrap();
    assert!(confirm_for("card")
        .await
        .contains("発送の前日に決済します。"));
}

/// Item 10: a page that does not exist is answered inside the shop — its name, stylesheet,
/// search and categories, in the shopper's language, with a way back — not as a bare page.
#[tokio::test]
async fn a_missing_page_keeps_the_shops_header_search_and_a_way_back() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let page = shopper.get("/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    for must in [
        "class=\"site-header\"",
        "role=\"search\"",
        "rel=\"stylesheet\"",
        "href=\"/category/",
        "ページが見つかりません",
        "検索窓やカテゴリからお探しください",
        "<a class=\"button primary\" href=\"/\">",
    ] {
        assert!(
            page.body.contains(must),
            "404 page lacks {must}: {}",
            page.body
        );
    }
    let english = shopper.get("/lang/en?next=/no-such-page").await;
    assert_eq!(english.status, StatusCode::SEE_OTHER);
    let page = shopper.get("/no-such-page").await;
    assert!(page.body.contains("<html lang=\"en\">"), "{}", page.body);
    let unknown_product = shopper.get("/product/999999").await;
    assert_eq!(unknown_product.status, StatusCode::NOT_FOUND);
    assert!(unknown_product.body.contains("class=\"site-header\""));
}

/// Item 12: a product unpublished while in a cart does not just vanish: the cart page says that
/// it was removed and why, once, and it is not ordered.
#[tokio::test]
async fn a_product_withdrawn_from_sale_leaves_the_cart_with_a_notice() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let miso = app.sku_named("米味噌").await;
    let mirin = app.sku_named("本みりん").await;
    shopper.add(miso, "1").await;
    shopper.add(mirin, "2").await;
    let product = app.store.skus_for_sale(&[miso]).await.unwrap()[0].product_id;
    assert_eq!(
        app.store
            .set_published(&[product], false, chrono::Utc::now())
            .await
            .unwrap(),
        1
    );
    let cart = shopper.get("/cart").await;
    assert!(
        cart.body
            .contains("販売を終了した商品(1点)をカートから外しました。ご注文には含まれません。"),
        "{}",
        cart.body
    );
    assert!(!cart.body.contains("米味噌") && cart.body.contains("本みりん"));
    let again = shopper.get("/cart").await;
    assert!(!again.body.contains("販売を終了した商品"), "said once");
    assert_eq!(
        app.store
            .set_published(&[product], true, chrono::Utc::now())
            .await
            .unwrap(),
        1
    );
    assert!(
        !shopper.get("/cart").await.body.contains("米味噌"),
        "removed from the cart, not hidden"
    );
}

/// Item 13: `leather` finds the レザージャケット through the shop's synonyms, which the owner
/// edits in ショップ設定; and the demo's jacket costs the same in every colour.
#[tokio::test]
async fn synonyms_find_other_words_and_the_owner_edits_them() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let found = shopper.get("/search?q=leather").await;
    assert!(found.body.contains("レザージャケット"), "{}", found.body);
    assert!(!shopper
        .get("/search?q=notebook")
        .await
        .body
        .contains("和紙のノート"));
    let (owner, _) = crate::support::admin::signed_in(
        &app,
        "owner@example.jp",
        akinai_domain::admin::AdminRole::Owner,
    )
    .await;
    let saved = owner
        .admin_post(
            "/admin/settings/search",
            &[("synonyms", "革 レザー leather\nノート notebook")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(owner
        .get("/admin/settings")
        .await
        .body
        .contains("ノート notebook"));
    let notebook = shopper.get("/search?q=notebook").await;
    assert!(notebook.body.contains("和紙のノート"), "{}", notebook.body);

    let mut jacket = Vec::new();
    for colour in ["黒", "茶", "紺"] {
        let sku = app.sku_named(&format!("レザージャケット {colour}")).await;
        jacket.push(app.store.skus_for_sale(&[sku]).await.unwrap()[0].price);
    }
    assert!(
        jacket.iter().all(|p| *p == jacket[0]),
        "one price in every colour: {jacket:?}"
    );
}

/// Item 15: every category is reachable from every page, also on a phone where the header's
/// strip scrolls: the footer lists them all.
#[tokio::test]
async fn the_footer_lists_every_top_category() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let tops: Vec<String> = app
        .shop
        .storefront()
        .categories()
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.parent_id.is_none())
        .map(|c| c.slug)
        .collect();
    assert!(tops.len() > 5);
    for path in ["/", "/cart", "/legal/privacy", "/no-such-page"] {
        let body = shopper.get(path).await.body;
        let footer = body.split("<footer").nth(1).unwrap_or_default();
        for slug in &tops {
            assert!(
                footer.contains(&format!("href=\"/category/{slug}\"")),
                "{path}: the footer lacks {slug}"
            );
        }
    }
}
