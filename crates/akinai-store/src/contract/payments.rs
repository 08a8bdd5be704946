//! Contract cases for payments through a provider: one payment per order, guarded session
//! attempts, updates applied whole (event once, version guard, flag and step with it), and the
//! reconciliation query.

use std::sync::Arc;

use chrono::Duration;

use akinai_domain::ids::{CartId, CustomerId, PaymentId};
use akinai_domain::order::{OrderStatus, PaymentMethod};
use akinai_domain::payment::PaymentStatus;
use akinai_domain::Yen;

use super::{details, new_order, seed, t0};
use crate::fulfilment::OrderStep;
use crate::payments::{Attempt, NewPayment, PaymentUpdate, SeenEvent, UpdateOutcome};
use crate::{NewOrder, Store};

pub(super) async fn payments_apply_each_event_once_and_whole(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 50)]).await;
    let mut d = details();
    d.payment_method = PaymentMethod::Card;
    let order = NewOrder {
        details: d,
        ..new_order(store.as_ref(), 1, &[(ids[0].1, 2)]).await
    };
    let order = store.place_order(&order).await.unwrap().id;
    let new = NewPayment {
        order,
        provider: "stripe".into(),
        method: PaymentMethod::Card,
        amount: Yen(2_200),
        at: t0(),
    };
    let p = store.create_payment(&new).await.unwrap();
    assert_eq!(
        (p.status, p.attempt, p.amount),
        (PaymentStatus::Open, 0, Yen(2_200))
    );
    assert_eq!(
        store.create_payment(&new).await.unwrap().id,
        p.id,
        "one per order"
    );

    // A session per attempt; the same attempt twice records one.
    assert!(store
        .set_payment_session(p.id, 1, "cs_1", "https://pay.example/cs_1", t0())
        .await
        .unwrap());
    assert!(!store
        .set_payment_session(p.id, 1, "cs_x", "https://pay.example/cs_x", t0())
        .await
        .unwrap());
    let p = store
        .payment_by_session("stripe", "cs_1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.redirect_url.as_deref(), Some("https://pay.example/cs_1"));

    // Reconciliation sees it once it has been quiet long enough.
    let later = t0() + Duration::minutes(30);
    assert_eq!(
        store
            .payments_to_check("stripe", later, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store
        .payments_to_check("stripe", t0(), 10)
        .await
        .unwrap()
        .is_empty());

    let paid = PaymentUpdate {
        payment: p.id,
        version: p.version,
        status: PaymentStatus::Succeeded,
        refunded: Yen::ZERO,
        payment_ref: Some("pi_1".into()),
        instructions: None,
        at: later,
        event: Some(SeenEvent {
            id: "evt_1".into(),
            kind: "checkout.session.completed".into(),
        }),
        flag: Some("payment_amount_mismatch".into()),
        step: Some(OrderStep {
            order,
            from: OrderStatus::Placed,
            to: OrderStatus::Paid,
            at: later,
            actor: "psp:stripe".into(),
            shipment: None,
            note: None,
            require_review_cleared: false,
            release_stock: false,
            mail: None,
            payment: None,
        }),
    };
    // A stale version writes nothing, not even the event.
    let stale = PaymentUpdate {
        version: p.version - 1,
        ..paid.clone()
    };
    assert_eq!(
        store.update_payment(&stale).await.unwrap(),
        UpdateOutcome::Stale
    );
    assert_eq!(
        store.update_payment(&paid).await.unwrap(),
        UpdateOutcome::Applied
    );
    let again = PaymentUpdate {
        version: p.version + 1,
        ..paid.clone()
    };
    assert_eq!(
        store.update_payment(&again).await.unwrap(),
        UpdateOutcome::Duplicate
    );
    let p = store.payment_of_order(order).await.unwrap().unwrap();
    assert_eq!(
        (p.status, p.payment_ref.as_deref(), p.version),
        (PaymentStatus::Succeeded, Some("pi_1"), 2)
    );
    let o = store.order(order).await.unwrap().unwrap();
    assert_eq!(o.status, OrderStatus::Paid);
    assert!(o.review_pending, "flagged in the same transaction");
    assert!(store
        .payments_to_check("stripe", later + Duration::hours(1), 10)
        .await
        .unwrap()
        .is_empty());

    // Two partial refunds reported by the provider: each lands in the refund ledger with its
    // time; a report that does not raise the refunded total adds nothing.
    for (version, (n, total)) in (p.version..).zip([(1, 300), (2, 500), (3, 500)]) {
        let refund = PaymentUpdate {
            version,
            refunded: Yen(total),
            at: later + Duration::hours(n),
            event: None,
            flag: None,
            step: None,
            ..paid.clone()
        };
        assert_eq!(
            store.update_payment(&refund).await.unwrap(),
            UpdateOutcome::Applied
        );
    }
    let refunds = store
        .refunds_between(later, later + Duration::days(1))
        .await
        .unwrap();
    let ledger: Vec<_> = refunds.iter().map(|r| (r.amount.0, r.at)).collect();
    assert_eq!(
        ledger,
        [
            (300, later + Duration::hours(1)),
            (200, later + Duration::hours(2))
        ]
    );

    // Events about unknown payments are remembered once.
    let unknown = SeenEvent {
        id: "evt_2".into(),
        kind: "charge.refunded".into(),
    };
    assert!(store
        .record_payment_event("stripe", &unknown, later)
        .await
        .unwrap());
    assert!(!store
        .record_payment_event("stripe", &unknown, later)
        .await
        .unwrap());
}

pub(super) async fn attempts_and_declines_are_tallied_per_identity(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 50)]).await;
    let mut payments = Vec::new();
    for n in 1..=3u64 {
        let order = store
            .place_order(&new_order(store.as_ref(), n, &[(ids[0].1, 1)]).await)
            .await
            .unwrap()
            .id;
        let p = store
            .create_payment(&NewPayment {
                order,
                provider: "stripe".into(),
                method: PaymentMethod::Card,
                amount: Yen(1100),
                at: t0(),
            })
            .await
            .unwrap();
        payments.push(p.id);
    }
    let attempt = |payment: PaymentId, source: &str, customer: Option<i64>| Attempt {
        payment,
        at: t0(),
        source: source.into(),
        cart: CartId(payment.0),
        customer: customer.map(CustomerId),
        email: "a@example.jp".into(),
        address_key: "1500001|13|渋谷区神宮前1-2-3".into(),
    };
    store
        .record_attempt(&attempt(payments[0], "203.0.113.7", Some(7)))
        .await
        .unwrap();
    store
        .record_attempt(&attempt(payments[1], "203.0.113.7", None))
        .await
        .unwrap();
    store
        .record_attempt(&attempt(payments[2], "198.51.100.1", None))
        .await
        .unwrap();
    store.record_decline(payments[0], t0()).await.unwrap();
    store
        .record_decline(payments[1], t0() + Duration::minutes(1))
        .await
        .unwrap();
    // A decline of a payment with no attempt is attributed to nobody.
    store.record_decline(PaymentId(9999), t0()).await.unwrap();

    let probe = attempt(payments[0], "203.0.113.7", Some(7));
    let t = store.attempt_tallies(&probe, t0()).await.unwrap();
    assert_eq!((t.source.attempts, t.source.declines), (2, 2));
    assert_eq!((t.cart.attempts, t.cart.declines), (1, 1));
    assert_eq!((t.account.attempts, t.account.declines), (1, 1));
    assert_eq!((t.email.attempts, t.email.declines), (3, 2));
    assert_eq!((t.address.attempts, t.address.declines), (3, 2));
    assert_eq!((t.site.attempts, t.site.declines), (3, 2));
    let anonymous = Attempt {
        customer: None,
        ..probe.clone()
    };
    assert_eq!(
        store
            .attempt_tallies(&anonymous, t0())
            .await
            .unwrap()
            .account,
        Default::default(),
        "no account, no account tally"
    );
    // Only the window counts.
    let later = store
        .attempt_tallies(&probe, t0() + Duration::seconds(30))
        .await
        .unwrap();
    assert_eq!((later.site.attempts, later.site.declines), (0, 1));
    assert_eq!(store.site_tally(t0()).await.unwrap().declines, 2);
}

