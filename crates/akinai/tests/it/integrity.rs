//! IPA-C-14 / CCSG-V-3: tamper detection of the theme directory, the checkout hold it raises,
//! acknowledgement by an owner, watched files, and alert delivery by mail (deduplicated per kind
//! and hour) — over real HTTP with the file mail transport.

use std::path::{Path, PathBuf};

use reqwest::StatusCode;

use akinai_core::integrity::{TAMPER_DETECTED, WATCHED_FILE_CHANGED};
use akinai_core::security::CSP_VIOLATION;
use akinai_core::{CoreError, SecurityConfig};

use crate::support::{test_now, TestApp};

const THEME_CSS: &str = "body { background: #fdf6e3; }\n";

fn theme_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let theme = dir.path().join("theme");
    std::fs::create_dir(&theme).unwrap();
    std::fs::write(theme.join("theme.css"), THEME_CSS).unwrap();
    std::fs::write(theme.join("logo.png"), b"\x89PNG\r\n\x1a\nfake").unwrap();
    (dir, theme)
}

fn security(theme: &Path, close: bool) -> SecurityConfig {
    SecurityConfig {
        alert_mail_to: vec!["owner@example.jp".into()],
        theme_dir: Some(theme.to_path_buf()),
        close_checkout_on_tamper: close,
        ..SecurityConfig::default()
    }
}

