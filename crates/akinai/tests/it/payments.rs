//! Card and konbini payments through the fake Stripe over real HTTP (payments issue, items 1–3):
//! the shopper is sent to the provider's page with 3-D Secure requested (CCSG-F-1) and never
//! types a card into akinai (CCSG-P-1); signed webhooks move the order; duplicates, reordering,
//! wrong signatures, a different amount (CCSG-F-4), a provider that times out or fails, and a
//! konbini deadline that passes are each handled as the domain's payment rules say.

use chrono::Duration;
use reqwest::StatusCode;

use akinai_domain::order::OrderStatus;
use akinai_domain::payment::PaymentStatus;
use akinai_fakepsp::{
    CardOutcome, FakeStripe, WebhookMode, CARD_3DS_REQUIRED, CARD_3DS_THEN_DECLINE, CARD_DECLINED,
    CARD_SUCCESS,
};
use akinai_store::payments::Payment;

use crate::support::{Shopper, TestApp};

/// A shopper who ordered one bottle of mirin paying by `method`, and where placing the order
/// sent them.
async fn ordered(app: &TestApp, method: &str) -> (Shopper, String) {
    ordered_by(app, app.shopper(), &[("payment_method", method)]).await
}

/// [`ordered`] by a given shopper (e.g. from another address) with these checkout fields.
async fn ordered_by(app: &TestApp, shopper: Shopper, fields: &[(&str, &str)]) -> (Shopper, String) {
    let sku = app.sku_named("本みりん").await;
    assert_eq!(shopper.add(sku, "1").await.status, StatusCode::SEE_OTHER);
    let details = shopper.submit_details(fields).await;
    assert_eq!(details.status, StatusCode::SEE_OTHER, "{}", details.body);
    let placed = shopper.place().await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let to = placed.location().to_string();
    (shopper, to)
}

/// The session id of a provider page URL (`…/pay/{id}`).
fn session_of(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_string()
}

async fn payment(app: &TestApp) -> Payment {
    let order = app.newest_order().await;
    app.store.payment_of_order(order.id).await.unwrap().unwrap()
}

/// Signs deliveries with the shop's (fixed) clock after it moved.
fn sync(app: &TestApp, fake: &FakeStripe) {
    fake.set_time(akinai_core::Clock::now(app.clock.as_ref()).timestamp());
}

#[tokio::test]
async fn ccsg_f_1_a_card_payment_asks_for_3ds_and_the_signed_webhook_marks_the_order_paid() {
    let (app, fake) = TestApp::with_stripe().await;
    let (shopper, to) = ordered(&app, "card").await;
    assert!(
        to.starts_with(&format!("{}/pay/cs_test_", fake.base_url())),
        "{to}"
    );
    let create = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/checkout/sessions")
        .unwrap();
    assert_eq!(
        create.field("payment_method_options[card][request_three_d_secure]"),
        Some("any")
    );
    assert_eq!(create.field("payment_method_types[0]"), Some("card"));
    let order = app.newest_order().await;
    assert_eq!(
        create.field("line_items[0][price_data][unit_amount]"),
        Some(order.totals.grand_total.0.to_string().as_str()),
        "the frozen total"
    );
    assert!(create
        .idempotency_key
        .as_deref()
        .is_some_and(|k| k.starts_with("akinai-order-")));
    assert_eq!(order.status, OrderStatus::Placed);

    let outcome = fake.pay_card(&session_of(&to), CARD_SUCCESS).await;
    assert_eq!(outcome, CardOutcome::Succeeded);
    // checkout.session.completed and charge.succeeded.
    assert_eq!(fake.delivery_statuses(), vec![200, 200]);
    let order = app.newest_order().await;
    assert_eq!(order.status, OrderStatus::Paid);
    let p = payment(&app).await;
    assert_eq!(p.status, PaymentStatus::Succeeded);
    assert!(p.payment_ref.is_some_and(|r| r.starts_with("pi_test_")));
    let history = app.store.order_history(order.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].actor, "psp:stripe");

    app.shop.jobs().run_due_jobs().await.unwrap();
    let status_path = status_path(&app);
    let page = shopper.get(&status_path).await;
    assert!(
        page.body.contains("お支払いを確認しました"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("/pay\""), "no pay button once paid");
}