/// A card payment held for capture at shipping: the hold's start is kept from the first report
/// that made it authorized, held payments are not polled by reconciliation, and the order list
/// shows and filters held orders.
pub(super) async fn held_payments_keep_their_start_and_show_in_the_order_list(
    store: Arc<dyn Store>,
) {
    use crate::fulfilment::OrderFilter;
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 50)]).await;
    let mut d = details();
    d.payment_method = PaymentMethod::Card;
    let card = NewOrder {
        details: d,
        ..new_order(store.as_ref(), 1, &[(ids[0].1, 1)]).await
    };
    let held_order = store.place_order(&card).await.unwrap().id;
    let other = store
        .place_order(&new_order(store.as_ref(), 2, &[(ids[0].1, 1)]).await)
        .await
        .unwrap()
        .id;
    let p = store
        .create_payment(&NewPayment {
            order: held_order,
            provider: "stripe".into(),
            method: PaymentMethod::Card,
            amount: Yen(1_100),
            at: t0(),
        })
        .await
        .unwrap();
    assert_eq!(p.authorized_at, None);
    let update = |version, at, event: &str| PaymentUpdate {
        payment: p.id,
        version,
        status: PaymentStatus::Authorized,
        refunded: Yen::ZERO,
        payment_ref: Some("pi_h".into()),
        instructions: None,
        at,
        event: Some(SeenEvent {
            id: event.into(),
            kind: "payment_intent.amount_capturable_updated".into(),
        }),
        flag: None,
        step: None,
    };
    let held_at = t0() + Duration::minutes(5);
    assert_eq!(
        store
            .update_payment(&update(p.version, held_at, "evt_h1"))
            .await
            .unwrap(),
        UpdateOutcome::Applied
    );
    // A later report that keeps it held (a charge's country, say) keeps the start.
    assert_eq!(
        store
            .update_payment(&update(
                p.version + 1,
                held_at + Duration::hours(1),
                "evt_h2"
            ))
            .await
            .unwrap(),
        UpdateOutcome::Applied
    );
    let p = store.payment_of_order(held_order).await.unwrap().unwrap();
    assert_eq!(p.status, PaymentStatus::Authorized);
    assert_eq!(p.authorized_at, Some(held_at));
    assert_eq!(
        store.held_payments(held_at).await.unwrap(),
        (1, 0),
        "held, not lapsing yet"
    );
    assert_eq!(
        store
            .held_payments(held_at + Duration::seconds(1))
            .await
            .unwrap(),
        (1, 1)
    );
    assert!(
        store
            .payments_to_check("stripe", t0() + Duration::days(1), 10)
            .await
            .unwrap()
            .is_empty(),
        "a hold waits for the shop, not the provider"
    );

    let rows = store
        .list_orders(&OrderFilter::default(), None, 10)
        .await
        .unwrap();
    let flag_of = |id| rows.iter().find(|r| r.id == id).map(|r| r.payment_held);
    assert_eq!(
        (flag_of(held_order), flag_of(other)),
        (Some(true), Some(false))
    );
    let held_only = store
        .list_orders(
            &OrderFilter {
                payment_held: true,
                ..OrderFilter::default()
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        held_only.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![held_order]
    );
}

