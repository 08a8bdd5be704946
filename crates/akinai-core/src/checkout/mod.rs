//! Guest checkout: details → final confirmation screen (最終確認画面, JP-TOK-2) → order.
//!
//! Every amount is recomputed on the server from the cart and today's prices. The confirmation
//! screen carries a fingerprint of exactly what it showed; placing the order recomputes it and
//! refuses if anything changed meanwhile (another tab edited the cart, a price changed), so the
//! shopper is always bound to what was on screen. The cart is the idempotency key: a double
//! submit or reload returns the order already placed from it.

mod place;

use std::sync::Arc;

use sha2::{Digest, Sha256};

use akinai_domain::checkout::{quote_shipped, CheckoutDetails, CheckoutInput};
use akinai_domain::coupon::Discount;
use akinai_domain::ids::AddressId;
use akinai_domain::order::PaymentMethod;
use akinai_domain::pricing::{PricedLine, Totals};
use akinai_domain::settings::ShopSettings;
use akinai_store::coupons::CouponUse;
use akinai_store::{Cart, CartStore, OrderStore, SavedAddress};

use crate::{Accounts, Base, CoreError, Coupons, Integrity, Payments, Profiles, Storefront};

pub use place::{NextStep, Placed, PlacedOrderRef};

/// What the final confirmation screen shows.
pub struct Confirmation {
    pub details: CheckoutDetails,
    pub lines: Vec<PricedLine>,
    pub totals: Totals,
    pub settings: ShopSettings,
    /// The coupon the order uses (its discount is in `totals`), counted when it is placed.
    pub coupon: Option<CouponUse>,
    /// Points used (their reduction is in `totals`) and earned on delivery.
    pub points: crate::points::OrderPoints,
    /// The quote the order is placed from (its prices and shipping fee are in `totals`).
    pub quote: Option<crate::storefront::QuoteApplied>,
    /// Paid by invoice: the company billed, its terms and what is left of its limit.
    pub invoice: Option<crate::receivables::InvoiceAccount>,
    /// The order will wait for the company's approver before it ships (ADR 051).
    pub company_approval: bool,
    /// Hex SHA-256 over details, lines, totals, coupon and points; echoed back by the order
    /// form.
    pub fingerprint: String,
}

/// How a shopper's checkout starts (`GET /checkout`).
pub enum CheckoutStart {
    /// The shop takes members only and nobody is signed in.
    SignInFirst,
    /// The shop's policy wants the member to set up a second factor first.
    SecondFactorFirst,
    /// Nothing in the cart.
    EmptyCart,
    /// The details form, filled from what was entered before, the member's defaults or the
    /// saved address the member picked.
    Form(Box<CheckoutForm>),
}

/// The details form and what it offers.
pub struct CheckoutForm {
    pub input: CheckoutInput,
    /// The settings as checkout offers them (card and konbini only with a provider).
    pub settings: ShopSettings,
    /// Today in Japan (delivery dates start from it).
    pub today: chrono::NaiveDate,
    /// The member's address book; empty for a guest.
    pub book: Vec<SavedAddress>,
    /// Invoice payment the member's company may use (offered among the methods).
    pub invoice: Option<crate::receivables::InvoiceAccount>,
}

fn fingerprint(
    details: &CheckoutDetails,
    lines: &[PricedLine],
    totals: &Totals,
    coupon: Option<&CouponUse>,
    points: &crate::points::OrderPoints,
    quote: Option<&crate::storefront::QuoteApplied>,
) -> String {
    let code = coupon.map(|c| c.code.as_str());
    let doc = serde_json::json!({ "details": details, "lines": lines, "totals": totals,
        "coupon": code, "points": [points.used, points.earned], "quote": quote.map(|q| q.id.0) });
    hex::encode(Sha256::digest(doc.to_string().as_bytes()))
}

/// Checkout: the details form, the final confirmation screen and placing the order.
#[derive(Clone)]
pub struct Checkout {
    pub(crate) base: Base,
    pub(crate) coupons: Coupons,
    pub(crate) points: crate::Points,
    pub(crate) cart_store: Arc<dyn CartStore>,
    pub(crate) order_store: Arc<dyn OrderStore>,
    pub(crate) accounts: Accounts,
    pub(crate) integrity: Integrity,
    pub(crate) payments: Payments,
    pub(crate) profiles: Profiles,
    pub(crate) storefront: Storefront,
    pub(crate) receivables: crate::Receivables,
    pub(crate) business: crate::Business,
}

