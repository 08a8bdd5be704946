//! Records that cross the storage boundary.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use akinai_domain::catalog::{PageCursor, ProductSummary};
use akinai_domain::checkout::CheckoutDetails;
use akinai_domain::ids::{
    AddressId, CartId, CategoryId, CheckoutHoldId, CustomerId, JobId, OrderId, PasskeyId,
    SecurityEventId, SessionId, ThemeManifestId,
};
use akinai_domain::order::{OrderStatus, PaymentMethod};
use akinai_domain::pricing::{PricedLine, Totals};

/// The SHA-256 of a bearer token, hex-encoded. Only hashes are stored, so a leaked database
/// does not hand out carts or order status pages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(pub String);

/// One page of a keyset-paginated list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<PageCursor>,
}

/// One page of a category listing in a browse order, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub products: Vec<ProductSummary>,
    pub next: Option<akinai_domain::browse::Position>,
}

/// One page of search results, and how many products the search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub products: Vec<ProductSummary>,
    pub total: akinai_domain::search::SearchTotal,
}

/// A category to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCategory {
    pub parent_id: Option<CategoryId>,
    pub slug: String,
    pub name: String,
    pub position: i64,
}

/// A server-side cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    pub id: CartId,
    /// The order placed from this cart, if any: a cart orders once.
    pub order_id: Option<OrderId>,
    /// Details entered at checkout, kept while the shopper confirms.
    pub checkout: Option<CheckoutDetails>,
    /// The coupon code entered on the cart (checked again whenever the cart is priced).
    pub coupon: Option<String>,
    /// Points the member chose to use on the cart (checked again at confirmation).
    pub points: i64,
    /// The quote the cart was filled from (ordered at its prices while the lines match).
    pub quote: Option<akinai_domain::ids::QuoteId>,
}

/// An order to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub cart_id: CartId,
    /// The member who placed it (a verified account), `None` for a guest order.
    pub customer_id: Option<CustomerId>,
    pub status_token: TokenHash,
    pub placed_at: DateTime<Utc>,
    pub details: CheckoutDetails,
    pub lines: Vec<PricedLine>,
    pub totals: Totals,
    /// Why the order must be reviewed before shipping (e.g. `address_recently_changed`).
    pub review_reason: Option<String>,
    /// The delivery address's key for the hold rules (`akinai_domain::hold::address_key`),
    /// computed by the caller and kept with the order.
    pub address_key: String,
    /// The coupon the order uses, counted when it is placed.
    pub coupon: Option<crate::coupons::CouponUse>,
    /// Points the member uses (`totals.points`, taken from the balance when the order is
    /// placed) and earns on delivery; both zero for a guest.
    pub points: crate::points::OrderPoints,
    /// The quote the order is placed from (claimed once, valid on `quote_day`).
    pub quote: Option<akinai_domain::ids::QuoteId>,
    /// Today in Japan, `YYYY-MM-DD`: the quote must be valid through it.
    pub quote_day: String,
    /// The company an invoice order (請求書払い) is billed to; its credit limit is checked again
    /// in the order's transaction (ADR 050).
    pub billed_to: Option<akinai_domain::ids::CompanyId>,
}

/// The result of placing an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlacedOrder {
    pub id: OrderId,
    /// False when the cart had already been ordered and this is that earlier order.
    pub newly_placed: bool,
}

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    /// The cart it was placed from (its idempotency key).
    pub cart_id: CartId,
    /// The member who placed it; `None` for a guest order.
    pub customer_id: Option<CustomerId>,
    pub status: OrderStatus,
    pub payment_method: PaymentMethod,
    pub details: CheckoutDetails,
    pub lines: Vec<PricedLine>,
    pub totals: Totals,
    pub placed_at: DateTime<Utc>,
    pub confirmation_sent_at: Option<DateTime<Utc>>,
    pub review_reason: Option<String>,
    /// Flagged and not yet cleared by an admin.
    pub review_pending: bool,
    /// Carrier and tracking number once shipped.
    pub shipment: Option<akinai_domain::fulfilment::Shipment>,
    /// The coupon code used (its discount is `totals.discount`).
    #[serde(default)]
    pub coupon_code: Option<String>,
    /// Points earned on delivery (used points are `totals.points`) and where they stand.
    #[serde(default)]
    pub points_earned: i64,
    #[serde(default = "no_points")]
    pub points_state: akinai_domain::points::PointsState,
}

