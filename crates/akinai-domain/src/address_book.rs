//! A member's address book (accounts issue, item 10) and the rule that flags orders sent to a
//! freshly changed delivery address (CCSG-F-3c).
//!
//! A taken-over account is used to send goods to the attacker: the attacker changes (or adds)
//! the delivery address and orders at once. So an order whose delivery address the account has
//! known for less than the review window is flagged for review before shipping — unless the
//! account itself is younger than the window, where every address is new and the change-of-
//! address signal means nothing (new accounts are a matter for the payment fraud rules).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::address::{
    parse_label_text, parse_optional_label_text, Address, FieldError, Kana, Phone, PostalCode,
    Prefecture,
};
use crate::checkout::{CheckoutDetails, CheckoutInput, FieldErrors};

/// Most addresses one member may keep.
pub const MAX_ADDRESSES: usize = 20;

/// Longest recipient name, city and address line, in characters (what a delivery label holds;
/// the forms' `maxlength` says the same).
pub const NAME_MAX: usize = 50;
pub const CITY_MAX: usize = 50;
pub const LINE_MAX: usize = 100;

/// One delivery address with its recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub name: String,
    pub name_kana: Kana,
    pub phone: Phone,
    pub address: Address,
}

/// The address form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecipientInput {
    pub name: String,
    pub name_kana: String,
    pub phone: String,
    pub postal_code: String,
    pub prefecture: String,
    pub city: String,
    pub line1: String,
    pub line2: String,
}

fn field<T>(errors: &mut FieldErrors, name: &'static str, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push((name, e))).ok()
}

impl RecipientInput {
    /// Parses every field and reports all problems at once (the same rules as checkout). Names
    /// and address lines must be printable on a delivery label, and the postal code must belong
    /// to the prefecture (Japan Post's data).
    pub fn parse(&self) -> Result<Recipient, FieldErrors> {
        let mut e: FieldErrors = Vec::new();
        let name = field(&mut e, "name", parse_label_text(&self.name, NAME_MAX));
        let name_kana = field(&mut e, "name_kana", Kana::parse(&self.name_kana));
        let phone = field(&mut e, "phone", Phone::parse(&self.phone));
        let postal_code = field(&mut e, "postal_code", PostalCode::parse(&self.postal_code));
        let prefecture = field(&mut e, "prefecture", Prefecture::parse(&self.prefecture));
        if let (Some(code), Some(pref)) = (&postal_code, prefecture) {
            field(&mut e, "postal_code", code.check_prefecture(pref));
        }
        let city = field(&mut e, "city", parse_label_text(&self.city, CITY_MAX));
        let line1 = field(&mut e, "line1", parse_label_text(&self.line1, LINE_MAX));
        let line2 = field(
            &mut e,
            "line2",
            parse_optional_label_text(&self.line2, LINE_MAX),
        );
        match (
            name,
            name_kana,
            phone,
            postal_code,
            prefecture,
            city,
            line1,
            line2,
        ) {
            (
                Some(name),
                Some(name_kana),
                Some(phone),
                Some(postal_code),
                Some(prefecture),
                Some(city),
                Some(line1),
                Some(line2),
            ) if e.is_empty() => Ok(Recipient {
                name,
                name_kana,
                phone,
                address: Address {
                    postal_code,
                    prefecture,
                    city,
                    line1,
                    line2,
                },
            }),
            _ => Err(e),
        }
    }
}

impl From<&Recipient> for RecipientInput {
    fn from(r: &Recipient) -> RecipientInput {
        RecipientInput {
            name: r.name.clone(),
            name_kana: r.name_kana.as_str().to_string(),
            phone: r.phone.as_str().to_string(),
            postal_code: r.address.postal_code.as_str().to_string(),
            prefecture: r.address.prefecture.code().to_string(),
            city: r.address.city.clone(),
            line1: r.address.line1.clone(),
            line2: r.address.line2.clone().unwrap_or_default(),
        }
    }
}

impl Recipient {
    /// The recipient of an order's details.
    pub fn of(details: &CheckoutDetails) -> Recipient {
        Recipient {
            name: details.name.clone(),
            name_kana: details.name_kana.clone(),
            phone: details.phone.clone(),
            address: details.address.clone(),
        }
    }

    /// Whether two recipients are the same delivery place: the address, ignoring spaces and
    /// letter case in the free-text parts (the parsed parts are canonical already).
    pub fn same_place(&self, other: &Recipient) -> bool {
        fn norm(s: &str) -> String {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect()
        }
        let (a, b) = (&self.address, &other.address);
        a.postal_code == b.postal_code
            && a.prefecture == b.prefecture
            && norm(&a.city) == norm(&b.city)
            && norm(&a.line1) == norm(&b.line1)
            && norm(a.line2.as_deref().unwrap_or("")) == norm(b.line2.as_deref().unwrap_or(""))
    }

