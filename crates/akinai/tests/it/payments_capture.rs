//! Card payments captured at shipping (payments issue, item 1: capture) through the fake Stripe
//! over real HTTP: with the shop's setting 発送時, the card is only held at checkout
//! (`capture_method=manual`, 3-D Secure still requested, CCSG-F-1); the order may ship unpaid and
//! the shipping step captures the frozen total first; cancelling releases the hold instead of
//! refunding; a hold that lapses cancels the order, even when its webhook was lost; a hold that
//! arrives for an order already cancelled is released; a held order flagged for review is
//! neither shipped nor captured (CCSG-F-4); the dashboard reminds the shop of held orders.

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::order::OrderStatus;
use akinai_domain::payment::PaymentStatus;
use akinai_fakepsp::{CardOutcome, FakeStripe, Recorded, WebhookMode, CARD_SUCCESS};
use akinai_store::payments::Payment;

use crate::admin_orders::signed_in;
use crate::support::{Shopper, TestApp};

/// A shop that captures card payments at shipping, with a manager signed in.
pub(crate) async fn shop_capturing_at_shipping() -> (TestApp, std::sync::Arc<FakeStripe>, Shopper) {
    let (app, fake) = TestApp::with_stripe().await;
    let manager = signed_in(&app, AdminRole::Manager).await;
    let saved = manager
        .admin_post(
            "/admin/settings/payments",
            &[
                ("bank_transfer", "1"),
                ("card", "1"),
                ("konbini", "1"),
                ("cod_fees", ""),
                ("card_capture", "at_shipping"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    (app, fake, manager)
}

/// Places a card order for two bottles of mirin; returns the provider session and the
/// session-creating request.
async fn card_order(app: &TestApp, fake: &FakeStripe) -> (String, Recorded) {
    let shopper = app.shopper();
    shopper.add(app.sku_named("本みりん").await, "2").await;
    shopper.submit_details(&[("payment_method", "card")]).await;
    // The 特商法 final screen says when the card is charged.
    let confirm = shopper.get("/checkout/confirm").await;
    assert!(
        confirm.body.contains("商品の発送時に確定します"),
        "{}",
        confirm.body
    );
    let placed = shopper.place().await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let session = placed.location().rsplit('/').next().unwrap().to_string();
    let create = fake
        .requests()
        .into_iter()
        .rfind(|r| r.path == "/v1/checkout/sessions")
        .unwrap();
    (session, create)
}

/// A card order paid on the provider's page: held, not taken.
pub(crate) async fn held_order(app: &TestApp, fake: &FakeStripe) -> (String, Payment) {
    let (session, _) = card_order(app, fake).await;
    assert_eq!(
        fake.pay_card(&session, CARD_SUCCESS).await,
        CardOutcome::Succeeded
    );
    let order = app.newest_order().await;
    let payment = app.store.payment_of_order(order.id).await.unwrap().unwrap();
    assert_eq!(payment.status, PaymentStatus::Authorized);
    (session, payment)
}

async fn ship(admin: &Shopper, order: i64) -> crate::support::Page {
    admin
        .admin_post(
            &format!("/admin/orders/{order}/step"),
            &[
                ("event", "ship"),
                ("carrier", "yamato"),
                ("tracking", "1234-5678-9012"),
            ],
        )
        .await
}

async fn status_of(app: &TestApp, order: akinai_domain::ids::OrderId) -> PaymentStatus {
    let p = app.store.payment_of_order(order).await.unwrap().unwrap();
    p.status
}

fn calls_to(fake: &FakeStripe, path: &str) -> Vec<Recorded> {
    fake.requests()
        .into_iter()
        .filter(|r| r.path == path)
        .collect()
}

#[tokio::test]
async fn a_card_payment_held_at_checkout_is_captured_when_the_order_ships() {
    let (app, fake, manager) = shop_capturing_at_shipping().await;
    let (session, create) = card_order(&app, &fake).await;
    assert_eq!(
        create.field("payment_intent_data[capture_method]"),
        Some("manual")
    );
    assert_eq!(
        create.field("payment_method_options[card][request_three_d_secure]"),
        Some("any"),
        "CCSG-F-1: 3-D Secure whatever the capture"
    );
    assert_eq!(
        fake.pay_card(&session, CARD_SUCCESS).await,
        CardOutcome::Succeeded
    );
    assert_eq!(
        fake.intent_status(&session).as_deref(),
        Some("requires_capture")
    );
    let order = app.newest_order().await;
    assert_eq!(order.status, OrderStatus::Placed, "not paid yet: only held");
    let payment = app.store.payment_of_order(order.id).await.unwrap().unwrap();
    assert_eq!(payment.status, PaymentStatus::Authorized);
    assert!(payment.authorized_at.is_some());

    // The customer reads that the card is held; the shop sees the hold, its deadline and the
    // shipping form, but no refund form (nothing was taken).
    let success_url = create.field("success_url").unwrap();
    let status_url = &success_url[success_url.find("/order/").unwrap()..];
    let customer = app.shopper().get(status_url).await;
    assert!(
        customer.body.contains("ご請求は商品の発送時に確定します"),
        "{}",
        customer.body
    );
    let page = manager.get(&format!("/admin/orders/{}", order.id.0)).await;
    assert!(page.body.contains("カード与信済み"), "{}", page.body);
    assert!(page.body.contains("与信の期限"));
    assert!(page.body.contains("value=\"ship\""));
    assert!(!page.body.contains("/refund\""));
    let list = manager.get("/admin/orders?held=1").await;
    assert!(list.body.contains(&order.number()), "{}", list.body);
    assert!(list.body.contains("与信済み・発送可"));

    // Shipping captures the frozen total once, then ships; the customer gets the shipping mail
    // and no separate 入金確認 mail.
    let shipped = ship(&manager, order.id.0).await;
    assert_eq!(shipped.status, StatusCode::SEE_OTHER, "{}", shipped.body);
    let intent = payment.payment_ref.clone().unwrap();
    let captures = calls_to(&fake, &format!("/v1/payment_intents/{intent}/capture"));
    assert_eq!(captures.len(), 1);
    assert_eq!(
        captures[0].field("amount_to_capture"),
        Some(order.totals.grand_total.0.to_string().as_str())
    );
    assert_eq!(
        captures[0].idempotency_key.as_deref(),
        Some(format!("akinai-capture-{}", order.id.0).as_str())
    );
    assert_eq!(fake.intent_status(&session).as_deref(), Some("succeeded"));
    let after = app.newest_order().await;
    assert_eq!(after.status, OrderStatus::Shipped);
    let p = app.store.payment_of_order(order.id).await.unwrap().unwrap();
    assert_eq!(p.status, PaymentStatus::Succeeded);
    let history = app.store.order_history(order.id).await.unwrap();
    let steps: Vec<_> = history.iter().filter_map(|h| h.step).collect();
    assert_eq!(
        steps,
        vec![
            (OrderStatus::Placed, OrderStatus::Paid),
            (OrderStatus::Paid, OrderStatus::Shipped)
        ]
    );
    assert!(history
        .iter()
        .any(|h| h.note.as_deref().is_some_and(|n| n.contains("売上を確定"))));
    assert!(
        fake.delivery_statuses().iter().all(|s| *s == 200),
        "the capture's webhooks change nothing more"
    );
    app.shop.jobs().run_due_jobs().await.unwrap();
    let mails = app.mails();
    assert!(mails.iter().any(|m| m.contains(".shipped@")));
    assert!(
        !mails.iter().any(|m| m.contains(".paid@")),
        "no separate paid mail"
    );
    let audit = app.store.audit_entries_of("order.ship", 5).await.unwrap();
    assert!(
        audit[0].record.detail.contains("captured"),
        "{}",
        audit[0].record.detail
    );
    // Now taken, the money can be refunded as usual.
    let page = manager.get(&format!("/admin/orders/{}", order.id.0)).await;
    assert!(page.body.contains("/refund\""), "{}", page.body);
}

#[tokio::test]
async fn cancelling_a_held_order_releases_the_hold_instead_of_refunding() {
    let (app, fake, manager) = shop_capturing_at_shipping().await;
    let sku = app.sku_named("本みりん").await;
    let before = app.stock(sku).await;
    let (session, payment) = held_order(&app, &fake).await;
    let cancelled = manager
        .admin_post(
            &format!("/admin/orders/{}/step", payment.order.0),
            &[
                ("event", "cancel"),
                ("confirm", "1"),
                ("note", "お客様のご都合"),
            ],
        )
        .await;
    assert_eq!(
        cancelled.status,
        StatusCode::SEE_OTHER,
        "{}",
        cancelled.body
    );
    let intent = payment.payment_ref.unwrap();
    assert_eq!(
        calls_to(&fake, &format!("/v1/payment_intents/{intent}/cancel")).len(),
        1
    );
    assert!(calls_to(&fake, "/v1/refunds").is_empty());
    assert_eq!(fake.intent_status(&session).as_deref(), Some("canceled"));
    assert_eq!(app.newest_order().await.status, OrderStatus::Cancelled);
    assert_eq!(app.stock(sku).await, before, "stock back");
    assert_eq!(status_of(&app, payment.order).await, PaymentStatus::Failed);
}

#[tokio::test]
async fn a_hold_that_lapses_cancels_the_unshipped_order() {
    let (app, fake, _) = shop_capturing_at_shipping().await;
    let sku = app.sku_named("本みりん").await;
    let before = app.stock(sku).await;
    let (session, payment) = held_order(&app, &fake).await;
    // The dashboard reminds the shop of the held order, urgently in its last two days.
    let dashboard = signed_in(&app, AdminRole::Staff).await.get("/admin").await;
    assert!(
        dashboard.body.contains("発送待ちの注文: 1 件") && !dashboard.body.contains("2 日以内"),
        "{}",
        dashboard.body
    );
    app.clock.advance(chrono::Duration::days(6));
    let dashboard = signed_in(&app, AdminRole::Owner).await.get("/admin").await;
    assert!(dashboard.body.contains("2 日以内"), "{}", dashboard.body);
    // Stripe signs its deliveries with the time it sends them.
    fake.set_time(akinai_core::Clock::now(app.clock.as_ref()).timestamp());
    assert!(fake.lapse_hold(&session).await);
    assert_eq!(app.newest_order().await.status, OrderStatus::Cancelled);
    assert_eq!(app.stock(sku).await, before);
    assert_eq!(status_of(&app, payment.order).await, PaymentStatus::Failed);
    let history = app.store.order_history(payment.order).await.unwrap();
    assert_eq!(history[0].actor, "psp:stripe");
}

#[tokio::test]
async fn a_capture_that_fails_ships_nothing_and_a_lapse_whose_webhook_was_lost_is_learnt() {
    let (app, fake, manager) = shop_capturing_at_shipping().await;
    let (session, payment) = held_order(&app, &fake).await;
    // The provider is down: nothing ships, the hold stays.
    fake.fail_next(&[503, 503]);
    let refused = ship(&manager, payment.order.0).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains("売上確定ができなかった"),
        "{}",
        refused.body
    );
    assert_eq!(app.newest_order().await.status, OrderStatus::Placed);
    assert_eq!(
        fake.intent_status(&session).as_deref(),
        Some("requires_capture")
    );

    // The hold lapses and the webhook is lost: the capture is refused, akinai asks the provider
    // and cancels the order.
    fake.set_webhook_mode(WebhookMode::Lost);
    assert!(fake.lapse_hold(&session).await);
    let refused = ship(&manager, payment.order.0).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let order = app.newest_order().await;
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert!(order.shipment.is_none());
}

#[tokio::test]
async fn a_hold_that_arrives_after_the_shop_cancelled_is_released() {
    let (app, fake, manager) = shop_capturing_at_shipping().await;
    let (session, _) = card_order(&app, &fake).await;
    // The shopper pays as the shop cancels: the hold's news is late.
    fake.set_webhook_mode(WebhookMode::Lost);
    assert_eq!(
        fake.pay_card(&session, CARD_SUCCESS).await,
        CardOutcome::Succeeded
    );
    let order = app.newest_order().await;
    let cancelled = manager
        .admin_post(
            &format!("/admin/orders/{}/step", order.id.0),
            &[("event", "cancel"), ("confirm", "1")],
        )
        .await;
    assert_eq!(
        cancelled.status,
        StatusCode::SEE_OTHER,
        "{}",
        cancelled.body
    );
    assert_eq!(app.newest_order().await.status, OrderStatus::Cancelled);
    fake.set_webhook_mode(WebhookMode::Normal);
    fake.redeliver_all().await;
    assert_eq!(
        fake.intent_status(&session).as_deref(),
        Some("canceled"),
        "the hold is released, not left on the shopper's card"
    );
    assert_eq!(status_of(&app, order.id).await, PaymentStatus::Failed);
    assert_eq!(app.newest_order().await.status, OrderStatus::Cancelled);
}

#[tokio::test]
async fn ccsg_f_4_a_held_order_under_review_is_neither_shipped_nor_captured_until_cleared() {
    let (app, fake, manager) = shop_capturing_at_shipping().await;
    // A card issued abroad puts the order on hold (the shop's hold rules).
    fake.set_card_country("US");
    let (_, payment) = held_order(&app, &fake).await;
    assert!(app.newest_order().await.review_pending);
    let refused = ship(&manager, payment.order.0).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let capture = manager
        .admin_post(&format!("/admin/orders/{}/capture", payment.order.0), &[])
        .await;
    assert_eq!(capture.status, StatusCode::CONFLICT, "{}", capture.body);
    let intent = payment.payment_ref.clone().unwrap();
    assert!(calls_to(&fake, &format!("/v1/payment_intents/{intent}/capture")).is_empty());

    // Cleared, the shop may take the money without shipping (goods handed over in the shop);
    // the capture is audited.
    let now = akinai_core::Clock::now(app.clock.as_ref());
    assert!(app
        .store
        .clear_review_flag(payment.order, "admin:1", now)
        .await
        .unwrap());
    let capture = manager
        .admin_post(&format!("/admin/orders/{}/capture", payment.order.0), &[])
        .await;
    assert_eq!(capture.status, StatusCode::SEE_OTHER, "{}", capture.body);
    assert_eq!(app.newest_order().await.status, OrderStatus::Paid);
    let audit = app
        .store
        .audit_entries_of("payment.capture", 5)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    // Captured once; a second click finds nothing held.
    let again = manager
        .admin_post(&format!("/admin/orders/{}/capture", payment.order.0), &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}
