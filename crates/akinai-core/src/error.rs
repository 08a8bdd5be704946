//! Errors of the use cases. The web layer maps each variant to one response in one place.

use akinai_domain::address::FieldError;
use akinai_domain::catalog::QuantityError;
use akinai_domain::checkout::QuoteError;
use akinai_domain::ids::SkuId;
use akinai_store::{PlaceOrderError, StoreError};

/// Why a use case did not complete.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("not found")]
    NotFound,
    #[error("invalid quantity: {0}")]
    Quantity(#[from] QuantityError),
    #[error("unknown product variant")]
    UnknownSku,
    #[error("only {available} left of sku {sku}")]
    InsufficientStock { sku: SkuId, available: i64 },
    /// The SKU is not sold in this quantity (below its minimum, not a case multiple).
    #[error("sku {sku}: {why}")]
    QuantityRule {
        sku: SkuId,
        why: akinai_domain::price_rules::QuantityRefusal,
    },
    #[error("the cart is empty")]
    EmptyCart,
    #[error("checkout details are missing")]
    CheckoutMissing,
    #[error("the cart changed since it was confirmed")]
    CartChanged,
    #[error("not a CSP violation report")]
    InvalidReport,
    #[error("checkout is closed until an owner acknowledges a security alert")]
    CheckoutClosed,
    #[error("integrity check: {0}")]
    Integrity(String),
    #[error("too busy; try again shortly")]
    Busy,
    #[error("wrong e-mail address or password")]
    LoginFailed,
    #[error("this shop takes orders from verified members only")]
    MembersOnly,
    #[error("the bot challenge must be solved first")]
    ChallengeRequired,
    #[error("too many attempts; try again after {0}")]
    TryLater(chrono::DateTime<chrono::Utc>),
    #[error("invalid form")]
    InvalidForm(Vec<(&'static str, &'static str)>),
    /// Rejected fields of the checkout and address forms, with their reasons in full (limits,
    /// characters, prefectures) for messages that name them.
    #[error("invalid fields")]
    InvalidFields(Vec<(&'static str, FieldError)>),
    #[error("not allowed: needs {0}")]
    Forbidden(&'static str),
    /// Fields refused, each with the reason in the shop owner's words (Japanese).
    #[error("{}", .0.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join("; "))]
    Refused(Vec<(&'static str, String)>),
    #[error("the link is invalid, used or expired")]
    LinkInvalid,
    #[error("the upload contains malware")]
    UploadRejected,
    #[error("not a product image: {0}")]
    ImageRejected(#[from] crate::images::ImageRejected),
    #[error("the upload could not be scanned for malware")]
    ScannerUnavailable,
    #[error("these files cannot be theme files: {}", .0.join("; "))]
    ThemeRefused(Vec<String>),
    #[error(transparent)]
    Quote(#[from] QuoteError),
    /// The cart's coupon does not apply (the shopper is told why on the cart page).
    #[error("coupon refused: {0}")]
    Coupon(#[from] akinai_domain::coupon::Refusal),
    /// The points chosen cannot be used (too many, a guest); the cart page says why.
    #[error("points refused: {0}")]
    Points(#[from] akinai_domain::points::PointsRefusal),
    #[error("the payment provider could not be reached: {0}")]
    PaymentUnavailable(#[from] crate::payments::GatewayError),
    /// The quote cannot be ordered (any more): ordered already, withdrawn or past its last
    /// valid day.
    #[error("the quote can no longer be ordered")]
    QuoteClosed,
    /// Paid by invoice, the order would take what the company owes past its credit limit;
    /// `available` is what is left (ADR 050).
    #[error("over the credit limit ({available} left)")]
    OverCreditLimit { available: akinai_domain::Yen },
    #[error("this order takes no (further) payment")]
    PaymentClosed,
    /// Card payments refused for this shopper now (card testing defence or a pause); the
    /// shopper reads the same words whatever the reason.
    #[error("card payment refused")]
    PaymentRefused,
    #[error("webhook refused: {0}")]
    WebhookRefused(#[from] crate::payments::WebhookError),
    /// An export could not be written (a character Shift_JIS lacks, a full disk); the text
    /// says which row and column, in Japanese.
    #[error("{0}")]
    Export(String),
    /// A document (PDF) could not be drawn or a kept one read back.
    #[error("the document could not be made: {0}")]
    Document(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<PlaceOrderError> for CoreError {
    fn from(e: PlaceOrderError) -> CoreError {
        match e {
            PlaceOrderError::OutOfStock(sku) => CoreError::InsufficientStock { sku, available: 0 },
            PlaceOrderError::CouponUsedUp => {
                CoreError::Coupon(akinai_domain::coupon::Refusal::UsedUp)
            }
            PlaceOrderError::PointsShort => {
                CoreError::Points(akinai_domain::points::PointsRefusal::MoreThanBalance(0))
            }
            PlaceOrderError::QuoteClosed => CoreError::QuoteClosed,
            PlaceOrderError::OverCreditLimit { available } => {
                CoreError::OverCreditLimit { available }
            }
            PlaceOrderError::Store(s) => CoreError::Store(s),
        }
    }
}
