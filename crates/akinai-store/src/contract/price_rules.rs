//! Contract cases: customer groups with unique names, a member's group, and SKU rules replaced
//! whole and read back in chunks.

use super::*;
use akinai_domain::price_rules::{GroupId, PriceRules, Sale, Tier};
use akinai_domain::price_rules_input::NewGroup;

fn group(name: &str, discount_percent: u32, tax_exclusive: bool) -> NewGroup {
    NewGroup {
        name: name.into(),
        discount_percent,
        tax_exclusive,
    }
}

pub(super) async fn groups_are_unique_by_name_and_hold_members(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let houjin = s
        .save_customer_group(None, &group("法人", 0, true), t0())
        .await
        .unwrap()
        .unwrap();
    let oroshi = s
        .save_customer_group(None, &group("卸", 15, true), t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.save_customer_group(None, &group("法人", 5, false), t0())
            .await
            .unwrap(),
        None,
        "a name is taken once"
    );
    assert_eq!(
        s.save_customer_group(Some(oroshi), &group("法人", 5, false), t0())
            .await
            .unwrap(),
        None,
        "nor by renaming"
    );
    assert_eq!(
        s.save_customer_group(Some(GroupId(9_999)), &group("x", 0, false), t0())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.save_customer_group(Some(oroshi), &group("卸売", 20, false), t0())
            .await
            .unwrap(),
        Some(oroshi)
    );
    let all = s.customer_groups().await.unwrap();
    assert_eq!(all.len(), 2);
    let changed = all.iter().find(|g| g.id == oroshi).unwrap();
    assert_eq!(
        (
            changed.name.as_str(),
            changed.discount_percent,
            changed.tax_exclusive
        ),
        ("卸売", 20, false)
    );

    let hanako = s
        .create_customer(&accounts::new_customer("hanako@example.jp"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.group_of(hanako).await.unwrap(), None);
    assert!(s.set_customer_group(hanako, Some(houjin)).await.unwrap());
    let g = s.group_of(hanako).await.unwrap().unwrap();
    assert_eq!(
        (g.id, g.name.as_str(), g.tax_exclusive),
        (houjin, "法人", true)
    );
    assert!(s.set_customer_group(hanako, None).await.unwrap());
    assert_eq!(s.group_of(hanako).await.unwrap(), None);
    assert!(!s
        .set_customer_group(akinai_domain::ids::CustomerId(9_999), Some(houjin))
        .await
        .unwrap());
}

pub(super) async fn sku_rules_are_replaced_whole_and_read_in_chunks(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (_, ids) = seed(s, &[("米", "", 1000, 100), ("茶", "", 500, 100)]).await;
    let (rice, tea) = (ids[0].1, ids[1].1);
    let houjin = s
        .save_customer_group(None, &group("法人", 0, true), t0())
        .await
        .unwrap()
        .unwrap();
    let until = t0() + chrono::Duration::days(7);
    let rules = PriceRules {
        list_price: Yen::ZERO,
        tiers: vec![
            Tier {
                min_quantity: 10,
                price: Yen(900),
            },
            Tier {
                min_quantity: 50,
                price: Yen(800),
            },
        ],
        sale: Some(Sale {
            price: Yen(950),
            from: Some(t0()),
            until: Some(until),
        }),
        group_prices: [(houjin, Yen(850))].into_iter().collect(),
        min_quantity: 2,
        multiple: 6,
    };
    s.set_sku_price_rules(rice, &rules).await.unwrap();
    // 1,200 ids (most unknown) take three chunks and find the one SKU with rules.
    let mut asked: Vec<SkuId> = (10_000..11_200).map(SkuId).collect();
    asked.push(tea);
    asked.push(rice);
    let found = s.sku_price_rules(&asked).await.unwrap();
    assert_eq!(found.len(), 1, "a SKU without rules has none");
    assert_eq!(found[&rice], rules);

    // Replaced whole: only tiers now, nothing of the sale, quantities or group price left.
    let tiers_only = PriceRules {
        tiers: vec![Tier {
            min_quantity: 3,
            price: Yen(990),
        }],
        ..PriceRules::default()
    };
    s.set_sku_price_rules(rice, &tiers_only).await.unwrap();
    assert_eq!(s.sku_price_rules(&[rice]).await.unwrap()[&rice], tiers_only);
    s.set_sku_price_rules(rice, &PriceRules::default())
        .await
        .unwrap();
    assert!(s.sku_price_rules(&[rice]).await.unwrap().is_empty());
}
