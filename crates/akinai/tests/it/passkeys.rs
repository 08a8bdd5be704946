//! IPA-C-10 (accounts issue, item 5): passkeys over real HTTP with a software authenticator
//! shaped like a platform passkey provider — adding one needs the password and a challenge made
//! for this member; a passkey alone logs in; replays, other origins, other challenges, unknown
//! credentials and cloned authenticators are refused like a wrong password. And the shop's
//! second-factor policy: "required" sends members without a factor to set one up, "on risk"
//! asks on a new browser or network (a mailed code for members without a factor).

use akinai_webauthn::soft::{client_data, Authenticator};
use akinai_webauthn::{b64url, from_b64url, AssertionResponse};
use reqwest::StatusCode;
use serde_json::Value;

use akinai_core::accounts::events;
use akinai_domain::settings::SecondFactorPolicy;

use crate::accounts::events_of;
use crate::support::{Page, Shopper, TestApp, MEMBER_PASSWORD};

const ORIGIN: &str = "https://shop.example.jp";

fn challenge_of(page: &Page, attr: &str) -> (Value, Vec<u8>) {
    let options: Value = serde_json::from_str(&page.attr(attr)).unwrap();
    let challenge = from_b64url(options["challenge"].as_str().unwrap()).unwrap();
    (options, challenge)
}

/// Adds a passkey for the logged-in `member` from a fresh authenticator.
async fn add_passkey(member: &Shopper, password: &str) -> (Authenticator, Page) {
    let page = member.get("/account/passkeys").await;
    assert_eq!(page.status, StatusCode::OK);
    let (options, challenge) = challenge_of(&page, "data-passkey-create");
    assert_eq!(options["rp"]["id"], "shop.example.jp");
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(options["attestation"], "none");
    let user = from_b64url(options["user"]["id"].as_str().unwrap()).unwrap();
    let mut a = Authenticator::new("shop.example.jp");
    let r = a.create(ORIGIN, &challenge, &user);
    let done = member
        .submit(
            "/account/passkeys",
            &[
                ("passkey_name", "私の iPhone"),
                ("current_password", password),
                ("client_data", &b64url(&r.client_data_json)),
                ("attestation", &b64url(&r.attestation_object)),
            ],
        )
        .await;
    (a, done)
}

/// The login page's passkey challenge.
async fn login_challenge(shopper: &Shopper) -> Vec<u8> {
    let page = shopper.get("/account/login").await;
    let (options, challenge) = challenge_of(&page, "data-passkey-get");
    assert_eq!(options["rpId"], "shop.example.jp");
    assert_eq!(options["userVerification"], "required");
    challenge
}

async fn post_assertion(shopper: &Shopper, r: &AssertionResponse) -> Page {
    shopper
        .submit(
            "/account/login/passkey",
            &[
                ("credential_id", &b64url(&r.credential_id)),
                ("client_data", &b64url(&r.client_data_json)),
                ("authenticator_data", &b64url(&r.authenticator_data)),
                ("signature", &b64url(&r.signature)),
                (
                    "user_handle",
                    &b64url(r.user_handle.as_deref().unwrap_or_default()),
                ),
                ("next", "/account"),
            ],
        )
        .await
}

#[tokio::test]
async fn ipa_c_10_a_passkey_is_added_with_the_password_and_then_logs_in_alone() {
    let app = TestApp::demo().await;
    let me = app.member("passkey@example.jp").await;
    let (_, refused) = add_passkey(&me, "not my password at all").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (mut key, added) = add_passkey(&me, MEMBER_PASSWORD).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let list = me.get("/account/passkeys").await;
    assert!(list.body.contains("私の iPhone"), "{}", list.body);
    assert_eq!(events_of(&app, events::FACTOR_ADDED).await.len(), 1);
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(
        app.mails()
            .iter()
            .any(|m| m.contains("To: passkey@example.jp") && m.contains("2 段階認証")),
        "the account is told"
    );

    // Another browser, from another network: the passkey alone logs in.
    let phone = app.shopper_from("198.51.100.7");
    let challenge = login_challenge(&phone).await;
    let assertion = key.get(ORIGIN, &challenge);
    let done = post_assertion(&phone, &assertion).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/account");
    let page = phone.get("/account").await;
    assert!(page.body.contains("passkey@example.jp"));
    let customer = app
        .store
        .customer_by_email("passkey@example.jp")
        .await
        .unwrap()
        .unwrap();
    let stored = app.store.passkeys(customer.id).await.unwrap();
    assert!(stored[0].last_used_at.is_some());

    // The same assertion again (a replay) is refused, like a wrong password.
    let again = app.shopper_from("198.51.100.8");
    let replay = post_assertion(&again, &assertion).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(again.cookie("sid").is_none());
}

