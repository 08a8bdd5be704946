//! Contract cases: passkeys, the address book, profile changes and account erasure (accounts
//! issue, items 5, 8, 10; SWS-11: every row is reached through its owner).

use super::accounts::new_customer;
use super::*;

use crate::{AddressSaved, NewPasskey, NewSession};
use akinai_domain::address_book::Recipient;
use akinai_domain::ids::CustomerId;

fn passkey(customer: CustomerId, credential: &str) -> NewPasskey {
    NewPasskey {
        customer_id: customer,
        credential_id: credential.into(),
        public_key: "pQECAyYgASFYIA".into(),
        user_handle: "dXNlcg".into(),
        sign_count: 0,
        name: "iPhone".into(),
        created_at: t0(),
    }
}

pub(super) fn recipient(line1: &str) -> Recipient {
    let d = details();
    Recipient {
        address: Address {
            line1: line1.into(),
            ..d.address.clone()
        },
        ..Recipient::of(&d)
    }
}

async fn two_customers(store: &dyn Store) -> (CustomerId, CustomerId) {
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
    (a, b)
}

pub(super) async fn passkeys_are_unique_per_credential_and_count_forward(store: Arc<dyn Store>) {
    let (a, b) = two_customers(store.as_ref()).await;
    let id = store
        .add_passkey(&passkey(a, "cred-1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.add_passkey(&passkey(b, "cred-1")).await.unwrap(),
        None,
        "a credential id belongs to one account"
    );
    let found = store
        .passkey_by_credential("cred-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, found.customer_id, found.sign_count), (id, a, 0));
    assert_eq!(found.last_used_at, None);
    // A use moves the counter only from the value it saw.
    let later = t0() + Duration::minutes(5);
    assert!(store.record_passkey_use(id, 0, 7, later).await.unwrap());
    assert!(!store.record_passkey_use(id, 0, 8, later).await.unwrap());
    let used = store.passkeys(a).await.unwrap();
    assert_eq!((used[0].sign_count, used[0].last_used_at), (7, Some(later)));
    assert!(store.passkeys(b).await.unwrap().is_empty());
    assert!(
        !store.delete_passkey(b, id).await.unwrap(),
        "not b's passkey"
    );
    assert!(store.delete_passkey(a, id).await.unwrap());
    assert_eq!(store.passkey_by_credential("cred-1").await.unwrap(), None);
}

pub(super) async fn the_address_book_is_bounded_and_owned(store: Arc<dyn Store>) {
    let (a, b) = two_customers(store.as_ref()).await;
    let first = match store
        .save_address(a, None, &recipient("1-1-1"), t0(), 2)
        .await
        .unwrap()
    {
        AddressSaved::Saved(id) => id,
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        store
            .save_address(a, None, &recipient("2-2-2"), t0(), 2)
            .await
            .unwrap(),
        AddressSaved::Saved(_)
    ));
    assert_eq!(
        store
            .save_address(a, None, &recipient("3-3-3"), t0(), 2)
            .await
            .unwrap(),
        AddressSaved::BookFull
    );
    // Another member can neither change nor delete a's address.
    assert_eq!(
        store
            .save_address(b, Some(first), &recipient("9-9-9"), t0(), 2)
            .await
            .unwrap(),
        AddressSaved::NotFound
    );
    assert!(!store.delete_address(b, first).await.unwrap());
    let later = t0() + Duration::days(1);
    assert_eq!(
        store
            .save_address(a, Some(first), &recipient("1-1-5"), later, 2)
            .await
            .unwrap(),
        AddressSaved::Saved(first)
    );
    let book = store.addresses(a).await.unwrap();
    assert_eq!(book.len(), 2);
    assert_eq!(book[0].recipient, recipient("1-1-5"));
    assert_eq!((book[0].created_at, book[0].changed_at), (t0(), later));
    assert!(store.addresses(b).await.unwrap().is_empty());
    assert!(store.delete_address(a, first).await.unwrap());
    assert_eq!(store.addresses(a).await.unwrap().len(), 1);
    store
        .set_profile(a, "山田 太郎", Some("03-1234-5678"))
        .await
        .unwrap();
    let c = store.customer(a).await.unwrap().unwrap();
    assert_eq!(
        (c.name.as_str(), c.phone.as_deref()),
        ("山田 太郎", Some("03-1234-5678"))
    );
}

pub(super) async fn erasing_an_account_keeps_its_orders_and_nothing_personal(
    store: Arc<dyn Store>,
) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 50)]).await;
    let (a, b) = two_customers(store.as_ref()).await;
    for (who, n) in [(a, 1), (b, 2)] {
        store
            .create_session(&NewSession {
                token: token(500 + n),
                customer_id: who,
                created_at: t0(),
                expires_at: t0() + Duration::days(1),
                ip: Some(format!("203.0.113.{n}")),
                user_agent: "Safari".into(),
                device: None,
            })
            .await
            .unwrap();
        store
            .add_passkey(&passkey(who, &format!("cred-{n}")))
            .await
            .unwrap();
        store
            .save_address(who, None, &recipient("1-1-1"), t0(), 20)
            .await
            .unwrap();
    }
    assert_eq!(
        store.recent_login_ips(a, 10).await.unwrap(),
        vec!["203.0.113.1".to_string()]
    );
    store
        .enable_totp(a, "enc", "nonce", t0(), &["code".into()])
        .await
        .unwrap();
    let order = NewOrder {
        customer_id: Some(a),
        review_reason: Some("address_recently_changed".into()),
        ..new_order(store.as_ref(), 1, &[(ids[0].1, 1)]).await
    };
    let placed = store.place_order(&order).await.unwrap().id;
    let at = t0() + Duration::days(3);
    store
        .erase_customer(a, "deleted-1@akinai.invalid", at)
        .await
        .unwrap();
    let c = store.customer(a).await.unwrap().unwrap();
    assert_eq!(c.email, "deleted-1@akinai.invalid");
    assert_eq!((c.name.as_str(), c.password_hash.as_str()), ("", ""));
    assert_eq!((c.phone, c.deleted_at), (None, Some(at)));
    assert!(store.passkeys(a).await.unwrap().is_empty());
    assert!(store.addresses(a).await.unwrap().is_empty());
    assert!(store.totp(a).await.unwrap().is_none());
    assert!(store.recent_login_ips(a, 10).await.unwrap().is_empty());
    assert_eq!(store.customer_by_email("a@example.jp").await.unwrap(), None);
    // The order is kept by law, still linked, with its review flag.
    let kept = store.order(placed).await.unwrap().unwrap();
    assert_eq!(kept.customer_id, Some(a));
    assert_eq!(
        kept.review_reason.as_deref(),
        Some("address_recently_changed")
    );
    assert_eq!(store.customer_orders(a, None, 10).await.unwrap().len(), 1);
    // Nothing of b's went.
    assert_eq!(store.passkeys(b).await.unwrap().len(), 1);
    assert_eq!(store.addresses(b).await.unwrap().len(), 1);
    assert_eq!(store.recent_login_ips(b, 10).await.unwrap().len(), 1);
}

pub(super) async fn flagged_orders_wait_for_review_until_cleared(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 50)]).await;
    let plain = store
        .place_order(&new_order(store.as_ref(), 1, &[(ids[0].1, 1)]).await)
        .await
        .unwrap()
        .id;
    let flagged = NewOrder {
        review_reason: Some("address_recently_changed".into()),
        ..new_order(store.as_ref(), 2, &[(ids[0].1, 1)]).await
    };
    let flagged = store.place_order(&flagged).await.unwrap().id;
    assert_eq!(
        store.orders_awaiting_review(10).await.unwrap(),
        vec![flagged]
    );
    assert!(!store
        .clear_review_flag(plain, "admin:1", t0())
        .await
        .unwrap());
    assert!(store
        .clear_review_flag(flagged, "admin:1", t0())
        .await
        .unwrap());
    assert!(
        !store
            .clear_review_flag(flagged, "admin:2", t0())
            .await
            .unwrap(),
        "once"
    );
    assert!(store.orders_awaiting_review(10).await.unwrap().is_empty());
    let kept = store.order(flagged).await.unwrap().unwrap();
    assert_eq!(
        kept.review_reason.as_deref(),
        Some("address_recently_changed"),
        "the reason stays"
    );
}
