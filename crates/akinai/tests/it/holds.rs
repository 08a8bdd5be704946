//! Hold rules over real HTTP (payments issue, item 7; CCSG-F-4): the shop sets its rules on the
//! settings page; orders over the amount, too many to one address in a day, on the blocked list,
//! or paid with a card issued abroad wait in the flagged-orders queue with the reason, and ship
//! only after someone clears them.

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::hold::{
    BLOCKED_LIST, CARD_COUNTRY_MISMATCH, HIGH_AMOUNT, MANY_ORDERS_TO_ADDRESS,
};
use akinai_domain::order::OrderStatus;
use akinai_fakepsp::CARD_SUCCESS;

use crate::admin_orders::signed_in;
use crate::support::TestApp;

/// One bottle of mirin ordered with these checkout fields; returns where placing it went.
async fn order(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let shopper = app.shopper();
    shopper.add(app.sku_named("本みりん").await, "1").await;
    let details = shopper.submit_details(fields).await;
    assert_eq!(details.status, StatusCode::SEE_OTHER, "{}", details.body);
    let placed = shopper.place().await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
    placed.location().to_string()
}

#[tokio::test]
async fn ccsg_f_4_orders_matching_the_shops_hold_rules_wait_for_review_with_the_reason() {
    let (app, fake) = TestApp::with_stripe().await;
    let manager = signed_in(&app, AdminRole::Manager).await;
    let saved = manager
        .admin_post(
            "/admin/settings/holds",
            &[
                ("amount_at_least", ""),
                ("orders_per_address_per_day", "2"),
                ("blocked", "fraud@example.jp\n道玄坂 9-9-9"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let bad = manager
        .admin_post(
            "/admin/settings/holds",
            &[
                ("amount_at_least", "-5"),
                ("orders_per_address_per_day", "2"),
            ],
        )
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing saved"
    );
    assert_eq!(
        app.shop
            .storefront()
            .settings()
            .await
            .unwrap()
            .holds
            .orders_per_address_per_day,
        2
    );

    // The first order to an address ships freely; the second within a day is held.
    order(&app, &[]).await;
    assert!(!app.newest_order().await.review_pending);
    order(&app, &[("line1", "神宮前 1-2-3")]).await;
    let second = app.newest_order().await;
    assert_eq!(
        second.review_reason.as_deref(),
        Some(MANY_ORDERS_TO_ADDRESS)
    );
    // First-hour issue, item 9: the order page explains the rule with the shop's threshold
    // and where to change it.
    let page = manager.get(&format!("/admin/orders/{}", second.id.0)).await;
    assert!(
        page.body
            .contains("24時間以内に同じお届け先への注文が2件以上ありました(この注文を含む)。"),
        "{}",
        page.body
    );
    assert!(page.body.contains("href=\"/admin/settings#holds\""));

    // The blocked list: by e-mail address, and by address however it is typed.
    order(&app, &[("email", "Fraud@Example.jp"), ("line1", "桜丘1-1")]).await;
    assert_eq!(
        app.newest_order().await.review_reason.as_deref(),
        Some(BLOCKED_LIST)
    );
    order(&app, &[("line1", "道玄坂９－９－９")]).await;
    assert_eq!(
        app.newest_order().await.review_reason.as_deref(),
        Some(BLOCKED_LIST)
    );

    // The amount rule (threshold set low for the test), together with another reason.
    manager
        .admin_post(
            "/admin/settings/holds",
            &[
                ("amount_at_least", "1000"),
                ("orders_per_address_per_day", "0"),
                ("blocked", "fraud@example.jp"),
            ],
        )
        .await;
    order(
        &app,
        &[("email", "fraud@example.jp"), ("line1", "宇田川町5-5")],
    )
    .await;
    assert_eq!(
        app.newest_order().await.review_reason.as_deref(),
        Some(format!("{HIGH_AMOUNT},{BLOCKED_LIST}").as_str())
    );

    // A card issued abroad: paid, but held before shipping.
    manager
        .admin_post(
            "/admin/settings/holds",
            &[
                ("amount_at_least", ""),
                ("orders_per_address_per_day", "0"),
                ("blocked", ""),
            ],
        )
        .await;
    fake.set_card_country("US");
    let to = order(&app, &[("payment_method", "card"), ("line1", "恵比寿4-4")]).await;
    fake.pay_card(to.rsplit('/').next().unwrap(), CARD_SUCCESS)
        .await;
    let abroad = app.newest_order().await;
    assert_eq!(abroad.status, OrderStatus::Paid);
    assert_eq!(abroad.review_reason.as_deref(), Some(CARD_COUNTRY_MISMATCH));
    let ship = manager
        .admin_post(
            &format!("/admin/orders/{}/step", abroad.id.0),
            &[
                ("event", "ship"),
                ("carrier", "yamato"),
                ("tracking", "1234-5678-9012"),
            ],
        )
        .await;
    assert_eq!(ship.status, StatusCode::CONFLICT, "held orders do not ship");

    // The queue says why, in the shop's words.
    let queue = manager.get("/admin/orders/flagged").await;
    for why in [
        "同じお届け先への注文が多い",
        "要注意リストに該当",
        "高額の注文・要注意リストに該当",
        "海外で発行されたカード",
    ] {
        assert!(queue.body.contains(why), "{why}: {}", queue.body);
    }
}
