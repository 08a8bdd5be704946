//! Contract cases: points taken with the order, settled once on delivery and cancellation, and
//! lapsed balances.

use super::*;
use crate::fulfilment::OrderStep;
use crate::payments::{NewPayment, PaymentUpdate, UpdateOutcome};
use crate::points::{OrderPoints, PointsDue};
use akinai_domain::coupon::Discount;
use akinai_domain::ids::CustomerId;
use akinai_domain::order::PaymentMethod;
use akinai_domain::payment::PaymentStatus;
use akinai_domain::points::{self, EntryKind, PointsState};
use akinai_domain::pricing::totals_after;

async fn member(store: &dyn Store, email: &str) -> CustomerId {
    store
        .create_customer(&accounts::new_customer(email))
        .await
        .unwrap()
        .unwrap()
}

/// `order` of `customer` using `used` points (taken off per rate) and earning `earned`.
fn with_points(mut order: NewOrder, customer: CustomerId, used: i64, earned: i64) -> NewOrder {
    let d = points::spend(used, used, &order.lines, &Discount::none()).unwrap();
    order.totals =
        totals_after(&order.lines, &d, Yen(800), Yen::ZERO, RoundingMode::Floor).unwrap();
    order.customer_id = Some(customer);
    order.points = OrderPoints { used, earned };
    order
}

async fn step(store: &dyn Store, id: akinai_domain::ids::OrderId, path: &[OrderStatus]) {
    for pair in path.windows(2) {
        let s = OrderStep::status_change(id, pair[0], pair[1], t0(), "admin:1".into());
        assert!(store.step_order(&s).await.unwrap());
    }
}

/// Settles every due order as the worker does; the number settled.
async fn settle_all(store: &dyn Store) -> usize {
    let due: Vec<PointsDue> = store.points_due(100).await.unwrap();
    let mut n = 0;
    for d in due {
        if let Some(settlement) = points::settle(&d.points) {
            if store.settle_points(&d, &settlement, t0()).await.unwrap() {
                n += 1;
            }
        }
    }
    n
}

pub(super) async fn points_are_granted_once_spent_with_the_order_and_given_back(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let (_, ids) = seed(s, &[("米", "", 2000, 100)]).await;
    let hanako = member(s, "hanako@example.jp").await;
    assert_eq!(s.point_balance(hanako).await.unwrap().balance, 0);

    // Earned on delivery, once however often it is settled.
    let first = with_points(new_order(s, 1, &[(ids[0].1, 3)]).await, hanako, 0, 60);
    let first = s.place_order(&first).await.unwrap().id;
    let placed = s.order(first).await.unwrap().unwrap();
    assert_eq!(
        (placed.points_earned, placed.points_state),
        (60, PointsState::Pending)
    );
    assert_eq!(settle_all(s).await, 0, "nothing is due before delivery");
    use OrderStatus::*;
    step(s, first, &[Placed, Paid, Shipped, Delivered]).await;
    assert_eq!(settle_all(s).await, 1);
    assert_eq!(settle_all(s).await, 0, "settled once");
    let b = s.point_balance(hanako).await.unwrap();
    assert_eq!((b.balance, b.last_activity_at), (60, Some(t0())));

    // Spent with the next order, per rate, and kept with it.
    let second = with_points(new_order(s, 2, &[(ids[0].1, 1)]).await, hanako, 50, 19);
    let second = s.place_order(&second).await.unwrap().id;
    let o = s.order(second).await.unwrap().unwrap();
    assert_eq!(o.totals.points, Yen(50));
    assert_eq!(o.totals.grand_total, Yen(2000 - 50 + 800));
    assert_eq!(o.totals.rates.iter().map(|r| r.discount.0).sum::<i64>(), 50);
    assert_eq!(s.point_balance(hanako).await.unwrap().balance, 10);

    // More than the balance: refused, and nothing of the order written.
    let greedy = with_points(new_order(s, 3, &[(ids[0].1, 1)]).await, hanako, 11, 0);
    assert!(matches!(
        s.place_order(&greedy).await,
        Err(PlaceOrderError::PointsShort)
    ));
    assert_eq!(stock_of(s, ids[0].1).await, 96);
    let guest = with_points(new_order(s, 4, &[(ids[0].1, 1)]).await, hanako, 5, 0);
    let guest = NewOrder {
        customer_id: None,
        ..guest
    };
    assert!(matches!(
        s.place_order(&guest).await,
        Err(PlaceOrderError::PointsShort)
    ));

    // Cancelled: the points used come back; refunded after delivery: the points granted go.
    step(s, second, &[Placed, Cancelled]).await;
    assert_eq!(settle_all(s).await, 1);
    assert_eq!(s.point_balance(hanako).await.unwrap().balance, 60);
    step(s, first, &[Delivered, Refunded]).await;
    assert_eq!(settle_all(s).await, 1);
    assert_eq!(s.point_balance(hanako).await.unwrap().balance, 0);
    let kinds: Vec<(EntryKind, i64, i64)> = s
        .point_entries(hanako, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| (e.kind, e.points, e.balance_after))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (EntryKind::Revoke, -60, 0),
            (EntryKind::Return, 50, 60),
            (EntryKind::Spend, -50, 10),
            (EntryKind::Earn, 60, 60),
        ]
    );

    let cart = s.create_cart(&token(9), t0()).await.unwrap();
    s.set_cart_points(cart, 120).await.unwrap();
    assert_eq!(
        s.cart_by_token(&token(9)).await.unwrap().unwrap().points,
        120
    );
}

