//! Contract cases for the admin order list, status steps and notes.

use std::sync::Arc;

use chrono::Duration;

use akinai_domain::address::Email;
use akinai_domain::fulfilment::{Carrier, Shipment, TrackingNumber};
use akinai_domain::order::{OrderStatus, PaymentMethod};

use super::{details, new_order, seed, stock_of, t0};
use crate::fulfilment::{OrderCursor, OrderFilter, OrderStep};
use crate::{NewJob, NewOrder, Store, JOB_ORDER_MAIL};

fn step(order: akinai_domain::ids::OrderId, from: OrderStatus, to: OrderStatus) -> OrderStep {
    OrderStep {
        order,
        from,
        to,
        at: t0() + Duration::hours(1),
        actor: "admin:1".into(),
        shipment: None,
        note: None,
        require_review_cleared: false,
        release_stock: false,
        mail: None,
        payment: None,
    }
}

pub(super) async fn the_order_list_filters_and_pages_newest_first(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 500)]).await;
    let sku = ids[0].1;
    // 25 orders, one minute apart; every fifth by another customer and cash on delivery; the
    // 7th flagged. Orders 20–24 share one timestamp (a burst), which the cursor must not skip.
    let mut placed = Vec::new();
    for n in 0..25u64 {
        let mut d = details();
        if n % 5 == 0 {
            d.email = Email::parse("taro@example.jp").unwrap();
            d.payment_method = PaymentMethod::CashOnDelivery;
        }
        let minutes = i64::try_from(n.min(20)).unwrap();
        let order = NewOrder {
            placed_at: t0() + Duration::minutes(minutes),
            details: d,
            review_reason: (n == 7).then(|| "address_recently_changed".to_string()),
            ..new_order(store.as_ref(), n + 1, &[(sku, 1)]).await
        };
        placed.push(store.place_order(&order).await.unwrap().id);
    }
    store
        .step_order(&step(placed[3], OrderStatus::Placed, OrderStatus::Paid))
        .await
        .unwrap();
    // Paging through everything in pages of 4 visits each order once, newest first.
    let mut seen = Vec::new();
    let mut after: Option<OrderCursor> = None;
    loop {
        let page = store
            .list_orders(&OrderFilter::default(), after.as_ref(), 4)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.cursor());
        seen.extend(page.iter().map(|r| r.id));
        assert!(seen.len() <= 25, "the cursor loops");
    }
    let mut newest_first = placed.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
    let only = |filter: OrderFilter| {
        let store = store.clone();
        async move {
            store
                .list_orders(&filter, None, 100)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        }
    };
    let paid = only(OrderFilter {
        status: Some(OrderStatus::Paid),
        ..OrderFilter::default()
    })
    .await;
    assert_eq!(paid, vec![placed[3]]);
    let flagged = store
        .list_orders(
            &OrderFilter {
                awaiting_review: true,
                ..OrderFilter::default()
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(flagged.len(), 1);
    assert!(flagged[0].review_pending && flagged[0].id == placed[7]);
    let taro = only(OrderFilter {
        email: Some("taro@example.jp".into()),
        ..OrderFilter::default()
    })
    .await;
    assert_eq!(
        taro,
        vec![placed[20], placed[15], placed[10], placed[5], placed[0]]
    );
    let cod_window = only(OrderFilter {
        payment: Some(PaymentMethod::CashOnDelivery),
        placed_from: Some(t0() + Duration::minutes(5)),
        placed_before: Some(t0() + Duration::minutes(15)),
        ..OrderFilter::default()
    })
    .await;
    assert_eq!(cod_window, vec![placed[10], placed[5]]);
    let first = store
        .list_orders(&OrderFilter::default(), None, 1)
        .await
        .unwrap();
    assert_eq!(first[0].details.name, "山田 花子");
    assert_eq!(
        first[0].grand_total,
        store
            .order(placed[24])
            .await
            .unwrap()
            .unwrap()
            .totals
            .grand_total
    );
}

pub(super) async fn order_steps_are_guarded_and_commit_with_history_stock_and_mail(
    store: Arc<dyn Store>,
) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 10)]).await;
    let sku = ids[0].1;
    let plain = store
        .place_order(&new_order(store.as_ref(), 1, &[(sku, 3)]).await)
        .await
        .unwrap()
        .id;
    let flagged = NewOrder {
        review_reason: Some("address_recently_changed".into()),
        ..new_order(store.as_ref(), 2, &[(sku, 2)]).await
    };
    let flagged = store.place_order(&flagged).await.unwrap().id;
    assert_eq!(stock_of(store.as_ref(), sku).await, 5);

    let mail = NewJob {
        kind: JOB_ORDER_MAIL.into(),
        payload: serde_json::json!({ "order_id": plain.0, "status": "paid" }),
        run_at: t0(),
        dedup_key: Some(format!("order-mail-{}-paid", plain.0)),
    };
    let pay = OrderStep {
        mail: Some(mail),
        note: Some("入金 12/1".into()),
        ..step(plain, OrderStatus::Placed, OrderStatus::Paid)
    };
    assert!(store.step_order(&pay).await.unwrap());
    assert!(
        !store.step_order(&pay).await.unwrap(),
        "a second click on the same step records nothing"
    );
    assert_eq!(
        store.order(plain).await.unwrap().unwrap().status,
        OrderStatus::Paid
    );
    let jobs: Vec<_> = {
        let mut out = Vec::new();
        while let Some(job) = store
            .claim_job(t0() + Duration::hours(2), t0() + Duration::hours(3))
            .await
            .unwrap()
        {
            out.push(job);
        }
        out
    };
    let order_mails: Vec<_> = jobs.iter().filter(|j| j.kind == JOB_ORDER_MAIL).collect();
    assert_eq!(order_mails.len(), 1, "one mail for the one step");

    // Shipping a flagged order is refused by the store too, until the flag is cleared.
    store
        .step_order(&step(flagged, OrderStatus::Placed, OrderStatus::Paid))
        .await
        .unwrap();
    let shipment = Shipment {
        carrier: Carrier::Sagawa,
        tracking_number: TrackingNumber::parse("4000-1111-2222").unwrap(),
    };
    let ship = OrderStep {
        shipment: Some(shipment.clone()),
        require_review_cleared: true,
        ..step(flagged, OrderStatus::Paid, OrderStatus::Shipped)
    };
    assert!(!store.step_order(&ship).await.unwrap());
    assert!(store
        .clear_review_flag(flagged, "admin:1", t0())
        .await
        .unwrap());
    assert!(store.step_order(&ship).await.unwrap());
    let shipped = store.order(flagged).await.unwrap().unwrap();
    assert_eq!(shipped.status, OrderStatus::Shipped);
    assert_eq!(shipped.shipment, Some(shipment.clone()));
    assert!(!shipped.review_pending);

    // Cancelling puts the quantities back on sale, once.
    let other = store
        .place_order(&new_order(store.as_ref(), 3, &[(sku, 4)]).await)
        .await
        .unwrap()
        .id;
    assert_eq!(stock_of(store.as_ref(), sku).await, 1);
    let cancel = OrderStep {
        release_stock: true,
        ..step(other, OrderStatus::Placed, OrderStatus::Cancelled)
    };
    assert!(store.step_order(&cancel).await.unwrap());
    assert!(!store.step_order(&cancel).await.unwrap());
    assert_eq!(stock_of(store.as_ref(), sku).await, 5);

    // Notes and steps form the history, oldest first.
    assert!(store
        .add_order_note(
            flagged,
            t0() + Duration::hours(2),
            "admin:2",
            "電話で確認済み"
        )
        .await
        .unwrap());
    assert!(!store
        .add_order_note(
            akinai_domain::ids::OrderId(9999),
            t0(),
            "admin:2",
            "nowhere"
        )
        .await
        .unwrap());
    let history = store.order_history(flagged).await.unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(
        history[0].step,
        Some((OrderStatus::Placed, OrderStatus::Paid))
    );
    assert_eq!(history[1].shipment, Some(shipment));
    assert_eq!(history[2].step, None);
    assert_eq!(history[2].note.as_deref(), Some("電話で確認済み"));
    assert_eq!(history[2].actor, "admin:2");
    let plain_history = store.order_history(plain).await.unwrap();
    assert_eq!(plain_history.len(), 1);
    assert_eq!(plain_history[0].note.as_deref(), Some("入金 12/1"));
}

