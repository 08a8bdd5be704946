//! The admin back office over real HTTP on its own listener (admin issue, items 1–4):
//! IPA-C-4 isolation and allow-list, CCSG-V-1 per-person accounts with a mandatory second factor
//! and lockout, SWS-11 roles, IPA-C-12 audit entries for each step.

use chrono::Duration;
use reqwest::StatusCode;

use akinai_core::accounts::totp::code_at;
use akinai_core::audit::AuditContext;
use akinai_domain::admin::AdminRole;

use crate::support::admin::{enrolled, login};
use crate::support::TestApp;

use crate::support::admin::ADMIN_PASSWORD as PASSWORD;

fn now(app: &TestApp) -> chrono::DateTime<chrono::Utc> {
    akinai_core::Clock::now(app.clock.as_ref())
}

#[tokio::test]
async fn ipa_c_4_the_admin_is_not_on_the_storefront_and_refuses_outsiders_before_routing() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    for path in ["/admin", "/admin/login", "/admin/enrol", "/admin/audit"] {
        assert_eq!(
            shopper.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let inside = app.admin_user(None);
    let form = inside.get("/admin/login").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"password\""));
    let outside = app.admin_user(Some("203.0.113.9"));
    for path in ["/admin/login", "/admin", "/admin/nothing-here"] {
        let refused = outside.get(path).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            !refused.body.contains("password"),
            "no login form for outsiders"
        );
    }
    let post = outside
        .post("/admin/login", &[("email", "x"), ("password", "y")])
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn ccsg_v_1_enrolment_requires_a_strong_password_and_an_authenticator() {
    let app = TestApp::demo().await;
    let link = app
        .shop
        .admin_accounts()
        .create_admin(
            "owner@example.jp",
            "店長",
            AdminRole::Owner,
            &AuditContext::cli("test"),
        )
        .await
        .unwrap();
    let b = app.admin_user(None);
    let page = b.get(&format!("/admin/enrol?t={link}")).await;
    let secret = page.attr("data-secret");
    let code = code_at(&secret, now(&app)).unwrap();
    let weak = b
        .submit(
            "/admin/enrol",
            &[("t", &link), ("password", "password1"), ("code", &code)],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_code = b
        .submit(
            "/admin/enrol",
            &[("t", &link), ("password", PASSWORD), ("code", "")],
        )
        .await;
    assert_eq!(no_code.status, StatusCode::UNPROCESSABLE_ENTITY);
    let admin = app
        .store
        .admin_by_email("owner@example.jp")
        .await
        .unwrap()
        .unwrap();
    assert!(
        admin.password_hash.is_none() && admin.totp.is_none(),
        "nothing set half-way"
    );
    let ok = b
        .submit(
            "/admin/enrol",
            &[("t", &link), ("password", PASSWORD), ("code", &code)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let again = b.get(&format!("/admin/enrol?t={link}")).await;
    assert_eq!(
        again.status,
        StatusCode::BAD_REQUEST,
        "the link is single use"
    );
    // A second admin with the same address cannot be made.
    assert!(app
        .shop
        .admin_accounts()
        .create_admin(
            "owner@example.jp",
            "x",
            AdminRole::Viewer,
            &AuditContext::cli("test")
        )
        .await
        .is_err());
}

#[tokio::test]
async fn ccsg_v_1_login_needs_password_and_code_and_ten_failures_lock_until_unlocked() {
    let app = TestApp::demo().await;
    let (b, secret) = enrolled(&app, "owner@example.jp", AdminRole::Owner).await;
    // Password without the code, or the code without the password: refused alike.
    b.get("/admin/login").await;
    let no_code = b
        .submit(
            "/admin/login",
            &[("email", "owner@example.jp"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(no_code.status, StatusCode::UNAUTHORIZED);
    let code = code_at(&secret, now(&app)).unwrap();
    let no_password = b
        .submit(
            "/admin/login",
            &[
                ("email", "owner@example.jp"),
                ("password", "wrong wrong wrong"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(no_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        crate::accounts::comparable(&no_password).1,
        crate::accounts::comparable(&no_code).1,
        "the same answer"
    );
    assert_eq!(
        b.get("/admin").await.status,
        StatusCode::SEE_OTHER,
        "no session"
    );
    assert_eq!(
        login(&app, &b, "owner@example.jp", &secret).await,
        StatusCode::SEE_OTHER
    );
    let dash = b.get("/admin").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.body.contains("管理 太郎"));

    // Ten failures in a row (the successful login reset the two above).
    let attacker = app.admin_user(None);
    attacker.get("/admin/login").await;
    for _ in 0..10 {
        let r = attacker
            .submit(
                "/admin/login",
                &[
                    ("email", "owner@example.jp"),
                    ("password", "guess guess guess"),
                    ("code", "123456"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let admin = app
        .store
        .admin_by_email("owner@example.jp")
        .await
        .unwrap()
        .unwrap();
    assert!(admin.locked_at.is_some(), "locked after 10");
    // Locked: right credentials no longer work, and the live session ends too.
    app.clock.advance(Duration::seconds(30));
    let other = app.admin_user(None);
    assert_eq!(
        login(&app, &other, "owner@example.jp", &secret).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(b.get("/admin").await.status, StatusCode::SEE_OTHER);
    assert!(app
        .shop
        .admin_accounts()
        .unlock_admin("owner@example.jp", &AuditContext::cli("owner2"))
        .await
        .unwrap());
    app.clock.advance(Duration::seconds(30));
    assert_eq!(
        login(&app, &other, "owner@example.jp", &secret).await,
        StatusCode::SEE_OTHER
    );
    let actions = app.audit_actions().await;
    for a in [
        "admin.create",
        "admin.enrol",
        "admin.login_failed",
        "admin.locked",
        "admin.unlock",
        "admin.login",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
    assert!(
        app.shop.audit().verify_audit(None).await.unwrap().is_ok(),
        "the chain holds"
    );
}

/// SWS-6: the admin's forms carry the CSRF token like the storefront's.
#[tokio::test]
async fn sws_6_admin_forms_without_the_csrf_token_are_refused() {
    let app = TestApp::demo().await;
    let b = app.admin_user(None);
    b.get("/admin/login").await;
    for path in ["/admin/login", "/admin/enrol"] {
        let r = b.post(path, &[("email", "owner@example.jp")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        let wrong = b.post(path, &[("csrf", &"0".repeat(64))]).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{path}");
    }
}

/// CCSG-V-1, SWS-11, item 10: owners manage admins from the admin pages — every change needs
/// the owner's password and a fresh code, the last owner stays an owner, a factor reset ends
/// the admin's sessions and sends them back through enrolment, nobody resets themselves, and
/// the account review lists unused accounts, accounts still without a factor, and role changes.
#[tokio::test]
async fn ccsg_v_1_owners_manage_admins_with_reauthentication_and_review_them() {
    let app = TestApp::demo().await;
    let (owner, os) = enrolled(&app, "owner@example.jp", AdminRole::Owner).await;
    let (staff, ss) = enrolled(&app, "staff@example.jp", AdminRole::Staff).await;
    enrolled(&app, "idle@example.jp", AdminRole::Viewer).await;
    assert_eq!(
        login(&app, &owner, "owner@example.jp", &os).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        login(&app, &staff, "staff@example.jp", &ss).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        staff.get("/admin/admins").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        staff.get("/admin/review").await.status,
        StatusCode::FORBIDDEN
    );
    let staff_id = app
        .store
        .admin_by_email("staff@example.jp")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let owner_id = app
        .store
        .admin_by_email("owner@example.jp")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let fresh = |app: &TestApp| {
        app.clock.advance(Duration::seconds(30));
        code_at(&os, now(app)).unwrap()
    };

    // Inviting needs the owner's password and code.
    let invite = |password: &'static str, code: String| {
        let owner = &owner;
        async move {
            owner
                .submit(
                    "/admin/admins",
                    &[
                        ("email", "new@example.jp"),
                        ("name", "新人"),
                        ("role", "viewer"),
                        ("password", password),
                        ("code", &code),
                    ],
                )
                .await
        }
    };
    let refused = invite("not my password", fresh(&app)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let invited = invite(PASSWORD, fresh(&app)).await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.body);
    assert!(invited
        .body
        .contains(&format!("http://{}/admin/enrol?t=", app.admin_addr)));

    // The last owner cannot be demoted.
    let code = fresh(&app);
    let last = owner
        .submit(
            "/admin/admins/role",
            &[
                ("id", &owner_id),
                ("role", "viewer"),
                ("password", PASSWORD),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(last.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Staff becomes manager; their session ends so the new role applies at once.
    let code = fresh(&app);
    let changed = owner
        .submit(
            "/admin/admins/role",
            &[
                ("id", &staff_id),
                ("role", "manager"),
                ("password", PASSWORD),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(staff.get("/admin").await.status, StatusCode::SEE_OTHER);
    // Resetting oneself is refused; resetting staff clears their factors.
    let code = fresh(&app);
    let selfreset = owner
        .submit(
            "/admin/admins/reset",
            &[("id", &owner_id), ("password", PASSWORD), ("code", &code)],
        )
        .await;
    assert_eq!(selfreset.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = fresh(&app);
    let reset = owner
        .submit(
            "/admin/admins/reset",
            &[("id", &staff_id), ("password", PASSWORD), ("code", &code)],
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK);
    assert!(reset.body.contains("/admin/enrol?t="));
    app.clock.advance(Duration::seconds(30));
    assert_eq!(
        login(&app, &staff, "staff@example.jp", &ss).await,
        StatusCode::UNAUTHORIZED,
        "old password and app no longer work"
    );

    // The review: the invited and the reset admin have no factor; the role change is listed;
    // after 91 days the owner (who logs in again) is used, the others are not.
    let review = owner.get("/admin/review").await;
    assert_eq!(review.status, StatusCode::OK);
    assert!(review.body.contains("new@example.jp") && review.body.contains("staff@example.jp"));
    assert!(
        review.body.contains(&format!("admin:{staff_id}")),
        "the role change is listed"
    );
    assert!(!review.body.contains("idle@example.jp"), "not unused yet");
    app.clock.advance(Duration::days(91));
    assert_eq!(
        login(&app, &owner, "owner@example.jp", &os).await,
        StatusCode::SEE_OTHER
    );
    let later = owner.get("/admin/review").await;
    let unused = later.body.split("review-unused").nth(1).unwrap_or_default();
    assert!(unused.contains("idle@example.jp"), "{}", later.body);
    assert!(!unused
        .split("</ul>")
        .next()
        .unwrap_or_default()
        .contains("owner@example.jp"));
    let actions = app.audit_actions().await;
    for a in ["admin.create", "admin.role_change", "admin.factor_reset"] {
        assert!(actions.iter().any(|x| x == a), "{a}: {actions:?}");
    }
    let change = app
        .store
        .audit_entries_of("admin.role_change", 10)
        .await
        .unwrap();
    assert!(
        change[0]
            .record
            .detail
            .contains(r#""before":{"role":"staff"}"#),
        "{:?}",
        change[0]
    );
}
