use super::*;
use crate::coupon::tests::line;
use crate::coupon::{apply, CouponRule, Off, Usage};
use crate::ids::ProductId;
use crate::pricing::totals_after;
use crate::tax::{tax_included_in, RoundingMode};
use proptest::prelude::*;

fn at(days: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + days * 86_400, 0).unwrap()
}

#[test]
fn the_policy_form_reads_numbers_in_range_and_names_the_bad_fields() {
    assert_eq!(
        PointsPolicy::parse("１", "365"),
        Ok(PointsPolicy {
            earn_percent: 1,
            expiry_days: 365
        })
    );
    assert_eq!(
        PointsPolicy::parse("21", "x"),
        Err(vec!["earn_percent", "expiry_days"])
    );
    assert_eq!(PointsPolicy::parse("0", "0").map(|p| p.earn_percent), Ok(0));
}

#[test]
fn points_are_earned_per_hundred_yen_rounded_down() {
    let p = PointsPolicy {
        earn_percent: 1,
        expiry_days: 0,
    };
    assert_eq!(p.earned_on(Yen(5_999)), 59);
    assert_eq!(p.earned_on(Yen(-5)), 0);
    let off = PointsPolicy::default();
    assert_eq!(off.earned_on(Yen(100_000)), 0);
}

#[test]
fn points_split_across_the_rates_after_the_coupon() {
    // 8% items 3,240 and 10% items 2,200; a 500-yen coupon on the 10% item only.
    let lines = [
        line(1, 3_240, TaxCategory::Reduced),
        line(2, 2_200, TaxCategory::Standard),
    ];
    let rule = CouponRule {
        off: Off::Amount(Yen(500)),
        min_purchase: Yen::ZERO,
        max_uses: None,
        per_customer: None,
        valid_from: None,
        valid_until: None,
        first_order_only: false,
        products: vec![ProductId(2)],
        categories: vec![],
    };
    let coupon = apply(&rule, &lines, Usage::default(), at(0)).unwrap();
    let points = spend(1_000, 1_200, &lines, &coupon).unwrap();
    // Left to pay: 8% 3,240, 10% 1,700 (4,940); 1,000 points: 8% 655.87 → 656, 10% 344.13 → 344.
    assert_eq!(points.of(TaxCategory::Reduced), Yen(656));
    assert_eq!(points.of(TaxCategory::Standard), Yen(344));
    let both = combine(&coupon, &points);
    assert_eq!(both.total, Yen(1_500));
    assert_eq!(both.points, Yen(1_000));
    assert_eq!(both.of(TaxCategory::Standard), Yen(844));
    let t = totals_after(&lines, &both, Yen(660), Yen::ZERO, RoundingMode::Floor).unwrap();
    assert_eq!(t.discount, Yen(500));
    assert_eq!(t.points, Yen(1_000));
    assert_eq!(t.grand_total, Yen(5_440 - 1_500 + 660));
    let reduced = t.rates.iter().find(|r| r.rate_percent == 8).unwrap();
    assert_eq!(reduced.total, Yen(3_240 - 656));
    assert_eq!(reduced.tax, Yen((3_240 - 656) * 8 / 108));
}

#[test]
fn points_beyond_the_balance_or_the_items_are_refused() {
    let lines = [line(1, 1_000, TaxCategory::Standard)];
    assert_eq!(
        spend(500, 499, &lines, &Discount::none()),
        Err(PointsRefusal::MoreThanBalance(499))
    );
    assert_eq!(
        spend(1_001, 5_000, &lines, &Discount::none()),
        Err(PointsRefusal::MoreThanItems(Yen(1_000)))
    );
    assert_eq!(spend(0, 0, &lines, &Discount::none()), Ok(Discount::none()));
}