pub(super) async fn steps_in_bulk_commit_all_or_nothing(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 10)]).await;
    let sku = ids[0].1;
    let mut orders = Vec::new();
    for n in 1..=3 {
        let id = store
            .place_order(&new_order(store.as_ref(), n, &[(sku, 1)]).await)
            .await
            .unwrap()
            .id;
        assert!(store
            .step_order(&step(id, OrderStatus::Placed, OrderStatus::Paid))
            .await
            .unwrap());
        orders.push(id);
    }
    let ship = |id: akinai_domain::ids::OrderId, n: u32| OrderStep {
        shipment: Some(Shipment {
            carrier: Carrier::Yamato,
            tracking_number: TrackingNumber::parse(&format!("1234-5678-900{n}")).unwrap(),
        }),
        require_review_cleared: true,
        ..step(id, OrderStatus::Paid, OrderStatus::Shipped)
    };
    // The third step expects a status its order is not in: nothing of the batch is written.
    let mut batch = vec![ship(orders[0], 1), ship(orders[1], 2), ship(orders[2], 3)];
    batch[2].from = OrderStatus::Placed;
    assert_eq!(store.step_orders(&batch).await.unwrap(), Some(orders[2]));
    for id in &orders {
        let order = store.order(*id).await.unwrap().unwrap();
        assert_eq!(order.status, OrderStatus::Paid);
        assert_eq!(order.shipment, None);
        assert_eq!(store.order_history(*id).await.unwrap().len(), 1);
    }
    batch[2].from = OrderStatus::Paid;
    assert_eq!(store.step_orders(&batch).await.unwrap(), None);
    for (n, id) in orders.iter().enumerate() {
        let order = store.order(*id).await.unwrap().unwrap();
        assert_eq!(order.status, OrderStatus::Shipped);
        assert_eq!(
            order.shipment.unwrap().tracking_number.as_str(),
            format!("1234567890{:02}", n + 1)
        );
    }
    // The same batch again finds its orders shipped already and writes nothing.
    assert_eq!(store.step_orders(&batch).await.unwrap(), Some(orders[0]));
}
