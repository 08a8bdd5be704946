//! The order confirmation mail (受領連絡) through the outbox: crash safety, retries, stable
//! Message-IDs, and the time-to-confirmation record.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;

use akinai_core::mail::MailError;
use akinai_core::worker::{backoff, LEASE};
use akinai_core::{FileMailer, Mailer};

use crate::support::{test_now, TestApp};

/// Delivers to files, but fails the first `failures` attempts like an SMTP server that is down.
struct FlakyMailer {
    inner: FileMailer,
    failures: usize,
    attempts: AtomicUsize,
}

#[async_trait]
impl Mailer for FlakyMailer {
    async fn send(&self, message: &lettre::Message) -> Result<(), MailError> {
        if self.attempts.fetch_add(1, Ordering::SeqCst) < self.failures {
            return Err(MailError::Transport("421 service not available".into()));
        }
        self.inner.send(message).await
    }
}

fn flaky(failures: usize) -> impl FnOnce(PathBuf) -> Arc<dyn Mailer> {
    move |dir| {
        Arc::new(FlakyMailer {
            inner: FileMailer::new(dir),
            failures,
            attempts: AtomicUsize::new(0),
        })
    }
}

#[tokio::test]
async fn a_worker_that_dies_after_claiming_loses_no_mail() {
    let app = TestApp::demo().await;
    let status = app.order_one("玄米茶").await;
    // A worker claims the job and dies before sending: nothing marks it done.
    let claimed = app
        .store
        .claim_job(test_now(), test_now() + LEASE)
        .await
        .unwrap();
    assert!(claimed.is_some());
    assert_eq!(
        app.shop.jobs().run_due_jobs().await.unwrap(),
        0,
        "the job is leased to the dead worker"
    );
    assert!(app.mails().is_empty());
    // After the lease runs out another worker delivers it.
    app.clock.advance(LEASE + Duration::seconds(1));
    assert_eq!(app.shop.jobs().run_due_jobs().await.unwrap(), 1);
    let mails = app.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains(&status));
    let order = app
        .shop
        .orders()
        .order_by_status_secret(status.trim_start_matches("/order/"))
        .await
        .unwrap();
    assert_eq!(
        order.confirmation_sent_at,
        Some(test_now() + LEASE + Duration::seconds(1))
    );
}

#[tokio::test]
async fn a_worker_that_dies_after_sending_resends_with_the_same_message_id() {
    let app = TestApp::demo().await;
    app.order_one("抹茶").await;
    // Deliver the mail, then pretend the process died before recording it: the job's lease
    // expires and it runs again.
    let job = app
        .store
        .claim_job(test_now(), test_now() + LEASE)
        .await
        .unwrap()
        .unwrap();
    let order_id = akinai_domain::ids::OrderId(job.payload["order_id"].as_i64().unwrap());
    let order = app.store.order(order_id).await.unwrap().unwrap();
    let settings = app.shop.storefront().settings().await.unwrap();
    let first = akinai_core::mail::order_confirmation(
        &order,
        "https://shop.example.jp/order/x",
        &settings,
        app.shop.config(),
    )
    .unwrap();
    app.clock.advance(LEASE + Duration::seconds(1));
    assert_eq!(app.shop.jobs().run_due_jobs().await.unwrap(), 1);
    let mails = app.mails();
    assert_eq!(
        mails.len(),
        1,
        "the file transport keys files by Message-ID"
    );
    let id = first.headers().get_raw("Message-ID").unwrap().to_string();
    assert!(
        mails[0].contains(&format!("Message-ID: {id}")),
        "same Message-ID on the resend"
    );
}

#[tokio::test]
async fn delivery_failures_retry_with_backoff_until_the_server_accepts() {
    let app = TestApp::with_mailer(flaky(2)).await;
    app.seed().await;
    let status = app.order_one("煎茶").await;
    assert_eq!(
        app.shop.jobs().run_due_jobs().await.unwrap(),
        1,
        "first attempt fails"
    );
    assert!(app.mails().is_empty());
    assert_eq!(
        app.shop.jobs().run_due_jobs().await.unwrap(),
        0,
        "not retried before the backoff"
    );
    app.clock.advance(backoff(1));
    assert_eq!(
        app.shop.jobs().run_due_jobs().await.unwrap(),
        1,
        "second attempt fails"
    );
    app.clock.advance(backoff(2));
    assert_eq!(
        app.shop.jobs().run_due_jobs().await.unwrap(),
        1,
        "third attempt succeeds"
    );
    assert_eq!(app.mails().len(), 1);
    assert_eq!(app.store.pending_jobs().await.unwrap(), 0);
    let order = app
        .shop
        .orders()
        .order_by_status_secret(status.trim_start_matches("/order/"))
        .await
        .unwrap();
    let waited = order.confirmation_sent_at.unwrap() - order.placed_at;
    assert_eq!(
        waited,
        backoff(1) + backoff(2),
        "time to confirmation is recorded (first KPI)"
    );
}

#[tokio::test]
async fn a_mail_that_never_goes_through_is_buried_not_retried_forever() {
    let app = TestApp::with_mailer(flaky(usize::MAX)).await;
    app.seed().await;
    app.order_one("ほうじ茶").await;
    let mut runs = 0;
    for attempt in 1..=akinai_core::worker::MAX_ATTEMPTS {
        runs += app.shop.jobs().run_due_jobs().await.unwrap();
        app.clock.advance(backoff(attempt));
    }
    assert_eq!(runs, akinai_core::worker::MAX_ATTEMPTS as usize);
    assert_eq!(
        app.store.pending_jobs().await.unwrap(),
        0,
        "buried after the last attempt"
    );
    app.clock.advance(Duration::days(1));
    assert_eq!(app.shop.jobs().run_due_jobs().await.unwrap(), 0);
}

#[tokio::test]
async fn the_confirmation_mail_has_the_order_and_typed_headers() {
    let app = TestApp::demo().await;
    let status = app.order_one("本革ベルト").await;
    app.shop.jobs().run_due_jobs().await.unwrap();
    let mail = &app.mails()[0];
    let headers = mail.split("\n\n").next().unwrap();
    assert_eq!(
        headers.matches("\r\nTo: ").count() + usize::from(headers.starts_with("To: ")),
        1
    );
    assert!(!headers.contains("Bcc"), "SWS-8");
    assert!(headers.contains("From: ") && headers.contains("<shop@example.jp>"));
    for must in [
        "注文番号",
        "本革ベルト",
        "お支払い合計",
        "内消費税",
        "銀行振込",
        "お振込期限",
        "〒150-0001",
        "東京都渋谷区神宮前1-2-3",
        "株式会社あきない商店",
    ] {
        assert!(mail.contains(must), "mail lacks {must}");
    }
    assert!(mail.contains(&format!("https://shop.example.jp{status}")));
}
