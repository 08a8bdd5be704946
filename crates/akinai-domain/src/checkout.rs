//! Guest checkout: the shopper's details parsed from the form, and the quote (fees and totals)
//! computed from them. The quote is recomputed on the server when the order is placed, so no
//! amount ever comes from the browser.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::address::{Address, Email, FieldError, Kana, Phone};
use crate::address_book::RecipientInput;
use crate::coupon::Discount;
use crate::money::MoneyOverflow;
use crate::order::PaymentMethod;
use crate::pricing::{items_total, totals_after, PricedLine, Totals};
use crate::settings::ShopSettings;
use crate::Yen;

/// Most lines one order may hold.
pub const MAX_ORDER_LINES: usize = 5_000;

/// The checkout form as typed, before parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CheckoutInput {
    pub name: String,
    pub name_kana: String,
    pub email: String,
    pub phone: String,
    pub postal_code: String,
    pub prefecture: String,
    pub city: String,
    pub line1: String,
    pub line2: String,
    pub shipping_method: String,
    pub delivery_date: String,
    pub delivery_slot: String,
    pub payment_method: String,
    /// 「ギフト(金額を記載しない)」: `1` when ticked.
    pub gift: String,
}

/// The shopper's validated details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutDetails {
    pub name: String,
    pub name_kana: Kana,
    pub email: Email,
    pub phone: Phone,
    pub address: Address,
    pub shipping_method: String,
    pub delivery_date: Option<NaiveDate>,
    pub delivery_slot: Option<String>,
    pub payment_method: PaymentMethod,
    /// A gift: the delivery slip in the parcel shows no prices (orders before the option read
    /// as not a gift).
    #[serde(default)]
    pub gift: bool,
}

/// A rejected field: the form field's name and why.
pub type FieldErrors = Vec<(&'static str, FieldError)>;

/// The dates a shopper may choose for delivery when ordering on `today`.
pub fn delivery_dates(settings: &ShopSettings, today: NaiveDate) -> Vec<NaiveDate> {
    (settings.delivery.earliest_days..=settings.delivery.latest_days)
        .filter_map(|d| today.checked_add_days(Days::new(u64::from(d))))
        .collect()
}

impl CheckoutInput {
    /// Parses every field and reports all problems at once.
    pub fn parse(
        &self,
        settings: &ShopSettings,
        today: NaiveDate,
    ) -> Result<CheckoutDetails, FieldErrors> {
        let recipient = RecipientInput {
            name: self.name.clone(),
            name_kana: self.name_kana.clone(),
            phone: self.phone.clone(),
            postal_code: self.postal_code.clone(),
            prefecture: self.prefecture.clone(),
            city: self.city.clone(),
            line1: self.line1.clone(),
            line2: self.line2.clone(),
        }
        .parse();
        let mut errors: FieldErrors = recipient.as_ref().err().cloned().unwrap_or_default();
        let email = field(&mut errors, "email", Email::parse(&self.email));
        let method = field(
            &mut errors,
            "shipping_method",
            settings
                .shipping_method(self.shipping_method.trim())
                .ok_or(FieldError::Required),
        );
        let payment_method = field(
            &mut errors,
            "payment_method",
            PaymentMethod::parse(self.payment_method.trim())
                .filter(|m| settings.payment_methods.contains(m))
                .ok_or(FieldError::Required),
        );
        let slot_allowed = method.is_none_or(|m| m.allows_delivery_slot);
        let (delivery_date, delivery_slot) = if slot_allowed {
            (
                field(
                    &mut errors,
                    "delivery_date",
                    parse_delivery_date(&self.delivery_date, settings, today),
                ),
                field(
                    &mut errors,
                    "delivery_slot",
                    parse_delivery_slot(&self.delivery_slot, settings),
                ),
            )
        } else if self.delivery_date.trim().is_empty() && self.delivery_slot.trim().is_empty() {
            (Some(None), Some(None))
        } else {
            // One message for both choices: this method (メール便) delivers to the letterbox.
            errors.push(("delivery_date", FieldError::NoDeliveryChoice));
            (None, None)
        };
        match (
            recipient.ok(),
            email,
            method,
            payment_method,
            delivery_date,
            delivery_slot,
        ) {
            (
                Some(r),
                Some(email),
                Some(method),
                Some(payment_method),
                Some(delivery_date),
                Some(delivery_slot),
            ) if errors.is_empty() => Ok(CheckoutDetails {
                name: r.name,
                name_kana: r.name_kana,
                email,
                phone: r.phone,
                address: r.address,
                shipping_method: method.code.clone(),
                delivery_date,
                delivery_slot,
                payment_method,
                gift: matches!(self.gift.trim(), "1" | "on" | "true"),
            }),
            _ => Err(errors),
        }
    }
}

impl From<&CheckoutDetails> for CheckoutInput {
    /// The form pre-filled from earlier details.
    fn from(d: &CheckoutDetails) -> CheckoutInput {
        CheckoutInput {
            name: d.name.clone(),
            name_kana: d.name_kana.as_str().to_string(),
            email: d.email.as_str().to_string(),
            phone: d.phone.as_str().to_string(),
            postal_code: d.address.postal_code.as_str().to_string(),
            prefecture: d.address.prefecture.code().to_string(),
            city: d.address.city.clone(),
            line1: d.address.line1.clone(),
            line2: d.address.line2.clone().unwrap_or_default(),
            shipping_method: d.shipping_method.clone(),
            delivery_date: d
                .delivery_date
                .map(|x| x.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            delivery_slot: d.delivery_slot.clone().unwrap_or_default(),
            payment_method: d.payment_method.as_str().to_string(),
            gift: if d.gift { "1" } else { "" }.to_string(),
        }
    }
}

/// Keeps the value, or records the field's error.
fn field<T>(errors: &mut FieldErrors, name: &'static str, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push((name, e))).ok()
}

fn parse_delivery_date(
    raw: &str,
    settings: &ShopSettings,
    today: NaiveDate,
) -> Result<Option<NaiveDate>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| FieldError::Invalid)?;
    if delivery_dates(settings, today).contains(&date) {
        Ok(Some(date))
    } else {
        Err(FieldError::Invalid)
    }
}

