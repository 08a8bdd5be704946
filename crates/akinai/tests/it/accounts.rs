//! Customer accounts over real HTTP (accounts issue): registration with verification
//! (CCSG-F-3a), passwords (SWS-C2-5), login throttling and credential-stuffing blocks (IPA-C-7,
//! CCSG-F-3b), sessions (SWS-4), password change and reset with notifications (CCSG-F-3c,
//! IPA-C-11), security events (item 12).

use chrono::Duration;
use reqwest::StatusCode;

use akinai_core::accounts::events;

use crate::support::{test_now, Page, TestApp, MEMBER_PASSWORD};

pub(crate) async fn events_of(app: &TestApp, kind: &str) -> Vec<akinai_store::SecurityEvent> {
    app.store
        .security_events(kind, test_now() - Duration::days(30), 1000)
        .await
        .unwrap()
}

/// The page without the per-response values (CSRF token, challenge, CSP nonce), for comparing
/// two answers.
pub(crate) fn comparable(p: &Page) -> (StatusCode, String) {
    let mut body = p.body.clone();
    for marker in [
        "name=\"csrf\" value=\"",
        "name=\"challenge\" value=\"",
        "nonce=\"",
        "data-passkey-get=\"",
    ] {
        while let Some(i) = body.find(marker) {
            let start = i + marker.len();
            let end = start + body[start..].find('"').unwrap_or(0);
            body.replace_range(i..end, "x=\"");
        }
    }
    (p.status, body)
}

