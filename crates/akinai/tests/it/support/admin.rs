//! Admins for tests: created from the command line's use case, enrolled through the pages
//! (password and authenticator), and signed in on the admin listener.

use chrono::Duration;
use reqwest::StatusCode;

use akinai_core::accounts::totp::code_at;
use akinai_core::audit::AuditContext;
use akinai_domain::admin::AdminRole;

use super::{Shopper, TestApp};

/// The password every test admin enrols with.
pub const ADMIN_PASSWORD: &str = "harbor violet seventeen kites";

fn now(app: &TestApp) -> chrono::DateTime<chrono::Utc> {
    akinai_core::Clock::now(app.clock.as_ref())
}

/// Creates an admin, enrols it through the pages, and returns its browser and TOTP secret.
pub async fn enrolled(app: &TestApp, email: &str, role: AdminRole) -> (Shopper, String) {
    let link = app
        .shop
        .admin_accounts()
        .create_admin(email, "管理 太郎", role, &AuditContext::cli("test"))
        .await
        .unwrap();
    let browser = app.admin_user(None);
    let page = browser.get(&format!("/admin/enrol?t={link}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<svg"), "QR code shown");
    let secret = page.attr("data-secret");
    let code = code_at(&secret, now(app)).unwrap();
    let done = browser
        .submit(
            "/admin/enrol",
            &[("t", &link), ("password", ADMIN_PASSWORD), ("code", &code)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    // The enrolment code's time step is used; the next login waits for the next one.
    app.clock.advance(Duration::seconds(30));
    (browser, secret)
}

/// Signs `browser` in with the password and a current code; the answer's status.
pub async fn login(app: &TestApp, browser: &Shopper, email: &str, secret: &str) -> StatusCode {
    browser.get("/admin/login").await;
    let code = code_at(secret, now(app)).unwrap();
    let page = browser
        .submit(
            "/admin/login",
            &[
                ("email", email),
                ("password", ADMIN_PASSWORD),
                ("code", &code),
            ],
        )
        .await;
    page.status
}

/// An enrolled admin of `role`, signed in: its browser and TOTP secret.
pub async fn signed_in(app: &TestApp, email: &str, role: AdminRole) -> (Shopper, String) {
    let (browser, secret) = enrolled(app, email, role).await;
    assert_eq!(
        login(app, &browser, email, &secret).await,
        StatusCode::SEE_OTHER
    );
    (browser, secret)
}

/// A code for re-authentication, from the next time step (the login used the current one).
pub fn fresh_code(app: &TestApp, secret: &str) -> String {
    app.clock.advance(Duration::seconds(30));
    code_at(secret, now(app)).unwrap()
}