    /// The checkout form filled with this recipient (contact e-mail and choices left as given).
    pub fn fill(&self, form: CheckoutInput) -> CheckoutInput {
        let r = RecipientInput::from(self);
        CheckoutInput {
            name: r.name,
            name_kana: r.name_kana,
            phone: r.phone,
            postal_code: r.postal_code,
            prefecture: r.prefecture,
            city: r.city,
            line1: r.line1,
            line2: r.line2,
            ..form
        }
    }
}

/// Why an order must be looked at before it ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewReason {
    /// Sent to a delivery address the account added or changed within the review window.
    AddressRecentlyChanged,
}

impl ReviewReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewReason::AddressRecentlyChanged => "address_recently_changed",
        }
    }
}

/// CCSG-F-3c: whether a member's order to a delivery address must be reviewed. `known_since`
/// is when the account's address book got this address in its current form (`None`: the
/// address is not in the book at all, i.e. typed at checkout).
pub fn review_for_address(
    account_created: DateTime<Utc>,
    known_since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    window: Duration,
) -> Option<ReviewReason> {
    if now - account_created < window {
        return None;
    }
    match known_since {
        Some(since) if now - since >= window => None,
        _ => Some(ReviewReason::AddressRecentlyChanged),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn input() -> RecipientInput {
        RecipientInput {
            name: "山田 花子".into(),
            name_kana: "やまだ はなこ".into(),
            phone: "090-1234-5678".into(),
            postal_code: "150-0001".into(),
            prefecture: "13".into(),
            city: "渋谷区".into(),
            line1: "神宮前1-2-3".into(),
            line2: String::new(),
        }
    }

    #[test]
    fn a_recipient_round_trips_through_the_form() {
        let r = input().parse().unwrap();
        assert_eq!(r.name_kana.as_str(), "ヤマダ ハナコ");
        assert_eq!(RecipientInput::from(&r).parse().unwrap(), r);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let e = RecipientInput::default().parse().unwrap_err();
        let names: Vec<_> = e.iter().map(|(n, _)| *n).collect();
        for f in [
            "name",
            "name_kana",
            "phone",
            "postal_code",
            "prefecture",
            "city",
            "line1",
        ] {
            assert!(names.contains(&f), "{f}");
        }
    }

    #[test]
    fn carriers_get_printable_text_and_a_postal_code_of_the_prefecture() {
        let e = RecipientInput {
            name: "山田 花子🌸".into(),
            line2: "ハイツ𠮷野 101".into(),
            postal_code: "060-0001".into(),
            ..input()
        }
        .parse()
        .unwrap_err();
        assert!(
            e.contains(&("name", FieldError::Unprintable('🌸'))),
            "{e:?}"
        );
        assert!(
            e.contains(&("line2", FieldError::Unprintable('𠮷'))),
            "{e:?}"
        );
        assert!(
            e.contains(&(
                "postal_code",
                FieldError::PostalCodeElsewhere(Prefecture::Hokkaido)
            )),
            "{e:?}"
        );
        let unknown = RecipientInput {
            postal_code: "000-0000".into(),
            ..input()
        }
        .parse()
        .unwrap_err();
        assert_eq!(
            unknown,
            vec![("postal_code", FieldError::UnknownPostalCode)]
        );
    }

    #[test]
    fn same_place_ignores_spaces_and_case_but_not_the_number() {
        let a = input().parse().unwrap();
        let b = RecipientInput {
            line1: "神宮前 1-2-3 ".into(),
            name: "別の 名前".into(),
            ..input()
        }
        .parse()
        .unwrap();
        assert!(a.same_place(&b));
        let c = RecipientInput {
            line1: "神宮前1-2-4".into(),
            ..input()
        }
        .parse()
        .unwrap();
        assert!(!a.same_place(&c));
    }

    #[test]
    fn ccsg_f_3c_only_fresh_addresses_of_established_accounts_are_flagged() {
        let t = |d: i64| Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap() + Duration::days(d);
        let w = Duration::days(3);
        let now = t(30);
        // Established account, address changed yesterday → review.
        assert_eq!(
            review_for_address(t(0), Some(t(29)), now, w),
            Some(ReviewReason::AddressRecentlyChanged)
        );
        // Typed at checkout, not in the book → review.
        assert_eq!(
            review_for_address(t(0), None, now, w),
            Some(ReviewReason::AddressRecentlyChanged)
        );
        // Known for longer than the window → fine.
        assert_eq!(review_for_address(t(0), Some(t(20)), now, w), None);
        assert_eq!(review_for_address(t(0), Some(t(27)), now, w), None);
        // A new account: every address is new; not this rule's business.
        assert_eq!(review_for_address(t(29), None, now, w), None);
    }
}