#[tokio::test]
async fn registration_needs_the_mailed_link_and_never_reveals_a_taken_address() {
    let app = TestApp::demo().await;
    let alice = app.shopper();
    let form = |email: &'static str| {
        [
            ("email", email),
            ("name", "山田 花子"),
            ("password", MEMBER_PASSWORD),
        ]
    };
    let first = alice
        .submit("/account/register", &form("hanako@example.jp"))
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("メールをご確認ください"));
    app.shop.jobs().run_due_jobs().await.unwrap();
    let link = app.link_in_mail("hanako@example.jp", "/account/verify?t=");

    // Before verification the member page says so.
    assert_eq!(
        alice
            .login("hanako@example.jp", MEMBER_PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(alice
        .get("/account")
        .await
        .body
        .contains("確認が済んでいません"));

    // Opening the link changes nothing (GET); its button does.
    let page = alice.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    let c = app
        .store
        .customer_by_email("hanako@example.jp")
        .await
        .unwrap()
        .unwrap();
    assert!(c.email_verified_at.is_none());
    let token = page.hidden("t");
    assert_eq!(
        alice
            .submit("/account/verify", &[("t", &token)])
            .await
            .status,
        StatusCode::OK
    );
    let c = app
        .store
        .customer_by_email("hanako@example.jp")
        .await
        .unwrap()
        .unwrap();
    assert!(c.email_verified_at.is_some());
    let again = alice.submit("/account/verify", &[("t", &token)]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "single use");

    // A second sign-up with the same address (different case, full-width) looks the same …
    let mallory = app.shopper();
    let second = mallory
        .submit("/account/register", &form("ＨＡＮＡＫＯ@example.jp"))
        .await;
    assert_eq!(comparable(&second), comparable(&first));
    // … creates nothing, and tells the owner instead.
    app.shop.jobs().run_due_jobs().await.unwrap();
    let notice = app
        .mails()
        .into_iter()
        .filter(|m| m.contains("To: hanako@example.jp"))
        .count();
    assert_eq!(notice, 2, "verification + notice to the owner");
    assert!(app
        .mails()
        .iter()
        .any(|m| m.contains("すでに会員登録されています")));
    assert_eq!(events_of(&app, events::REGISTER_DUPLICATE).await.len(), 1);
    assert_eq!(events_of(&app, events::REGISTERED).await.len(), 1);
    assert_eq!(events_of(&app, events::VERIFIED).await.len(), 1);
}

#[tokio::test]
async fn weak_or_personal_passwords_are_refused_with_a_reason() {
    let app = TestApp::demo().await;
    let s = app.shopper();
    for (password, message) in [
        ("short", "10 文字以上"),
        ("password1234", "推測されやすい"),
        (
            "yamada-lantern-river",
            "お名前・メールアドレス・ショップ名を含まない",
        ),
    ] {
        let page = s
            .submit(
                "/account/register",
                &[
                    ("email", "yamada@example.jp"),
                    ("name", "Yamada"),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        assert!(page.body.contains(message), "{password}: {}", page.body);
        assert!(
            !page.body.contains(password),
            "a refused password is not echoed back"
        );
    }
    assert!(app
        .store
        .customer_by_email("yamada@example.jp")
        .await
        .unwrap()
        .is_none());
    let ok = s
        .submit(
            "/account/register",
            &[
                ("email", "yamada@example.jp"),
                ("name", "Yamada"),
                ("password", MEMBER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let c = app
        .store
        .customer_by_email("yamada@example.jp")
        .await
        .unwrap()
        .unwrap();
    assert!(
        c.password_hash.starts_with("$argon2id$v=19$m="),
        "SWS-C2-5: {}",
        c.password_hash
    );
    assert!(!c.password_hash.contains(MEMBER_PASSWORD));
}

/// SWS-4: a new random session on login in a hardened cookie; a cookie set before login never
/// becomes a session; logout, idle and absolute timeouts end it on the server.
#[tokio::test]
async fn sessions_are_fresh_hardened_and_end_on_the_server() {
    let app = TestApp::demo().await;
    app.member("s@example.jp").await;
    let s = app.shopper_from("192.0.2.20");
    // Session fixation: a planted cookie value is not adopted.
    let planted = "a".repeat(64);
    s.jar.add_cookie_str(
        &format!("sid={planted}; Path=/"),
        &reqwest::Url::parse(&s.base).unwrap(),
    );
    let csrf_before = s.csrf().await;
    let login = s.login("s@example.jp", MEMBER_PASSWORD).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(login.location(), "/account");
    let set: Vec<String> = login
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let sid = set
        .iter()
        .find(|c| c.starts_with("sid="))
        .expect("a session cookie");
    assert!(sid.contains("HttpOnly") && sid.contains("SameSite=Lax") && sid.contains("Path=/"));
    let secret = s.cookie("sid").unwrap();
    assert_ne!(secret, planted);
    assert_eq!(secret.len(), 64, "256 random bits");
    assert_ne!(
        s.cookie("csrf").unwrap(),
        csrf_before,
        "CSRF token renewed on login"
    );
    assert!(!login.location().contains(&secret), "never in a URL");
    assert_eq!(s.get("/account").await.status, StatusCode::OK);

    // Logout revokes on the server: replaying the old cookie gets nothing.
    let replay = app.shopper();
    replay.jar.add_cookie_str(
        &format!("sid={secret}; Path=/"),
        &reqwest::Url::parse(&replay.base).unwrap(),
    );
    assert_eq!(replay.get("/account").await.status, StatusCode::OK);
    assert_eq!(
        s.submit("/account/logout", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(replay.get("/account").await.status, StatusCode::SEE_OTHER);
    assert_eq!(s.get("/account").await.status, StatusCode::SEE_OTHER);

    // Idle timeout (2 h) and absolute lifetime (14 days).
    s.login("s@example.jp", MEMBER_PASSWORD).await;
    app.clock.advance(Duration::minutes(119));
    assert_eq!(
        s.get("/account").await.status,
        StatusCode::OK,
        "used within 2 h"
    );
    app.clock.advance(Duration::minutes(121));
    assert_eq!(
        s.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "idle > 2 h"
    );
    s.login("s@example.jp", MEMBER_PASSWORD).await;
    for _ in 0..15 {
        app.clock.advance(Duration::days(1));
        let _ = s.get("/account").await;
    }
    assert_eq!(
        s.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "older than 14 days"
    );
    assert!(!events_of(&app, events::LOGOUT).await.is_empty());
}

#[tokio::test]
async fn sessions_are_listed_and_ended_per_device_or_everywhere() {
    let app = TestApp::demo().await;
    let phone = app.member("m@example.jp").await;
    let laptop = app.shopper_from("192.0.2.30");
    laptop.login("m@example.jp", MEMBER_PASSWORD).await;
    let list = phone.get("/account/sessions").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("192.0.2.30") && list.body.contains("Safari / iPhone"));
    assert!(list.body.contains("この端末"));
    // Someone else's session id ends nothing (SWS-11).
    let other = app.member("o@example.jp").await;
    let laptop_session = app
        .store
        .sessions(
            app.store
                .customer_by_email("m@example.jp")
                .await
                .unwrap()
                .unwrap()
                .id,
            test_now(),
            test_now() - Duration::hours(2),
        )
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.ip.as_deref() == Some("192.0.2.30"))
        .unwrap();
    let id = laptop_session.id.0.to_string();
    other
        .submit("/account/sessions/revoke", &[("session", &id)])
        .await;
    assert_eq!(laptop.get("/account").await.status, StatusCode::OK);
    phone
        .submit("/account/sessions/revoke", &[("session", &id)])
        .await;
    assert_eq!(laptop.get("/account").await.status, StatusCode::SEE_OTHER);
    // Everywhere, this device included.
    laptop.login("m@example.jp", MEMBER_PASSWORD).await;
    let all = phone.submit("/account/sessions/revoke-all", &[]).await;
    assert_eq!(all.status, StatusCode::SEE_OTHER);
    assert_eq!(laptop.get("/account").await.status, StatusCode::SEE_OTHER);
    assert_eq!(phone.get("/account").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        other.get("/account").await.status,
        StatusCode::OK,
        "other accounts untouched"
    );
}

/// SWS-5: what a customer types into their account shows as text on their pages.
#[tokio::test]
async fn account_data_renders_as_text() {
    let app = TestApp::demo().await;
    let s = app.shopper_from("192.0.2.99");
    let name = "<script>alert(1)</script>\"><img src=x>";
    let page = s
        .submit(
            "/account/register",
            &[
                ("email", "xss@example.jp"),
                ("name", name),
                ("password", MEMBER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    s.login("xss@example.jp", MEMBER_PASSWORD).await;
    // Address-book entries are member-controlled text too.
    let saved = s
        .submit(
            "/account/addresses",
            &[
                ("name", "山田 花子"),
                ("name_kana", "ヤマダ ハナコ"),
                ("phone", "090-1234-5678"),
                ("postal_code", "150-0001"),
                ("prefecture", "13"),
                ("city", "渋谷区"),
                ("line1", name),
                ("line2", "<svg onload=alert(2)>"),
                ("current_password", MEMBER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    for path in [
        "/account",
        "/account/sessions",
        "/account/addresses",
        "/account/profile",
    ] {
        let body = s.get(path).await.body;
        assert!(!body.contains("<script>alert(1)"), "{path}");
        assert!(!body.contains("<img src=x"), "{path}");
        assert!(!body.contains("<svg onload"), "{path}");
    }
    let body = s.get("/account").await.body;
    assert!(
        body.contains("alert(1)"),
        "the name is shown as text: {body}"
    );
}

/// Member checkout (accounts issue item 11): a verified member's order joins their history, the
/// next checkout starts from their last address, and a member sees only their own orders
/// (SWS-11: another member's order id answers 404). Guest checkout stays available.
#[tokio::test]
async fn members_check_out_into_their_history_and_see_only_their_own_orders() {
    let app = TestApp::demo().await;
    let me = app.member("buyer@example.jp").await;
    let sku = app.sku_named("本みりん").await;
    me.add(sku, "1").await;
    let form = me.get("/checkout").await;
    assert!(
        form.body.contains("value=\"buyer@example.jp\""),
        "prefilled e-mail"
    );
    assert!(form.body.contains("value=\"山田 花子\""), "prefilled name");
    assert_eq!(
        me.submit_details(&[("email", "buyer@example.jp"), ("city", "札幌市中央区")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let placed = me.place().await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
    let mine = app
        .store
        .customer_orders(
            app.store
                .customer_by_email("buyer@example.jp")
                .await
                .unwrap()
                .unwrap()
                .id,
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    let page = me.get("/account").await;
    assert!(page.body.contains(&mine[0].number()), "listed on my page");
    let own = me.get(&format!("/account/orders/{}", mine[0].id.0)).await;
    assert_eq!(own.status, StatusCode::SEE_OTHER);
    assert_eq!(own.location(), placed.location(), "to its status page");

    // The next checkout starts from the last address.
    me.add(sku, "1").await;
    assert!(me.get("/checkout").await.body.contains("札幌市中央区"));

    // Another member cannot reach it by id; a guest order is in nobody's history.
    let other = app.member("other@example.jp").await;
    assert_eq!(
        other
            .get(&format!("/account/orders/{}", mine[0].id.0))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(!other.get("/account").await.body.contains(&mine[0].number()));
    app.order_one("本みりん").await;
    let guest_order = mine[0].id.0 + 1;
    assert_eq!(
        me.get(&format!("/account/orders/{guest_order}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        me.get("/account/orders/abc").await.status,
        StatusCode::NOT_FOUND
    );
}

/// CCSG-F-3a: an account whose address is not verified orders as a guest.
#[tokio::test]
async fn an_unverified_account_orders_as_a_guest() {
    let app = TestApp::demo().await;
    let s = app.shopper();
    s.submit(
        "/account/register",
        &[
            ("email", "new@example.jp"),
            ("name", "新規"),
            ("password", MEMBER_PASSWORD),
        ],
    )
    .await;
    assert_eq!(
        s.login("new@example.jp", MEMBER_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    s.add(app.sku_named("本みりん").await, "1").await;
    s.submit_details(&[]).await;
    assert_eq!(s.place().await.status, StatusCode::SEE_OTHER);
    let id = app
        .store
        .customer_by_email("new@example.jp")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(app
        .store
        .customer_orders(id, None, 10)
        .await
        .unwrap()
        .is_empty());
}

/// Item 11: with guest checkout turned off in the shop settings, guests are sent to log in and
/// cannot place an order by posting directly; verified members order as usual.
#[tokio::test]
async fn a_members_only_shop_refuses_guest_orders() {
    let app = TestApp::demo().await;
    let guest = app.shopper();
    let sku = app.sku_named("本みりん").await;
    guest.add(sku, "1").await;
    assert_eq!(
        guest.submit_details(&[]).await.status,
        StatusCode::SEE_OTHER
    );
    let mut settings = app.shop.storefront().settings().await.unwrap();
    settings.guest_checkout = false;
    app.store.save_settings(&settings).await.unwrap();

    let page = guest.get("/checkout").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().starts_with("/account/login?next="));
    let confirm = guest.get("/checkout/confirm").await;
    let fingerprint = confirm.hidden("fingerprint");
    let stock_before = app.stock(sku).await;
    let placed = guest
        .submit("/checkout/confirm", &[("fingerprint", &fingerprint)])
        .await;
    assert_eq!(placed.status, StatusCode::FORBIDDEN);
    assert!(placed.body.contains("会員の方のみ"));
    assert_eq!(app.stock(sku).await, stock_before, "nothing reserved");
    assert!(app.mails().is_empty(), "no order, no mail");

    let member = app.member("only@example.jp").await;
    member.add(sku, "1").await;
    assert_eq!(member.get("/checkout").await.status, StatusCode::OK);
    assert_eq!(
        member
            .submit_details(&[("email", "only@example.jp")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(member.place().await.status, StatusCode::SEE_OTHER);
}
