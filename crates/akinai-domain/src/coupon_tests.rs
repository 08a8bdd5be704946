use super::*;
use crate::ids::SkuId;
use crate::pricing::totals_after;
use crate::tax::{tax_included_in, RoundingMode};
use chrono::TimeZone;
use proptest::prelude::*;

/// One unit of product `id` costing `total` at `tax` (shared with the points tests).
pub(crate) fn line(id: i64, total: i64, tax: TaxCategory) -> PricedLine {
    PricedLine {
        sku_id: SkuId(id),
        product_id: ProductId(id),
        product_name: format!("p{id}"),
        option_label: String::new(),
        sku_code: format!("S{id}"),
        unit_price: Yen(total),
        quantity: 1,
        tax_category: tax,
        line_total: Yen(total),
    }
}

fn rule(off: Off) -> CouponRule {
    CouponRule {
        off,
        min_purchase: Yen(0),
        max_uses: None,
        per_customer: None,
        valid_from: None,
        valid_until: None,
        first_order_only: false,
        products: Vec::new(),
        categories: vec![],
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 3, 0, 0).unwrap()
}

#[test]
fn codes_fold_width_case_and_dashes() {
    let a = CouponCode::parse(" ｗｅｌｃｏｍｅー５００ ").unwrap();
    assert_eq!(a, CouponCode::parse("WELCOME-500").unwrap());
    assert_eq!(a.as_str(), "WELCOME-500");
    assert!(CouponCode::parse("ab").is_none(), "too short");
    assert!(CouponCode::parse(&"A".repeat(33)).is_none(), "too long");
    assert!(CouponCode::parse("SALE 10").is_none(), "no spaces inside");
    assert!(
        CouponCode::parse("割引券").is_none(),
        "letters and digits only"
    );
}

#[test]
fn a_mixed_cart_splits_the_discount_by_rate() {
    // Food 2,160 (8%) and goods 5,500 (10%); ¥1,000 off: 1000 × 5500/7660 = 718.01…,
    // 1000 × 2160/7660 = 281.98…: floors 718 + 281 = 999, the yen left goes to the larger
    // remainder (8%: .98 against .01).
    let lines = [
        line(1, 2160, TaxCategory::Reduced),
        line(2, 5500, TaxCategory::Standard),
    ];
    let d = apply(
        &rule(Off::Amount(Yen(1000))),
        &lines,
        Usage::default(),
        now(),
    )
    .unwrap();
    assert_eq!(d.total, Yen(1000));
    assert_eq!(d.of(TaxCategory::Standard), Yen(718));
    assert_eq!(d.of(TaxCategory::Reduced), Yen(282));
    let t = totals_after(&lines, &d, Yen(0), Yen(0), RoundingMode::Floor).unwrap();
    assert_eq!(t.grand_total, Yen(6660));
    assert_eq!(t.discount, Yen(1000));
    let std = &t.rates[0];
    assert_eq!(
        (std.total, std.tax, std.discount),
        (Yen(4782), Yen(434), Yen(718))
    );
    let red = &t.rates[1];
    assert_eq!(
        (red.total, red.tax, red.discount),
        (Yen(1878), Yen(139), Yen(282))
    );
}

#[test]
fn percent_is_of_the_targeted_products_only() {
    let lines = [
        line(1, 1000, TaxCategory::Standard),
        line(2, 3000, TaxCategory::Reduced),
    ];
    let r = CouponRule {
        products: vec![ProductId(2)],
        ..rule(Off::Percent(15))
    };
    let d = apply(&r, &lines, Usage::default(), now()).unwrap();
    assert_eq!(d.total, Yen(450));
    assert_eq!(d.of(TaxCategory::Reduced), Yen(450));
    assert_eq!(d.of(TaxCategory::Standard), Yen(0));
    let other = CouponRule {
        products: vec![ProductId(9)],
        ..r
    };
    assert_eq!(
        apply(&other, &lines, Usage::default(), now()),
        Err(Refusal::NoTargetItems)
    );
}

#[test]
fn an_amount_never_exceeds_the_items() {
    let lines = [line(1, 300, TaxCategory::Standard)];
    let d = apply(
        &rule(Off::Amount(Yen(500))),
        &lines,
        Usage::default(),
        now(),
    )
    .unwrap();
    assert_eq!(d.total, Yen(300));
}

