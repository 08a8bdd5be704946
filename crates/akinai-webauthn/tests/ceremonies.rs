//! Both ceremonies end to end against the software authenticator, and each way an attacker or a
//! broken authenticator can get them wrong (IPA-C-10).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use akinai_webauthn::soft::{client_data, Authenticator};
use akinai_webauthn::{
    verify_assertion, verify_registration, Error, Flags, NewCredential, RelyingParty,
    StoredCredential,
};

fn rp() -> RelyingParty {
    RelyingParty::for_base_url(&url::Url::parse("https://shop.example.jp/").unwrap()).unwrap()
}

fn registered() -> (Authenticator, NewCredential) {
    let mut a = Authenticator::new("shop.example.jp");
    let r = a.create("https://shop.example.jp", b"register-challenge", b"user-1");
    let c = verify_registration(
        &rp(),
        b"register-challenge",
        &r.client_data_json,
        &r.attestation_object,
    )
    .unwrap();
    (a, c)
}

fn stored(c: &NewCredential, count: u32) -> StoredCredential<'_> {
    StoredCredential {
        id: &c.id,
        public_key: &c.public_key,
        sign_count: count,
        user_handle: b"user-1",
    }
}

#[test]
fn the_rp_is_the_base_url_host_and_origin() {
    let rp = rp();
    assert_eq!(rp.id, "shop.example.jp");
    assert_eq!(rp.origin, "https://shop.example.jp");
    let local =
        RelyingParty::for_base_url(&url::Url::parse("http://localhost:8080/x").unwrap()).unwrap();
    assert_eq!(local.origin, "http://localhost:8080");
    assert_eq!(
        RelyingParty::for_base_url(&url::Url::parse("http://127.0.0.1:8080").unwrap()),
        None
    );
}

#[test]
fn registration_then_login_verifies() {
    let (mut a, c) = registered();
    assert_eq!(c.id, a.credential_id);
    assert!(c.backup_eligible && c.backed_up);
    let response = a.get("https://shop.example.jp", b"login-challenge");
    let v = verify_assertion(&rp(), b"login-challenge", stored(&c, 0), &response).unwrap();
    assert_eq!(v.sign_count, 0);
}

#[test]
fn registration_refuses_other_challenges_origins_rps_and_unverified_users() {
    let mut a = Authenticator::new("shop.example.jp");
    let r = a.create("https://shop.example.jp", b"one", b"u");
    assert_eq!(
        verify_registration(&rp(), b"two", &r.client_data_json, &r.attestation_object).unwrap_err(),
        Error::WrongChallenge
    );
    let r = a.create("https://phish.example", b"one", b"u");
    assert!(matches!(
        verify_registration(&rp(), b"one", &r.client_data_json, &r.attestation_object),
        Err(Error::WrongOrigin(_))
    ));
    let mut other = Authenticator::new("phish.example");
    let r = other.create("https://shop.example.jp", b"one", b"u");
    assert_eq!(
        verify_registration(&rp(), b"one", &r.client_data_json, &r.attestation_object).unwrap_err(),
        Error::WrongRp
    );
    a.flags = Flags::UP;
    let r = a.create("https://shop.example.jp", b"one", b"u");
    assert_eq!(
        verify_registration(&rp(), b"one", &r.client_data_json, &r.attestation_object).unwrap_err(),
        Error::UserNotVerified
    );
    // An assertion's client data is not a registration.
    let mut a = Authenticator::new("shop.example.jp");
    let r = a.create("https://shop.example.jp", b"one", b"u");
    let get = client_data("webauthn.get", b"one", "https://shop.example.jp");
    assert_eq!(
        verify_registration(&rp(), b"one", &get, &r.attestation_object).unwrap_err(),
        Error::WrongType("webauthn.create")
    );
}

#[test]
fn assertions_signed_by_another_key_or_tampered_are_refused() {
    let (mut a, c) = registered();
    let mut impostor = Authenticator::new("shop.example.jp");
    impostor.credential_id = a.credential_id.clone();
    impostor.user_handle = b"user-1".to_vec();
    let forged = impostor.get("https://shop.example.jp", b"ch");
    assert_eq!(
        verify_assertion(&rp(), b"ch", stored(&c, 0), &forged).unwrap_err(),
        Error::BadSignature
    );
    let mut tampered = a.get("https://shop.example.jp", b"ch");
    tampered.authenticator_data[32] |= 0x02; // flip a reserved flag bit after signing
    assert_eq!(
        verify_assertion(&rp(), b"ch", stored(&c, 0), &tampered).unwrap_err(),
        Error::BadSignature
    );
    let mut truncated = a.get("https://shop.example.jp", b"ch");
    truncated.signature.truncate(10);
    assert_eq!(
        verify_assertion(&rp(), b"ch", stored(&c, 0), &truncated).unwrap_err(),
        Error::BadSignature
    );
}

#[test]
fn assertions_for_another_page_challenge_or_user_are_refused() {
    let (mut a, c) = registered();
    let phished = a.get("https://shop-example.jp.phish.example", b"ch");
    assert!(matches!(
        verify_assertion(&rp(), b"ch", stored(&c, 0), &phished),
        Err(Error::WrongOrigin(_))
    ));
    let replay = a.get("https://shop.example.jp", b"old");
    assert_eq!(
        verify_assertion(&rp(), b"new", stored(&c, 0), &replay).unwrap_err(),
        Error::WrongChallenge
    );
    let mut wrong_user = a.get("https://shop.example.jp", b"ch");
    wrong_user.user_handle = Some(b"user-2".to_vec());
    assert_eq!(
        verify_assertion(&rp(), b"ch", stored(&c, 0), &wrong_user).unwrap_err(),
        Error::WrongCredential
    );
    a.flags = Flags::UP;
    let unverified = a.get("https://shop.example.jp", b"ch");
    assert_eq!(
        verify_assertion(&rp(), b"ch", stored(&c, 0), &unverified).unwrap_err(),
        Error::UserNotVerified
    );
}

#[test]
fn a_counter_that_goes_back_reveals_a_clone() {
    let (mut a, c) = registered();
    a.counter = Some(10);
    let first = a.get("https://shop.example.jp", b"ch");
    let v = verify_assertion(&rp(), b"ch", stored(&c, 5), &first).unwrap();
    assert_eq!(v.sign_count, 11);
    a.counter = Some(3);
    let cloned = a.get("https://shop.example.jp", b"ch");
    assert_eq!(
        verify_assertion(&rp(), b"ch", stored(&c, 11), &cloned).unwrap_err(),
        Error::CounterWentBack {
            stored: 11,
            seen: 4
        }
    );
}
