//! The shop's side of provider payments over real HTTP (payments issue, items 7 and 8): the
//! order page shows the payment and its provider reference; owners and managers refund through
//! the provider, partly or fully, after password and code (audited, IPA-C-12); staff cannot; a
//! card order cancelled before payment closes the provider's page; money that arrives for a
//! cancelled konbini order is flagged for the shop.

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::order::OrderStatus;
use akinai_domain::payment::{PaymentStatus, FLAG_PAID_AFTER_FAILURE};
use akinai_domain::Yen;
use akinai_fakepsp::{CardOutcome, FakeStripe, CARD_SUCCESS};

use crate::admin_orders::signed_in;
use crate::support::admin;
use crate::support::{Shopper, TestApp};

use crate::support::admin::ADMIN_PASSWORD as PASSWORD;

/// Places an order paid (or not) by `method` and returns the provider session.
async fn order_by(app: &TestApp, method: &str) -> String {
    let shopper = app.shopper();
    shopper.add(app.sku_named("本みりん").await, "2").await;
    shopper.submit_details(&[("payment_method", method)]).await;
    let placed = shopper.place().await;
    placed.location().rsplit('/').next().unwrap().to_string()
}

/// A manager signed in, with the TOTP secret for re-authentication.
async fn manager(app: &TestApp) -> (Shopper, String) {
    let (browser, secret) = admin::signed_in(app, "manager@example.jp", AdminRole::Manager).await;
    (browser, secret)
}

pub(crate) async fn refund(
    app: &TestApp,
    admin: &Shopper,
    secret: &str,
    order: i64,
    amount: &str,
    password: &str,
) -> crate::support::Page {
    let code = admin::fresh_code(app, secret);
    let csrf = admin.get("/admin").await.hidden("csrf");
    admin
        .post(
            &format!("/admin/orders/{order}/refund"),
            &[
                ("csrf", csrf.as_str()),
                ("amount", amount),
                ("password", password),
                ("code", &code),
            ],
        )
        .await
}

fn refunds(fake: &FakeStripe) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path == "/v1/refunds")
        .count()
}

