//! The customer pages over real HTTP (admin issue, item 7): the shop's lock on a suspected
//! takeover (CCSG-F-3b) ends every session and refuses every login until released; contact
//! data masked for staff and viewers, unmasked views audited (IPA-C-8, IPA-C-12); erasure on the customer's request needs the admin's
//! password and code and keeps the orders.

use chrono::Duration;
use reqwest::StatusCode;

use akinai_core::accounts::totp::code_at;
use akinai_domain::admin::AdminRole;

use crate::admin_orders::signed_in;
use crate::support::admin;
use crate::support::{TestApp, MEMBER_PASSWORD};

use crate::support::admin::ADMIN_PASSWORD as PASSWORD;

pub(crate) async fn customer_id(app: &TestApp, email: &str) -> i64 {
    app.store
        .customer_by_email(email)
        .await
        .unwrap()
        .unwrap()
        .id
        .0
}

#[tokio::test]
async fn ccsg_f_3b_a_locked_member_loses_every_session_and_cannot_log_in_until_unlocked() {
    let app = TestApp::demo().await;
    let member = app.member("lock-me@example.jp").await;
    assert_eq!(member.get("/account").await.status, StatusCode::OK);
    let id = customer_id(&app, "lock-me@example.jp").await;
    let manager = signed_in(&app, AdminRole::Manager).await;
    let path = format!("/admin/customers/{id}");
    let no_reason = manager
        .admin_post(&format!("{path}/lock"), &[("note", " ")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let locked = manager
        .admin_post(&format!("{path}/lock"), &[("note", "乗っ取りの疑い")])
        .await;
    assert_eq!(locked.status, StatusCode::SEE_OTHER, "{}", locked.body);
    assert_ne!(
        member.get("/account").await.status,
        StatusCode::OK,
        "the live session ended"
    );
    let again = app.shopper();
    assert_eq!(
        again
            .login("lock-me@example.jp", MEMBER_PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "the right password does not open a locked account"
    );
    assert!(manager.get(&path).await.body.contains("ロック中"));
    let unlocked = manager.admin_post(&format!("{path}/unlock"), &[]).await;
    assert_eq!(unlocked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        again
            .login("lock-me@example.jp", MEMBER_PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let lock = &app
        .store
        .audit_entries_of("customer.lock", 5)
        .await
        .unwrap()[0];
    assert!(lock.record.detail.contains("乗っ取りの疑い"));
    assert!(lock.record.detail.contains("\"sessions_ended\":1"));
    assert_eq!(
        app.store
            .audit_entries_of("customer.unlock", 5)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// IPA-C-8: staff and viewers see customers masked and cannot search by address or manage them.
#[tokio::test]
async fn ipa_c_8_staff_see_customers_masked_and_managers_views_are_audited() {
    let app = TestApp::demo().await;
    app.member("hanako.yamada@example.jp").await;
    let id = customer_id(&app, "hanako.yamada@example.jp").await;
    let staff = signed_in(&app, AdminRole::Staff).await;
    let list = staff.get("/admin/customers?email=hanako").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("h＊＊＊@example.jp") && list.body.contains("山＊＊"));
    assert!(!list.body.contains("hanako.yamada@") && !list.body.contains("山田 花子"));
    assert!(
        !list.body.contains("name=\"email\""),
        "no search by address"
    );
    let page = staff.get(&format!("/admin/customers/{id}")).await;
    assert!(!page.body.contains("hanako.yamada@") && !page.body.contains("/lock"));
    assert_eq!(
        staff
            .admin_post(&format!("/admin/customers/{id}/lock"), &[("note", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(app
        .store
        .audit_entries_of("personal_data.viewed", 5)
        .await
        .unwrap()
        .is_empty());
    let manager = signed_in(&app, AdminRole::Manager).await;
    let found = manager.get("/admin/customers?email=hanako").await;
    assert!(found.body.contains("hanako.yamada@example.jp"));
    let none = manager.get("/admin/customers?email=taro").await;
    assert!(!none.body.contains("hanako.yamada@example.jp"));
    let full = manager.get(&format!("/admin/customers/{id}")).await;
    assert!(full.body.contains("山田 花子"));
    let viewed = app
        .store
        .audit_entries_of("personal_data.viewed", 5)
        .await
        .unwrap();
    assert_eq!(viewed[0].record.target, format!("customer:{id}"));
}

/// Erasure on request: re-authentication first; personal data gone, orders kept, mail sent.
#[tokio::test]
async fn erasure_on_request_needs_the_admins_password_and_code_and_keeps_orders() {
    let app = TestApp::demo().await;
    let member = app.member("erase-me@example.jp").await;
    member.add(app.sku_named("本みりん").await, "1").await;
    member
        .submit_details(&[("delivery_date", ""), ("delivery_slot", "")])
        .await;
    assert_eq!(member.place().await.status, StatusCode::SEE_OTHER);
    let id = customer_id(&app, "erase-me@example.jp").await;
    let (owner, secret) = admin::signed_in(&app, "boss@example.jp", AdminRole::Owner).await;
    app.clock.advance(Duration::seconds(30));
    let path = format!("/admin/customers/{id}/erase");
    let now = akinai_core::Clock::now(app.clock.as_ref());
    let wrong = owner
        .admin_post(
            &path,
            &[
                ("note", "11/26 電話で退会の依頼"),
                ("password", "not my password at all"),
                ("code", &code_at(&secret, now).unwrap()),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app
        .store
        .customer_by_email("erase-me@example.jp")
        .await
        .unwrap()
        .is_some());
    let done = owner
        .admin_post(
            &path,
            &[
                ("note", "11/26 電話で退会の依頼"),
                ("password", PASSWORD),
                ("code", &code_at(&secret, now).unwrap()),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let c = app
        .store
        .customer(akinai_domain::ids::CustomerId(id))
        .await
        .unwrap()
        .unwrap();
    assert!(c.deleted_at.is_some() && c.name.is_empty());
    assert_eq!(
        app.store
            .customer_orders(c.id, None, 10)
            .await
            .unwrap()
            .len(),
        1,
        "orders are kept"
    );
    let erased = &app
        .store
        .audit_entries_of("customer.erased", 5)
        .await
        .unwrap()[0];
    assert!(erased.record.detail.contains("電話で退会の依頼"));
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(app.mails().iter().any(
        |m| m.contains("To: erase-me@example.jp") && m.contains("会員アカウントを削除しました")
    ));
    assert!(owner
        .get(&format!("/admin/customers/{id}"))
        .await
        .body
        .contains("退会済み"));
}
