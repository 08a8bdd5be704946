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

fn now(state: PointsState, status: OrderStatus, used: i64, earned: i64) -> OrderPointsNow {
    OrderPointsNow {
        state,
        status,
        used,
        earned,
        revoked: 0,
        total: 10_000,
        refunded: 0,
    }
}

fn settled(to: PointsState, revoked: i64, moves: Vec<(EntryKind, i64)>) -> Option<Settlement> {
    Some(Settlement { to, revoked, moves })
}

#[test]
fn an_order_earns_on_delivery_and_gives_everything_back_on_refund() {
    use OrderStatus::*;
    use PointsState::*;
    assert_eq!(PointsState::at_placement(0, 0), PointsState::None);
    assert_eq!(
        settle(&now(Pending, Delivered, 300, 40)),
        settled(Granted, 0, vec![(EntryKind::Earn, 40)])
    );
    assert_eq!(settle(&now(Pending, Shipped, 300, 40)), Option::None);
    assert_eq!(
        settle(&now(Granted, Refunded, 300, 40)),
        settled(
            Reversed,
            0,
            vec![(EntryKind::Return, 300), (EntryKind::Revoke, -40)]
        )
    );
    assert_eq!(
        settle(&now(Pending, Cancelled, 300, 40)),
        settled(Reversed, 0, vec![(EntryKind::Return, 300)])
    );
    assert_eq!(settle(&now(Reversed, Refunded, 300, 40)), Option::None);
}

#[test]
fn a_partial_refund_takes_back_the_points_earned_on_the_refunded_part() {
    use OrderStatus::*;
    use PointsState::*;
    assert_eq!(kept_after_refund(40, 10_000, 0), 40);
    assert_eq!(kept_after_refund(40, 10_000, 2_500), 30);
    assert_eq!(kept_after_refund(40, 10_000, 2_501), 29, "rounded down");
    assert_eq!(kept_after_refund(40, 10_000, 10_000), 0);
    assert_eq!(kept_after_refund(40, 0, 1), 0);
    // Granted, then a quarter refunded: 10 of 40 taken back, the points used stay spent.
    let granted = OrderPointsNow {
        refunded: 2_500,
        ..now(Granted, Delivered, 300, 40)
    };
    assert_eq!(
        settle(&granted),
        settled(Granted, 10, vec![(EntryKind::RevokePart, -10)])
    );
    // A second refund takes back only what the first did not.
    let again = OrderPointsNow {
        revoked: 10,
        refunded: 5_000,
        ..granted
    };
    assert_eq!(
        settle(&again),
        settled(Granted, 20, vec![(EntryKind::RevokePart, -10)])
    );
    // A refund too small to move a point moves none (but is seen).
    let first = OrderPointsNow {
        refunded: 2_400,
        ..granted
    };
    assert_eq!(
        settle(&first),
        settled(Granted, 10, vec![(EntryKind::RevokePart, -10)])
    );
    let tiny = OrderPointsNow {
        revoked: 10,
        refunded: 2_450,
        ..granted
    };
    assert_eq!(settle(&tiny), settled(Granted, 10, vec![]));
    // Refunded before delivery: only the rest is granted.
    let early = OrderPointsNow {
        refunded: 5_000,
        ..now(Pending, Delivered, 0, 40)
    };
    assert_eq!(
        settle(&early),
        settled(Granted, 20, vec![(EntryKind::Earn, 20)])
    );
    // Then wholly refunded: the points used come back, what is still granted goes.
    let whole = OrderPointsNow {
        status: Refunded,
        revoked: 20,
        refunded: 10_000,
        ..granted
    };
    assert_eq!(
        settle(&whole),
        settled(
            Reversed,
            20,
            vec![(EntryKind::Return, 300), (EntryKind::Revoke, -20)]
        )
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
        used in 0i64..10_000, earned in 0i64..1_000, delivered in any::<bool>(), refund in any::<bool>(),
        parts in proptest::collection::vec(1i64..4_000, 0..4)
    ) {
        let total = 10_000;
        let mut balance = -used;
        let mut o = OrderPointsNow {
            state: PointsState::at_placement(used, earned),
            status: OrderStatus::Placed, used, earned, revoked: 0, total, refunded: 0,
        };
        let mut steps = Vec::new();
        if delivered { steps.push((OrderStatus::Delivered, 0)); }
        // Partial refunds after delivery, each settled, never more than the total.
        for p in &parts {
            if delivered { steps.push((OrderStatus::Delivered, *p)); }
        }
        steps.push((if refund || delivered { OrderStatus::Refunded } else { OrderStatus::Cancelled }, total));
        for (status, back) in steps {
            o.status = status;
            o.refunded = (o.refunded + back).min(total);
            if let Some(s) = settle(&o) {
                balance += s.moves.iter().map(|m| m.1).sum::<i64>();
                // Never more taken back than granted.
                prop_assert!(s.revoked >= o.revoked && s.revoked <= earned);
                o.state = s.to;
                o.revoked = s.revoked;
            }
            if o.state == PointsState::Granted {
                prop_assert_eq!(balance + used, earned - o.revoked);
                prop_assert_eq!(earned - o.revoked, kept_after_refund(earned, total, o.refunded));
            }
        }
        prop_assert_eq!(balance, 0);
        prop_assert!(o.state == PointsState::Reversed || o.state == PointsState::None);
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