async fn events(app: &TestApp, kind: &str) -> usize {
    app.store
        .security_events(kind, test_now() - chrono::Duration::days(1), 100)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_changed_theme_file_alerts_closes_checkout_and_is_never_served() {
    let (_keep, theme) = theme_dir();
    let app = TestApp::with_security(security(&theme, true)).await;
    let shopper = app.shopper();

    // Before approval nothing from the directory is served.
    app.shop.integrity().check_integrity().await.unwrap();
    assert_eq!(
        shopper.get("/theme/theme.css").await.status,
        StatusCode::NOT_FOUND
    );

    // The recorded theme update makes it live, linked with SRI from every page.
    app.shop
        .integrity()
        .approve_theme("owner@example.jp")
        .await
        .unwrap();
    let css = shopper.get("/theme/theme.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.body, THEME_CSS);
    assert_eq!(css.headers["content-type"], "text/css; charset=utf-8");
    let home = shopper.get("/").await;
    assert!(
        home.body.contains("href=\"/theme/theme.css?v="),
        "theme linked"
    );
    assert!(home.body.contains("integrity=\"sha256-"), "with SRI");

    // Someone edits the file on the server and drops a script next to it.
    std::fs::write(
        theme.join("theme.css"),
        "body{} .x{background:url(https://evil.example/c)}",
    )
    .unwrap();
    std::fs::write(theme.join("skim.js"), "steal()").unwrap();
    let report = app.shop.integrity().check_integrity().await.unwrap();
    assert_eq!(report.theme_changes.modified, ["theme.css"]);
    assert_eq!(report.theme_changes.added, ["skim.js"]);
    assert_eq!(events(&app, TAMPER_DETECTED).await, 1);

    // The tampered bytes and the script are never served; the approved copy is.
    assert_eq!(shopper.get("/theme/theme.css").await.body, THEME_CSS);
    assert_eq!(
        shopper.get("/theme/skim.js").await.status,
        StatusCode::NOT_FOUND
    );

    // Checkout is closed: the form, the details post and the order post all refuse.
    let sku = app.sku_named("本みりん").await;
    assert_eq!(
        shopper.add(sku, "1").await.status,
        StatusCode::SEE_OTHER,
        "the cart still works"
    );
    let closed = shopper.get("/checkout").await;
    assert_eq!(closed.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        closed.body.contains("ご注文の受付を一時停止"),
        "{}",
        closed.body
    );
    assert!(
        closed.body.contains("class=\"site-header\"") && closed.body.contains("role=\"search\""),
        "the 503 page keeps the shop's header and search (first-hour issue, item 10)"
    );
    assert_eq!(
        shopper.submit_details(&[]).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        shopper.get("/checkout/confirm").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let csrf = shopper.csrf().await;
    let order = shopper
        .post(
            "/checkout/confirm",
            &[("csrf", &csrf), ("fingerprint", &"0".repeat(64))],
        )
        .await;
    assert_eq!(order.status, StatusCode::SERVICE_UNAVAILABLE);
    let cart = app
        .shop
        .storefront()
        .find_cart(shopper.cookie("cart").as_deref())
        .await
        .unwrap();
    assert!(cart.and_then(|c| c.checkout).is_none(), "nothing saved");

    // The owner is mailed once, even though the next checks see the same change.
    app.shop.integrity().check_integrity().await.unwrap();
    app.shop.jobs().run_due_jobs().await.unwrap();
    let mails = app.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].contains("To: owner@example.jp"));
    assert!(mails[0].contains("theme.css") && mails[0].contains("skim.js"));
    assert_eq!(events(&app, TAMPER_DETECTED).await, 1);

    // An owner acknowledges; checkout opens; the same unchanged difference does not close it
    // again in this process.
    assert_eq!(
        app.shop
            .integrity()
            .acknowledge_checkout_holds("owner@example.jp")
            .await
            .unwrap(),
        1
    );
    app.shop.integrity().check_integrity().await.unwrap();
    assert_eq!(
        shopper.submit_details(&[]).await.status,
        StatusCode::SEE_OTHER
    );

    // A further change closes it again.
    std::fs::remove_file(theme.join("logo.png")).unwrap();
    let report = app.shop.integrity().check_integrity().await.unwrap();
    assert_eq!(report.theme_changes.removed, ["logo.png"]);
    assert_eq!(
        shopper.get("/checkout").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn a_theme_with_a_script_or_folder_cannot_be_approved() {
    let (_keep, theme) = theme_dir();
    std::fs::write(theme.join("app.js"), "x()").unwrap();
    std::fs::create_dir(theme.join("sub")).unwrap();
    let app = TestApp::with_security(security(&theme, true)).await;
    match app.shop.integrity().approve_theme("owner@example.jp").await {
        Err(CoreError::ThemeRefused(files)) => {
            assert_eq!(files.len(), 2, "{files:?}");
            assert!(files.iter().any(|f| f.starts_with("app.js")));
            assert!(files.iter().any(|f| f.starts_with("sub")));
        }
        other => panic!("approved: {other:?}"),
    }
    assert!(
        app.store.current_theme_manifest().await.unwrap().is_none(),
        "nothing recorded"
    );
}

#[tokio::test]
async fn without_close_checkout_a_tamper_only_alerts() {
    let (_keep, theme) = theme_dir();
    let app = TestApp::with_security(security(&theme, false)).await;
    app.shop
        .integrity()
        .approve_theme("owner@example.jp")
        .await
        .unwrap();
    std::fs::write(theme.join("theme.css"), "changed").unwrap();
    app.shop.integrity().check_integrity().await.unwrap();
    assert_eq!(events(&app, TAMPER_DETECTED).await, 1);
    assert!(app
        .shop
        .integrity()
        .checkout_holds()
        .await
        .unwrap()
        .is_empty());
    let shopper = app.shopper();
    let sku = app.sku_named("本みりん").await;
    shopper.add(sku, "1").await;
    assert_eq!(shopper.get("/checkout").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_watched_file_that_changes_raises_one_alert() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("akinai");
    std::fs::write(&exe, "build 1").unwrap();
    let app = TestApp::with_security(SecurityConfig {
        watched_files: vec![exe.clone()],
        ..SecurityConfig::default()
    })
    .await;
    assert!(app
        .shop
        .integrity()
        .check_integrity()
        .await
        .unwrap()
        .watched_changed
        .is_empty());
    std::fs::write(&exe, "build 2").unwrap();
    assert_eq!(
        app.shop
            .integrity()
            .check_integrity()
            .await
            .unwrap()
            .watched_changed,
        std::slice::from_ref(&exe)
    );
    app.shop.integrity().check_integrity().await.unwrap();
    assert_eq!(events(&app, WATCHED_FILE_CHANGED).await, 1);
    assert!(
        app.shop
            .integrity()
            .checkout_holds()
            .await
            .unwrap()
            .is_empty(),
        "alert only"
    );
}

/// A page with an injected script reports on every view: every report is stored, one mail per
/// hour goes out, and a later hour mails again.
#[tokio::test]
async fn csp_reports_are_mailed_once_per_hour() {
    let app = TestApp::with_security(SecurityConfig {
        alert_mail_to: vec!["owner@example.jp".into(), "ops@example.jp".into()],
        ..SecurityConfig::default()
    })
    .await;
    let client = reqwest::Client::new();
    let report = r#"{"csp-report":{"document-uri":"https://shop.example.jp/checkout","violated-directive":"script-src-elem","blocked-uri":"https://evil.example/skim.js"}}"#;
    let post = || {
        client
            .post(format!("http://{}/csp-report", app.addr))
            .header("content-type", "application/csp-report")
            .body(report)
            .send()
    };
    for _ in 0..5 {
        assert_eq!(post().await.unwrap().status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(events(&app, CSP_VIOLATION).await, 5);
    app.shop.jobs().run_due_jobs().await.unwrap();
    let mails = app.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("owner@example.jp") && mails[0].contains("ops@example.jp"));
    assert!(
        mails[0].contains("evil.example/skim.js"),
        "the evidence is in the mail"
    );
    app.clock.advance(chrono::Duration::hours(1));
    post().await.unwrap();
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert_eq!(app.mails().len(), 2);
}
