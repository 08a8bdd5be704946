//! Contract cases: coupons, their uses and the discount kept with an order.

use super::*;
use crate::coupons::{coupon_shopper, CouponUse};
use akinai_domain::coupon::{apply, CouponCode, CouponRule, Off, Usage};
use akinai_domain::pricing::totals_after;

fn rule(max_uses: Option<u32>, per_customer: Option<u32>) -> CouponRule {
    CouponRule {
        off: Off::Amount(Yen(500)),
        min_purchase: Yen(0),
        max_uses,
        per_customer,
        valid_from: None,
        valid_until: None,
        first_order_only: false,
        products: Vec::new(),
        categories: vec![],
    }
}

fn code(s: &str) -> CouponCode {
    CouponCode::parse(s).unwrap()
}

/// `order` with the coupon applied: the discount taken off per rate, and its use to count.
fn with_coupon(mut order: NewOrder, coupon: &crate::coupons::Coupon, email: &str) -> NewOrder {
    let d = apply(&coupon.rule, &order.lines, Usage::default(), t0()).unwrap();
    order.totals =
        totals_after(&order.lines, &d, Yen(800), Yen::ZERO, RoundingMode::Floor).unwrap();
    order.coupon = Some(CouponUse {
        coupon_id: coupon.id,
        code: coupon.code.clone(),
        shopper: coupon_shopper(email),
        per_customer: coupon.rule.per_customer,
    });
    order
}

pub(super) async fn coupons_round_trip_with_unique_codes_and_cart_codes(store: Arc<dyn Store>) {
    let r = CouponRule {
        products: vec![ProductId(7)],
        valid_until: Some(t0() + Duration::days(30)),
        ..rule(Some(10), Some(1))
    };
    let id = store
        .create_coupon(&code("WELCOME500"), &r, "owner", t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .create_coupon(&code("ｗｅｌｃｏｍｅ５００"), &r, "owner", t0())
            .await
            .unwrap(),
        None,
        "the folded code is taken"
    );
    let c = store
        .coupon_by_code(&code("welcome500"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((c.id, &c.rule, c.used, c.disabled), (id, &r, 0, false));
    assert_eq!(c.created_by, "owner");
    assert!(store.coupon_by_code(&code("NOPE")).await.unwrap().is_none());
    assert!(store.set_coupon_disabled(id, true).await.unwrap());
    assert!(!store
        .set_coupon_disabled(CouponId(999), true)
        .await
        .unwrap());
    assert!(store.coupons(10).await.unwrap()[0].disabled);

    let cart = store.create_cart(&token(1), t0()).await.unwrap();
    store.set_cart_coupon(cart, Some(&c.code)).await.unwrap();
    let found = store.cart_by_token(&token(1)).await.unwrap().unwrap();
    assert_eq!(found.coupon.as_deref(), Some("WELCOME500"));
    store.set_cart_coupon(cart, None).await.unwrap();
    assert_eq!(
        store
            .cart_by_token(&token(1))
            .await
            .unwrap()
            .unwrap()
            .coupon,
        None
    );
}

pub(super) async fn an_order_keeps_its_discount_per_rate_and_counts_its_use(store: Arc<dyn Store>) {
    let (_, ids) = seed(
        store.as_ref(),
        &[("茶葉", "", 2160, 5), ("急須", "", 5500, 5)],
    )
    .await;
    store
        .create_coupon(&code("TEA"), &rule(None, Some(1)), "owner", t0())
        .await
        .unwrap();
    let c = store.coupon_by_code(&code("TEA")).await.unwrap().unwrap();
    let order = new_order(store.as_ref(), 1, &[(ids[0].1, 1), (ids[1].1, 1)]).await;
    let email = order.details.email.as_str().to_string();
    let order = with_coupon(order, &c, &email);
    assert_eq!(order.totals.discount, Yen(500));
    let placed = store.place_order(&order).await.unwrap();
    let stored = store.order(placed.id).await.unwrap().unwrap();
    assert_eq!(
        stored.totals, order.totals,
        "discount and per-rate shares kept"
    );
    assert_eq!(stored.coupon_code.as_deref(), Some("TEA"));
    assert_eq!(
        store
            .coupon_uses_by(c.id, &coupon_shopper(&email))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .orders_by_email(&email.to_uppercase(), 5)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.orders_by_email("other@example.jp", 5).await.unwrap(),
        0
    );
    // The same shopper's second use is refused by the store itself, and writes nothing.
    let again = with_coupon(
        new_order(store.as_ref(), 2, &[(ids[0].1, 1)]).await,
        &c,
        &email.to_uppercase(),
    );
    assert!(matches!(
        store.place_order(&again).await,
        Err(PlaceOrderError::CouponUsedUp)
    ));
    assert_eq!(stock_of(store.as_ref(), ids[0].1).await, 4);
    assert_eq!(
        store.coupon_by_code(&c.code).await.unwrap().unwrap().used,
        1
    );
}

/// A coupon with 10 uses and 50 racing checkouts of different shoppers: 10 orders placed.
pub(super) async fn racing_orders_never_use_a_coupon_more_than_allowed(store: Arc<dyn Store>) {
    let (cat, ids) = seed(store.as_ref(), &[("福袋", "", 3000, 100)]).await;
    // The categories of a cart's products, for coupons that target categories.
    assert_eq!(
        store
            .product_categories(&[ids[0].0, ProductId(999_999)])
            .await
            .unwrap(),
        vec![(ids[0].0, cat)]
    );
    store
        .create_coupon(&code("LIMITED10"), &rule(Some(10), None), "owner", t0())
        .await
        .unwrap();
    let c = store
        .coupon_by_code(&code("LIMITED10"))
        .await
        .unwrap()
        .unwrap();
    let mut orders = Vec::new();
    for buyer in 0..50 {
        let o = new_order(store.as_ref(), 100 + buyer, &[(ids[0].1, 1)]).await;
        orders.push(with_coupon(o, &c, &format!("buyer{buyer}@example.jp")));
    }
    let refused = |e: &PlaceOrderError| matches!(e, PlaceOrderError::CouponUsedUp);
    assert_eq!(race(&store, orders, refused).await, (10, 40));
    assert_eq!(
        store.coupon_by_code(&c.code).await.unwrap().unwrap().used,
        10
    );
    assert_eq!(stock_of(store.as_ref(), ids[0].1).await, 90);
    assert_eq!(store.pending_jobs().await.unwrap(), 10);
}
