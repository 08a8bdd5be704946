//! Guest checkout: details → final confirmation screen (最終確認画面, JP-TOK-2) → order.
//!
//! Every amount is recomputed on the server from the cart and today's prices. The confirmation
//! screen carries a fingerprint of exactly what it showed; placing the order recomputes it and
//! refuses if anything changed meanwhile (another tab edited the cart, a price changed), so the
//! shopper is always bound to what was on screen. The cart is the idempotency key: a double
//! submit or reload returns the order already placed from it.

use crate::Base;
use crate::Integrity;
use crate::Payments;
use crate::Profiles;
use crate::Storefront;
use akinai_store::CartStore;
use akinai_store::OrderStore;
use sha2::{Digest, Sha256};
use std::sync::Arc;

use akinai_domain::checkout::{quote, CheckoutDetails, CheckoutInput};
use akinai_domain::pricing::{PricedLine, Totals};
use akinai_domain::settings::ShopSettings;
use akinai_store::NewOrder;

use crate::tokens;
use crate::CoreError;

/// What the final confirmation screen shows.
pub struct Confirmation {
    pub details: CheckoutDetails,
    pub lines: Vec<PricedLine>,
    pub totals: Totals,
    pub settings: ShopSettings,
    /// Hex SHA-256 over details, lines and totals; echoed back by the order form.
    pub fingerprint: String,
}

/// An order placed (or found already placed) from the shopper's cart.
pub struct PlacedOrderRef {
    /// Secret of the order status page, `/order/{secret}`.
    pub status_secret: String,
    pub newly_placed: bool,
}

fn fingerprint(details: &CheckoutDetails, lines: &[PricedLine], totals: &Totals) -> String {
    let doc = serde_json::json!({ "details": details, "lines": lines, "totals": totals });
    hex::encode(Sha256::digest(doc.to_string().as_bytes()))
}

/// Checkout: the details form, the final confirmation screen and placing the order.
#[derive(Clone)]
pub struct Checkout {
    pub(crate) base: Base,
    pub(crate) cart_store: Arc<dyn CartStore>,
    pub(crate) order_store: Arc<dyn OrderStore>,
    pub(crate) integrity: Integrity,
    pub(crate) payments: Payments,
    pub(crate) profiles: Profiles,
    pub(crate) storefront: Storefront,
}

impl Checkout {
    /// Validates and keeps the checkout form on the cart.
    pub async fn save_checkout(
        &self,
        secret: Option<&str>,
        input: &CheckoutInput,
    ) -> Result<(), CoreError> {
        self.integrity.ensure_checkout_open().await?;
        let cart = self
            .storefront
            .find_cart(secret)
            .await?
            .ok_or(CoreError::EmptyCart)?;
        let settings = self.payments.checkout_settings().await?;
        let details = input
            .parse(&settings, self.base.clock.today_jst())
            .map_err(CoreError::InvalidCheckout)?;
        self.cart_store
            .save_checkout(cart.id, &details, self.base.clock.now())
            .await?;
        Ok(())
    }

    /// The checkout form as last entered, for editing.
    pub async fn saved_checkout(
        &self,
        secret: Option<&str>,
    ) -> Result<Option<CheckoutDetails>, CoreError> {
        Ok(self
            .storefront
            .find_cart(secret)
            .await?
            .and_then(|c| c.checkout))
    }

    /// Everything the final confirmation screen must show, computed now.
    pub async fn confirmation(&self, secret: Option<&str>) -> Result<Confirmation, CoreError> {
        self.integrity.ensure_checkout_open().await?;
        let cart = self.storefront.find_cart(secret).await?;
        let view = self.storefront.view_cart(cart.as_ref()).await?;
        let details = cart
            .and_then(|c| c.checkout)
            .ok_or(CoreError::CheckoutMissing)?;
        if view.is_empty() {
            return Err(CoreError::EmptyCart);
        }
        if let Some(short) = view.lines.iter().find(|l| l.short_of_stock()) {
            return Err(CoreError::InsufficientStock {
                sku: short.line.sku_id,
                available: short.available,
            });
        }
        let settings = self.base.settings().await?;
        // Delivery dates move with the calendar: re-check what was chosen earlier.
        let details = CheckoutInput::from(&details)
            .parse(&settings, self.base.clock.today_jst())
            .map_err(CoreError::InvalidCheckout)?;
        let lines: Vec<PricedLine> = view.lines.into_iter().map(|l| l.line).collect();
        let totals = quote(&lines, &details, &settings)?;
        let fingerprint = fingerprint(&details, &lines, &totals);
        Ok(Confirmation {
            details,
            lines,
            totals,
            settings,
            fingerprint,
        })
    }

