//! The price-rule forms as typed (issue #23, item 1): a customer group and a SKU's rules, parsed
//! into what [`crate::price_rules`] computes with, every bad field reported at once.
//!
//! Numbers may be typed with commas, 「円」 and in full width. Sale dates are days in Japan:
//! the sale starts at 00:00 JST of its first day and includes its whole last day. Tiers must
//! descend (each higher quantity a lower price) and stay below the list price, so what the form
//! accepts is what the storefront shows as 「まとめ買い価格」.

use serde::{Deserialize, Serialize};

use crate::address::FieldError;
use crate::checkout::FieldErrors;
use crate::coupon_input::{day, number};
use crate::price_rules::{tiers_descend, GroupId, PriceRules, Sale, Tier};
use crate::Yen;

/// Most characters in a group's name.
pub const GROUP_NAME_MAX: usize = 40;
/// Most tiers per SKU.
pub const MAX_TIERS: usize = 5;
/// The largest minimum quantity or case multiple (a cart line holds at most this many).
pub const MAX_QUANTITY: i64 = 9_999;

/// A group's fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroup {
    pub name: String,
    pub discount_percent: u32,
    pub tax_exclusive: bool,
}

/// The group form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupInput {
    pub name: String,
    pub discount_percent: String,
    /// `1` when ticked.
    pub tax_exclusive: String,
}

impl GroupInput {
    pub fn parse(&self) -> Result<NewGroup, FieldErrors> {
        let mut errors: FieldErrors = Vec::new();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errors.push(("name", FieldError::Required));
        } else if name.chars().count() > GROUP_NAME_MAX {
            errors.push(("name", FieldError::TooLong(GROUP_NAME_MAX)));
        }
        let percent = match number(
            &mut errors,
            "discount_percent",
            &self.discount_percent,
            false,
        ) {
            Some(p) if p.unwrap_or(0) <= 100 => Some(p.unwrap_or(0) as u32),
            Some(_) => {
                errors.push(("discount_percent", FieldError::Invalid));
                None
            }
            None => None,
        };
        match percent {
            Some(discount_percent) if errors.is_empty() => Ok(NewGroup {
                name,
                discount_percent,
                tax_exclusive: ticked(&self.tax_exclusive),
            }),
            _ => Err(errors),
        }
    }
}

/// A SKU's rules as typed: up to [`MAX_TIERS`] rows of (quantity, price), a sale, the quantities
/// the SKU is sold in, and a price per group (empty for none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RulesInput {
    pub tiers: Vec<(String, String)>,
    pub sale_price: String,
    pub sale_from: String,
    pub sale_until: String,
    pub min_quantity: String,
    pub multiple: String,
    pub group_prices: Vec<(GroupId, String)>,
}

impl RulesInput {
    /// The rules for a SKU whose list price is `list_price`, or every field that is wrong.
    pub fn parse(&self, list_price: Yen) -> Result<PriceRules, FieldErrors> {
        let mut errors: FieldErrors = Vec::new();
        let mut tiers = Vec::new();
        for (qty, price) in &self.tiers {
            if qty.trim().is_empty() && price.trim().is_empty() {
                continue;
            }
            let q = number(&mut errors, "tiers", qty, true).flatten();
            let p = number(&mut errors, "tiers", price, true).flatten();
            if let (Some(q), Some(p)) = (q, p) {
                if (2..=MAX_QUANTITY).contains(&q) && p < list_price.0 {
                    tiers.push(Tier {
                        min_quantity: q as u32,
                        price: Yen(p),
                    });
                } else {
                    errors.push(("tiers", FieldError::Invalid));
                }
            }
        }
        tiers.sort_by_key(|t| t.min_quantity);
        if tiers.len() > MAX_TIERS || !tiers_descend(&tiers) {
            errors.push(("tiers", FieldError::Invalid));
        }
        let sale = self.sale(&mut errors, list_price);
        let min_quantity = quantity(&mut errors, "min_quantity", &self.min_quantity);
        let multiple = quantity(&mut errors, "multiple", &self.multiple);
        let mut group_prices = std::collections::BTreeMap::new();
        for (group, raw) in &self.group_prices {
            match number(&mut errors, "group_prices", raw, false) {
                Some(Some(p)) if p < list_price.0 => {
                    group_prices.insert(*group, Yen(p));
                }
                Some(Some(_)) => errors.push(("group_prices", FieldError::Invalid)),
                _ => {}
            }
        }
        errors.dedup();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PriceRules {
            list_price,
            tiers,
            sale,
            group_prices,
            min_quantity,
            multiple,
        })
    }

    fn sale(&self, errors: &mut FieldErrors, list_price: Yen) -> Option<Sale> {
        let price = number(errors, "sale_price", &self.sale_price, false)?;
        let from = day(errors, "sale_from", &self.sale_from, 0)?;
        let until = day(errors, "sale_until", &self.sale_until, 1)?;
        let Some(price) = price else {
            if from.is_some() || until.is_some() {
                errors.push(("sale_price", FieldError::Required));
            }
            return None;
        };
        if price >= list_price.0 {
            errors.push(("sale_price", FieldError::Invalid));
            return None;
        }
        if let (Some(f), Some(u)) = (from, until) {
            if u <= f {
                errors.push(("sale_until", FieldError::Invalid));
                return None;
            }
        }
        Some(Sale {
            price: Yen(price),
            from,
            until,
        })
    }
}