/// The status page path from the shopper's confirmation mail.
fn status_path(app: &TestApp) -> String {
    let mails = app.mails();
    let mail = mails
        .iter()
        .find(|m| m.contains("<hanako@example.jp>") && m.contains("/order/"))
        .unwrap_or_else(|| panic!("no mail with a status link: {mails:?}"));
    let start = mail.find("/order/").unwrap();
    mail[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

#[tokio::test]
async fn a_3ds_challenge_then_success_pays_and_a_failed_challenge_or_decline_leaves_it_open() {
    let (app, fake) = TestApp::with_stripe().await;
    let (_, to) = ordered(&app, "card").await;
    let session = session_of(&to);
    // A decline first: the page stays open, the order unpaid, the event recorded once.
    assert_eq!(
        fake.pay_card(&session, CARD_DECLINED).await,
        CardOutcome::Declined
    );
    assert_eq!(
        fake.pay_card(&session, CARD_3DS_THEN_DECLINE).await,
        CardOutcome::ChallengeRequired
    );
    assert_eq!(
        fake.complete_3ds(&session, true).await,
        CardOutcome::Declined
    );
    assert_eq!(
        fake.pay_card(&session, CARD_3DS_REQUIRED).await,
        CardOutcome::ChallengeRequired
    );
    assert_eq!(
        fake.complete_3ds(&session, false).await,
        CardOutcome::Declined
    );
    assert_eq!(app.newest_order().await.status, OrderStatus::Placed);
    assert_eq!(payment(&app).await.status, PaymentStatus::Open);
    // Then the challenge passed.
    assert_eq!(
        fake.pay_card(&session, CARD_3DS_REQUIRED).await,
        CardOutcome::ChallengeRequired
    );
    assert_eq!(
        app.newest_order().await.status,
        OrderStatus::Placed,
        "not before 3-DS"
    );
    assert_eq!(
        fake.complete_3ds(&session, true).await,
        CardOutcome::Succeeded
    );
    assert_eq!(app.newest_order().await.status, OrderStatus::Paid);
    assert!(fake.delivery_statuses().iter().all(|s| *s == 200));
    // Not a test card: refused by the page, nothing sent anywhere. (Another shopper: this
    // source, e-mail and address have three declines this hour, so their next card payment
    // would be refused.)
    let other_fields = [
        ("payment_method", "card"),
        ("email", "other@example.jp"),
        ("line1", "宇田川町2-2"),
    ];
    let (_, other) = ordered_by(&app, app.shopper_from("198.51.100.9"), &other_fields).await;
    assert_eq!(
        fake.pay_card(&session_of(&other), "4111 1111 1111 1111")
            .await,
        CardOutcome::NotATestCard
    );
}

#[tokio::test]
async fn a_webhook_delivered_twice_or_again_later_is_applied_once() {
    let (app, fake) = TestApp::with_stripe().await;
    fake.set_webhook_mode(WebhookMode::Duplicate);
    let (_, to) = ordered(&app, "card").await;
    fake.pay_card(&session_of(&to), CARD_SUCCESS).await;
    assert_eq!(fake.delivery_statuses(), vec![200; 4]);
    let version = payment(&app).await.version;
    fake.set_webhook_mode(WebhookMode::Normal);
    fake.redeliver_all().await;
    let order = app.newest_order().await;
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(app.store.order_history(order.id).await.unwrap().len(), 1);
    assert_eq!(
        payment(&app).await.version,
        version,
        "the repeats wrote nothing"
    );
    app.shop.jobs().run_due_jobs().await.unwrap();
    let paid_mails = app
        .mails()
        .into_iter()
        .filter(|m| m.contains("ご入金を確認しました"))
        .count();
    assert_eq!(paid_mails, 1, "one payment mail");
}

#[tokio::test]
async fn konbini_reports_out_of_order_still_end_paid_and_an_expired_deadline_cancels() {
    let (app, fake) = TestApp::with_stripe().await;
    let (shopper, to) = ordered(&app, "konbini").await;
    let session = session_of(&to);
    let create = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/checkout/sessions")
        .unwrap();
    assert_eq!(
        create.field("payment_method_options[konbini][expires_after_days]"),
        Some("3")
    );
    // The number is issued, but the two events arrive in reverse order.
    fake.set_webhook_mode(WebhookMode::Reversed);
    assert!(fake.issue_konbini(&session).await);
    let p = payment(&app).await;
    assert_eq!(p.status, PaymentStatus::Awaiting);
    assert!(p.instructions.is_some(), "store numbers and deadline kept");
    app.shop.jobs().run_due_jobs().await.unwrap();
    let page = shopper.get(&status_path(&app)).await;
    assert!(
        page.body.contains("konbini-number") && page.body.contains("konbini-deadline"),
        "{}",
        page.body
    );
    // The numbers and deadline are mailed once, however often the news arrives.
    fake.redeliver_all().await;
    app.shop.jobs().run_due_jobs().await.unwrap();
    let konbini_mails: Vec<String> = app
        .mails()
        .into_iter()
        .filter(|m| m.contains("Message-ID: <order-") && m.contains(".konbini@"))
        .collect();
    assert_eq!(konbini_mails.len(), 1);
    assert!(
        konbini_mails[0].contains("ファミリーマート: お支払い番号")
            && konbini_mails[0].contains("お支払い期限"),
        "{}",
        konbini_mails[0]
    );
    // The payment arrives; then the older "completed, unpaid" report is delivered again late.
    fake.set_webhook_mode(WebhookMode::Normal);
    assert!(fake.pay_konbini(&session).await);
    fake.redeliver_all().await;
    assert_eq!(app.newest_order().await.status, OrderStatus::Paid);
    assert_eq!(payment(&app).await.status, PaymentStatus::Succeeded);

    // A second order whose deadline passes: cancelled, stock back on sale.
    let sku = app.sku_named("本みりん").await;
    let before = app.stock(sku).await;
    let (_, to) = ordered(&app, "konbini").await;
    let session = session_of(&to);
    assert!(fake.issue_konbini(&session).await);
    assert!(fake.expire_konbini(&session).await);
    let order = app.newest_order().await;
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert_eq!(app.stock(sku).await, before, "stock released");
}

#[tokio::test]
async fn a_wrong_signature_is_refused_and_the_reconciliation_job_finds_the_payment() {
    let (app, fake) = TestApp::with_stripe().await;
    fake.set_webhook_mode(WebhookMode::WrongSignature);
    let (_, to) = ordered(&app, "card").await;
    fake.pay_card(&session_of(&to), CARD_SUCCESS).await;
    assert_eq!(fake.delivery_statuses(), vec![400, 400]);
    assert_eq!(app.newest_order().await.status, OrderStatus::Placed);
    // Too soon: nothing to ask about yet.
    assert_eq!(app.shop.payments().reconcile_payments().await.unwrap(), 0);
    app.clock.advance(Duration::minutes(11));
    sync(&app, &fake);
    assert_eq!(app.shop.payments().reconcile_payments().await.unwrap(), 1);
    assert_eq!(app.newest_order().await.status, OrderStatus::Paid);
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.method == "GET" && r.path.starts_with("/v1/checkout/sessions/")));
}

