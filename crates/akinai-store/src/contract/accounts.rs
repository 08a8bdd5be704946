//! Contract cases: customer accounts, sessions, one-time tokens, throttling counters.

use super::*;

use crate::{throttle, NewCustomer, NewSession, TOKEN_RESET_PASSWORD, TOKEN_VERIFY_EMAIL};

pub(super) fn new_customer(email: &str) -> NewCustomer {
    NewCustomer {
        email: email.into(),
        name: "山田 花子".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: t0(),
    }
}

pub(super) async fn customers_are_unique_by_email(store: Arc<dyn Store>) {
    let id = store
        .create_customer(&new_customer("hanako@example.jp"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .create_customer(&new_customer("hanako@example.jp"))
            .await
            .unwrap(),
        None,
        "a taken address creates nothing"
    );
    let c = store.customer(id).await.unwrap().unwrap();
    assert_eq!(c.email, "hanako@example.jp");
    assert_eq!(c.name, "山田 花子");
    assert_eq!(c.email_verified_at, None);
    assert_eq!(c.created_at, t0());
    assert_eq!(
        store.customer_by_email("hanako@example.jp").await.unwrap(),
        Some(c)
    );
    assert!(store
        .customer_by_email("nobody@example.jp")
        .await
        .unwrap()
        .is_none());
    let other = store
        .create_customer(&new_customer("taken@example.jp"))
        .await
        .unwrap()
        .unwrap();
    assert!(!store
        .set_customer_email(id, "taken@example.jp")
        .await
        .unwrap());
    assert!(store
        .set_customer_email(id, "new@example.jp")
        .await
        .unwrap());
    assert_eq!(
        store
            .customer_by_email("new@example.jp")
            .await
            .unwrap()
            .map(|c| c.id),
        Some(id)
    );
    assert!(store
        .set_customer_email(id, "hanako@example.jp")
        .await
        .unwrap());
    assert_ne!(other, id);
    store.mark_email_verified(id, t0()).await.unwrap();
    store
        .mark_email_verified(id, t0() + Duration::hours(1))
        .await
        .unwrap();
    store.set_password_hash(id, "$argon2id$new").await.unwrap();
    store.record_login(id, t0()).await.unwrap();
    let c = store.customer(id).await.unwrap().unwrap();
    assert_eq!(
        c.email_verified_at,
        Some(t0()),
        "the first verification counts"
    );
    assert_eq!(c.password_hash, "$argon2id$new");
    assert_eq!(c.last_login_at, Some(t0()));
}

pub(super) async fn account_tokens_are_single_use_and_expire(store: Arc<dyn Store>) {
    let id = store
        .create_customer(&new_customer("a@example.jp"))
        .await
        .unwrap()
        .unwrap();
    let later = t0() + Duration::hours(1);
    store
        .create_account_token(id, TOKEN_VERIFY_EMAIL, &token(1), later)
        .await
        .unwrap();
    store
        .create_account_token(id, TOKEN_RESET_PASSWORD, &token(2), later)
        .await
        .unwrap();
    assert_eq!(
        store
            .take_account_token(TOKEN_RESET_PASSWORD, &token(1), t0())
            .await
            .unwrap(),
        None,
        "a token works only for its purpose"
    );
    assert_eq!(
        store
            .take_account_token(TOKEN_VERIFY_EMAIL, &token(1), t0())
            .await
            .unwrap(),
        Some(id)
    );
    assert_eq!(
        store
            .take_account_token(TOKEN_VERIFY_EMAIL, &token(1), t0())
            .await
            .unwrap(),
        None,
        "single use"
    );
    assert_eq!(
        store
            .take_account_token(TOKEN_RESET_PASSWORD, &token(2), later)
            .await
            .unwrap(),
        None,
        "expired"
    );
}

pub(super) async fn sessions_expire_idle_out_and_are_revoked_per_owner(store: Arc<dyn Store>) {
    let a = store
        .create_customer(&new_customer("a@example.jp"))
        .await
        .unwrap()
        .unwrap();
    let b = store
        .create_customer(&new_customer("b@example.jp"))
        .await
        .unwrap()
        .unwrap();
    let session = |n, who| NewSession {
        token: token(n),
        customer_id: who,
        created_at: t0(),
        expires_at: t0() + Duration::days(7),
        ip: Some("192.0.2.1".into()),
        user_agent: "Mozilla/5.0".into(),
        device: Some(token(100 + n)),
    };
    let s1 = store.create_session(&session(1, a)).await.unwrap();
    let s2 = store.create_session(&session(2, a)).await.unwrap();
    let s3 = store.create_session(&session(3, b)).await.unwrap();
    assert!(store.customer_knows_device(a, &token(101)).await.unwrap());
    assert!(
        !store.customer_knows_device(b, &token(101)).await.unwrap(),
        "per customer"
    );
    assert!(!store.customer_knows_device(a, &token(999)).await.unwrap());
    assert_eq!(store.session_count(a).await.unwrap(), 2);
    let found = store
        .session_by_token(&token(1), t0(), t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, found.customer_id), (s1, a));
    assert_eq!(found.ip.as_deref(), Some("192.0.2.1"));
    // Idle: not seen since the cutoff.
    let hour = t0() + Duration::hours(1);
    assert!(store
        .session_by_token(&token(1), hour, hour - Duration::minutes(30))
        .await
        .unwrap()
        .is_none());
    store.touch_session(s1, hour).await.unwrap();
    assert!(store
        .session_by_token(&token(1), hour, hour - Duration::minutes(30))
        .await
        .unwrap()
        .is_some());
    // Absolute expiry.
    let week = t0() + Duration::days(7);
    assert!(store
        .session_by_token(&token(1), week, t0())
        .await
        .unwrap()
        .is_none());
    // Listing, newest seen first.
    let listed = store.sessions(a, hour, t0()).await.unwrap();
    assert_eq!(
        listed.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![s1, s2]
    );
    // Another customer's session id revokes nothing (SWS-11).
    assert!(!store.revoke_session(b, s1, hour).await.unwrap());
    assert!(store.revoke_session(a, s2, hour).await.unwrap());
    assert!(store
        .session_by_token(&token(2), hour, t0())
        .await
        .unwrap()
        .is_none());
    // Everywhere but here.
    let s4 = store.create_session(&session(4, a)).await.unwrap();
    assert_eq!(store.revoke_sessions(a, Some(s4), hour).await.unwrap(), 1);
    assert!(store
        .session_by_token(&token(4), hour, t0())
        .await
        .unwrap()
        .is_some());
    assert_eq!(store.revoke_sessions(a, None, hour).await.unwrap(), 1);
    assert!(store
        .session_by_token(&token(3), hour, t0())
        .await
        .unwrap()
        .is_some_and(|s| s.id == s3));
}

