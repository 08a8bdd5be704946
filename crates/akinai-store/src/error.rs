//! Storage errors, small enough for callers to act on.

use akinai_domain::ids::SkuId;

/// A storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or is overloaded; worth retrying.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be read back into domain types.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Why an order was not placed.
#[derive(Debug, thiserror::Error)]
pub enum PlaceOrderError {
    /// Not enough stock for this SKU; nothing was written.
    #[error("sku {0} is out of stock")]
    OutOfStock(SkuId),
    /// The order's coupon has been used as often as allowed (in all or by this shopper)
    /// meanwhile; nothing was written.
    #[error("the coupon has been used up")]
    CouponUsedUp,
    /// The member no longer holds the points the order uses (spent on another order
    /// meanwhile); nothing was written.
    #[error("the member holds fewer points than the order uses")]
    PointsShort,
    /// The order's quote is no longer open (ordered already, withdrawn or past its last valid
    /// day); nothing was written.
    #[error("the quote is no longer open")]
    QuoteClosed,
    /// Paid by invoice, the order would take what the company owes past its credit limit (or
    /// invoice payment is no longer agreed); `available` is what was left. Nothing was written.
    #[error("over the credit limit ({available} left)")]
    OverCreditLimit { available: akinai_domain::Yen },
    #[error(transparent)]
    Store(#[from] StoreError),
}