impl NewOrder {
    /// Where the order's points stand as it is placed.
    pub fn points_state(&self) -> akinai_domain::points::PointsState {
        akinai_domain::points::PointsState::at_placement(self.points.used, self.points.earned)
    }

    /// The member whose points the order uses, if it uses any; points without a member are
    /// refused (`PointsShort`: there is no balance to take them from).
    pub fn spends_points(&self) -> Result<Option<CustomerId>, crate::PlaceOrderError> {
        match (self.points.used > 0, self.customer_id) {
            (false, _) => Ok(None),
            (true, Some(c)) => Ok(Some(c)),
            (true, None) => Err(crate::PlaceOrderError::PointsShort),
        }
    }
}

fn no_points() -> akinai_domain::points::PointsState {
    akinai_domain::points::PointsState::None
}

impl Order {
    /// The number shown to the shopper and the shop (not an access key).
    pub fn number(&self) -> String {
        order_number(self.id)
    }
}

/// The number of an order as printed (`AK00000012`).
pub fn order_number(id: OrderId) -> String {
    format!("AK{:08}", id.0)
}

/// The order id of a number as printed (`AK00000012`; `ak12` and full-width digits are read
/// too), or `None`.
pub fn parse_order_number(number: &str) -> Option<OrderId> {
    let t = number.trim();
    let digits = t
        .strip_prefix("AK")
        .or_else(|| t.strip_prefix("ak"))
        .unwrap_or(t);
    let ascii: String = digits
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    if ascii.is_empty() || ascii.len() > 18 || !ascii.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    ascii.parse::<i64>().ok().filter(|n| *n > 0).map(OrderId)
}

/// One line of a member's order history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSummary {
    pub id: OrderId,
    pub cart_id: CartId,
    pub status: OrderStatus,
    pub grand_total: akinai_domain::Yen,
    pub placed_at: DateTime<Utc>,
}

impl OrderSummary {
    /// The number shown to the shopper (as [`Order::number`]).
    pub fn number(&self) -> String {
        format!("AK{:08}", self.id.0)
    }
}

/// The job kind that mails an order confirmation (受領連絡); payload `{"order_id": n}`.
pub const JOB_ORDER_CONFIRMATION: &str = "order_confirmation";

/// The job kind that mails the customer about a step of their order (paid, shipped, delivered,
/// cancelled, refunded); payload `{"order_id": …, "status": …}`.
pub const JOB_ORDER_MAIL: &str = "order_mail";

/// The job kind that mails an alert to the shop's alert addresses; payload
/// `{"kind": …, "summary": …, "detail": …}`.
pub const JOB_ALERT_MAIL: &str = "alert_mail";

/// The job kind that mails a customer about their account; payload
/// `{"mail": …, "customer": id, "nonce": …}`.
pub const JOB_ACCOUNT_MAIL: &str = "account_mail";

/// The job kind that plans or applies an import started in the admin; payload
/// `{"run": id, "step": "plan" | "apply"}`.
pub const JOB_TRANSFER: &str = "transfer";

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    /// Jobs with the same key are enqueued once (e.g. one alert mail per kind and hour).
    pub dedup_key: Option<String>,
}

/// An approved theme: the name and SHA-256 (hex) of every file, recorded by a deliberate theme
/// update (command line now, the admin later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeManifest {
    pub id: ThemeManifestId,
    pub files: std::collections::BTreeMap<String, String>,
    pub approved_at: DateTime<Utc>,
    pub approved_by: String,
}

/// A reason checkout is closed until an owner acknowledges it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckoutHold {
    pub id: CheckoutHoldId,
    /// e.g. `tamper_detected`.
    pub reason: String,
    pub detail: serde_json::Value,
    pub raised_at: DateTime<Utc>,
}

/// A leased background job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    /// How many times it has been claimed, this time included.
    pub attempts: i64,
}

/// A security event to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSecurityEvent {
    /// e.g. `csp_violation`.
    pub kind: String,
    pub at: DateTime<Utc>,
    pub source_ip: Option<String>,
    pub detail: serde_json::Value,
}