pub(super) async fn throttle_counters_and_source_blocks(store: Arc<dyn Store>) {
    let email = "victim@example.jp";
    let at = |s| t0() + Duration::seconds(s);
    for s in 0..3 {
        store
            .record_throttle_event(throttle::LOGIN_FAIL, email, None, at(s))
            .await
            .unwrap();
    }
    assert_eq!(
        store.login_failures(email, t0()).await.unwrap(),
        (3, Some(at(2)))
    );
    assert_eq!(
        store.login_failures(email, at(1)).await.unwrap(),
        (2, Some(at(2))),
        "only since the horizon"
    );
    store
        .record_throttle_event(throttle::LOGIN_OK, email, None, at(3))
        .await
        .unwrap();
    assert_eq!(store.login_failures(email, t0()).await.unwrap(), (0, None));
    store
        .record_throttle_event(throttle::LOGIN_FAIL, email, None, at(4))
        .await
        .unwrap();
    assert_eq!(
        store.login_failures(email, t0()).await.unwrap(),
        (1, Some(at(4)))
    );
    assert_eq!(
        store
            .login_failures("other@example.jp", t0())
            .await
            .unwrap(),
        (0, None)
    );

    for (i, tried) in ["a@x.jp", "b@x.jp", "a@x.jp"].into_iter().enumerate() {
        store
            .record_throttle_event(
                throttle::LOGIN_FAIL_SOURCE,
                "198.51.100.7",
                Some(tried),
                at(i as i64),
            )
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .count_throttle_events(throttle::LOGIN_FAIL_SOURCE, "198.51.100.7", t0())
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        store
            .distinct_throttle_subjects(throttle::LOGIN_FAIL_SOURCE, "198.51.100.7", t0())
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .count_throttle_events(throttle::LOGIN_FAIL_SOURCE, "198.51.100.7", at(2))
            .await
            .unwrap(),
        1
    );

    let ip = "198.51.100.7";
    assert_eq!(store.source_blocked_until(ip, t0()).await.unwrap(), None);
    store
        .block_source(ip, at(3600), "credential_stuffing")
        .await
        .unwrap();
    store.block_source(ip, at(60), "again").await.unwrap();
    assert_eq!(
        store.source_blocked_until(ip, t0()).await.unwrap(),
        Some(at(3600)),
        "a block is never shortened"
    );
    assert_eq!(
        store.source_blocked_until(ip, at(3600)).await.unwrap(),
        None
    );
}

