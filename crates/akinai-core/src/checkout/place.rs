//! Placing the order shown on the final confirmation screen, and sending the shopper on to pay.

use akinai_domain::ids::OrderId;
use akinai_domain::order::PaymentMethod;
use akinai_store::NewOrder;

use super::{Checkout, Confirmation};
use crate::{tokens, CoreError};

/// An order placed (or found already placed) from the shopper's cart.
pub struct PlacedOrderRef {
    /// Secret of the order status page, `/order/{secret}`.
    pub status_secret: String,
    pub order_id: OrderId,
    pub newly_placed: bool,
    /// How the order is paid, when placed by this call (an order found already placed is not
    /// read again here).
    pub payment_method: Option<PaymentMethod>,
}

/// Where the shopper goes once the order is placed.
#[derive(Debug, PartialEq, Eq)]
pub enum NextStep {
    /// The provider's payment page (card, konbini).
    Provider(String),
    /// The bot challenge first (card-testing defence), then the provider's page.
    Challenge,
    /// The order's status page: bank transfer and cash on delivery, or a provider that cannot
    /// be reached now (the page offers the payment button again).
    StatusPage,
}

/// The order placed and the shopper's next step.
pub struct Placed {
    pub status_secret: String,
    pub next: NextStep,
}

impl Checkout {
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
        if let Some(order_id) = cart.order_id {
            return Ok(PlacedOrderRef {
                status_secret: status.secret,
                order_id,
                newly_placed: false,
                payment_method: None,
            });
        }
        let c = self.confirmation_of(Some(&cart), member).await?;
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
        // Computed once here: the store keeps it with the order for the next orders' counts.
        let address_key = akinai_domain::hold::address_key(&c.details.address);
        reasons.extend(self.hold_reasons(&settings.holds, &c, &address_key).await?);
        // Over the company's amount, a buyer's order waits for an approver (ADR 051).
        if c.company_approval {
            reasons.push(akinai_domain::business::REVIEW_COMPANY_APPROVAL.to_string());
        }
        let review_reason = (!reasons.is_empty()).then(|| reasons.join(","));
        let payment_method = c.details.payment_method;
        // Only a verified member's order is billed to the company (a guest order is not).
        let billed_to = match (&c.invoice, customer_id) {
            (Some(account), Some(_)) => Some(account.company.id),
            (Some(_), None) => return Err(CoreError::MembersOnly),
            (None, _) => None,
        };
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
                address_key,
                coupon: c.coupon,
                points: c.points,
                quote: c.quote.map(|q| q.id),
                quote_day: self.base.today().format("%Y-%m-%d").to_string(),
                billed_to,
            })
            .await?;
        if placed.newly_placed {
            self.base.jobs_added();
            tracing::info!(order_id = placed.id.0, "order placed");
        }
        Ok(PlacedOrderRef {
            status_secret: status.secret,
            order_id: placed.id,
            newly_placed: placed.newly_placed,
            payment_method: Some(payment_method),
        })
    }

    /// The shop's hold rules for an order about to be placed (CCSG-F-4): its total, orders to
    /// its address within a day (this one included), the blocked list.
    async fn hold_reasons(
        &self,
        rules: &akinai_domain::hold::HoldRules,
        c: &Confirmation,
        address_key: &str,
    ) -> Result<Vec<String>, CoreError> {
        use akinai_domain::hold;
        // Counted only as far as the rule looks, and not at all without the rule.
        let limit = i64::from(rules.orders_per_address_per_day);
        let today = if limit > 0 {
            self.order_store
                .orders_to_address_since(
                    address_key,
                    self.base.clock.now() - chrono::Duration::hours(24),
                    limit,
                )
                .await?
                + 1
        } else {
            1
        };
        let blocked = hold::blocked(rules, &c.details);
        Ok(hold::reasons(rules, c.totals.grand_total, today, blocked)
            .into_iter()
            .map(str::to_string)
            .collect())
    }
    /// `POST /checkout/confirm`: places the order for the signed-in member (or as a guest) and
    /// opens the provider's payment page for card and konbini orders.
    pub async fn place_and_pay(
        &self,
        cart_secret: Option<&str>,
        session_secret: Option<&str>,
        shown_fingerprint: &str,
        client: &crate::accounts::Client,
    ) -> Result<Placed, CoreError> {
        let member = self.accounts.member(session_secret).await?;
        let placed = self
            .place_order_as(cart_secret, shown_fingerprint, member.as_ref())
            .await?;
        // Bank transfer and cash on delivery need no provider: the order is not read again.
        if placed.payment_method.is_some_and(|m| !m.through_provider()) {
            return Ok(Placed {
                status_secret: placed.status_secret,
                next: NextStep::StatusPage,
            });
        }
        let next = match self
            .payments
            .start_payment_for(placed.order_id, &placed.status_secret, client, None)
            .await
        {
            Ok(url) => NextStep::Provider(url),
            Err(CoreError::ChallengeRequired) => NextStep::Challenge,
            Err(CoreError::PaymentClosed) => NextStep::StatusPage,
            Err(CoreError::PaymentUnavailable(e)) => {
                tracing::warn!(error = %e, "payment provider unavailable at checkout");
                NextStep::StatusPage
            }
            Err(e) => return Err(e),
        };
        Ok(Placed {
            status_secret: placed.status_secret,
            next,
        })
    }
}