    /// Places the order shown on the confirmation screen identified by `shown_fingerprint`, as
    /// a guest.
    pub async fn place_order(
        &self,
        secret: Option<&str>,
        shown_fingerprint: &str,
    ) -> Result<PlacedOrderRef, CoreError> {
        self.place_order_as(secret, shown_fingerprint, None).await
    }

    /// Places the order for `member` when given: it joins the member's order history if the
    /// member's e-mail address is verified (CCSG-F-3a); otherwise it is a guest order.
    pub async fn place_order_as(
        &self,
        secret: Option<&str>,
        shown_fingerprint: &str,
        member: Option<&crate::accounts::Member>,
    ) -> Result<PlacedOrderRef, CoreError> {
        let customer_id = member
            .filter(|m| m.customer.email_verified_at.is_some())
            .map(|m| m.customer.id);
        let settings = self.base.settings().await?;
        if customer_id.is_none() && !settings.guest_checkout {
            return Err(CoreError::MembersOnly);
        }
        let secret = secret.ok_or(CoreError::EmptyCart)?;
        let hash = tokens::parse(secret).ok_or(CoreError::EmptyCart)?;
        let cart = self
            .cart_store
            .cart_by_token(&hash)
            .await?
            .ok_or(CoreError::EmptyCart)?;
        let status = tokens::status_token_for_cart(&self.base.config.secret_key, cart.id);
        if cart.order_id.is_some() {
            return Ok(PlacedOrderRef {
                status_secret: status.secret,
                newly_placed: false,
            });
        }
        let c = self.confirmation(Some(secret)).await?;
        if c.fingerprint != shown_fingerprint {
            return Err(CoreError::CartChanged);
        }
        let mut reasons: Vec<String> = match member.filter(|_| customer_id.is_some()) {
            Some(m) => self
                .profiles
                .address_review(m, &c.details)
                .await?
                .into_iter()
                .collect(),
            None => Vec::new(),
        };
        reasons.extend(self.hold_reasons(&settings.holds, &c).await?);
        let review_reason = (!reasons.is_empty()).then(|| reasons.join(","));
        let placed = self
            .order_store
            .place_order(&NewOrder {
                cart_id: cart.id,
                customer_id,
                status_token: status.hash,
                placed_at: self.base.clock.now(),
                details: c.details,
                lines: c.lines,
                totals: c.totals,
                review_reason,
            })
            .await?;
        if placed.newly_placed {
            self.base.jobs_ready.notify_one();
            tracing::info!(order_id = placed.id.0, "order placed");
        }
        Ok(PlacedOrderRef {
            status_secret: status.secret,
            newly_placed: placed.newly_placed,
        })
    }

    /// The shop's hold rules for an order about to be placed (CCSG-F-4): its total, orders to
    /// its address within a day (this one included), the blocked list.
    async fn hold_reasons(
        &self,
        rules: &akinai_domain::hold::HoldRules,
        c: &Confirmation,
    ) -> Result<Vec<String>, CoreError> {
        use akinai_domain::hold;
        let key = hold::address_key(&c.details.address);
        let today = self
            .order_store
            .orders_to_address_since(&key, self.base.clock.now() - chrono::Duration::hours(24))
            .await?
            + 1;
        let blocked = hold::blocked(rules, &c.details);
        Ok(hold::reasons(rules, c.totals.grand_total, today, blocked)
            .into_iter()
            .map(str::to_string)
            .collect())
    }
}