pub(super) async fn account_tokens_can_be_looked_at_without_use(store: Arc<dyn Store>) {
    let id = store
        .create_customer(&new_customer("a@example.jp"))
        .await
        .unwrap()
        .unwrap();
    let later = t0() + Duration::hours(1);
    store
        .create_account_token(id, TOKEN_RESET_PASSWORD, &token(7), later)
        .await
        .unwrap();
    for _ in 0..2 {
        assert_eq!(
            store
                .account_token_customer(TOKEN_RESET_PASSWORD, &token(7), t0())
                .await
                .unwrap(),
            Some(id)
        );
    }
    assert_eq!(
        store
            .account_token_customer(TOKEN_VERIFY_EMAIL, &token(7), t0())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .account_token_customer(TOKEN_RESET_PASSWORD, &token(7), later)
            .await
            .unwrap(),
        None
    );
    store
        .take_account_token(TOKEN_RESET_PASSWORD, &token(7), t0())
        .await
        .unwrap();
    assert_eq!(
        store
            .account_token_customer(TOKEN_RESET_PASSWORD, &token(7), t0())
            .await
            .unwrap(),
        None,
        "a used token is gone"
    );
}

pub(super) async fn member_orders_are_listed_newest_first_per_customer(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 50)]).await;
    let a = store
        .create_customer(&new_customer("a@example.jp"))
        .await
        .unwrap()
        .unwrap();
    let b = store
        .create_customer(&new_customer("b@example.jp"))
        .await
        .unwrap()
        .unwrap();
    let mut placed = Vec::new();
    for (n, who) in [
        (1, Some(a)),
        (2, Some(b)),
        (3, Some(a)),
        (4, None),
        (5, Some(a)),
    ] {
        let order = NewOrder {
            customer_id: who,
            ..new_order(store.as_ref(), n, &[(ids[0].1, 1)]).await
        };
        placed.push(store.place_order(&order).await.unwrap().id);
    }
    let mine = store.customer_orders(a, None, 10).await.unwrap();
    assert_eq!(
        mine.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![placed[4], placed[2], placed[0]]
    );
    assert_eq!(mine[0].grand_total, Yen(1000 + 800));
    let page2 = store.customer_orders(a, Some(placed[2]), 10).await.unwrap();
    assert_eq!(
        page2.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![placed[0]]
    );
    assert_eq!(store.customer_orders(b, None, 10).await.unwrap().len(), 1);
    let order = store.order(placed[0]).await.unwrap().unwrap();
    assert_eq!(order.customer_id, Some(a));
    assert_eq!(
        store.order(placed[3]).await.unwrap().unwrap().customer_id,
        None
    );
}

