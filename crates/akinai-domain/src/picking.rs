//! The picking list (ピッキングリスト, issue 19 item 1): what to take from the shelves for a batch
//! of orders, one line per SKU with the quantity summed over the orders, in location order: by
//! 棚番 (the SKU's place in the stock room, set on the product page) and then SKU code, SKUs
//! without a 棚番 last. Pure: the caller hands in the orders' lines and the locations.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::pricing::PricedLine;

/// One SKU to pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PickLine {
    pub sku_code: String,
    pub product_name: String,
    pub option_label: String,
    /// 棚番; empty when the SKU has none.
    pub location: String,
    /// Units over all orders.
    pub quantity: u64,
    /// How many of the orders hold it.
    pub orders: u32,
}

/// The list for a batch of orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PickingList {
    pub made_on: NaiveDate,
    /// The orders' numbers, in the order given.
    pub order_numbers: Vec<String>,
    pub lines: Vec<PickLine>,
}

impl PickingList {
    /// The list for `orders` (number and lines each).
    pub fn of<'a>(
        orders: impl IntoIterator<Item = (String, &'a [PricedLine])>,
        made_on: NaiveDate,
    ) -> PickingList {
        let mut by_code: BTreeMap<String, PickLine> = BTreeMap::new();
        let mut order_numbers = Vec::new();
        for (number, lines) in orders {
            order_numbers.push(number);
            let mut seen: Vec<&str> = Vec::new();
            for l in lines {
                let pick = by_code
                    .entry(l.sku_code.clone())
                    .or_insert_with(|| PickLine {
                        sku_code: l.sku_code.clone(),
                        product_name: l.product_name.clone(),
                        option_label: l.option_label.clone(),
                        location: String::new(),
                        quantity: 0,
                        orders: 0,
                    });
                pick.quantity += u64::from(l.quantity);
                if !seen.contains(&l.sku_code.as_str()) {
                    seen.push(&l.sku_code);
                    pick.orders += 1;
                }
            }
        }
        PickingList {
            made_on,
            order_numbers,
            lines: by_code.into_values().collect(),
        }
    }

    /// The list with each SKU's 棚番 from `locations` (code → location), walked shelf by shelf:
    /// by location, then code; SKUs without one after the rest, in code order.
    pub fn with_locations(mut self, locations: &BTreeMap<String, String>) -> PickingList {
        for line in &mut self.lines {
            if let Some(l) = locations.get(&line.sku_code) {
                line.location.clone_from(l);
            }
        }
        self.lines.sort_by(|a, b| {
            (a.location.is_empty(), &a.location, &a.sku_code).cmp(&(
                b.location.is_empty(),
                &b.location,
                &b.sku_code,
            ))
        });
        self
    }

    /// Units over every line.
    pub fn units(&self) -> u64 {
        self.lines.iter().map(|l| l.quantity).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ProductId, SkuId};
    use crate::money::Yen;
    use crate::tax::TaxCategory;
    use proptest::prelude::*;

    fn line(code: &str, qty: u32) -> PricedLine {
        PricedLine {
            sku_id: SkuId(1),
            product_id: ProductId(1),
            product_name: format!("商品{code}"),
            option_label: String::new(),
            sku_code: code.into(),
            unit_price: Yen(100),
            quantity: qty,
            tax_category: TaxCategory::Standard,
            line_total: Yen(100 * i64::from(qty)),
        }
    }

    #[test]
    fn quantities_are_summed_per_sku_in_code_order() {
        let a = [line("B-2", 2), line("A-1", 1)];
        let b = [line("B-2", 3)];
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let list = PickingList::of(
            [("AK1".to_string(), &a[..]), ("AK2".to_string(), &b[..])],
            day,
        );
        assert_eq!(list.order_numbers, ["AK1", "AK2"]);
        let codes: Vec<_> = list
            .lines
            .iter()
            .map(|l| (l.sku_code.as_str(), l.quantity, l.orders))
            .collect();
        assert_eq!(codes, [("A-1", 1, 1), ("B-2", 5, 2)]);
        assert_eq!(list.units(), 6);
    }

    #[test]
    fn the_list_walks_the_shelves_by_location_then_code_and_unplaced_skus_come_last() {
        let a = [
            line("A-1", 1),
            line("B-2", 2),
            line("C-3", 1),
            line("D-4", 1),
        ];
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let locations: BTreeMap<String, String> =
            [("C-3", "01-A"), ("A-1", "02-B"), ("B-2", "01-A")]
                .into_iter()
                .map(|(c, l)| (c.to_string(), l.to_string()))
                .collect();
        let list = PickingList::of([("AK1".to_string(), &a[..])], day).with_locations(&locations);
        let walk: Vec<_> = list
            .lines
            .iter()
            .map(|l| (l.location.as_str(), l.sku_code.as_str()))
            .collect();
        assert_eq!(
            walk,
            [
                ("01-A", "B-2"),
                ("01-A", "C-3"),
                ("02-B", "A-1"),
                ("", "D-4")
            ]
        );
        assert_eq!(list.units(), 5);
    }

    proptest! {
        /// Nothing is lost or invented: the list's units are the orders' units.
        #[test]
        fn the_list_holds_every_unit_ordered(orders in prop::collection::vec(prop::collection::vec((0u8..5, 1u32..20), 1..6), 1..20)) {
            let lines: Vec<Vec<PricedLine>> = orders.iter().map(|o| o.iter().map(|(c, q)| line(&format!("S{c}"), *q)).collect()).collect();
            let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
            let list = PickingList::of(lines.iter().enumerate().map(|(i, l)| (format!("AK{i}"), &l[..])), day);
            let ordered: u64 = lines.iter().flatten().map(|l| u64::from(l.quantity)).sum();
            prop_assert_eq!(list.units(), ordered);
        }
    }
}