impl Checkout {
    /// Starts checkout: the shop must be open, the shopper allowed to check out (guest checkout
    /// or a member) and the cart not empty; the form comes filled. The cart is read once.
    pub async fn begin_checkout(
        &self,
        cart_secret: Option<&str>,
        session_secret: Option<&str>,
        saved_address: Option<AddressId>,
    ) -> Result<CheckoutStart, CoreError> {
        self.integrity.ensure_checkout_open().await?;
        // Without a session cookie this is no query at all.
        let member = self.accounts.member(session_secret).await?;
        let (settings, invoice) = self.offered(member.as_ref()).await?;
        if !settings.guest_checkout && member.is_none() {
            return Ok(CheckoutStart::SignInFirst);
        }
        if let Some(m) = &member {
            if self.accounts.second_factor_setup_needed(m).await? {
                return Ok(CheckoutStart::SecondFactorFirst);
            }
        }
        let cart = self.storefront.find_cart(cart_secret).await?;
        let consumer = crate::storefront::prices::Pricing::consumer();
        if self
            .storefront
            .view_cart(cart.as_ref(), &consumer)
            .await?
            .is_empty()
        {
            return Ok(CheckoutStart::EmptyCart);
        }
        let book = match &member {
            Some(m) => {
                let mut book = self.profiles.member_addresses(m).await?;
                // SWS-11: colleagues' shared addresses of the member's own company only.
                book.extend(self.business.shared_addresses(m).await?);
                book
            }
            None => Vec::new(),
        };
        let mut input = match (cart.and_then(|c| c.checkout), &member) {
            (Some(details), _) => CheckoutInput::from(&details),
            (None, Some(m)) => self.profiles.member_checkout_defaults(m).await?,
            (None, None) => CheckoutInput::default(),
        };
        // SWS-11: only the member's own addresses are found.
        if let Some(a) = saved_address.and_then(|id| book.iter().find(|a| a.id == id)) {
            input = a.recipient.fill(input);
        }
        Ok(CheckoutStart::Form(Box::new(CheckoutForm {
            input,
            settings,
            today: self.base.today(),
            book,
            invoice,
        })))
    }

    /// The settings as checkout offers them to `member` (card and konbini only with a
    /// provider; invoice payment to a buyer of a company with a credit limit), and that
    /// company's invoice account.
    async fn offered(
        &self,
        member: Option<&crate::accounts::Member>,
    ) -> Result<(ShopSettings, Option<crate::receivables::InvoiceAccount>), CoreError> {
        let mut settings = self.payments.checkout_settings().await?;
        let invoice = match member {
            Some(m) => self.receivables.invoice_account(m).await?,
            None => None,
        };
        if invoice.is_some() {
            settings.payment_methods.push(PaymentMethod::Invoice);
        }
        Ok((settings, invoice))
    }

    /// What the details form offers the shopper signed in with `session_secret`, to show it
    /// again with the errors of a refused form.
    pub async fn form_options(
        &self,
        session_secret: Option<&str>,
    ) -> Result<(ShopSettings, chrono::NaiveDate), CoreError> {
        let member = self.accounts.member(session_secret).await?;
        Ok((self.offered(member.as_ref()).await?.0, self.base.today()))
    }

    /// Validates and keeps the checkout form on the cart.
    pub async fn save_checkout(
        &self,
        secret: Option<&str>,
        session_secret: Option<&str>,
        input: &CheckoutInput,
    ) -> Result<(), CoreError> {
        self.integrity.ensure_checkout_open().await?;
        let cart = self
            .storefront
            .find_cart(secret)
            .await?
            .ok_or(CoreError::EmptyCart)?;
        let member = self.accounts.member(session_secret).await?;
        let (settings, _) = self.offered(member.as_ref()).await?;
        let details = input
            .parse(&settings, self.base.clock.today_jst())
            .map_err(CoreError::InvalidFields)?;
        self.cart_store
            .save_checkout(cart.id, &details, self.base.clock.now())
            .await?;
        Ok(())
    }