pub(super) async fn totp_secrets_steps_and_recovery_codes(store: Arc<dyn Store>) {
    let id = store
        .create_customer(&new_customer("t@example.jp"))
        .await
        .unwrap()
        .unwrap();
    assert!(store.totp(id).await.unwrap().is_none());
    let codes = vec!["h1".to_string(), "h2".to_string()];
    store
        .enable_totp(id, "enc", "nonce", t0(), &codes)
        .await
        .unwrap();
    let rec = store.totp(id).await.unwrap().unwrap();
    assert_eq!(
        (rec.secret_enc.as_str(), rec.nonce.as_str(), rec.last_step),
        ("enc", "nonce", 0)
    );
    assert_eq!(rec.enabled_at, t0());
    assert!(store.advance_totp_step(id, 100).await.unwrap());
    assert!(
        !store.advance_totp_step(id, 100).await.unwrap(),
        "a step is used once"
    );
    assert!(
        !store.advance_totp_step(id, 99).await.unwrap(),
        "never backwards"
    );
    assert!(store.advance_totp_step(id, 101).await.unwrap());
    assert_eq!(store.recovery_codes_left(id).await.unwrap(), 2);
    assert!(store.use_recovery_code(id, "h1", t0()).await.unwrap());
    assert!(
        !store.use_recovery_code(id, "h1", t0()).await.unwrap(),
        "single use"
    );
    assert!(!store.use_recovery_code(id, "nope", t0()).await.unwrap());
    assert_eq!(store.recovery_codes_left(id).await.unwrap(), 1);
    // Re-enrolling replaces the secret, resets the step and the codes.
    store
        .enable_totp(id, "enc2", "n2", t0(), &["h3".to_string()])
        .await
        .unwrap();
    let rec = store.totp(id).await.unwrap().unwrap();
    assert_eq!((rec.secret_enc.as_str(), rec.last_step), ("enc2", 0));
    assert!(!store.use_recovery_code(id, "h2", t0()).await.unwrap());
    assert_eq!(store.recovery_codes_left(id).await.unwrap(), 1);
    store.disable_totp(id).await.unwrap();
    assert!(store.totp(id).await.unwrap().is_none());
    assert_eq!(store.recovery_codes_left(id).await.unwrap(), 0);
}

pub(super) async fn old_account_data_is_pruned(store: Arc<dyn Store>) {
    let id = store
        .create_customer(&new_customer("p@example.jp"))
        .await
        .unwrap()
        .unwrap();
    let day = Duration::days(1);
    store
        .record_throttle_event(throttle::LOGIN_FAIL, "p@example.jp", None, t0())
        .await
        .unwrap();
    store
        .record_throttle_event(throttle::LOGIN_FAIL, "p@example.jp", None, t0() + day * 3)
        .await
        .unwrap();
    store
        .create_account_token(id, TOKEN_VERIFY_EMAIL, &token(1), t0() + day)
        .await
        .unwrap();
    store
        .create_account_token(id, TOKEN_VERIFY_EMAIL, &token(2), t0() + day * 10)
        .await
        .unwrap();
    let session = |n: u64| NewSession {
        token: token(10 + n),
        customer_id: id,
        created_at: t0(),
        expires_at: t0() + day * 14,
        ip: None,
        user_agent: String::new(),
        device: Some(token(100 + n)),
    };
    let ended = store.create_session(&session(1)).await.unwrap();
    store.create_session(&session(2)).await.unwrap();
    store.revoke_session(id, ended, t0()).await.unwrap();
    store
        .block_source("192.0.2.1", t0() + Duration::hours(1), "x")
        .await
        .unwrap();
    let now = t0() + day * 4;
    let pruned = store
        .prune_account_data(now - day * 2, now, now, now)
        .await
        .unwrap();
    assert_eq!(
        pruned, 4,
        "one event, one token, one ended session, one block"
    );
    assert_eq!(
        store.login_failures("p@example.jp", t0()).await.unwrap().0,
        1,
        "the recent event stays"
    );
    assert_eq!(
        store
            .account_token_customer(TOKEN_VERIFY_EMAIL, &token(2), now)
            .await
            .unwrap(),
        Some(id)
    );
    assert_eq!(
        store.session_count(id).await.unwrap(),
        1,
        "the live session stays"
    );
}
