//! Bank transfer and cash on delivery behind the same payment record as card and konbini
//! (payments issue, item 1): their payment is created with the order and moved by the shop's own
//! steps through the same rules — 入金確認 pays a bank transfer, 配達完了 pays cash on delivery, a
//! refund is recorded — and the provider's reconciliation never asks about them or gives them up.

use chrono::Duration;
use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::ids::OrderId;
use akinai_domain::order::OrderStatus;
use akinai_domain::payment::PaymentStatus;
use akinai_store::payments::{Payment, SHOP_PROVIDER};

use crate::admin_orders::signed_in;
use crate::support::{Shopper, TestApp};

async fn order_by(app: &TestApp, method: &str) -> OrderId {
    let shopper = app.shopper();
    shopper.add(app.sku_named("本みりん").await, "1").await;
    let details = shopper.submit_details(&[("payment_method", method)]).await;
    assert_eq!(details.status, StatusCode::SEE_OTHER, "{}", details.body);
    assert_eq!(shopper.place().await.status, StatusCode::SEE_OTHER);
    app.newest_order().await.id
}

async fn payment(app: &TestApp, order: OrderId) -> Payment {
    app.store.payment_of_order(order).await.unwrap().unwrap()
}

async fn step(admin: &Shopper, order: OrderId, fields: &[(&str, &str)]) {
    let page = admin
        .admin_post(&format!("/admin/orders/{}/step", order.0), fields)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

#[tokio::test]
async fn bank_transfer_and_cash_on_delivery_payments_move_with_the_shops_steps() {
    let (app, fake) = TestApp::with_stripe().await;
    let bank = order_by(&app, "bank_transfer").await;
    let p = payment(&app, bank).await;
    let total = app.newest_order().await.totals.grand_total;
    assert_eq!(
        (p.provider.as_str(), p.status, p.amount),
        (SHOP_PROVIDER, PaymentStatus::Open, total)
    );

    // Hours later the provider's reconciliation has run: it asked Stripe nothing about the
    // bank transfer and did not give it up.
    app.clock.advance(Duration::hours(3));
    assert_eq!(app.shop.payments().reconcile_payments().await.unwrap(), 0);
    assert!(fake.requests().is_empty());
    assert_eq!(payment(&app, bank).await.status, PaymentStatus::Open);
    assert_eq!(app.newest_order().await.status, OrderStatus::Placed);

    let manager = signed_in(&app, AdminRole::Manager).await;
    let page = manager.get(&format!("/admin/orders/{}", bank.0)).await;
    assert!(
        page.body.contains("お店で確認") && page.body.contains("未入金"),
        "{}",
        page.body
    );
    step(&manager, bank, &[("event", "pay")]).await;
    assert_eq!(payment(&app, bank).await.status, PaymentStatus::Succeeded);
    let page = manager.get(&format!("/admin/orders/{}", bank.0)).await;
    assert!(page.body.contains("入金済み"), "{}", page.body);
    assert!(
        !page.body.contains("/refund\""),
        "the shop pays a bank transfer back itself; no provider refund form"
    );
    step(&manager, bank, &[("event", "refund"), ("confirm", "1")]).await;
    let p = payment(&app, bank).await;
    assert_eq!((p.status, p.refunded), (PaymentStatus::Succeeded, total));

    // Cash on delivery is paid when the carrier delivers, not when it ships.
    let cod = order_by(&app, "cash_on_delivery").await;
    step(
        &manager,
        cod,
        &[
            ("event", "ship"),
            ("carrier", "sagawa"),
            ("tracking", "4000-1111-2222"),
        ],
    )
    .await;
    assert_eq!(payment(&app, cod).await.status, PaymentStatus::Open);
    step(&manager, cod, &[("event", "deliver")]).await;
    assert_eq!(payment(&app, cod).await.status, PaymentStatus::Succeeded);

    // A cancelled bank transfer order's payment is closed with it.
    let cancelled = order_by(&app, "bank_transfer").await;
    step(
        &manager,
        cancelled,
        &[("event", "cancel"), ("confirm", "1")],
    )
    .await;
    assert_eq!(payment(&app, cancelled).await.status, PaymentStatus::Failed);
}
