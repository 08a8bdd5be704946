//! Contract cases: carts and order placement.

use super::*;

pub(super) async fn cart_lines_are_set_changed_and_removed(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 100, 5), ("B", "", 200, 5)]).await;
    let cart = store.create_cart(&token(1), t0()).await.unwrap();
    let found = store.cart_by_token(&token(1)).await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.order_id, found.checkout),
        (cart, None, None)
    );
    assert!(store.cart_by_token(&token(2)).await.unwrap().is_none());
    let q = |n| Some(Quantity::new(n).unwrap());
    store
        .set_cart_line(cart, ids[0].1, q(2), t0())
        .await
        .unwrap();
    store
        .set_cart_line(cart, ids[1].1, q(1), t0())
        .await
        .unwrap();
    store
        .set_cart_line(cart, ids[0].1, q(3), t0())
        .await
        .unwrap();
    let lines = store.cart_lines(cart).await.unwrap();
    assert_eq!(
        lines,
        vec![
            (ids[0].1, Quantity::new(3).unwrap()),
            (ids[1].1, Quantity::new(1).unwrap())
        ]
    );
    store
        .set_cart_line(cart, ids[0].1, None, t0())
        .await
        .unwrap();
    assert_eq!(
        store.cart_lines(cart).await.unwrap(),
        vec![(ids[1].1, Quantity::new(1).unwrap())]
    );
    store.save_checkout(cart, &details(), t0()).await.unwrap();
    assert_eq!(
        store
            .cart_by_token(&token(1))
            .await
            .unwrap()
            .unwrap()
            .checkout,
        Some(details())
    );
}

pub(super) async fn placing_an_order_reserves_stock_and_enqueues_its_mail(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1100, 5), ("B", "", 2160, 5)]).await;
    let order = new_order(store.as_ref(), 1, &[(ids[0].1, 2), (ids[1].1, 1)]).await;
    let placed = store.place_order(&order).await.unwrap();
    assert!(placed.newly_placed);
    assert_eq!(stock_of(store.as_ref(), ids[0].1).await, 3);
    assert_eq!(stock_of(store.as_ref(), ids[1].1).await, 4);
    let stored = store
        .order_by_status_token(&order.status_token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.id, placed.id);
    assert_eq!(stored.cart_id, order.cart_id);
    assert_eq!(stored.status, OrderStatus::Placed);
    assert_eq!(stored.lines, order.lines);
    assert_eq!(stored.totals, order.totals);
    assert_eq!(stored.details, order.details);
    assert_eq!(stored.placed_at, t0());
    assert_eq!(stored.confirmation_sent_at, None);
    assert_eq!(store.order(placed.id).await.unwrap().unwrap(), stored);
    assert_eq!(
        store
            .cart_by_token(&token(1))
            .await
            .unwrap()
            .unwrap()
            .order_id,
        Some(placed.id)
    );
    assert!(store
        .order_by_status_token(&token(42))
        .await
        .unwrap()
        .is_none());
    let job = store
        .claim_job(t0(), t0() + Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.kind, JOB_ORDER_CONFIRMATION);
    assert_eq!(job.payload["order_id"], serde_json::json!(placed.id.0));
}

pub(super) async fn placing_an_order_twice_for_one_cart_creates_one_order(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 5)]).await;
    let order = new_order(store.as_ref(), 1, &[(ids[0].1, 2)]).await;
    let first = store.place_order(&order).await.unwrap();
    let again = NewOrder {
        status_token: token(77),
        ..order.clone()
    };
    let second = store.place_order(&again).await.unwrap();
    assert_eq!(second.id, first.id);
    assert!(!second.newly_placed);
    assert_eq!(
        stock_of(store.as_ref(), ids[0].1).await,
        3,
        "stock reserved once"
    );
    assert_eq!(
        store.pending_jobs().await.unwrap(),
        1,
        "one confirmation mail"
    );
}

pub(super) async fn an_order_short_of_stock_writes_nothing(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 5), ("B", "", 1000, 1)]).await;
    let order = new_order(store.as_ref(), 1, &[(ids[0].1, 2), (ids[1].1, 2)]).await;
    match store.place_order(&order).await {
        Err(PlaceOrderError::OutOfStock(sku)) => assert_eq!(sku, ids[1].1),
        other => panic!("expected out of stock, got {other:?}"),
    }
    assert_eq!(
        stock_of(store.as_ref(), ids[0].1).await,
        5,
        "the first line's decrement was rolled back"
    );
    assert_eq!(stock_of(store.as_ref(), ids[1].1).await, 1);
    assert!(store
        .order_by_status_token(&order.status_token)
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.pending_jobs().await.unwrap(), 0);
    assert_eq!(
        store
            .cart_by_token(&token(1))
            .await
            .unwrap()
            .unwrap()
            .order_id,
        None
    );
}

pub(super) async fn concurrent_buyers_never_oversell(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("限定品", "", 5000, 10)]).await;
    let sku = ids[0].1;
    let mut orders = Vec::new();
    for buyer in 0..50 {
        orders.push(new_order(store.as_ref(), 100 + buyer, &[(sku, 1)]).await);
    }
    let tasks: Vec<_> = orders
        .into_iter()
        .map(|o| {
            let store = store.clone();
            tokio::spawn(async move { store.place_order(&o).await })
        })
        .collect();
    let (mut placed, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => placed += 1,
            Err(PlaceOrderError::OutOfStock(_)) => refused += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!((placed, refused), (10, 40));
    assert_eq!(stock_of(store.as_ref(), sku).await, 0);
    assert_eq!(store.pending_jobs().await.unwrap(), 10);
}

pub(super) async fn a_five_thousand_line_order_round_trips(store: Arc<dyn Store>) {
    let cat = store
        .create_category(&NewCategory {
            parent_id: None,
            slug: "bulk".into(),
            name: "まとめ買い".into(),
            position: 0,
        })
        .await
        .unwrap();
    let skus: Vec<NewSku> = (0..5000)
        .map(|i| NewSku {
            code: format!("B-{i}"),
            option_label: format!("#{i}"),
            price: Yen(100 + i),
            stock: 3,
        })
        .collect();
    let pid = store
        .create_product(&NewProduct {
            category_id: cat,
            name: "ねじ".into(),
            description: SafeHtml::sanitize(""),
            tax_category: TaxCategory::Standard,
            image_hue: 0,
            published: true,
            skus,
        })
        .await
        .unwrap();
    let ids: Vec<(SkuId, u32)> = store
        .product(pid)
        .await
        .unwrap()
        .unwrap()
        .skus
        .iter()
        .map(|s| (s.id, 2))
        .collect();
    assert_eq!(ids.len(), 5000);
    let order = new_order(store.as_ref(), 1, &ids).await;
    let placed = store.place_order(&order).await.unwrap();
    let stored = store.order(placed.id).await.unwrap().unwrap();
    assert_eq!(stored.lines, order.lines);
    assert_eq!(stored.totals, order.totals);
    assert_eq!(stock_of(store.as_ref(), ids[4999].0).await, 1);
}
