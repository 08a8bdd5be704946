//! Quick order (大量注文, issue #23 item 3): codes and quantities, line by line, into the cart.
//! An uploaded CSV is read as text first ([`read_upload`]). `check` shows what would happen (each line's product, price and stock, and the lines that
//! cannot go in, with why); `add` puts every good line into the shopper's cart in one
//! transaction and gives back the refused lines for correction. Reads the SKUs by code in a few
//! chunked queries and writes the cart in a few multi-row statements, so 5,000 lines stay
//! O(lines).

use std::collections::HashMap;

use akinai_domain::ids::SkuId;
use akinai_domain::quick_order::{parse, plan, refuse_quantities, Plan};
use akinai_domain::Yen;

use crate::storefront::cart::OpenCart;
use crate::{CoreError, Storefront};

/// What a quick order did or would do.
#[derive(Debug, Clone, Default)]
pub struct QuickOrder {
    pub plan: Plan,
    /// More lines than `quick_order::MAX_LINES`: how many (nothing was read).
    pub too_many: Option<usize>,
    /// What the shopper pays per unit for each planned SKU at the cart's new quantity (tiers,
    /// sale, their customer group's price; ADR 047).
    pub unit_prices: HashMap<SkuId, Yen>,
}

impl QuickOrder {
    /// The unit price shown for a planned line (its list price if none was computed).
    pub fn unit_price(&self, p: &akinai_domain::quick_order::Planned) -> Yen {
        self.unit_prices
            .get(&p.sku.sku_id)
            .copied()
            .unwrap_or(p.sku.price)
    }
}

/// An uploaded CSV (code, quantity) as text: UTF-8 (with or without a byte-order mark) or
/// Shift_JIS as Excel saves it; `None` when it is neither.
pub fn read_upload(bytes: &[u8]) -> Option<String> {
    use std::io::Read;
    let (_, mut reader) = akinai_csv::decode(std::io::Cursor::new(bytes)).ok()?;
    let mut text = String::new();
    reader.read_to_string(&mut text).ok()?;
    (!text.contains('\u{FFFD}')).then_some(text)
}

impl Storefront {
    /// What `text` would put into the shopper's cart (nothing is changed).
    pub async fn check_quick_order(
        &self,
        secret: Option<&str>,
        pricing: &super::prices::Pricing,
        text: &str,
    ) -> Result<QuickOrder, CoreError> {
        let in_cart = match self.find_cart(secret).await? {
            Some(cart) => self.cart_store.cart_lines(cart.id).await?,
            None => Vec::new(),
        };
        let in_cart: HashMap<_, _> = in_cart.into_iter().map(|(s, q)| (s, q.get())).collect();
        let entries = match parse(text) {
            Ok(e) => e,
            Err(too_many) => {
                return Ok(QuickOrder {
                    plan: Plan::default(),
                    too_many: Some(too_many.0),
                    unit_prices: HashMap::new(),
                })
            }
        };
        let mut codes: Vec<String> = entries.iter().map(|e| e.code.clone()).collect();
        codes.sort_unstable();
        codes.dedup();
        let found: HashMap<String, _> = self
            .catalog_store
            .skus_for_sale_by_code(&codes)
            .await?
            .into_iter()
            .map(|s| (s.code.clone(), s))
            .collect();
        let mut plan = plan(&entries, &found, &in_cart);
        let skus: Vec<(SkuId, Yen)> = plan
            .planned
            .iter()
            .map(|p| (p.sku.sku_id, p.sku.price))
            .collect();
        let rules = self.rules_of(&skus).await?;
        refuse_quantities(&mut plan, &entries, &rules);
        let (buyer, now) = (pricing.buyer(), self.base.clock.now());
        let unit_prices = plan
            .planned
            .iter()
            .filter_map(|p| {
                let r = rules.get(&p.sku.sku_id)?;
                let price =
                    akinai_domain::price_rules::unit_price(r, p.quantity.get(), &buyer, now);
                Some((p.sku.sku_id, price.price))
            })
            .collect();
        Ok(QuickOrder {
            plan,
            too_many: None,
            unit_prices,
        })
    }

    /// Puts every good line of `text` into the shopper's cart (opened if need be) and returns
    /// what was refused. With no good line, no cart is opened.
    pub async fn quick_order(
        &self,
        secret: Option<&str>,
        pricing: &super::prices::Pricing,
        text: &str,
    ) -> Result<(Option<OpenCart>, QuickOrder), CoreError> {
        let order = self.check_quick_order(secret, pricing, text).await?;
        if order.plan.planned.is_empty() {
            return Ok((None, order));
        }
        let open = self.open_cart(secret).await?;
        let lines: Vec<_> = order
            .plan
            .planned
            .iter()
            .map(|p| (p.sku.sku_id, p.quantity))
            .collect();
        self.cart_store
            .set_cart_lines(open.cart.id, &lines, self.base.clock.now())
            .await?;
        Ok((Some(open), order))
    }
}
