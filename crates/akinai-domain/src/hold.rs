//! Rules that hold an order for the shop's review before it ships (payments issue, item 7;
//! CCSG-F-4 — watching orders after payment), decided without IO. Each rule gives a reason code
//! the admin's flagged-orders queue shows; the order ships only after someone clears it.
//!
//! - a total at or over the shop's threshold (high-value goods are what card fraud buys);
//! - many orders to one delivery address within a day (one drop address, many stolen cards);
//! - the shop's own list of blocked addresses, e-mail addresses and phone numbers;
//! - a card issued outside Japan for a delivery in Japan (the provider reports the country);
//! - and, from the accounts issue, an established member's first order to a freshly changed
//!   address (`address_recently_changed`).

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::address::Address;
use crate::checkout::CheckoutDetails;
use crate::Yen;

pub const HIGH_AMOUNT: &str = "high_amount";
pub const MANY_ORDERS_TO_ADDRESS: &str = "many_orders_to_address";
pub const BLOCKED_LIST: &str = "blocked_list";
pub const CARD_COUNTRY_MISMATCH: &str = "card_country_mismatch";

/// The shop's hold rules (shop settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HoldRules {
    /// Hold orders whose total is at least this; `None`: no amount rule.
    pub amount_at_least: Option<Yen>,
    /// Hold an order when this many orders (it included) went to its address within 24 hours;
    /// 0: no such rule.
    pub orders_per_address_per_day: u32,
    /// Addresses, e-mail addresses and phone numbers whose orders are always held (one per line;
    /// spaces, case and hyphens do not matter).
    pub blocked: Vec<String>,
}

impl Default for HoldRules {
    fn default() -> HoldRules {
        HoldRules {
            amount_at_least: Some(Yen(100_000)),
            orders_per_address_per_day: 3,
            blocked: Vec::new(),
        }
    }
}

/// Text as compared: NFKC (full-width latin and digits become ASCII, as everywhere in the
/// domain), without spaces or hyphens and long-vowel marks typed as hyphens, in lower case.
fn fold(text: &str) -> String {
    text.nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | 'ー' | '‐' | '−'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The key of a delivery address for counting orders to it: postal code, prefecture and the
/// folded street lines.
pub fn address_key(a: &Address) -> String {
    format!(
        "{}|{}|{}{}{}",
        a.postal_code.as_str(),
        a.prefecture.code(),
        fold(&a.city),
        fold(&a.line1),
        fold(a.line2.as_deref().unwrap_or(""))
    )
}

/// Whether the order's e-mail address, phone number or delivery address is on the list.
pub fn blocked(rules: &HoldRules, d: &CheckoutDetails) -> bool {
    let email = fold(d.email.as_str());
    let phone = fold(d.phone.as_str());
    let place = fold(&format!(
        "{}{}{}{}",
        d.address.prefecture.name_ja(),
        d.address.city,
        d.address.line1,
        d.address.line2.as_deref().unwrap_or("")
    ));
    rules
        .blocked
        .iter()
        .map(|entry| fold(entry))
        .filter(|e| !e.is_empty())
        .any(|e| e == email || e == phone || place.contains(&e))
}

/// The hold reasons for an order placed now: its total, how many orders (this one included)
/// went to its address within a day, and whether it is on the blocked list.
pub fn reasons(
    rules: &HoldRules,
    total: Yen,
    orders_to_address_today: i64,
    on_blocked_list: bool,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    if rules.amount_at_least.is_some_and(|t| total.0 >= t.0) {
        out.push(HIGH_AMOUNT);
    }
    let limit = i64::from(rules.orders_per_address_per_day);
    if limit > 0 && orders_to_address_today >= limit {
        out.push(MANY_ORDERS_TO_ADDRESS);
    }
    if on_blocked_list {
        out.push(BLOCKED_LIST);
    }
    out
}

/// Whether a card's issuing country (ISO 3166 alpha-2, as the provider reports it) differs
/// from the delivery country; akinai delivers in Japan only.
pub fn card_country_mismatch(card_country: &str) -> bool {
    !card_country.eq_ignore_ascii_case("JP")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::{Email, Phone, PostalCode, Prefecture};
    use crate::order::PaymentMethod;

    fn details(line1: &str, email: &str, phone: &str) -> CheckoutDetails {
        CheckoutDetails {
            name: "山田 花子".into(),
            name_kana: crate::address::Kana::parse("ヤマダ ハナコ").unwrap(),
            email: Email::parse(email).unwrap(),
            phone: Phone::parse(phone).unwrap(),
            address: Address {
                postal_code: PostalCode::parse("150-0001").unwrap(),
                prefecture: Prefecture::from_code(13).unwrap(),
                city: "渋谷区".into(),
                line1: line1.into(),
                line2: None,
            },
            shipping_method: "standard".into(),
            delivery_date: None,
            delivery_slot: None,
            payment_method: PaymentMethod::Card,
            gift: false,
        }
    }

    #[test]
    fn ccsg_f_4_each_rule_gives_its_reason() {
        let rules = HoldRules::default();
        assert!(reasons(&rules, Yen(99_999), 2, false).is_empty());
        assert_eq!(reasons(&rules, Yen(100_000), 1, false), vec![HIGH_AMOUNT]);
        assert_eq!(
            reasons(&rules, Yen(500), 3, false),
            vec![MANY_ORDERS_TO_ADDRESS]
        );
        assert_eq!(
            reasons(&rules, Yen(200_000), 5, true),
            vec![HIGH_AMOUNT, MANY_ORDERS_TO_ADDRESS, BLOCKED_LIST]
        );
        let off = HoldRules {
            amount_at_least: None,
            orders_per_address_per_day: 0,
            blocked: Vec::new(),
        };
        assert!(reasons(&off, Yen(9_999_999), 99, false).is_empty());
        assert!(card_country_mismatch("US") && !card_country_mismatch("jp"));
    }

    #[test]
    fn the_blocked_list_matches_however_it_was_typed() {
        let rules = HoldRules {
            blocked: vec![
                "fraud@Example.jp".into(),
                "０９０ー９９９９ー０００１".into(),
                "神宮前９－９－９".into(),
            ],
            ..HoldRules::default()
        };
        assert!(blocked(
            &rules,
            &details("神宮前1-2-3", "FRAUD@example.jp", "03-1111-2222")
        ));
        assert!(blocked(
            &rules,
            &details("神宮前1-2-3", "a@example.jp", "090-9999-0001")
        ));
        assert!(blocked(
            &rules,
            &details("神宮前 9-9-9", "a@example.jp", "03-1111-2222")
        ));
        assert!(!blocked(
            &rules,
            &details("神宮前1-2-3", "a@example.jp", "03-1111-2222")
        ));
    }

    #[test]
    fn the_address_key_ignores_spacing_and_width() {
        let a = details("神宮前1-2-3", "a@example.jp", "03-1111-2222").address;
        let b = details("神宮前 １－２－３", "a@example.jp", "03-1111-2222").address;
        assert_eq!(address_key(&a), address_key(&b));
        let c = details("神宮前1-2-4", "a@example.jp", "03-1111-2222").address;
        assert_ne!(address_key(&a), address_key(&c));
    }
}
