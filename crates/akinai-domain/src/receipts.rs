//! Receipts (領収書, issue 19): when one may be issued (the money was received), the 宛名 and
//! 但し書き the customer chooses once, and what the receipt says about stamp duty (印紙税). The
//! receipt's content is a [`crate::documents::DocumentContent`] of kind `Receipt`.

use serde::{Deserialize, Serialize};

use crate::order::PaymentMethod;
use crate::Yen;

/// Stamp duty (印紙税) on a receipt: a receipt for ¥50,000 or more (before tax, when the tax is
/// stated) received in cash or its equivalent (bank transfer, cash on delivery, konbini) is a
/// taxable 受取書 when handed over on paper; a card payment's receipt is not (the money is not
/// received from the buyer but settled through the card company).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StampDuty {
    /// A stamp is needed on a paper copy (not on the PDF sent electronically).
    OnPaper,
    /// Paid by card: outside the stamp tax.
    CardPayment,
}

/// The amount from which a receipt for cash takes a stamp, before tax.
pub const STAMP_DUTY_FROM: Yen = Yen(50_000);

impl StampDuty {
    /// What a receipt for `total` (tax included, of which `tax`) paid by `method` says.
    pub fn of(method: PaymentMethod, total: Yen, tax: Yen) -> Option<StampDuty> {
        match method {
            PaymentMethod::Card => Some(StampDuty::CardPayment),
            _ if total.0 - tax.0 >= STAMP_DUTY_FROM.0 => Some(StampDuty::OnPaper),
            _ => None,
        }
    }

    /// The note printed on the receipt.
    pub fn note(self) -> &'static str {
        match self {
            StampDuty::OnPaper => "記載金額(税抜)が5万円以上のため、紙で交付する場合は収入印紙の貼付が必要です(電子データでの交付には不要です)。",
            StampDuty::CardPayment => "クレジットカードによるお支払いのため、印紙税の課税対象外です。",
        }
    }
}

/// The 宛名 and 但し書き a customer chose for a receipt (once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptChoice {
    pub addressee: String,
    pub purpose: String,
}

impl ReceiptChoice {
    /// Longest 宛名, in characters.
    pub const MAX_ADDRESSEE: usize = 60;
    /// Longest 但し書き, in characters.
    pub const MAX_PURPOSE: usize = 40;

    /// Parses the form: both required, within their lengths.
    pub fn parse(
        addressee: &str,
        purpose: &str,
    ) -> Result<ReceiptChoice, crate::checkout::FieldErrors> {
        let mut errors = Vec::new();
        let addressee = crate::address::parse_text(addressee, Self::MAX_ADDRESSEE)
            .map_err(|e| errors.push(("addressee", e)))
            .ok();
        let purpose = crate::address::parse_text(purpose, Self::MAX_PURPOSE)
            .map_err(|e| errors.push(("purpose", e)))
            .ok();
        match (addressee, purpose) {
            (Some(addressee), Some(purpose)) => Ok(ReceiptChoice { addressee, purpose }),
            _ => Err(errors),
        }
    }
}

/// The 但し書き a receipt carries unless the customer wrote another.
pub const DEFAULT_RECEIPT_PURPOSE: &str = "お品代として";

/// Whether a receipt may be issued: the money was received (paid, or delivered when the
/// carrier collected it on delivery).
pub fn may_issue_receipt(status: crate::order::OrderStatus, method: PaymentMethod) -> bool {
    use crate::order::OrderStatus;
    match status {
        OrderStatus::Paid | OrderStatus::Delivered => true,
        OrderStatus::Shipped => method != PaymentMethod::CashOnDelivery,
        _ => false,
    }
}
