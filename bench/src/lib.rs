//! Pieces shared by the benchmark programs of this package.
#![forbid(unsafe_code)]

use akinai_domain::address::{Address, Email, Kana, Phone, PostalCode, Prefecture};
use akinai_domain::checkout::CheckoutDetails;
use akinai_domain::order::PaymentMethod;

/// The checkout details every benchmark order uses (bank transfer, Tokyo, no delivery date).
pub fn shopper_details() -> anyhow::Result<CheckoutDetails> {
    let e = |e: akinai_domain::address::FieldError| anyhow::anyhow!("{e}");
    Ok(CheckoutDetails {
        name: "山田 花子".into(),
        name_kana: Kana::parse("ヤマダ ハナコ").map_err(e)?,
        email: Email::parse("hanako@example.jp").map_err(e)?,
        phone: Phone::parse("090-1234-5678").map_err(e)?,
        address: Address {
            postal_code: PostalCode::parse("150-0001").map_err(e)?,
            prefecture: Prefecture::Tokyo,
            city: "渋谷区".into(),
            line1: "神宮前1-2-3".into(),
            line2: None,
        },
        shipping_method: "standard".into(),
        delivery_date: None,
        delivery_slot: None,
        payment_method: PaymentMethod::BankTransfer,
    })
}