/// A recorded security event.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityEvent {
    pub id: SecurityEventId,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub source_ip: Option<String>,
    pub detail: serde_json::Value,
}

/// A customer account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    /// Normalised (trimmed, lower-case) address; unique.
    pub email: String,
    pub name: String,
    /// PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`): the parameters travel with the hash.
    pub password_hash: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// The member's own phone number (profile), if given.
    pub phone: Option<String>,
    /// When the member deleted the account; the row is then a pseudonymous tombstone.
    pub deleted_at: Option<DateTime<Utc>>,
    /// When the shop locked the account (no login, no session) until an admin unlocks it.
    pub locked_at: Option<DateTime<Utc>>,
    /// Whether the member agreed to marketing mail (as given at sign-up or in an imported file).
    pub marketing_consent: bool,
}

/// A customer account to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

/// A login session (only the hash of its cookie secret is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    pub customer_id: CustomerId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: String,
}

/// A session to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token: TokenHash,
    pub customer_id: CustomerId,
    pub created_at: DateTime<Utc>,
    /// The absolute end of the session.
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: String,
    /// Hash of the browser's device cookie.
    pub device: Option<TokenHash>,
}

/// A customer's TOTP second factor as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpRecord {
    /// The secret, encrypted (hex).
    pub secret_enc: String,
    /// The nonce of the encryption key.
    pub nonce: String,
    pub enabled_at: DateTime<Utc>,
    /// The last 30-second step a code was accepted for.
    pub last_step: i64,
}

/// Purpose of a one-time account token: confirming the e-mail address.
pub const TOKEN_VERIFY_EMAIL: &str = "verify_email";
/// Purpose of a one-time account token: choosing a new password.
pub const TOKEN_RESET_PASSWORD: &str = "reset_password";

/// Throttle event kinds.
pub mod throttle {
    /// A failed login for the e-mail address in `key`.
    pub const LOGIN_FAIL: &str = "login_fail";
    /// A successful login for the e-mail address in `key` (ends a run of failures).
    pub const LOGIN_OK: &str = "login_ok";
    /// A failed login from the source address in `key`, the address tried in `subject`.
    pub const LOGIN_FAIL_SOURCE: &str = "login_fail_source";
    /// A sign-up from the source address in `key` (`key` = `*` counts all sign-ups).
    pub const SIGNUP: &str = "signup";
    /// A password-reset request for the address in `key`.
    pub const RESET: &str = "reset_request";
    /// An unknown coupon code tried from the source address in `key` (IPA-C-7).
    pub const COUPON_FAIL: &str = "coupon_fail";
}

/// A member's passkey (WebAuthn credential); binary values in base64url.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passkey {
    pub id: PasskeyId,
    pub customer_id: CustomerId,
    pub credential_id: String,
    /// COSE public key.
    pub public_key: String,
    pub user_handle: String,
    pub sign_count: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A passkey to store after registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPasskey {
    pub customer_id: CustomerId,
    pub credential_id: String,
    pub public_key: String,
    pub user_handle: String,
    pub sign_count: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// One entry of a member's address book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedAddress {
    pub id: AddressId,
    pub customer_id: CustomerId,
    pub recipient: akinai_domain::address_book::Recipient,
    pub created_at: DateTime<Utc>,
    /// When it was added or last edited (the review rule counts from here).
    pub changed_at: DateTime<Utc>,
    /// Shared with the member's company: its other members may ship to it (ADR 051).
    pub shared: bool,
}

/// What saving an address did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressSaved {
    Saved(AddressId),
    /// The book already holds the most addresses allowed.
    BookFull,
    /// No such address of this member (another member's id, or deleted).
    NotFound,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_read_back_as_printed_and_typed() {
        assert_eq!(parse_order_number("AK00000012"), Some(OrderId(12)));
        assert_eq!(parse_order_number(" ak12 "), Some(OrderId(12)));
        assert_eq!(parse_order_number("AK００１２"), Some(OrderId(12)));
        assert_eq!(parse_order_number("12"), Some(OrderId(12)));
        for bad in ["", "AK", "AK-12", "AK0", "AK99999999999999999999", "XX12"] {
            assert_eq!(parse_order_number(bad), None, "{bad}");
        }
    }
}
