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
/// carrier collected it on delivery). Invoice orders are paid per monthly statement, not per
/// order, so they get none.
pub fn may_issue_receipt(status: crate::order::OrderStatus, method: PaymentMethod) -> bool {
    use crate::order::OrderStatus;
    if method == PaymentMethod::Invoice {
        return false;
    }
    match status {
        OrderStatus::Paid | OrderStatus::Delivered => true,
        OrderStatus::Shipped => method != PaymentMethod::CashOnDelivery,
        _ => false,
    }
}

/// A corrected invoice (JP-INV-4: a correction is a new document referencing the old): the
/// buyer's name as it should read and why the invoice is issued again, both required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceCorrection {
    pub buyer: String,
    pub reason: String,
}

impl InvoiceCorrection {
    /// Longest reason, in characters.
    pub const MAX_REASON: usize = 100;

    pub fn parse(
        buyer: &str,
        reason: &str,
    ) -> Result<InvoiceCorrection, crate::checkout::FieldErrors> {
        let mut errors = Vec::new();
        let buyer = crate::address::parse_text(buyer, ReceiptChoice::MAX_ADDRESSEE)
            .map_err(|e| errors.push(("buyer", e)))
            .ok();
        let reason = crate::address::parse_text(reason, Self::MAX_REASON)
            .map_err(|e| errors.push(("reason", e)))
            .ok();
        match (buyer, reason) {
            (Some(buyer), Some(reason)) => Ok(InvoiceCorrection { buyer, reason }),
            _ => Err(errors),
        }
    }

    /// The line a corrected invoice prints about the one it replaces.
    pub fn note(&self, replaced_number: &str, replaced_on: chrono::NaiveDate) -> String {
        format!(
            "本書は請求書 {replaced_number}({}発行)を訂正したものです。訂正の理由:{}",
            replaced_on.format("%Y年%m月%d日"),
            self.reason
        )
    }
}

#[cfg(test)]
mod correction_tests {
    use super::*;

    #[test]
    fn a_correction_needs_a_buyer_and_a_reason_within_their_lengths() {
        let c = InvoiceCorrection::parse(" 株式会社あきない 経理部 ", "宛名の誤り").unwrap();
        assert_eq!(c.buyer, "株式会社あきない 経理部");
        let on = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(
            c.note("INV-00000004", on),
            "本書は請求書 INV-00000004(2026年12月03日発行)を訂正したものです。訂正の理由:宛名の誤り"
        );
        let bad = InvoiceCorrection::parse("", &"長".repeat(101)).unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["buyer", "reason"]);
        assert!(InvoiceCorrection::parse("山田\u{7}", "理由").is_err());
    }
}
