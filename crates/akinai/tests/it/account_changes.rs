//! Changing a member's credentials over real HTTP (accounts issue): the password (current one
//! required, notified — CCSG-F-3c, IPA-C-11), the reset link (single use, short-lived, ends every
//! session) and the e-mail address (re-authentication, confirmation at the new address, notice
//! to the old one).

use chrono::Duration;
use reqwest::StatusCode;

use akinai_core::accounts::events;

use crate::accounts::{comparable, events_of};
use crate::support::{TestApp, MEMBER_PASSWORD};

/// CCSG-F-3c / IPA-C-11: changing the password needs the current one, ends the other
/// sessions and notifies the account's address.
#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_notifies() {
    let app = TestApp::demo().await;
    let me = app.member("c@example.jp").await;
    let elsewhere = app.shopper_from("192.0.2.40");
    elsewhere.login("c@example.jp", MEMBER_PASSWORD).await;
    let new = "granite harbor seven owls";
    let wrong = me
        .submit(
            "/account/password",
            &[("current_password", "not my password"), ("password", new)],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("現在のパスワードが正しくありません"));
    let ok = me
        .submit(
            "/account/password",
            &[("current_password", MEMBER_PASSWORD), ("password", new)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(
        me.get("/account").await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        elsewhere.get("/account").await.status,
        StatusCode::SEE_OTHER
    );
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(app
        .mails()
        .iter()
        .any(|m| m.contains("To: c@example.jp") && m.contains("パスワードが変更されました")));
    let fresh = app.shopper();
    assert_eq!(
        fresh.login("c@example.jp", new).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(events_of(&app, events::PASSWORD_CHANGED).await.len(), 1);
}

/// SWS-C2-5: reset by a single-use link that expires after 30 minutes; every session ends; the
/// answer to a reset request is the same for unknown addresses.
#[tokio::test]
async fn password_reset_links_are_single_use_short_lived_and_end_all_sessions() {
    let app = TestApp::demo().await;
    let me = app.member("r@example.jp").await;
    let s = app.shopper();
    let known = s
        .submit("/account/password/forgot", &[("email", "r@example.jp")])
        .await;
    let unknown = s
        .submit("/account/password/forgot", &[("email", "x@example.jp")])
        .await;
    assert_eq!(comparable(&known), comparable(&unknown));
    app.shop.jobs().run_due_jobs().await.unwrap();
    let link = app.link_in_mail("r@example.jp", "/account/password/reset?t=");
    assert!(!app.mails().iter().any(|m| m.contains("To: x@example.jp")));

    let form = s.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    let token = form.hidden("t");
    let weak = s
        .submit(
            "/account/password/reset",
            &[("t", &token), ("password", "password")],
        )
        .await;
    assert_eq!(
        weak.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a weak password keeps the link"
    );
    let new = "copper meadow after rain";
    let done = s
        .submit(
            "/account/password/reset",
            &[("t", &token), ("password", new)],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(
        me.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "sessions ended"
    );
    let again = s
        .submit(
            "/account/password/reset",
            &[("t", &token), ("password", "another fine phrase")],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "single use");
    assert_eq!(
        s.login("r@example.jp", new).await.status,
        StatusCode::SEE_OTHER
    );

    // A second link expires after 30 minutes.
    s.submit("/account/password/forgot", &[("email", "r@example.jp")])
        .await;
    app.shop.jobs().run_due_jobs().await.unwrap();
    let late = app.link_in_mail("r@example.jp", "/account/password/reset?t=");
    assert_ne!(late, link);
    app.clock.advance(Duration::minutes(31));
    assert_eq!(s.get(&late).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(events_of(&app, events::PASSWORD_RESET).await.len(), 1);
}

/// CCSG-F-3c / IPA-C-11: changing the e-mail address needs the current password and the new
/// address's confirmation; the old address is told; a tampered link changes nothing; a taken
/// address is not revealed.
#[tokio::test]
async fn changing_the_email_needs_reauthentication_confirmation_and_tells_the_old_address() {
    let app = TestApp::demo().await;
    let me = app.member("old@example.jp").await;
    app.member("taken@example.jp").await;
    let wrong = me
        .submit(
            "/account/email",
            &[
                ("email", "new@example.jp"),
                ("current_password", "not it at all"),
            ],
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "re-authentication"
    );
    let sent = me
        .submit(
            "/account/email",
            &[
                ("email", "new@example.jp"),
                ("current_password", MEMBER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK);
    let taken = me
        .submit(
            "/account/email",
            &[
                ("email", "taken@example.jp"),
                ("current_password", MEMBER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        comparable(&taken),
        comparable(&sent),
        "a taken address looks the same"
    );
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(!app
        .mails()
        .iter()
        .any(|m| m.contains("To: taken@example.jp") && m.contains("変更する申し込み")));
    let link = app.link_in_mail("new@example.jp", "/account/email/confirm?");
    let form = me.get(&link).await;
    let (c, e, n) = (form.hidden("c"), form.hidden("e"), form.hidden("n"));
    assert_eq!(e, "new@example.jp");
    // The address in the link is bound to it: another address does not go through.
    let tampered = me
        .submit(
            "/account/email/confirm",
            &[("c", &c), ("e", "attacker@example.com"), ("n", &n)],
        )
        .await;
    assert_eq!(tampered.status, StatusCode::BAD_REQUEST);
    assert!(app
        .store
        .customer_by_email("attacker@example.com")
        .await
        .unwrap()
        .is_none());
    let done = me
        .submit("/account/email/confirm", &[("c", &c), ("e", &e), ("n", &n)])
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(app
        .store
        .customer_by_email("old@example.jp")
        .await
        .unwrap()
        .is_none());
    assert!(app
        .store
        .customer_by_email("new@example.jp")
        .await
        .unwrap()
        .is_some());
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(
        app.mails()
            .iter()
            .any(|m| m.contains("To: old@example.jp")
                && m.contains("new@example.jp に変更されました"))
    );
    let again = me
        .submit("/account/email/confirm", &[("c", &c), ("e", &e), ("n", &n)])
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "single use");
    assert_eq!(events_of(&app, events::EMAIL_CHANGED).await.len(), 1);
    let fresh = app.shopper();
    assert_eq!(
        fresh.login("new@example.jp", MEMBER_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}