/// One member's balance of 200 and five racing orders of 150 points each: one is placed.
pub(super) async fn racing_orders_never_spend_the_same_points_twice(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (_, ids) = seed(s, &[("茶", "", 3000, 100)]).await;
    let taro = member(s, "taro@example.jp").await;
    let earn = with_points(new_order(s, 1, &[(ids[0].1, 1)]).await, taro, 0, 200);
    let earn = s.place_order(&earn).await.unwrap().id;
    use OrderStatus::*;
    step(s, earn, &[Placed, Paid, Shipped, Delivered]).await;
    settle_all(s).await;
    let mut orders = Vec::new();
    for n in 0..5 {
        orders.push(with_points(
            new_order(s, 10 + n, &[(ids[0].1, 1)]).await,
            taro,
            150,
            0,
        ));
    }
    let refused = |e: &PlaceOrderError| matches!(e, PlaceOrderError::PointsShort);
    assert_eq!(race(&store, orders, refused).await, (1, 4));
    assert_eq!(store.point_balance(taro).await.unwrap().balance, 50);
    assert_eq!(stock_of(s, ids[0].1).await, 98);
}

pub(super) async fn unused_balances_lapse_whole_once(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (_, ids) = seed(s, &[("酒", "", 5000, 100)]).await;
    let jiro = member(s, "jiro@example.jp").await;
    let earn = with_points(new_order(s, 1, &[(ids[0].1, 1)]).await, jiro, 0, 50);
    let earn = s.place_order(&earn).await.unwrap().id;
    use OrderStatus::*;
    step(s, earn, &[Placed, Paid, Shipped, Delivered]).await;
    settle_all(s).await;
    // Not yet: the last activity is at the cutoff's other side.
    let now = t0() + Duration::days(400);
    assert!(s
        .lapse_points(t0() - Duration::seconds(1), now, 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.lapse_points(t0(), now, 10).await.unwrap(),
        vec![(jiro, 50)]
    );
    assert!(s.lapse_points(t0(), now, 10).await.unwrap().is_empty());
    assert_eq!(s.point_balance(jiro).await.unwrap().balance, 0);
    let e = &s.point_entries(jiro, 1).await.unwrap()[0];
    assert_eq!(
        (e.kind, e.points, e.balance_after, e.order_id),
        (EntryKind::Expire, -50, 0, None)
    );
}

/// Records a refund raising the order's refunded total to `total`, as a provider's report does.
async fn refund_to(store: &dyn Store, order: akinai_domain::ids::OrderId, total: i64) {
    let p = store.payment_of_order(order).await.unwrap().unwrap();
    let update = PaymentUpdate {
        payment: p.id,
        version: p.version,
        status: PaymentStatus::Succeeded,
        refunded: Yen(total),
        payment_ref: None,
        instructions: None,
        at: t0(),
        event: None,
        flag: None,
        step: None,
    };
    assert_eq!(
        store.update_payment(&update).await.unwrap(),
        UpdateOutcome::Applied
    );
}

/// A delivered order granted 100 points on ¥10,000: ¥2,450 refunded takes back 25, once; a
/// refund too small to move a point is seen and moves none; the rest refunded takes back what is
/// still granted. An order settled and not refunded since is never due again (so a batch of due
/// orders cannot fill with orders that have nothing to do).
pub(super) async fn partial_refunds_take_back_their_share_once_and_settled_orders_rest(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let (_, ids) = seed(s, &[("器", "", 9200, 100)]).await;
    let mika = member(s, "mika@example.jp").await;
    let order = with_points(new_order(s, 1, &[(ids[0].1, 1)]).await, mika, 0, 100);
    let total = order.totals.grand_total;
    assert_eq!(total, Yen(10_000));
    let order = s.place_order(&order).await.unwrap().id;
    s.create_payment(&NewPayment {
        order,
        provider: "stripe".into(),
        method: PaymentMethod::Card,
        amount: total,
        at: t0(),
    })
    .await
    .unwrap();
    use OrderStatus::*;
    step(s, order, &[Placed, Paid, Shipped, Delivered]).await;
    assert_eq!(settle_all(s).await, 1);
    assert!(
        s.points_due(100).await.unwrap().is_empty(),
        "granted, nothing due"
    );

    refund_to(s, order, 2_450).await;
    assert_eq!(s.points_due(100).await.unwrap().len(), 1);
    assert_eq!(settle_all(s).await, 1);
    assert_eq!(settle_all(s).await, 0, "taken back once");
    assert_eq!(s.point_balance(mika).await.unwrap().balance, 75);

    refund_to(s, order, 2_480).await;
    assert_eq!(settle_all(s).await, 1, "seen");
    assert_eq!(s.point_balance(mika).await.unwrap().balance, 75);
    assert!(s.points_due(100).await.unwrap().is_empty());

    refund_to(s, order, 5_000).await;
    assert_eq!(settle_all(s).await, 1);
    assert_eq!(s.point_balance(mika).await.unwrap().balance, 50);

    step(s, order, &[Delivered, Refunded]).await;
    assert_eq!(settle_all(s).await, 1);
    assert_eq!(s.point_balance(mika).await.unwrap().balance, 0);
    let moves: Vec<(EntryKind, i64)> = s
        .point_entries(mika, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| (e.kind, e.points))
        .collect();
    assert_eq!(
        moves,
        vec![
            (EntryKind::Revoke, -50),
            (EntryKind::RevokePart, -25),
            (EntryKind::RevokePart, -25),
            (EntryKind::Earn, 100),
        ]
    );
    let o = s.order(order).await.unwrap().unwrap();
    assert_eq!(o.points_state, PointsState::Reversed);
}