#[test]
fn an_order_earns_on_delivery_and_gives_everything_back_on_refund() {
    assert_eq!(PointsState::at_placement(0, 0), PointsState::None);
    assert_eq!(
        settle(PointsState::Pending, OrderStatus::Delivered, 300, 40),
        Some((PointsState::Granted, vec![(EntryKind::Earn, 40)]))
    );
    assert_eq!(
        settle(PointsState::Pending, OrderStatus::Shipped, 300, 40),
        None
    );
    assert_eq!(
        settle(PointsState::Granted, OrderStatus::Delivered, 300, 40),
        None
    );
    assert_eq!(
        settle(PointsState::Granted, OrderStatus::Refunded, 300, 40),
        Some((
            PointsState::Reversed,
            vec![(EntryKind::Return, 300), (EntryKind::Revoke, -40)]
        ))
    );
    assert_eq!(
        settle(PointsState::Pending, OrderStatus::Cancelled, 300, 40),
        Some((PointsState::Reversed, vec![(EntryKind::Return, 300)]))
    );
    assert_eq!(
        settle(PointsState::Reversed, OrderStatus::Refunded, 300, 40),
        None
    );
}

#[test]
fn a_balance_lapses_after_the_period_without_activity() {
    let p = PointsPolicy {
        earn_percent: 1,
        expiry_days: 365,
    };
    assert!(!lapsed(&p, at(0), at(364)));
    assert!(lapsed(&p, at(0), at(365)));
    assert_eq!(lapse_cutoff(&p, at(365)), Some(at(0)));
    let never = PointsPolicy {
        expiry_days: 0,
        ..p
    };
    assert!(!lapsed(&never, at(0), at(10_000)));
    assert_eq!(lapse_cutoff(&never, at(1)), None);
}

fn rate() -> impl Strategy<Value = TaxCategory> {
    prop_oneof![
        Just(TaxCategory::Standard),
        Just(TaxCategory::Reduced),
        Just(TaxCategory::NonTaxable)
    ]
}

proptest! {
    /// Whatever happens to an order, once it is reversed the member's balance is as before it:
    /// the points used come back and the points granted go again.
    #[test]
    fn a_reversed_order_leaves_the_balance_as_it_was(
        used in 0i64..10_000, earned in 0i64..1_000, delivered in any::<bool>(), refund in any::<bool>()
    ) {
        let mut balance = -used;
        let mut state = PointsState::at_placement(used, earned);
        let mut steps = Vec::new();
        if delivered { steps.push(OrderStatus::Delivered); }
        steps.push(if refund || delivered { OrderStatus::Refunded } else { OrderStatus::Cancelled });
        for status in steps {
            if let Some((next, moves)) = settle(state, status, used, earned) {
                balance += moves.iter().map(|m| m.1).sum::<i64>();
                state = next;
            }
        }
        prop_assert_eq!(balance, 0);
        prop_assert!(state == PointsState::Reversed || state == PointsState::None);
    }

    /// Coupon and points together: Σ per-rate totals equals the grand total, each rate's tax is
    /// one rounding of its reduced total, and no rate is reduced below zero.
    #[test]
    fn coupon_and_points_keep_the_per_rate_totals_right(
        items in proptest::collection::vec((1i64..50_000, rate()), 1..8),
        coupon_off in 0i64..20_000, points_share in 0u32..=100, shipping in 0i64..2_000
    ) {
        let lines: Vec<PricedLine> = items.iter().enumerate()
            .map(|(i, (p, r))| line(i as i64 + 1, *p, *r)).collect();
        let rule = CouponRule {
            off: Off::Amount(Yen(coupon_off.max(1))), min_purchase: Yen::ZERO, max_uses: None,
            per_customer: None, valid_from: None, valid_until: None,
            first_order_only: false, products: vec![], categories: vec![],
        };
        let coupon = apply(&rule, &lines, Usage::default(), at(0)).unwrap();
        let items_total: i64 = items.iter().map(|i| i.0).sum();
        let left = items_total - coupon.total.0;
        let points = i64::from(points_share) * left / 100;
        let pts = spend(points, points, &lines, &coupon).unwrap();
        prop_assert_eq!(pts.total, Yen(points));
        let both = combine(&coupon, &pts);
        let t = totals_after(&lines, &both, Yen(shipping), Yen::ZERO, RoundingMode::Floor).unwrap();
        prop_assert_eq!(t.grand_total.0, items_total - coupon.total.0 - points + shipping);
        prop_assert_eq!(t.rates.iter().map(|r| r.total.0).sum::<i64>(), t.grand_total.0);
        for r in &t.rates {
            prop_assert!(r.total.0 >= 0);
            prop_assert_eq!(r.tax, tax_included_in(r.total, r.rate_percent, RoundingMode::Floor));
        }
        prop_assert_eq!(t.discount.0 + t.points.0, both.total.0);
    }
}
