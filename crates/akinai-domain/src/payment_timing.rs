//! 支払の時期 by payment method (JP-TOK-2): what the 特商法 final confirmation screen states for
//! the method the shopper chose. The owner may word each one; an empty text means the default
//! below, which follows what akinai does with that method.

use serde::{Deserialize, Serialize};

use crate::order::PaymentMethod;
use crate::settings::CardCapture;

/// Longest owner-worded timing text, in characters.
pub const MAX_TIMING: usize = 500;

/// The owner's wording of 支払の時期 per method; empty: [`default_timing`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentTimings {
    pub bank_transfer: String,
    pub cash_on_delivery: String,
    pub card: String,
    pub konbini: String,
}

impl PaymentTimings {
    /// The owner's text for `method`, if worded.
    pub fn worded(&self, method: PaymentMethod) -> &str {
        match method {
            PaymentMethod::BankTransfer => &self.bank_transfer,
            PaymentMethod::CashOnDelivery => &self.cash_on_delivery,
            PaymentMethod::Card => &self.card,
            PaymentMethod::Konbini => &self.konbini,
            // Agreed with each company (its terms), not worded shop-wide.
            PaymentMethod::Invoice => "",
        }
    }

    /// What the final confirmation screen states for `method`.
    pub fn text(&self, method: PaymentMethod, capture: CardCapture) -> String {
        match self.worded(method).trim() {
            "" => default_timing(method, capture).to_string(),
            worded => worded.to_string(),
        }
    }
}

/// The default 支払の時期 of each method, true to what akinai does: a card is charged when the
/// order is confirmed, or only held then and charged at shipping (the shop's capture setting).
pub fn default_timing(method: PaymentMethod, capture: CardCapture) -> &'static str {
    match (method, capture) {
        (PaymentMethod::BankTransfer, _) => {
            "前払いです。ご注文後7日以内に、確認メールでお知らせする口座へお振り込みください。ご入金を確認してから発送します。"
        }
        (PaymentMethod::CashOnDelivery, _) => "商品のお受け取り時に、配達員に現金でお支払いください。",
        (PaymentMethod::Card, CardCapture::OnPayment) => {
            "ご注文の確定後に進むカード会社のお支払い画面で決済され、その時点でご請求が確定します。"
        }
        (PaymentMethod::Card, CardCapture::AtShipping) => {
            "ご注文時にカードの利用枠を確保(与信)し、商品の発送時に決済(売上確定)します。キャンセルの場合は請求されません。"
        }
        (PaymentMethod::Invoice, _) => {
            "請求書払いです。締め日までのご注文をまとめた請求書をメールでお送りしますので、お取引条件の支払日までにお振り込みください。商品はご入金前に発送します。"
        }
        (PaymentMethod::Konbini, _) => {
            "ご注文後に表示されるお支払い番号で、お支払い期限までにコンビニ店頭でお支払いください(期限はご注文後の画面と確認メールでお知らせします)。期限を過ぎるとご注文はキャンセルされます。"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_has_its_own_default_and_the_card_follows_the_capture_setting() {
        let t = PaymentTimings::default();
        let bank = t.text(PaymentMethod::BankTransfer, CardCapture::OnPayment);
        let card_now = t.text(PaymentMethod::Card, CardCapture::OnPayment);
        let card_later = t.text(PaymentMethod::Card, CardCapture::AtShipping);
        let konbini = t.text(PaymentMethod::Konbini, CardCapture::OnPayment);
        assert!(bank.contains("振り込み"));
        assert!(card_now.contains("決済") && !card_now.contains("発送時"));
        assert!(card_later.contains("発送時"));
        assert!(konbini.contains("期限"));
        assert_ne!(bank, konbini);
    }

    #[test]
    fn the_owners_wording_wins_and_blank_means_the_default() {
        let t = PaymentTimings {
            card: "発送時に決済します。".into(),
            konbini: "   ".into(),
            ..PaymentTimings::default()
        };
        assert_eq!(
            t.text(PaymentMethod::Card, CardCapture::OnPayment),
            "発送時に決済します。"
        );
        assert_eq!(
            t.text(PaymentMethod::Konbini, CardCapture::OnPayment),
            default_timing(PaymentMethod::Konbini, CardCapture::OnPayment)
        );
    }

    #[test]
    fn settings_stored_before_the_field_existed_still_read() {
        let old: PaymentTimings = serde_json::from_str("{}").unwrap();
        assert_eq!(old, PaymentTimings::default());
    }
}