#[tokio::test]
async fn an_old_signed_delivery_is_refused_as_a_replay() {
    let (app, fake) = TestApp::with_stripe().await;
    let (_, to) = ordered(&app, "card").await;
    // The provider's clock says the event was signed ten minutes before the shop's now.
    fake.set_time(akinai_core::Clock::now(app.clock.as_ref()).timestamp() - 600);
    fake.pay_card(&session_of(&to), CARD_SUCCESS).await;
    assert_eq!(fake.delivery_statuses(), vec![400, 400]);
    assert_eq!(app.newest_order().await.status, OrderStatus::Placed);
}

#[tokio::test]
async fn ccsg_f_4_a_different_amount_from_the_provider_holds_the_order_for_review() {
    let (app, fake) = TestApp::with_stripe().await;
    let (_, to) = ordered(&app, "card").await;
    fake.report_amount(Some(1));
    fake.pay_card(&session_of(&to), CARD_SUCCESS).await;
    let order = app.newest_order().await;
    assert_eq!(order.status, OrderStatus::Placed, "not marked paid");
    assert!(order.review_pending);
    assert_eq!(
        order.review_reason.as_deref(),
        Some("payment_amount_mismatch")
    );
    assert_eq!(payment(&app).await.status, PaymentStatus::Succeeded);
}

#[tokio::test]
async fn a_provider_that_times_out_or_fails_is_retried_with_the_same_idempotency_key() {
    let (app, fake) = TestApp::with_stripe().await;
    // Both tries of the first attempt stall: the shopper lands on the status page with a
    // button to try again; no session exists yet.
    fake.stall_next(2);
    let (shopper, to) = ordered(&app, "card").await;
    assert!(to.starts_with("/order/"), "{to}");
    assert!(fake.sessions().is_empty());
    let page = shopper.get(&to).await;
    assert!(page.body.contains("お支払いへ進む"), "{}", page.body);
    // The button: one 503, then success, all under the first attempt's key.
    fake.fail_next(&[503]);
    let pay = shopper
        .post(
            &format!("{to}/pay"),
            &[("csrf", page.hidden("csrf").as_str())],
        )
        .await;
    assert_eq!(pay.status, StatusCode::SEE_OTHER);
    assert!(pay.location().starts_with(&fake.base_url()));
    let creates: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/checkout/sessions")
        .collect();
    assert_eq!(creates.len(), 4);
    assert!(creates
        .iter()
        .all(|r| r.idempotency_key == creates[0].idempotency_key));
    assert_eq!(fake.sessions().len(), 1);
    // Pressing it again while the session is open goes to the same page.
    let again = shopper
        .post(
            &format!("{to}/pay"),
            &[("csrf", page.hidden("csrf").as_str())],
        )
        .await;
    assert_eq!(again.location(), pay.location());
    assert_eq!(fake.sessions().len(), 1);
}