fn parse_delivery_slot(raw: &str, settings: &ShopSettings) -> Result<Option<String>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if !settings.delivery.time_slots.iter().any(|s| s == raw) {
        return Err(FieldError::Invalid);
    }
    Ok(Some(raw.to_string()))
}

/// Why an order cannot be priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error("the cart is empty")]
    EmptyCart,
    #[error("the order has too many lines")]
    TooManyLines,
    #[error("the shipping method is not offered")]
    UnknownShippingMethod,
    #[error("cash on delivery cannot collect this amount")]
    CodLimitExceeded,
    #[error(transparent)]
    Overflow(#[from] MoneyOverflow),
}

/// Fees and totals for the cart's lines delivered as the shopper asked, after `discount` (a
/// coupon's; [`Discount::none`] for none). Free shipping and the cash-on-delivery fee look at
/// what the shopper pays for the items, the discount taken off.
pub fn quote(
    lines: &[PricedLine],
    details: &CheckoutDetails,
    settings: &ShopSettings,
    discount: &Discount,
) -> Result<Totals, QuoteError> {
    quote_shipped(lines, details, settings, discount, None)
}

/// [`quote`] with the shipping fee fixed (`Some`) by a quote the shop sent (見積, ADR 049)
/// instead of the shipping method's fee.
pub fn quote_shipped(
    lines: &[PricedLine],
    details: &CheckoutDetails,
    settings: &ShopSettings,
    discount: &Discount,
    shipping_fee: Option<Yen>,
) -> Result<Totals, QuoteError> {
    if lines.is_empty() {
        return Err(QuoteError::EmptyCart);
    }
    if lines.len() > MAX_ORDER_LINES {
        return Err(QuoteError::TooManyLines);
    }
    let method = settings
        .shipping_method(&details.shipping_method)
        .ok_or(QuoteError::UnknownShippingMethod)?;
    let items = Yen(items_total(lines)?
        .0
        .checked_sub(discount.total.0)
        .ok_or(MoneyOverflow)?);
    let shipping = shipping_fee.unwrap_or_else(|| method.fee(details.address.prefecture, items));
    let payment_fee = match details.payment_method {
        PaymentMethod::BankTransfer
        | PaymentMethod::Card
        | PaymentMethod::Konbini
        | PaymentMethod::Invoice => Yen::ZERO,
        PaymentMethod::CashOnDelivery => settings
            .cod_fee(items.checked_add(shipping)?)
            .ok_or(QuoteError::CodLimitExceeded)?,
    };
    Ok(totals_after(
        lines,
        discount,
        shipping,
        payment_fee,
        settings.rounding,
    )?)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::address::Prefecture;

    pub(crate) fn input() -> CheckoutInput {
        CheckoutInput {
            name: "山田 花子".into(),
            name_kana: "ヤマダ ハナコ".into(),
            email: "hanako@example.jp".into(),
            phone: "090-1234-5678".into(),
            postal_code: "150-0001".into(),
            prefecture: "13".into(),
            city: "渋谷区".into(),
            line1: "神宮前1-2-3".into(),
            line2: String::new(),
            shipping_method: "standard".into(),
            delivery_date: "2026-12-01".into(),
            delivery_slot: "午前中".into(),
            payment_method: "cash_on_delivery".into(),
            gift: String::new(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn a_complete_form_parses() {
        let s = ShopSettings::starter("t");
        let d = input().parse(&s, today()).unwrap();
        assert_eq!(d.address.prefecture, Prefecture::Tokyo);
        assert_eq!(d.delivery_date, NaiveDate::from_ymd_opt(2026, 12, 1));
        assert_eq!(d.payment_method, PaymentMethod::CashOnDelivery);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let s = ShopSettings::starter("t");
        let bad = CheckoutInput {
            postal_code: "12-345".into(),
            prefecture: "99".into(),
            delivery_date: "2026-11-26".into(), // earlier than the 3-day lead time
            delivery_slot: "深夜".into(),
            payment_method: "card".into(),
            ..input()
        };
        let errs = bad.parse(&s, today()).unwrap_err();
        let names: Vec<&str> = errs.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            vec![
                "postal_code",
                "prefecture",
                "payment_method",
                "delivery_date",
                "delivery_slot"
            ]
        );
    }

    #[test]
    fn details_round_trip_through_the_form() {
        let s = ShopSettings::starter("t");
        let d = input().parse(&s, today()).unwrap();
        assert_eq!(CheckoutInput::from(&d).parse(&s, today()).unwrap(), d);
    }

    #[test]
    fn mail_delivery_takes_no_slot() {
        let s = ShopSettings::starter("t");
        let errs = CheckoutInput {
            shipping_method: "mail".into(),
            ..input()
        }
        .parse(&s, today())
        .unwrap_err();
        assert_eq!(
            errs,
            vec![("delivery_date", FieldError::NoDeliveryChoice)],
            "one message saying the method has no date choice, not two format errors"
        );
        let ok = CheckoutInput {
            shipping_method: "mail".into(),
            delivery_date: String::new(),
            delivery_slot: String::new(),
            ..input()
        };
        assert!(ok.parse(&s, today()).is_ok());
    }

    #[test]
    fn quote_adds_shipping_and_cod_fee() {
        let s = ShopSettings::starter("t");
        let d = input().parse(&s, today()).unwrap();
        let line = PricedLine {
            sku_id: crate::ids::SkuId(1),
            product_id: crate::ids::ProductId(1),
            product_name: "x".into(),
            option_label: String::new(),
            sku_code: "X".into(),
            unit_price: Yen(3300),
            quantity: 2,
            tax_category: crate::tax::TaxCategory::Standard,
            line_total: Yen(6600),
        };
        let t = quote(&[line], &d, &s, &Discount::none()).unwrap();
        assert_eq!(t.shipping_fee, Yen(800));
        assert_eq!(t.payment_fee, Yen(330));
        assert_eq!(t.grand_total, Yen(7730));
        assert_eq!(
            quote(&[], &d, &s, &Discount::none()),
            Err(QuoteError::EmptyCart)
        );
    }
}
