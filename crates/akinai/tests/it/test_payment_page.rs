//! The demo's test payment page (first-hour issue, items 3 and 4): usable on a phone, with a way
//! back to the shop without paying, and for konbini a payment slip whose labelled test actions
//! pay at the store or let the deadline pass — each reaching the shop as Stripe's webhook would.

use reqwest::StatusCode;

use akinai_domain::order::OrderStatus;

use crate::support::TestApp;

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Orders one bottle of mirin paying by konbini, has the number issued, and returns the slip's
/// URL as the shop's order status page links it.
/// The text of a page of the test payment page.
async fn text_of(url: &str) -> String {
    client()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn konbini_slip(app: &TestApp, fake: &akinai_fakepsp::FakeStripe) -> String {
    let shopper = app.shopper();
    shopper.add(app.sku_named("本みりん").await, "1").await;
    shopper
        .submit_details(&[("payment_method", "konbini")])
        .await;
    let to = shopper.place().await.location().to_string();
    let session = to.rsplit('/').next().unwrap().to_string();
    assert!(fake.issue_konbini(&session).await);
    let order = app.newest_order().await;
    let payment = app.store.payment_of_order(order.id).await.unwrap().unwrap();
    let instructions: serde_json::Value =
        serde_json::from_str(payment.instructions.as_deref().unwrap()).unwrap();
    instructions["voucher_url"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_card_page_fits_a_phone_and_leads_back_to_the_shop_without_paying() {
    let (app, _fake) = TestApp::with_stripe().await;
    let shopper = app.shopper();
    shopper.add(app.sku_named("本みりん").await, "1").await;
    shopper.submit_details(&[("payment_method", "card")]).await;
    let to = shopper.place().await.location().to_string();
    let page = text_of(&to).await;
    assert!(page.contains(r#"name="viewport""#), "{page}");
    assert!(page.contains("支払わずにショップに戻る"), "{page}");
    assert!(
        page.contains("href=\"https://shop.example.jp/"),
        "back to the shop's own address: {page}"
    );
}

#[tokio::test]
async fn a_konbini_slip_is_paid_or_lapses_by_its_test_actions() {
    let (app, fake) = TestApp::with_stripe().await;
    let slip = konbini_slip(&app, &fake).await;
    let page = client().get(&slip).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "{slip}");
    let page = page.text().await.unwrap();
    for must in [
        "お支払い番号",
        "お支払い期限",
        "店頭で支払った(テスト)",
        "ショップに戻る",
        r#"name="viewport""#,
    ] {
        assert!(page.contains(must), "{must}: {page}");
    }
    let paid = client()
        .post(&slip)
        .form(&[("action", "pay")])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.newest_order().await.status, OrderStatus::Paid);
    let after = text_of(&slip).await;
    assert!(after.contains("お支払い済み"), "{after}");
    assert!(!after.contains("店頭で支払った(テスト)"), "no action twice");

    let slip = konbini_slip(&app, &fake).await;
    let lapsed = client()
        .post(&slip)
        .form(&[("action", "expire")])
        .send()
        .await
        .unwrap();
    assert_eq!(lapsed.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.newest_order().await.status, OrderStatus::Cancelled);
}
