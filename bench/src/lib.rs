//! Pieces shared by the benchmark programs of this package.
#![forbid(unsafe_code)]

use akinai_domain::address::{Address, Email, Kana, Phone, PostalCode, Prefecture};
use akinai_domain::checkout::CheckoutDetails;
use akinai_domain::order::PaymentMethod;

use akinai_domain::catalog::Quantity;
use akinai_domain::ids::OrderId;
use akinai_domain::pricing::{totals, PricedLine};
use akinai_domain::tax::RoundingMode;
use akinai_domain::Yen;
use akinai_store::{NewOrder, Store, TokenHash};
use anyhow::Context;
use chrono::Utc;

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
        gift: false,
    })
}

/// One real order to copy.
pub async fn template_order(
    store: &dyn Store,
    at: chrono::DateTime<Utc>,
) -> anyhow::Result<OrderId> {
    let ids: Vec<_> = store.categories().await?.iter().map(|c| c.id).collect();
    let product = store
        .products_in_categories(&ids, None, 1)
        .await?
        .items
        .into_iter()
        .next()
        .context("a product")?
        .id;
    let sku = store.product(product).await?.context("a product")?.skus[0].id;
    let sku = store.skus_for_sale(&[sku]).await?;
    let line = PricedLine::new(&sku[0], Quantity::new(1)?)?;
    let t = totals(
        std::slice::from_ref(&line),
        Yen(800),
        Yen::ZERO,
        RoundingMode::Floor,
    )?;
    let token = akinai_core::tokens::generate();
    let cart = store.create_cart(&token.hash, at).await?;
    let details = shopper_details()?;
    let order = NewOrder {
        customer_id: None,
        cart_id: cart,
        status_token: TokenHash(format!("{:064x}", 1)),
        placed_at: at,
        address_key: akinai_domain::hold::address_key(&details.address),
        coupon: None,
        points: Default::default(),
        quote: None,
        quote_day: String::new(),
        billed_to: None,
        details,
        lines: vec![line],
        totals: t,
        review_reason: None,
    };
    Ok(store.place_order(&order).await?.id)
}
