//! Contract cases for the dashboard's business figures.

use std::sync::Arc;

use chrono::Duration;

use akinai_domain::order::OrderStatus;

use super::{new_order, seed, t0};
use crate::fulfilment::OrderStep;
use crate::{NewOrder, Store};

pub(super) async fn sales_delays_funnel_and_low_stock_are_reported(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 50), ("B", "", 500, 3)]).await;
    // t0 is 2026-11-25 09:00 UTC = 18:00 JST; +7 h is 01:00 JST on the 26th.
    let at = |hours: i64| t0() + Duration::hours(hours);
    let mut placed = Vec::new();
    for (n, hours) in [(1u64, 0i64), (2, 1), (3, 7)] {
        let order = NewOrder {
            placed_at: at(hours),
            ..new_order(store.as_ref(), n, &[(ids[0].1, 1)]).await
        };
        placed.push(store.place_order(&order).await.unwrap().id);
    }
    let total = store
        .order(placed[0])
        .await
        .unwrap()
        .unwrap()
        .totals
        .grand_total;
    let cancel = OrderStep {
        order: placed[1],
        from: OrderStatus::Placed,
        to: OrderStatus::Cancelled,
        at: at(2),
        actor: "admin:1".into(),
        shipment: None,
        note: None,
        require_review_cleared: false,
        release_stock: true,
        mail: None,
        payment: None,
    };
    assert!(store.step_order(&cancel).await.unwrap());
    let days = store.sales_by_day(at(-24), at(24)).await.unwrap();
    assert_eq!(days.len(), 2, "{days:?}");
    assert_eq!(
        (days[0].day.as_str(), days[0].orders, days[0].sales),
        ("2026-11-25", 1, total),
        "the cancelled order is not a sale"
    );
    assert_eq!((days[1].day.as_str(), days[1].orders), ("2026-11-26", 1));

    // The confirmation of the first order is delivered 90 seconds after it was placed.
    while let Some(job) = store.claim_job(at(10), at(11)).await.unwrap() {
        let done = if job.payload["order_id"] == serde_json::json!(placed[0].0) {
            at(0) + Duration::seconds(90)
        } else {
            at(10)
        };
        store.complete_job(job.id, done).await.unwrap();
    }
    let mut delays = store.confirmation_delays(at(-1), 10).await.unwrap();
    delays.sort_unstable();
    assert_eq!(delays.len(), 3);
    assert_eq!(delays[0], 90_000);

    store.add_visits("2026-11-25", 40).await.unwrap();
    store.add_visits("2026-11-25", 2).await.unwrap();
    store.add_visits("2026-11-01", 1000).await.unwrap();
    let funnel = store.funnel(at(-1), "2026-11-20").await.unwrap();
    assert_eq!(funnel.visits, 42);
    assert_eq!((funnel.carts, funnel.orders), (3, 3));

    let low = store.low_stock(5, 10).await.unwrap();
    assert_eq!(low.len(), 1);
    assert_eq!((low[0].name.as_str(), low[0].stock), ("B", 3));
}
