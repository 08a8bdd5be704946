use super::*;
use proptest::prelude::*;

fn at(day: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + day * 86_400, 0).unwrap()
}

const WHOLESALE: GroupId = GroupId(3);

/// The example: 1–9 ¥1,000, 10–49 ¥900, 50+ ¥800.
fn tiered() -> PriceRules {
    PriceRules {
        list_price: Yen(1_000),
        tiers: vec![
            Tier {
                min_quantity: 50,
                price: Yen(800),
            },
            Tier {
                min_quantity: 10,
                price: Yen(900),
            },
        ],
        ..PriceRules::default()
    }
}

#[test]
fn quantity_tiers_apply_from_their_minimum() {
    let r = tiered();
    let guest = Buyer::default();
    let price = |q| unit_price(&r, q, &guest, at(0));
    assert_eq!(
        price(9),
        UnitPrice {
            price: Yen(1_000),
            source: PriceSource::List
        }
    );
    assert_eq!(
        price(10),
        UnitPrice {
            price: Yen(900),
            source: PriceSource::Tier
        }
    );
    assert_eq!(price(49).price, Yen(900));
    assert_eq!(price(50).price, Yen(800));
}

#[test]
fn tiers_are_checked_to_descend() {
    assert!(tiers_descend(&tiered().tiers));
    let rising = [
        Tier {
            min_quantity: 10,
            price: Yen(900),
        },
        Tier {
            min_quantity: 50,
            price: Yen(950),
        },
    ];
    assert!(!tiers_descend(&rising));
    // Entered wrongly, buying more still never costs more per unit.
    let r = PriceRules {
        list_price: Yen(1_000),
        tiers: rising.to_vec(),
        ..PriceRules::default()
    };
    assert_eq!(unit_price(&r, 50, &Buyer::default(), at(0)).price, Yen(900));
}

#[test]
fn a_sale_applies_only_within_its_period() {
    let r = PriceRules {
        sale: Some(Sale {
            price: Yen(850),
            from: Some(at(1)),
            until: Some(at(8)),
        }),
        ..tiered()
    };
    let guest = Buyer::default();
    assert_eq!(unit_price(&r, 1, &guest, at(0)).price, Yen(1_000));
    assert_eq!(
        unit_price(&r, 1, &guest, at(1)),
        UnitPrice {
            price: Yen(850),
            source: PriceSource::Sale
        }
    );
    // The tier is lower still at 50.
    assert_eq!(unit_price(&r, 50, &guest, at(1)).source, PriceSource::Tier);
    assert_eq!(unit_price(&r, 1, &guest, at(8)).price, Yen(1_000));
}

#[test]
fn a_group_gets_its_price_or_its_discount_whichever_is_lower() {
    let mut r = tiered();
    r.group_prices.insert(WHOLESALE, Yen(750));
    let wholesale = Buyer {
        group: Some(WHOLESALE),
        group_discount_percent: 0,
    };
    assert_eq!(
        unit_price(&r, 1, &wholesale, at(0)),
        UnitPrice {
            price: Yen(750),
            source: PriceSource::Group
        }
    );
    let corporate = Buyer {
        group: Some(GroupId(2)),
        group_discount_percent: 15,
    };
    assert_eq!(
        unit_price(&r, 1, &corporate, at(0)),
        UnitPrice {
            price: Yen(850),
            source: PriceSource::GroupDiscount
        }
    );
    assert_eq!(
        unit_price(&r, 50, &corporate, at(0)).source,
        PriceSource::Tier
    );
    // Another group's price is not this buyer's.
    assert_eq!(
        unit_price(&r, 1, &Buyer::default(), at(0)).price,
        Yen(1_000)
    );
}

#[test]
fn minimum_quantities_and_case_multiples_are_checked() {
    let r = PriceRules {
        min_quantity: 6,
        multiple: 6,
        ..tiered()
    };
    assert_eq!(check_quantity(&r, 5), Err(QuantityRefusal::BelowMinimum(6)));
    assert_eq!(check_quantity(&r, 8), Err(QuantityRefusal::NotAMultiple(6)));
    assert_eq!(check_quantity(&r, 12), Ok(()));
    assert_eq!(check_quantity(&PriceRules::default(), 7), Ok(()));
}

fn rules() -> impl Strategy<Value = PriceRules> {
    (
        1i64..100_000,
        proptest::collection::vec((2u32..200, 1i64..100_000), 0..4),
        proptest::option::of((1i64..100_000, 0i64..20, 0i64..20)),
        proptest::option::of(1i64..100_000),
    )
        .prop_map(|(list, tiers, sale, group)| PriceRules {
            list_price: Yen(list),
            tiers: tiers
                .into_iter()
                .map(|(q, p)| Tier {
                    min_quantity: q,
                    price: Yen(p),
                })
                .collect(),
            sale: sale.map(|(p, f, len)| Sale {
                price: Yen(p),
                from: Some(at(f)),
                until: Some(at(f + len)),
            }),
            group_prices: group.map(|p| (WHOLESALE, Yen(p))).into_iter().collect(),
            min_quantity: 0,
            multiple: 0,
        })
}

proptest! {
    /// The order of precedence: the price is the lowest applicable candidate, never above the
    /// list price, and its source names a candidate that has that price.
    #[test]
    fn the_lowest_applicable_price_wins(r in rules(), q in 1u32..500, day in 0i64..30,
                                        member in any::<bool>(), discount in 0u32..=100) {
        let buyer = Buyer { group: member.then_some(WHOLESALE), group_discount_percent: discount };
        let got = unit_price(&r, q, &buyer, at(day));
        prop_assert!(got.price <= r.list_price);
        let mut candidates = vec![(r.list_price, PriceSource::List)];
        if let Some(s) = r.sale.filter(|s| s.runs_at(at(day))) { candidates.push((s.price, PriceSource::Sale)); }
        if let Some(p) = tier_price(&r.tiers, q) { candidates.push((p, PriceSource::Tier)); }
        if member {
            if let Some(p) = r.group_prices.get(&WHOLESALE) { candidates.push((*p, PriceSource::Group)); }
            if discount > 0 {
                candidates.push((Yen(r.list_price.0 - r.list_price.0 * i64::from(discount) / 100), PriceSource::GroupDiscount));
            }
        }
        let lowest = candidates.iter().map(|c| c.0).min().unwrap();
        prop_assert_eq!(got.price, lowest);
        prop_assert!(candidates.contains(&(got.price, got.source)));
    }

    /// Buying more never raises the unit price; joining the group never raises it either.
    #[test]
    fn prices_are_monotone(r in rules(), q in 1u32..500, more in 0u32..500, day in 0i64..30) {
        let guest = Buyer::default();
        let member = Buyer { group: Some(WHOLESALE), group_discount_percent: 5 };
        prop_assert!(unit_price(&r, q + more, &guest, at(day)).price <= unit_price(&r, q, &guest, at(day)).price);
        prop_assert!(unit_price(&r, q, &member, at(day)).price <= unit_price(&r, q, &guest, at(day)).price);
    }
}
