//! Contract cases: admin accounts, enrolment links, lockout and admin sessions (admin issue,
//! item 2; CCSG-V-1).

use super::*;

use crate::admin::NewAdmin;
use akinai_domain::admin::{AdminRole, Grants};
use akinai_domain::ids::AdminId;

pub(super) async fn admins_enrol_lock_after_failures_and_hold_sessions(store: Arc<dyn Store>) {
    let new = NewAdmin {
        email: "owner@example.jp".into(),
        name: "店長".into(),
        role: AdminRole::Owner,
        created_at: t0(),
    };
    let id = store.create_admin(&new).await.unwrap().unwrap();
    assert_eq!(
        store.create_admin(&new).await.unwrap(),
        None,
        "one per address"
    );
    assert_eq!(store.admin_count().await.unwrap(), 1);
    let a = store
        .admin_by_email("owner@example.jp")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (a.id, a.role, a.password_hash, a.totp, a.grants),
        (id, AdminRole::Owner, None, None, Grants::default())
    );

    // Per-person grants are stored and read back; an unknown admin changes nothing.
    let grants = Grants::from_names(["view_personal_data", "view_audit"]).unwrap();
    assert!(store.set_admin_grants(id, &grants).await.unwrap());
    assert_eq!(store.admin(id).await.unwrap().unwrap().grants, grants);
    assert!(!store
        .set_admin_grants(AdminId(id.0 + 1000), &grants)
        .await
        .unwrap());
    assert!(store
        .set_admin_grants(id, &Grants::default())
        .await
        .unwrap());
    assert!(store.admin(id).await.unwrap().unwrap().grants.is_empty());

    // Enrolment link: peeked without use, taken once, never after expiry.
    let later = t0() + Duration::hours(1);
    store
        .create_admin_token(id, "enrol", &token(1), later)
        .await
        .unwrap();
    assert_eq!(
        store
            .peek_admin_token("enrol", &token(1), t0())
            .await
            .unwrap(),
        Some(id)
    );
    assert_eq!(
        store
            .take_admin_token("reset", &token(1), t0())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .take_admin_token("enrol", &token(1), t0())
            .await
            .unwrap(),
        Some(id)
    );
    assert_eq!(
        store
            .take_admin_token("enrol", &token(1), t0())
            .await
            .unwrap(),
        None
    );
    store
        .create_admin_token(id, "enrol", &token(2), later)
        .await
        .unwrap();
    assert_eq!(
        store
            .take_admin_token("enrol", &token(2), later)
            .await
            .unwrap(),
        None
    );

    store
        .set_admin_credentials(id, "$argon2id$x", "enc", "nonce", t0())
        .await
        .unwrap();
    let a = store.admin(id).await.unwrap().unwrap();
    assert_eq!(a.password_hash.as_deref(), Some("$argon2id$x"));
    assert_eq!(a.totp, Some(("enc".into(), "nonce".into())));
    assert_eq!(a.enrolled_at, Some(t0()));
    assert!(store.advance_admin_totp(id, 100).await.unwrap());
    assert!(
        !store.advance_admin_totp(id, 100).await.unwrap(),
        "a step is used once"
    );

    // Ten consecutive failures lock; the tenth says so; a login in between resets.
    for _ in 0..3 {
        store.record_admin_failure(id, 10, t0()).await.unwrap();
    }
    store.record_admin_login(id, t0()).await.unwrap();
    let mut last = None;
    for _ in 0..10 {
        last = Some(store.record_admin_failure(id, 10, t0()).await.unwrap());
    }
    let last = last.unwrap();
    assert_eq!((last.failures, last.locked_now), (10, true));
    assert!(
        !store
            .record_admin_failure(id, 10, t0())
            .await
            .unwrap()
            .locked_now
    );
    assert_eq!(
        store.admin(id).await.unwrap().unwrap().locked_at,
        Some(t0())
    );
    assert!(store.unlock_admin(id).await.unwrap());
    let a = store.admin(id).await.unwrap().unwrap();
    assert_eq!((a.locked_at, a.failed_logins), (None, 0));
    assert!(
        !store.unlock_admin(id).await.unwrap(),
        "not locked any more"
    );

    // Sessions: idle cut-off, expiry, revocation.
    let s = store
        .create_admin_session(
            &token(10),
            id,
            t0(),
            t0() + Duration::hours(8),
            Some("127.0.0.1"),
            "UA",
        )
        .await
        .unwrap();
    let live = |now, idle| {
        let store = store.clone();
        async move { store.admin_session(&token(10), now, idle).await.unwrap() }
    };
    assert_eq!(
        live(t0(), t0() - Duration::minutes(30)).await.unwrap().id,
        s
    );
    let soon = t0() + Duration::minutes(31);
    assert!(
        live(soon, soon - Duration::minutes(30)).await.is_none(),
        "idle"
    );
    store
        .touch_admin_session(s, t0() + Duration::minutes(20))
        .await
        .unwrap();
    assert!(live(soon, soon - Duration::minutes(30)).await.is_some());
    let late = t0() + Duration::hours(9);
    assert!(
        live(late, late - Duration::minutes(30)).await.is_none(),
        "expired"
    );
    assert_eq!(
        store
            .revoke_admin_sessions(id, Some(s), t0())
            .await
            .unwrap(),
        1
    );
    assert!(
        live(t0(), t0() - Duration::minutes(30)).await.is_none(),
        "revoked"
    );
    assert_eq!(
        store.revoke_admin_sessions(id, None, t0()).await.unwrap(),
        0
    );
}
