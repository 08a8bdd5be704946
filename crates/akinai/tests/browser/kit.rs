//! What the browser and accessibility tests share: starting the browser (or saying that it did
//! not run), a guest's checkout details, a member's login.

use crate::support;
use crate::webdriver::{self, Browser};

/// A browser, or `None` (said on stderr) when Chromium and chromedriver are not installed; CI
/// (`AKINAI_REQUIRE_BROWSER=1`) requires them.
pub async fn browser() -> Option<Browser> {
    match webdriver::tools() {
        Some((chromium, driver)) => Some(Browser::start(chromium, driver).await),
        None => {
            assert!(
                std::env::var("AKINAI_REQUIRE_BROWSER").as_deref() != Ok("1"),
                "a browser is required but chromium/chromedriver are missing"
            );
            eprintln!("NOTE: browser test DID NOT RUN: install chromium and chromium-driver");
            None
        }
    }
}

/// A guest's checkout details (Tokyo, Shibuya; the prefecture is chosen apart).
pub const GUEST: [(&str, &str); 7] = [
    ("name", "山田 花子"),
    ("name_kana", "やまだ はなこ"),
    ("email", "hanako@example.jp"),
    ("phone", "090-1234-5678"),
    ("postal_code", "150-0001"),
    ("city", "渋谷区"),
    ("line1", "神宮前1-2-3"),
];

/// Types a guest's details into the checkout form.
pub async fn fill_checkout(b: &Browser) {
    for (field, value) in GUEST {
        b.type_into(&format!("input[name={field}]"), value).await;
    }
    b.click("select[name=prefecture] option[value='13']").await;
}

/// Logs the member `email` (with [`support::MEMBER_PASSWORD`]) in through the login page.
pub async fn log_in(b: &Browser, base: &str, email: &str) {
    b.goto(&format!("{base}/account/login")).await;
    b.type_into("input[name=email]", email).await;
    b.type_into("input[name=password]", support::MEMBER_PASSWORD)
        .await;
    b.click("form.account button[type=submit]").await;
    b.wait_for_text(&format!("<dd>{email}</dd>")).await;
}
