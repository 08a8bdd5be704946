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

/// A cart's contents come with each SKU as sold now, in the order the lines were added; a line
/// whose product was withdrawn from sale comes without one.
pub(super) async fn cart_contents_carry_the_skus_for_sale(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 100, 5), ("B", "", 200, 7)]).await;
    let cart = store.create_cart(&token(1), t0()).await.unwrap();
    let q = |n| Some(Quantity::new(n).unwrap());
    store
        .set_cart_line(cart, ids[1].1, q(2), t0())
        .await
        .unwrap();
    store
        .set_cart_line(cart, ids[0].1, q(1), t0() + Duration::seconds(1))
        .await
        .unwrap();
    let contents = store.cart_contents(cart).await.unwrap();
    let summary: Vec<_> = contents
        .iter()
        .map(|(sku, n, s)| {
            (
                *sku,
                n.get(),
                s.as_ref().map(|s| (s.sku_id, s.price, s.stock)),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (ids[1].1, 2, Some((ids[1].1, Yen(200), 7))),
            (ids[0].1, 1, Some((ids[0].1, Yen(100), 5))),
        ]
    );
    store
        .set_published(&[ids[1].0], false, chrono::Utc::now())
        .await
        .unwrap();
    let contents = store.cart_contents(cart).await.unwrap();
    assert_eq!(
        contents.len(),
        2,
        "the line stays until the cart page tidies it"
    );
    assert!(contents[0].2.is_none(), "withdrawn from sale");
    assert_eq!(
        contents[1].2.as_ref().map(|s| s.product_name.as_str()),
        Some("A")
    );
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
    placed_once(store.as_ref(), ids[0].1).await;
}

/// Checks one order of two units was placed from a SKU that had five: stock taken once, one
/// confirmation mail.
async fn placed_once(store: &dyn Store, sku: SkuId) {
    assert_eq!(stock_of(store, sku).await, 3, "stock reserved once");
    assert_eq!(
        store.pending_jobs().await.unwrap(),
        1,
        "one confirmation mail"
    );
}

/// Two submits of one cart at the same moment (a double click): on SQLite both land in one
/// group commit, on PostgreSQL in two transactions; either way one order, one decrement.
pub(super) async fn placing_one_cart_twice_at_once_creates_one_order(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 5)]).await;
    let order = new_order(store.as_ref(), 1, &[(ids[0].1, 2)]).await;
    let again = NewOrder {
        status_token: token(78),
        ..order.clone()
    };
    let (a, b) = tokio::join!(store.place_order(&order), store.place_order(&again));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.id, b.id);
    assert!(
        a.newly_placed != b.newly_placed,
        "exactly one of the two placed it"
    );
    placed_once(store.as_ref(), ids[0].1).await;
}

/// The hold rule's count of orders to one address is capped at the rule's threshold, so many
/// orders to one address cost no more to count than a few (CCSG-F-4 stays cheap to check).
pub(super) async fn orders_to_an_address_are_counted_up_to_the_cap(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 50)]).await;
    let mut key = String::new();
    for n in 0..4 {
        let order = new_order(store.as_ref(), 10 + n, &[(ids[0].1, 1)]).await;
        key = order.address_key.clone();
        store.place_order(&order).await.unwrap();
    }
    let since = t0() - chrono::Duration::hours(24);
    let count = |cap| store.orders_to_address_since(&key, since, cap);
    assert_eq!(count(2).await.unwrap(), 2, "no further than the cap");
    assert_eq!(count(10).await.unwrap(), 4, "all of them under the cap");
    assert_eq!(
        store
            .orders_to_address_since("elsewhere", since, 10)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .orders_to_address_since(&key, t0() + chrono::Duration::hours(1), 10)
            .await
            .unwrap(),
        0,
        "only orders since the time given"
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

/// Quick order's two bulk calls: SKUs for sale found by code (unknown and unpublished codes
/// left out, more codes than one statement's chunk), and many cart lines set at once (new lines
/// added, existing ones given their new quantity).
pub(super) async fn quick_order_finds_skus_by_code_and_sets_many_lines(store: Arc<dyn Store>) {
    let products: Vec<(String, i64)> = (0..3).map(|i| (format!("P{i}"), 10 + i)).collect();
    let rows: Vec<(&str, &str, i64, i64)> = products
        .iter()
        .map(|(n, stock)| (n.as_str(), "", 100, *stock))
        .collect();
    let (_, ids) = seed(store.as_ref(), &rows).await;
    let mut codes: Vec<String> = (0..1_200).map(|i| format!("NONE-{i}")).collect();
    codes.extend(["SKU-2".to_string(), "SKU-0".to_string()]);
    let mut found = store.skus_for_sale_by_code(&codes).await.unwrap();
    found.sort_by_key(|s| s.sku_id);
    let got: Vec<(&str, i64)> = found.iter().map(|s| (s.code.as_str(), s.stock)).collect();
    assert_eq!(got, [("SKU-0", 10), ("SKU-2", 12)]);
    assert_eq!(found[0].sku_id, ids[0].1);

    let cart = store.create_cart(&token(7), t0()).await.unwrap();
    let q = |n| Quantity::new(n).unwrap();
    store
        .set_cart_line(cart, ids[0].1, Some(q(1)), t0())
        .await
        .unwrap();
    let many: Vec<(SkuId, Quantity)> = vec![(ids[0].1, q(4)), (ids[1].1, q(2)), (ids[2].1, q(9))];
    store.set_cart_lines(cart, &many, t0()).await.unwrap();
    let mut lines = store.cart_lines(cart).await.unwrap();
    lines.sort_by_key(|(s, _)| *s);
    assert_eq!(lines, many);
}