    /// Whom the shopper signed in with `session_secret` is priced as (their customer group, or a
    /// consumer; ADR 047).
    pub async fn pricing(
        &self,
        session_secret: Option<&str>,
    ) -> Result<crate::storefront::prices::Pricing, CoreError> {
        let member = self.accounts.member(session_secret).await?;
        self.storefront.pricing(member.as_ref()).await
    }

    /// Everything the final confirmation screen must show, computed now, for the member signed
    /// in with `session_secret` (points) or a guest.
    pub async fn confirmation(
        &self,
        secret: Option<&str>,
        session_secret: Option<&str>,
    ) -> Result<Confirmation, CoreError> {
        let cart = self.storefront.find_cart(secret).await?;
        let member = self.accounts.member(session_secret).await?;
        self.confirmation_of(cart.as_ref(), member.as_ref()).await
    }

    /// The confirmation for a cart already read.
    async fn confirmation_of(
        &self,
        cart: Option<&Cart>,
        member: Option<&crate::accounts::Member>,
    ) -> Result<Confirmation, CoreError> {
        self.integrity.ensure_checkout_open().await?;
        let pricing = self.storefront.pricing(member).await?;
        let view = self.storefront.view_cart(cart, &pricing).await?;
        let details = cart
            .and_then(|c| c.checkout.clone())
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
        if let Some((line, why)) = view
            .lines
            .iter()
            .find_map(|l| l.quantity_refusal().map(|why| (l, why)))
        {
            return Err(CoreError::QuantityRule {
                sku: line.line.sku_id,
                why,
            });
        }
        let mut settings = self.base.settings().await?;
        // Invoice payment only while the member's company may still use it.
        let invoice = match member {
            Some(m) if details.payment_method == PaymentMethod::Invoice => {
                self.receivables.invoice_account(m).await?
            }
            _ => None,
        };
        if invoice.is_some() {
            settings.payment_methods.push(PaymentMethod::Invoice);
        }
        // Delivery dates move with the calendar: re-check what was chosen earlier.
        let details = CheckoutInput::from(&details)
            .parse(&settings, self.base.clock.today_jst())
            .map_err(CoreError::InvalidFields)?;
        let quoted = view.quote;
        let lines: Vec<PricedLine> = view.lines.into_iter().map(|l| l.line).collect();
        // A coupon that no longer applies stops here; the cart page says why.
        let coupon = match cart {
            Some(c) => {
                self.coupons
                    .for_order(c, &lines, details.email.as_str())
                    .await?
            }
            None => None,
        };
        let coupon_discount = coupon
            .as_ref()
            .map(|c| c.discount.clone())
            .unwrap_or_default();
        // Points chosen on the cart that no longer fit stop here too.
        let (used, points) = match cart {
            Some(c) => {
                self.points
                    .for_order(c, member, &lines, &coupon_discount)
                    .await?
            }
            None => (Discount::none(), crate::points::OrderPoints::default()),
        };
        let discount = akinai_domain::points::combine(&coupon_discount, &used);
        let shipping = quoted.as_ref().map(|q| q.shipping_fee);
        let totals = quote_shipped(&lines, &details, &settings, &discount, shipping)?;
        if let Some(account) = &invoice {
            // Checked again when the order is placed, in its transaction.
            akinai_domain::receivables::check_credit(
                Some(account.limit),
                account.outstanding,
                totals.grand_total,
            )
            .map_err(|_| CoreError::OverCreditLimit {
                available: account.available(),
            })?;
        }
        let coupon = coupon.map(|c| c.counted);
        let company_approval = match member {
            Some(m) if m.customer.email_verified_at.is_some() => {
                self.business
                    .approval_needed(m.customer.id, totals.grand_total)
                    .await?
            }
            _ => false,
        };
        let fingerprint = fingerprint(
            &details,
            &lines,
            &totals,
            coupon.as_ref(),
            &points,
            quoted.as_ref(),
        );
        Ok(Confirmation {
            details,
            lines,
            totals,
            settings,
            coupon,
            points,
            quote: quoted,
            invoice,
            company_approval,
            fingerprint,
        })
    }
}