/// Bank transfer and cash on delivery: the shop's own payment row is created with the order,
/// moves only together with the order step that carries its change, and never shows up for a
/// provider's reconciliation.
pub(super) async fn shop_payments_are_created_with_the_order_and_move_with_its_steps(
    store: Arc<dyn Store>,
) {
    use crate::payments::{PaymentChange, SHOP_PROVIDER};
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 50)]).await;
    let placed = store
        .place_order(&new_order(store.as_ref(), 1, &[(ids[0].1, 2)]).await)
        .await
        .unwrap();
    let order = store.order(placed.id).await.unwrap().unwrap();
    assert_eq!(order.payment_method, PaymentMethod::BankTransfer);
    let p = store.payment_of_order(order.id).await.unwrap().unwrap();
    assert_eq!(
        (p.provider.as_str(), p.method, p.status, p.amount),
        (
            SHOP_PROVIDER,
            PaymentMethod::BankTransfer,
            PaymentStatus::Open,
            order.totals.grand_total
        )
    );
    assert!(
        store
            .payments_to_check("stripe", t0() + Duration::days(1), 10)
            .await
            .unwrap()
            .is_empty(),
        "the provider is never asked about the shop's payments"
    );
    let pay = |from, to, status, refunded| OrderStep {
        order: order.id,
        from,
        to,
        at: t0() + Duration::hours(1),
        actor: "admin:1".into(),
        shipment: None,
        note: None,
        require_review_cleared: false,
        release_stock: false,
        mail: None,
        payment: Some(PaymentChange {
            payment: p.id,
            status,
            refunded,
        }),
    };
    // A step that no longer applies (the order is not where the admin saw it) changes nothing.
    let stale = pay(
        OrderStatus::Paid,
        OrderStatus::Refunded,
        PaymentStatus::Succeeded,
        order.totals.grand_total,
    );
    assert!(!store.step_order(&stale).await.unwrap());
    let day = (t0(), t0() + Duration::days(1));
    assert!(
        store
            .refunds_between(day.0, day.1)
            .await
            .unwrap()
            .is_empty(),
        "a step that did not apply refunds nothing"
    );
    assert_eq!(
        store
            .payment_of_order(order.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PaymentStatus::Open
    );
    let paid = pay(
        OrderStatus::Placed,
        OrderStatus::Paid,
        PaymentStatus::Succeeded,
        Yen::ZERO,
    );
    assert!(store.step_order(&paid).await.unwrap());
    assert!(store.step_order(&stale).await.unwrap());
    let p = store.payment_of_order(order.id).await.unwrap().unwrap();
    assert_eq!(
        (p.status, p.refunded, p.version),
        (PaymentStatus::Succeeded, order.totals.grand_total, 2)
    );
    // The refund is in the ledger once, with its time, for the accountant's export.
    let refunds = store.refunds_between(day.0, day.1).await.unwrap();
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        (refunds[0].order, refunds[0].amount, refunds[0].at),
        (
            order.id,
            order.totals.grand_total,
            t0() + Duration::hours(1)
        )
    );
    assert!(store
        .refunds_between(day.1, day.1 + Duration::days(1))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.order(order.id).await.unwrap().unwrap().status,
        OrderStatus::Refunded
    );
}