#[tokio::test]
async fn ipa_c_10_passkey_logins_from_other_origins_challenges_or_keys_are_refused() {
    let app = TestApp::demo().await;
    let me = app.member("strict@example.jp").await;
    let (mut key, added) = add_passkey(&me, MEMBER_PASSWORD).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let s = app.shopper_from("198.51.100.20");

    // A phishing page relaying our challenge: its origin is in the signed client data.
    let challenge = login_challenge(&s).await;
    let phished = key.get("https://shop-example.jp.phish.example", &challenge);
    assert_eq!(
        post_assertion(&s, &phished).await.status,
        StatusCode::UNAUTHORIZED
    );

    // A challenge the shop never issued.
    let made_up = key.get(ORIGIN, &[7u8; 40]);
    assert_eq!(
        post_assertion(&s, &made_up).await.status,
        StatusCode::UNAUTHORIZED
    );

    // A registration challenge is not a login challenge.
    let reg_page = me.get("/account/passkeys").await;
    let (_, reg_challenge) = challenge_of(&reg_page, "data-passkey-create");
    let wrong_kind = key.sign(client_data("webauthn.get", &reg_challenge, ORIGIN));
    assert_eq!(
        post_assertion(&s, &wrong_kind).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Another key claiming the registered credential id.
    let mut impostor = Authenticator::new("shop.example.jp");
    impostor.credential_id = key.credential_id.clone();
    impostor.user_handle = key.user_handle.clone();
    let challenge = login_challenge(&s).await;
    let forged = impostor.get(ORIGIN, &challenge);
    assert_eq!(
        post_assertion(&s, &forged).await.status,
        StatusCode::UNAUTHORIZED
    );

    // An authenticator that did not verify the user (no fingerprint, no PIN).
    key.flags = akinai_webauthn::Flags::UP;
    let challenge = login_challenge(&s).await;
    let unverified = key.get(ORIGIN, &challenge);
    assert_eq!(
        post_assertion(&s, &unverified).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(s.cookie("sid").is_none(), "no session from any of these");
    assert_eq!(events_of(&app, events::LOGIN_FAILED).await.len(), 5);
}

#[tokio::test]
async fn ipa_c_10_a_cloned_authenticator_is_refused_and_raises_an_alert() {
    let app = TestApp::demo().await;
    let me = app.member("clone@example.jp").await;
    let (mut key, added) = add_passkey(&me, MEMBER_PASSWORD).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    key.counter = Some(10);
    let s = app.shopper_from("198.51.100.30");
    let challenge = login_challenge(&s).await;
    let first = post_assertion(&s, &key.get(ORIGIN, &challenge)).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    // A copy of the key still at an older counter value.
    key.counter = Some(5);
    let copy = app.shopper_from("203.0.113.99");
    let challenge = login_challenge(&copy).await;
    let cloned = post_assertion(&copy, &key.get(ORIGIN, &challenge)).await;
    assert_eq!(cloned.status, StatusCode::UNAUTHORIZED);
    assert_eq!(events_of(&app, events::PASSKEY_CLONED).await.len(), 1);
}

#[tokio::test]
async fn sws_11_a_member_cannot_use_another_members_registration_challenge_or_remove_their_passkey()
{
    let app = TestApp::demo().await;
    let a = app.member("a-pk@example.jp").await;
    let b = app.member("b-pk@example.jp").await;
    // b registers with a challenge made for a.
    let page = a.get("/account/passkeys").await;
    let (options, challenge) = challenge_of(&page, "data-passkey-create");
    let user = from_b64url(options["user"]["id"].as_str().unwrap()).unwrap();
    let mut key = Authenticator::new("shop.example.jp");
    let r = key.create(ORIGIN, &challenge, &user);
    let stolen = b
        .submit(
            "/account/passkeys",
            &[
                ("current_password", MEMBER_PASSWORD),
                ("client_data", &b64url(&r.client_data_json)),
                ("attestation", &b64url(&r.attestation_object)),
            ],
        )
        .await;
    assert_eq!(stolen.status, StatusCode::UNPROCESSABLE_ENTITY);
    // a's own passkey cannot be removed by b.
    let (_, added) = add_passkey(&a, MEMBER_PASSWORD).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let ca = app
        .store
        .customer_by_email("a-pk@example.jp")
        .await
        .unwrap()
        .unwrap();
    let id = app.store.passkeys(ca.id).await.unwrap()[0].id.to_string();
    let removed = b
        .submit(
            "/account/passkeys/delete",
            &[("id", &id), ("current_password", MEMBER_PASSWORD)],
        )
        .await;
    assert_eq!(removed.status, StatusCode::NOT_FOUND);
    assert_eq!(app.store.passkeys(ca.id).await.unwrap().len(), 1);
    // a removes it with the password.
    let no_password = a
        .submit(
            "/account/passkeys/delete",
            &[("id", &id), ("current_password", "x")],
        )
        .await;
    assert_eq!(no_password.status, StatusCode::UNPROCESSABLE_ENTITY);
    let gone = a
        .submit(
            "/account/passkeys/delete",
            &[("id", &id), ("current_password", MEMBER_PASSWORD)],
        )
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(app.store.passkeys(ca.id).await.unwrap().is_empty());
}

async fn set_policy(app: &TestApp, policy: SecondFactorPolicy) {
    let mut settings = app.shop.storefront().settings().await.unwrap();
    settings.second_factor = policy;
    app.store.save_settings(&settings).await.unwrap();
}

#[tokio::test]
async fn ipa_c_10_policy_required_sends_members_without_a_factor_to_set_one_up() {
    let app = TestApp::demo().await;
    let me = app.member("must@example.jp").await;
    set_policy(&app, SecondFactorPolicy::Required).await;
    for path in [
        "/account",
        "/account/addresses",
        "/account/profile",
        "/checkout",
    ] {
        let page = me.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location(), "/account/passkeys?setup=1", "{path}");
    }
    let setup = me.get("/account/passkeys?setup=1").await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(setup
        .body
        .contains("2 段階認証(認証アプリまたはパスキー)の設定が必要"));
    let (_, added) = add_passkey(&me, MEMBER_PASSWORD).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert_eq!(me.get("/account").await.status, StatusCode::OK);
    // With a factor, a password alone no longer makes a session.
    let other = app.shopper();
    let step = other.login("must@example.jp", MEMBER_PASSWORD).await;
    assert_eq!(step.location(), "/account/login/code");
    assert!(other.cookie("sid").is_none());
}

#[tokio::test]
async fn ipa_c_10_policy_on_risk_mails_a_code_for_a_new_network_and_not_for_a_known_one() {
    let app = TestApp::demo().await;
    let home = app.member("risk@example.jp").await;
    set_policy(&app, SecondFactorPolicy::OnRisk).await;
    // The same browser and network as before: no second step.
    let again = home.login("risk@example.jp", MEMBER_PASSWORD).await;
    assert_eq!(again.location(), "/account", "{}", again.body);

    // Another network and browser: a code goes to the account's address.
    let away = app.shopper_from("198.51.100.77");
    let step = away.login("risk@example.jp", MEMBER_PASSWORD).await;
    assert_eq!(step.location(), "/account/login/code?by=mail");
    assert!(away.cookie("sid").is_none());
    let page = away.get("/account/login/code?by=mail").await;
    assert!(page.body.contains("メールアドレスにお送りした"));
    app.shop.jobs().run_due_jobs().await.unwrap();
    let mail = app
        .mails()
        .into_iter()
        .rev()
        .find(|m| m.contains("To: risk@example.jp") && m.contains("確認コード"))
        .expect("a login code mail");
    let code: String = mail
        .split("確認コード: ")
        .nth(1)
        .unwrap()
        .chars()
        .take(6)
        .collect();
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{mail}");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let bad = away
        .submit("/account/login/code", &[("code", wrong), ("by", "mail")])
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    let ok = away.submit("/account/login/code", &[("code", &code)]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(away.cookie("sid").is_some());
    // The code was used up.
    let third = app.shopper_from("198.51.100.78");
    let step = third.login("risk@example.jp", MEMBER_PASSWORD).await;
    assert_eq!(step.location(), "/account/login/code?by=mail");
    let reuse = third
        .submit("/account/login/code", &[("code", &code)])
        .await;
    assert_eq!(reuse.status, StatusCode::UNAUTHORIZED);
}
