//! Contract cases for the shop's customer list and account lock.

use std::sync::Arc;

use super::accounts::new_customer;
use super::{new_order, seed, t0};
use crate::customers::CustomerFilter;
use crate::{NewOrder, Store};

pub(super) async fn customers_are_listed_newest_first_filtered_and_locked_once(
    store: Arc<dyn Store>,
) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 10)]).await;
    let mut made = Vec::new();
    for email in ["a@example.jp", "b@example.jp", "ab@shop.example"] {
        made.push(
            store
                .create_customer(&new_customer(email))
                .await
                .unwrap()
                .unwrap(),
        );
    }
    let order = NewOrder {
        customer_id: Some(made[0]),
        ..new_order(store.as_ref(), 1, &[(ids[0].1, 1)]).await
    };
    store.place_order(&order).await.unwrap();
    let all = store
        .customer_rows(&CustomerFilter::default(), None, 10)
        .await
        .unwrap();
    let order_of: Vec<_> = all.iter().map(|r| r.customer.id).collect();
    assert_eq!(order_of, vec![made[2], made[1], made[0]]);
    assert_eq!(all[2].orders, 1);
    let page2 = store
        .customer_rows(&CustomerFilter::default(), Some(made[1]), 10)
        .await
        .unwrap();
    assert_eq!(page2.len(), 1);
    let a = store
        .customer_rows(
            &CustomerFilter {
                email_prefix: Some("a".into()),
                locked_only: false,
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(a.len(), 2);
    assert!(store
        .set_customer_lock(made[1], Some(t0()), "admin:1")
        .await
        .unwrap());
    assert!(
        !store
            .set_customer_lock(made[1], Some(t0()), "admin:1")
            .await
            .unwrap(),
        "already locked"
    );
    assert_eq!(
        store.customer(made[1]).await.unwrap().unwrap().locked_at,
        Some(t0())
    );
    let locked = store
        .customer_rows(
            &CustomerFilter {
                email_prefix: None,
                locked_only: true,
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(locked.len(), 1);
    assert!(store
        .set_customer_lock(made[1], None, "admin:1")
        .await
        .unwrap());
    assert!(!store
        .set_customer_lock(made[1], None, "admin:1")
        .await
        .unwrap());
    assert_eq!(
        store.customer(made[1]).await.unwrap().unwrap().locked_at,
        None
    );
}
