//! CCSG-P-1 (非保持化), proven end to end (payments issue, item 5): shoppers who type card
//! numbers into akinai's own forms or search box are refused before anything reads the input;
//! complete purchases by card (through the fake provider, with and without 3-D Secure), konbini
//! and bank transfer run; then every file of the shop's data directory (SQLite database and its
//! journal, the mail outbox) and everything logged at debug level are searched for any
//! Luhn-valid 14–19-digit number. None may be found.

use std::io::Write;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;

use akinai_domain::card::card_numbers;
use akinai_fakepsp::{CARD_3DS_REQUIRED, CARD_SUCCESS};

use crate::support::TestApp;

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every Luhn-valid number in the files under `dir`, with the file it was found in.
fn numbers_in_files(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            for r in card_numbers(&text) {
                found.push((path.display().to_string(), text[r].to_string()));
            }
        }
    }
    found
}

#[tokio::test]
async fn ccsg_p_1_no_card_number_reaches_the_database_the_logs_or_the_mail() {
    let log = Log::default();
    let sink = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(akinai::logging::Scrubbing(move || sink.clone()))
        .finish();
    // The test's runtime is single-threaded: the shop's server tasks log through this too.
    let _guard = tracing::subscriber::set_default(subscriber);
    let (app, fake) = TestApp::with_stripe().await;
    let sku = app.sku_named("本みりん").await;

    // Card numbers typed into akinai's own pages are refused unread, whatever the field.
    let shopper = app.shopper();
    shopper.add(sku, "1").await;
    for (field, value) in [
        ("line2", "4242 4242 4242 4242"),
        ("name", "山田 5555555555554444"),
        ("card_number", "1"),
        ("cvc", "123"),
    ] {
        let csrf = shopper.csrf().await;
        let page = shopper
            .post(
                "/checkout",
                &[
                    ("csrf", csrf.as_str()),
                    ("name", "山田 花子"),
                    (field, value),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{field}");
        assert!(page.body.contains("カード情報"), "{field}: {}", page.body);
    }
    let search = shopper.get("/search?q=4000002500003155").await;
    assert_eq!(search.status, StatusCode::BAD_REQUEST);

    // Purchases by card (plain and with 3-D Secure), konbini and bank transfer.
    for (method, card) in [
        ("card", Some(CARD_SUCCESS)),
        ("card", Some(CARD_3DS_REQUIRED)),
        ("konbini", None),
        ("bank_transfer", None),
    ] {
        let buyer = app.shopper();
        buyer.add(sku, "1").await;
        let details = buyer.submit_details(&[("payment_method", method)]).await;
        assert_eq!(details.status, StatusCode::SEE_OTHER);
        let placed = buyer.place().await;
        assert_eq!(placed.status, StatusCode::SEE_OTHER);
        let session = placed.location().rsplit('/').next().unwrap().to_string();
        match (method, card) {
            ("card", Some(number)) => {
                fake.pay_card(&session, number).await;
                if number == CARD_3DS_REQUIRED {
                    fake.complete_3ds(&session, true).await;
                }
            }
            ("konbini", _) => {
                fake.issue_konbini(&session).await;
                fake.pay_konbini(&session).await;
            }
            _ => {}
        }
    }
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(fake.delivery_statuses().iter().all(|s| *s == 200));
    assert!(app.mails().len() >= 4, "confirmation mails were written");

    let in_files = numbers_in_files(app.data_dir());
    assert!(in_files.is_empty(), "card numbers stored: {in_files:?}");
    let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(!logged.is_empty(), "the shop logged at debug level");
    let in_log = card_numbers(&logged);
    assert!(
        in_log.is_empty(),
        "card numbers logged: {:?}",
        in_log.into_iter().map(|r| &logged[r]).collect::<Vec<_>>()
    );
}