#[tokio::test]
async fn a_manager_refunds_part_then_the_rest_through_the_provider_after_reauthentication() {
    let (app, fake) = TestApp::with_stripe().await;
    let session = order_by(&app, "card").await;
    assert_eq!(
        fake.pay_card(&session, CARD_SUCCESS).await,
        CardOutcome::Succeeded
    );
    let order = app.newest_order().await;
    let total = order.totals.grand_total;
    let (admin, secret) = manager(&app).await;
    let page = admin.get(&format!("/admin/orders/{}", order.id.0)).await;
    assert!(
        page.body.contains("支払い済み") && page.body.contains("pi_test_"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("value=\"pay\""),
        "no manual 入金確認 for card orders"
    );

    let wrong = refund(&app, &admin, &secret, order.id.0, "1000", "not my password").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let too_much = refund(
        &app,
        &admin,
        &secret,
        order.id.0,
        &(total.0 + 1).to_string(),
        PASSWORD,
    )
    .await;
    assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refunds(&fake), 0, "nothing reached the provider");

    let part = refund(&app, &admin, &secret, order.id.0, "1000", PASSWORD).await;
    assert_eq!(part.status, StatusCode::SEE_OTHER, "{}", part.body);
    let p = app.store.payment_of_order(order.id).await.unwrap().unwrap();
    assert_eq!(p.refunded, Yen(1000));
    assert_eq!(
        app.newest_order().await.status,
        OrderStatus::Paid,
        "a partial refund"
    );
    let page = admin.get(&format!("/admin/orders/{}", order.id.0)).await;
    assert!(page
        .body
        .contains("<dd class=\"psp-status\">一部返金済み</dd>"));
    let refund_request = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/refunds")
        .unwrap();
    assert_eq!(refund_request.field("amount"), Some("1000"));
    assert!(refund_request.idempotency_key.is_some());

    // The rest (blank amount): the order is refunded and the customer hears of it.
    let rest = refund(&app, &admin, &secret, order.id.0, "", PASSWORD).await;
    assert_eq!(rest.status, StatusCode::SEE_OTHER, "{}", rest.body);
    let p = app.store.payment_of_order(order.id).await.unwrap().unwrap();
    assert_eq!(p.refunded, total);
    assert_eq!(app.newest_order().await.status, OrderStatus::Refunded);
    assert_eq!(refunds(&fake), 2);
    assert!(fake.delivery_statuses().iter().all(|s| *s == 200));
    // The payment panel says what happened to the money, not 支払い済み.
    let page = admin.get(&format!("/admin/orders/{}", order.id.0)).await;
    assert!(
        page.body
            .contains("<dd class=\"psp-status\">全額返金済み</dd>"),
        "{}",
        page.body
    );
    let audit = app
        .store
        .audit_entries_of("payment.refund", 5)
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    assert!(audit[0].record.detail.contains("pi_test_"));
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(app
        .mails()
        .iter()
        .any(|m| m.contains("Message-ID: <order-") && m.contains(".refunded@")));
    // The shopper's status page says the order was refunded and how much, not "thank you".
    let status = app.order_status_path();
    let page = app.shopper().get(&status).await;
    assert!(
        page.body.contains("このご注文は返金済みです。"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("{} を返金しました。", total.display())),
        "{}",
        page.body
    );
    assert!(!page.body.contains("確認メールをお送りしました"));

    // Staff may not refund.
    let staff = signed_in(&app, AdminRole::Staff).await;
    let csrf = staff.get("/admin").await.hidden("csrf");
    let refused = staff
        .post(
            &format!("/admin/orders/{}/refund", order.id.0),
            &[("csrf", csrf.as_str()), ("amount", "1")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cancelling_an_unpaid_card_order_closes_the_providers_page_and_releases_stock() {
    let (app, fake) = TestApp::with_stripe().await;
    let sku = app.sku_named("本みりん").await;
    let before = app.stock(sku).await;
    let session = order_by(&app, "card").await;
    assert_eq!(app.stock(sku).await, before - 2);
    let order = app.newest_order().await;
    let (admin, _) = manager(&app).await;
    let csrf = admin.get("/admin").await.hidden("csrf");
    let cancel = admin
        .post(
            &format!("/admin/orders/{}/step", order.id.0),
            &[
                ("csrf", csrf.as_str()),
                ("event", "cancel"),
                ("confirm", "1"),
                ("note", "在庫違い"),
            ],
        )
        .await;
    assert_eq!(cancel.status, StatusCode::SEE_OTHER, "{}", cancel.body);
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.path == format!("/v1/checkout/sessions/{session}/expire")));
    assert_eq!(app.newest_order().await.status, OrderStatus::Cancelled);
    assert_eq!(app.stock(sku).await, before);
    let p = app.store.payment_of_order(order.id).await.unwrap().unwrap();
    assert_eq!(p.status, PaymentStatus::Failed);
    assert_eq!(
        fake.pay_card(&session, CARD_SUCCESS).await,
        CardOutcome::Closed
    );
    let history = app.store.order_history(order.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert!(history[0].actor.starts_with("admin:"));
}

#[tokio::test]
async fn ccsg_f_4_konbini_money_for_a_cancelled_order_is_flagged_for_the_shop() {
    let (app, fake) = TestApp::with_stripe().await;
    let session = order_by(&app, "konbini").await;
    assert!(fake.issue_konbini(&session).await);
    let order = app.newest_order().await;
    let (admin, _) = manager(&app).await;
    let csrf = admin.get("/admin").await.hidden("csrf");
    let cancel = admin
        .post(
            &format!("/admin/orders/{}/step", order.id.0),
            &[
                ("csrf", csrf.as_str()),
                ("event", "cancel"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(cancel.status, StatusCode::SEE_OTHER);
    assert_eq!(app.newest_order().await.status, OrderStatus::Cancelled);
    // The shopper pays at the store anyway.
    assert!(fake.pay_konbini(&session).await);
    let order = app.newest_order().await;
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert!(order.review_pending);
    assert_eq!(
        order.review_reason.as_deref(),
        Some(FLAG_PAID_AFTER_FAILURE)
    );
    let p = app.store.payment_of_order(order.id).await.unwrap().unwrap();
    assert_eq!(p.status, PaymentStatus::Succeeded, "the money is recorded");
}