#[test]
fn each_limit_refuses_with_its_reason() {
    let lines = [line(1, 3000, TaxCategory::Standard)];
    let base = rule(Off::Amount(Yen(100)));
    let used = |u: u32, s: u32, o: u32| Usage {
        used: u,
        used_by_shopper: s,
        shopper_orders: o,
    };
    let cases = [
        (
            CouponRule {
                valid_from: Some(now() + chrono::Duration::seconds(1)),
                ..base.clone()
            },
            Usage::default(),
            Refusal::NotYet,
        ),
        (
            CouponRule {
                valid_until: Some(now()),
                ..base.clone()
            },
            Usage::default(),
            Refusal::Expired,
        ),
        (
            CouponRule {
                min_purchase: Yen(3001),
                ..base.clone()
            },
            Usage::default(),
            Refusal::BelowMinimum(Yen(3001)),
        ),
        (
            CouponRule {
                max_uses: Some(10),
                ..base.clone()
            },
            used(10, 0, 0),
            Refusal::UsedUp,
        ),
        (
            CouponRule {
                per_customer: Some(1),
                ..base.clone()
            },
            used(3, 1, 1),
            Refusal::UsedByShopper,
        ),
        (
            CouponRule {
                first_order_only: true,
                ..base.clone()
            },
            used(0, 0, 1),
            Refusal::FirstOrderOnly,
        ),
    ];
    for (r, u, why) in cases {
        assert_eq!(apply(&r, &lines, u, now()), Err(why));
    }
    // At the limits' edges it still applies.
    let edge = CouponRule {
        valid_from: Some(now()),
        valid_until: Some(now() + chrono::Duration::seconds(1)),
        min_purchase: Yen(3000),
        max_uses: Some(10),
        per_customer: Some(2),
        first_order_only: true,
        ..base
    };
    assert!(apply(&edge, &lines, used(9, 1, 0), now()).is_ok());
}

fn arb_lines() -> impl Strategy<Value = Vec<PricedLine>> {
    prop::collection::vec(
        (
            1i64..50,
            1i64..200_000,
            prop::sample::select(TaxCategory::ALL.to_vec()),
        )
            .prop_map(|(id, total, tax)| line(id, total, tax)),
        1..30,
    )
}

proptest! {
    /// The shares add up to the discount, none exceeds its rate's items, and each is within
    /// one yen of the exact proportional share.
    #[test]
    fn shares_add_up_and_stay_proportional(lines in arb_lines(), pct in 1u32..=100, amount in 1i64..500_000) {
        for off in [Off::Percent(pct), Off::Amount(Yen(amount))] {
            let d = apply(&rule(off), &lines, Usage::default(), now()).unwrap();
            let sum: i64 = d.per_rate.values().map(|y| y.0).sum();
            prop_assert_eq!(sum, d.total.0);
            let items: i64 = lines.iter().map(|l| l.line_total.0).sum();
            for rate in TaxCategory::ALL {
                let part: i64 = lines.iter().filter(|l| l.tax_category == rate).map(|l| l.line_total.0).sum();
                let share = d.of(rate).0;
                prop_assert!(share <= part);
                let exact = d.total.0 as f64 * part as f64 / items as f64;
                prop_assert!((share as f64 - exact).abs() < 1.0 + 1e-9);
            }
        }
    }

    /// JP-INV-2 after a discount: the rate totals add up to the grand total, which is the items
    /// less the discount plus the fees, and each rate's tax is one rounding of its total.
    #[test]
    fn tax_after_discount_is_one_rounding_per_rate(
        lines in arb_lines(), amount in 1i64..500_000, ship in 0i64..3000, fee in 0i64..1000,
        mode in prop::sample::select(vec![RoundingMode::Floor, RoundingMode::Ceil, RoundingMode::HalfUp]),
    ) {
        let d = apply(&rule(Off::Amount(Yen(amount))), &lines, Usage::default(), now()).unwrap();
        let t = totals_after(&lines, &d, Yen(ship), Yen(fee), mode).unwrap();
        let items: i64 = lines.iter().map(|l| l.line_total.0).sum();
        prop_assert_eq!(t.grand_total.0, items - d.total.0 + ship + fee);
        prop_assert_eq!(t.rates.iter().map(|r| r.total.0).sum::<i64>(), t.grand_total.0);
        for r in &t.rates {
            prop_assert!(r.total.0 >= 0);
            prop_assert_eq!(r.tax, tax_included_in(r.total, r.rate_percent, mode));
        }
    }
}

#[test]
fn a_category_coupon_takes_off_only_the_products_in_its_categories() {
    let lines = [
        line(1, 3_000, TaxCategory::Reduced),
        line(2, 2_000, TaxCategory::Standard),
    ];
    let r = CouponRule {
        categories: vec![crate::ids::CategoryId(9)],
        ..rule(Off::Percent(10))
    };
    let in_cat: BTreeSet<ProductId> = [ProductId(2)].into();
    let d = apply_in(&r, &lines, &in_cat, Usage::default(), now()).unwrap();
    assert_eq!((d.total, d.of(TaxCategory::Standard)), (Yen(200), Yen(200)));
    // None of the cart's products in the categories: nothing is covered (not everything).
    assert_eq!(
        apply_in(&r, &lines, &BTreeSet::new(), Usage::default(), now()),
        Err(Refusal::NoTargetItems)
    );
    // Products and categories together: either covers a line.
    let both = CouponRule {
        products: vec![ProductId(1)],
        ..r
    };
    let d = apply_in(&both, &lines, &in_cat, Usage::default(), now()).unwrap();
    assert_eq!(d.total, Yen(500));
}
