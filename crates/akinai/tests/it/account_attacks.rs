//! Attacks on customer accounts over real HTTP (accounts issue): sign-up floods (CCSG-F-3a),
//! password guessing and credential stuffing (IPA-C-7, CCSG-F-3b), the self-hosted bot
//! challenge, new-device notices, and the TOTP second factor (IPA-C-10).

use chrono::Duration;
use reqwest::StatusCode;

use akinai_core::accounts::events;

use crate::support::{TestApp, MEMBER_PASSWORD};

use crate::accounts::{comparable, events_of};

#[tokio::test]
async fn one_source_is_limited_in_sign_ups() {
    let app = TestApp::demo().await;
    let s = app.shopper_from("203.0.113.50");
    for i in 0..10 {
        let email = format!("bot{i}@example.jp");
        let page = s
            .submit_solving(
                "/account/register",
                &[
                    ("email", &email),
                    ("name", "Bot"),
                    ("password", MEMBER_PASSWORD),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{i}: {}", page.body);
    }
    let page = s
        .submit_solving(
            "/account/register",
            &[
                ("email", "bot10@example.jp"),
                ("name", "Bot"),
                ("password", MEMBER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers.contains_key("retry-after"));
    assert!(app
        .store
        .customer_by_email("bot10@example.jp")
        .await
        .unwrap()
        .is_none());
    let other = app.shopper_from("203.0.113.51");
    let page = other
        .submit_solving(
            "/account/register",
            &[
                ("email", "human@example.jp"),
                ("name", "Human"),
                ("password", MEMBER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "another source is not affected"
    );
}

/// IPA-C-7: five failures slow an address down, ten lock it for 30 minutes — the same for an
/// address with an account and one without, and the right password does not get through a lock.
#[tokio::test]
async fn failures_slow_down_then_lock_the_same_for_known_and_unknown_addresses() {
    let app = TestApp::demo().await;
    app.member("victim@example.jp").await;
    let attacker = app.shopper_from("198.51.100.9");
    let mut answers = Vec::new();
    for email in ["victim@example.jp", "nobody@example.jp"] {
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(attacker.login(email, "wrong password here").await.status);
        }
        // The sixth try, right away, must wait.
        let waiting = attacker.login(email, MEMBER_PASSWORD).await;
        statuses.push(waiting.status);
        answers.push((statuses, comparable(&waiting).1.replace(email, "EMAIL")));
    }
    assert_eq!(
        answers[0], answers[1],
        "known and unknown addresses answer alike"
    );
    assert_eq!(answers[0].0[..5], [StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(answers[0].0[5], StatusCode::TOO_MANY_REQUESTS);

    // Waiting between tries, five more failures lock the account.
    for _ in 0..5 {
        app.clock.advance(Duration::seconds(61));
        assert_eq!(
            attacker
                .login("victim@example.jp", "wrong password here")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    app.clock.advance(Duration::seconds(61));
    let owner = app.shopper_from("192.0.2.77");
    assert_eq!(
        owner
            .login("victim@example.jp", MEMBER_PASSWORD)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked for everyone, whatever the source"
    );
    assert_eq!(events_of(&app, events::LOCKED).await.len(), 1);
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(app
        .mails()
        .iter()
        .any(|m| m.contains("To: victim@example.jp") && m.contains("30 分間ログインを制限")));
    app.clock.advance(Duration::minutes(30));
    assert_eq!(
        owner
            .login("victim@example.jp", MEMBER_PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER,
        "the lock ends after 30 minutes"
    );
    assert_eq!(events_of(&app, events::LOGIN_FAILED).await.len(), 15);
}

/// Credential stuffing: one source trying many addresses is blocked after 20 of them and an
/// alert is raised; the block holds even for a right password; other sources are not affected.
#[tokio::test]
async fn a_source_trying_many_accounts_is_blocked_and_alerts() {
    let app = TestApp::demo().await;
    app.member("real@example.jp").await;
    let bot = app.shopper_from("198.51.100.66");
    let mut first_block = None;
    for i in 0..25 {
        let page = bot
            .login(&format!("user{i}@example.jp"), "123456789abc")
            .await;
        if page.status == StatusCode::TOO_MANY_REQUESTS && first_block.is_none() {
            first_block = Some(i);
        }
    }
    assert_eq!(first_block, Some(20), "blocked once 20 addresses failed");
    assert_eq!(
        bot.login("real@example.jp", MEMBER_PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(events_of(&app, events::STUFFING).await.len(), 1);
    let human = app.shopper_from("192.0.2.10");
    assert_eq!(
        human.login("real@example.jp", MEMBER_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    app.clock.advance(Duration::minutes(61));
    assert_eq!(
        bot.login("real@example.jp", MEMBER_PASSWORD).await.status,
        StatusCode::SEE_OTHER,
        "the block ends after an hour"
    );
}

/// CCSG-F-3b: a login from a browser this account never used mails its owner the time, device
/// and address, with a link that ends exactly that session; known browsers stay quiet.
#[tokio::test]
async fn a_login_from_a_new_device_is_notified_with_a_link_to_end_it() {
    let app = TestApp::demo().await;
    let home = app.member("d@example.jp").await;
    let notices = |app: &TestApp| {
        app.mails()
            .into_iter()
            .filter(|m| m.contains("これまで使われていない端末"))
            .collect::<Vec<_>>()
    };
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(
        notices(&app).is_empty(),
        "the first login is not a new device"
    );
    home.submit("/account/logout", &[]).await;
    home.login("d@example.jp", MEMBER_PASSWORD).await;
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(notices(&app).is_empty(), "a known browser is quiet");

    let thief = app.shopper_from("203.0.113.200");
    assert_eq!(
        thief.login("d@example.jp", MEMBER_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    app.shop.jobs().run_due_jobs().await.unwrap();
    let mails = notices(&app);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: d@example.jp"));
    assert!(mails[0].contains("203.0.113.200") && mails[0].contains("Safari / iPhone"));
    assert!(
        mails[0].contains("2026-11-25 10:00"),
        "JST time: {}",
        mails[0]
    );
    let link = app.link_in_mail("d@example.jp", "/account/sessions/end?");

    // A forged link ends nothing; the real one ends the thief's session only.
    let owner = app.shopper();
    let page = owner.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    let (c, s) = (page.hidden("c"), page.hidden("s"));
    let forged = owner
        .submit(
            "/account/sessions/end",
            &[("c", &c), ("s", &s), ("t", &"0".repeat(64))],
        )
        .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert_eq!(thief.get("/account").await.status, StatusCode::OK);
    let t = page.hidden("t");
    let done = owner
        .submit("/account/sessions/end", &[("c", &c), ("s", &s), ("t", &t)])
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(thief.get("/account").await.status, StatusCode::SEE_OTHER);
    assert_eq!(home.get("/account").await.status, StatusCode::OK);
}

/// Asserts a response's status, showing the page's message when it differs (a failure in CI
/// then says which step and why).
fn expect(page: crate::support::Page, status: StatusCode, step: &str) {
    let text = page
        .body
        .get(..page.body.len().min(4000))
        .unwrap_or(&page.body);
    assert_eq!(page.status, status, "{step}: {text}");
}

/// IPA-C-7 (item 4): the self-hosted challenge switches on for a source that failed 10 logins; it must be
/// solved (proof of work, or the no-JavaScript wait), cannot be forged, reused or skipped.
#[tokio::test]
async fn a_failing_source_must_solve_the_challenge_which_cannot_be_forged_or_reused() {
    use crate::support::solve_page;
    let app = TestApp::demo().await;
    app.member("p@example.jp").await;
    let s = app.shopper_from("198.51.100.30");
    assert!(!s
        .get("/account/login")
        .await
        .body
        .contains("name=\"challenge\""));
    for i in 0..10 {
        let page = s
            .login(&format!("u{i}@example.jp"), "wrong password here")
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let form = s.get("/account/login").await;
    assert!(
        form.body.contains("name=\"challenge\""),
        "switched on for this source"
    );
    assert!(
        form.body.contains("<script src=\"/assets/pow-"),
        "with the first-party script"
    );
    assert!(
        form.body.contains("<noscript>"),
        "and the no-JavaScript fallback"
    );
    let creds = [("email", "p@example.jp"), ("password", MEMBER_PASSWORD)];

    // Without an answer, with a wrong one, with a forged difficulty: refused.
    expect(
        s.submit("/account/login", &creds).await,
        StatusCode::FORBIDDEN,
        "without an answer",
    );
    let (token, n) = solve_page(&form).unwrap();
    let wrong = (n.parse::<u64>().unwrap() + 1).to_string();
    let mut f = creds.to_vec();
    f.extend([("challenge", token.as_str()), ("solution", wrong.as_str())]);
    expect(
        s.submit("/account/login", &f).await,
        StatusCode::FORBIDDEN,
        "a wrong answer",
    );
    let forged = {
        let mut parts: Vec<&str> = token.split('.').collect();
        parts[2] = "0";
        parts.join(".")
    };
    let mut f = creds.to_vec();
    f.extend([("challenge", forged.as_str()), ("solution", "0")]);
    expect(
        s.submit("/account/login", &f).await,
        StatusCode::FORBIDDEN,
        "a forged difficulty",
    );

    // Solved: through; the same answer a second time: refused.
    let mut f = creds.to_vec();
    f.extend([("challenge", token.as_str()), ("solution", n.as_str())]);
    expect(
        s.submit("/account/login", &f).await,
        StatusCode::SEE_OTHER,
        "the right answer",
    );
    expect(
        s.submit("/account/login", &f).await,
        StatusCode::FORBIDDEN,
        "the same answer again",
    );

    // No JavaScript: waiting 10 seconds is the answer.
    let form = s.get("/account/login").await;
    let token = form.hidden("challenge");
    let mut f = creds.to_vec();
    f.extend([("challenge", token.as_str()), ("solution", "wait")]);
    expect(
        s.submit("/account/login", &f).await,
        StatusCode::FORBIDDEN,
        "the wait fallback too early",
    );
    app.clock.advance(Duration::seconds(10));
    expect(
        s.submit("/account/login", &f).await,
        StatusCode::SEE_OTHER,
        "the wait fallback after 10 s",
    );

    // Other sources are not asked.
    let other = app.shopper_from("192.0.2.31");
    assert!(!other
        .get("/account/login")
        .await
        .body
        .contains("name=\"challenge\""));
}

/// IPA-C-10: an authenticator-app second factor. Turning it on needs the password and a code;
/// afterwards a password alone never yields a session; codes are single use; recovery codes work
/// once; five wrong codes end the pending login; turning it off needs password and code.
#[tokio::test]
async fn totp_second_factor_guards_every_login_and_needs_reauthentication_to_change() {
    use akinai_core::accounts::totp::code_at;
    let app = TestApp::demo().await;
    let me = app.member("2fa@example.jp").await;
    let setup = me.get("/account/totp").await;
    assert!(setup.body.contains("<svg"), "QR code shown inline");
    let secret = setup.hidden("secret");
    let now = || akinai_core::Clock::now(app.clock.as_ref());
    let code = code_at(&secret, now()).unwrap();
    let wrong = me
        .submit(
            "/account/totp",
            &[
                ("secret", &secret),
                ("code", "000000"),
                ("current_password", MEMBER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_password = me
        .submit(
            "/account/totp",
            &[
                ("secret", &secret),
                ("code", &code),
                ("current_password", "nope nope nope"),
            ],
        )
        .await;
    assert_eq!(
        no_password.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "re-authentication"
    );
    let on = me
        .submit(
            "/account/totp",
            &[
                ("secret", &secret),
                ("code", &code),
                ("current_password", MEMBER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(on.status, StatusCode::OK);
    let recovery: Vec<String> = on
        .body
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(recovery.len(), 10);
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(app.mails().iter().any(
        |m| m.contains("To: 2fa@example.jp") && m.contains("2 段階認証の設定が変更されました")
    ));

    // A password alone is not enough.
    app.clock.advance(Duration::seconds(30));
    let s = app.shopper_from("192.0.2.50");
    let first = s.login("2fa@example.jp", MEMBER_PASSWORD).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(first.location(), "/account/login/code");
    assert!(
        s.cookie("sid").is_none(),
        "no session before the second factor"
    );
    assert_eq!(s.get("/account").await.status, StatusCode::SEE_OTHER);
    let bad = s.submit("/account/login/code", &[("code", "123456")]).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    let code = code_at(&secret, now()).unwrap();
    let good = s.submit("/account/login/code", &[("code", &code)]).await;
    assert_eq!(good.status, StatusCode::SEE_OTHER);
    assert_eq!(s.get("/account").await.status, StatusCode::OK);

    // The same code cannot be used twice.
    let t = app.shopper_from("192.0.2.51");
    t.login("2fa@example.jp", MEMBER_PASSWORD).await;
    assert_eq!(
        t.submit("/account/login/code", &[("code", &code)])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // A recovery code works once.
    assert_eq!(
        t.submit("/account/login/code", &[("code", &recovery[0])])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let u = app.shopper_from("192.0.2.52");
    u.login("2fa@example.jp", MEMBER_PASSWORD).await;
    assert_eq!(
        u.submit("/account/login/code", &[("code", &recovery[0])])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Five wrong codes end the pending login.
    for _ in 0..4 {
        u.submit("/account/login/code", &[("code", "999999")]).await;
    }
    app.clock.advance(Duration::seconds(60));
    let late = u
        .submit(
            "/account/login/code",
            &[("code", &code_at(&secret, now()).unwrap())],
        )
        .await;
    assert_eq!(late.status, StatusCode::SEE_OTHER);
    assert_eq!(late.location(), "/account/login", "start again");
    assert_eq!(u.get("/account").await.status, StatusCode::SEE_OTHER);

    // Turning it off needs the password and a code.
    app.clock.advance(Duration::seconds(30));
    let off = me
        .submit(
            "/account/totp/disable",
            &[("current_password", MEMBER_PASSWORD), ("code", "000000")],
        )
        .await;
    assert_eq!(off.status, StatusCode::UNPROCESSABLE_ENTITY);
    let off = me
        .submit(
            "/account/totp/disable",
            &[
                ("current_password", MEMBER_PASSWORD),
                ("code", &code_at(&secret, now()).unwrap()),
            ],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    let v = app.shopper_from("192.0.2.53");
    assert_eq!(
        v.login("2fa@example.jp", MEMBER_PASSWORD).await.location(),
        "/account"
    );
    assert_eq!(events_of(&app, events::FACTOR_ADDED).await.len(), 1);
    assert_eq!(events_of(&app, events::FACTOR_REMOVED).await.len(), 1);
}