/// A minimum quantity or case multiple: empty, 0 and 1 mean none.
fn quantity(errors: &mut FieldErrors, field: &'static str, raw: &str) -> u32 {
    match number(errors, field, raw, false) {
        Some(Some(n)) if n <= MAX_QUANTITY => n as u32,
        Some(Some(_)) => {
            errors.push((field, FieldError::Invalid));
            0
        }
        _ => 0,
    }
}

fn ticked(raw: &str) -> bool {
    matches!(raw.trim(), "1" | "on" | "true")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> RulesInput {
        RulesInput {
            tiers: vec![
                ("５０".into(), "800円".into()),
                ("10".into(), "900".into()),
                (String::new(), String::new()),
            ],
            sale_price: "950".into(),
            sale_from: "2026/12/01".into(),
            sale_until: "2026-12-31".into(),
            min_quantity: "".into(),
            multiple: "6".into(),
            group_prices: vec![(GroupId(1), "850".into()), (GroupId(2), "".into())],
        }
    }

    #[test]
    fn a_full_form_parses_into_sorted_tiers_a_sale_and_group_prices() {
        let r = rules().parse(Yen(1_000)).unwrap();
        assert_eq!(
            r.tiers,
            vec![
                Tier {
                    min_quantity: 10,
                    price: Yen(900)
                },
                Tier {
                    min_quantity: 50,
                    price: Yen(800)
                }
            ]
        );
        let sale = r.sale.unwrap();
        assert_eq!(sale.price, Yen(950));
        // 2026-12-01 00:00 JST is 2026-11-30 15:00 UTC; the last day is included.
        assert_eq!(sale.from.unwrap().to_rfc3339(), "2026-11-30T15:00:00+00:00");
        assert_eq!(
            sale.until.unwrap().to_rfc3339(),
            "2026-12-31T15:00:00+00:00"
        );
        assert_eq!((r.min_quantity, r.multiple), (0, 6));
        assert_eq!(r.group_prices.len(), 1);
        assert_eq!(r.group_prices[&GroupId(1)], Yen(850));
    }

    #[test]
    fn tiers_that_rise_or_reach_the_list_price_are_refused() {
        let mut bad = rules();
        bad.tiers = vec![("10".into(), "900".into()), ("50".into(), "950".into())];
        assert_eq!(bad.parse(Yen(1_000)).unwrap_err()[0].0, "tiers");
        bad.tiers = vec![("10".into(), "1000".into())];
        assert_eq!(bad.parse(Yen(1_000)).unwrap_err()[0].0, "tiers");
        bad.tiers = vec![("1".into(), "900".into())];
        assert_eq!(bad.parse(Yen(1_000)).unwrap_err()[0].0, "tiers");
    }

    #[test]
    fn every_wrong_field_is_reported_at_once() {
        let bad = RulesInput {
            tiers: vec![("x".into(), "900".into())],
            sale_price: "1200".into(),
            min_quantity: "10000".into(),
            group_prices: vec![(GroupId(1), "abc".into())],
            ..RulesInput::default()
        };
        let fields: Vec<&str> = bad
            .parse(Yen(1_000))
            .unwrap_err()
            .iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(
            fields,
            ["tiers", "sale_price", "min_quantity", "group_prices"]
        );
        let dates_without_price = RulesInput {
            sale_from: "2026-12-01".into(),
            ..RulesInput::default()
        };
        assert_eq!(
            dates_without_price.parse(Yen(1_000)).unwrap_err(),
            vec![("sale_price", FieldError::Required)]
        );
    }

    #[test]
    fn an_empty_form_means_no_rules() {
        let r = RulesInput::default().parse(Yen(1_000)).unwrap();
        assert_eq!(
            r,
            PriceRules {
                list_price: Yen(1_000),
                ..PriceRules::default()
            }
        );
    }

    #[test]
    fn a_group_needs_a_name_and_a_percent_up_to_100() {
        let g = GroupInput {
            name: " 法人 ".into(),
            discount_percent: "１０％".into(),
            tax_exclusive: "1".into(),
        }
        .parse()
        .unwrap();
        assert_eq!(
            g,
            NewGroup {
                name: "法人".into(),
                discount_percent: 10,
                tax_exclusive: true
            }
        );
        let bad = GroupInput {
            name: String::new(),
            discount_percent: "101".into(),
            tax_exclusive: String::new(),
        }
        .parse()
        .unwrap_err();
        assert_eq!(
            bad,
            vec![
                ("name", FieldError::Required),
                ("discount_percent", FieldError::Invalid)
            ]
        );
    }
}
