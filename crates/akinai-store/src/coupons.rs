//! Storage side of coupons (issue #23, item 6): the shop's coupons with their rules and use
//! counts, the code a shopper entered on a cart, and the uses per shopper.
//!
//! A coupon's use is counted when its order is placed, inside the order's own transaction
//! (`NewOrder::coupon`): the count only moves while it is below `max_uses` and the shopper's
//! below `per_customer`, so racing checkouts can never use a coupon more often than allowed;
//! the order that finds it used up is refused with `PlaceOrderError::CouponUsedUp` and nothing
//! of it is written.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::coupon::{CouponCode, CouponRule};
use akinai_domain::ids::{CartId, CategoryId, CouponId, ProductId};

use crate::StoreResult;

/// A stored coupon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coupon {
    pub id: CouponId,
    pub code: CouponCode,
    pub rule: CouponRule,
    /// Orders that used it.
    pub used: u32,
    pub disabled: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A coupon's use by an order about to be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponUse {
    pub coupon_id: CouponId,
    pub code: CouponCode,
    /// The shopper, as [`coupon_shopper`] keys them.
    pub shopper: String,
    /// The coupon's limit per shopper, enforced again when counting.
    pub per_customer: Option<u32>,
}

/// The key a shopper's uses are counted under: the order's e-mail address in lower case.
pub fn coupon_shopper(email: &str) -> String {
    email.to_lowercase()
}

#[async_trait]
pub trait CouponStore: Send + Sync {
    /// Adds a coupon; `None` when its code is taken.
    async fn create_coupon(
        &self,
        code: &CouponCode,
        rule: &CouponRule,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<CouponId>>;
    async fn coupon_by_code(&self, code: &CouponCode) -> StoreResult<Option<Coupon>>;
    /// The newest coupons first.
    async fn coupons(&self, limit: u32) -> StoreResult<Vec<Coupon>>;
    /// Stops or resumes a coupon; false when there is no such coupon.
    async fn set_coupon_disabled(&self, id: CouponId, disabled: bool) -> StoreResult<bool>;
    /// Orders of `shopper` (see [`coupon_shopper`]) that used the coupon.
    async fn coupon_uses_by(&self, id: CouponId, shopper: &str) -> StoreResult<u32>;
    /// Orders placed with this e-mail address (as typed or in lower case), counted up to `cap`.
    async fn orders_by_email(&self, email: &str, cap: u32) -> StoreResult<u32>;
    /// Keeps the code the shopper entered on the cart, or forgets it.
    async fn set_cart_coupon(&self, cart: CartId, code: Option<&CouponCode>) -> StoreResult<()>;
    /// The category of each of `products` that exists (for coupons that target categories).
    async fn product_categories(
        &self,
        products: &[ProductId],
    ) -> StoreResult<Vec<(ProductId, CategoryId)>>;
}
