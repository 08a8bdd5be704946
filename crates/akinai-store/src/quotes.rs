//! Storage side of quotes (見積, issue #23 item 4; ADR 049): the request with its lines and
//! contact details, each sending kept as a numbered revision, the cart filled from a quote, and
//! the claim that turns a quote into an order once (in the order's transaction, see
//! `PlaceOrderError::QuoteClosed`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use akinai_domain::catalog::Quantity;
use akinai_domain::ids::{CartId, CustomerId, QuoteId, SkuId};
use akinai_domain::quote::{Quote, QuoteContact, QuoteLine};
use akinai_domain::Yen;

use crate::{StoreResult, TokenHash};

/// A quote asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuote {
    pub token: TokenHash,
    pub link_nonce: String,
    pub customer: Option<CustomerId>,
    pub contact: QuoteContact,
    pub note: String,
    pub lines: Vec<QuoteLine>,
    pub at: DateTime<Utc>,
}

/// What the shop sends: the lines, the fee, the validity and the message, and the revision's
/// content as the shopper sees it (JSON, kept as sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteSending {
    pub lines: Vec<QuoteLine>,
    pub shipping_fee: Yen,
    pub valid_until: NaiveDate,
    pub message: String,
    pub content: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// One sending of a quote, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRevision {
    pub revision: u32,
    pub sent_by: String,
    pub sent_at: DateTime<Utc>,
    pub content: String,
}

#[async_trait]
pub trait QuoteStore: Send + Sync {
    async fn create_quote(&self, quote: &NewQuote) -> StoreResult<QuoteId>;
    async fn quote(&self, id: QuoteId) -> StoreResult<Option<Quote>>;
    async fn quote_by_token(&self, token: &TokenHash) -> StoreResult<Option<Quote>>;
    /// Quotes, requested first, then newest first, with their lines.
    async fn quotes(&self, limit: u32) -> StoreResult<Vec<Quote>>;
    /// A member's quotes, newest first, with their lines.
    async fn customer_quotes(&self, customer: CustomerId, limit: u32) -> StoreResult<Vec<Quote>>;
    /// Replaces the lines and terms of a requested or sent quote and keeps the sending as the
    /// next revision, in one transaction; `None` when the quote is ordered, withdrawn or gone.
    async fn send_quote(&self, id: QuoteId, sending: &QuoteSending) -> StoreResult<Option<u32>>;
    async fn quote_revisions(&self, id: QuoteId) -> StoreResult<Vec<QuoteRevision>>;
    /// Withdraws a requested or sent quote; false when it is ordered or withdrawn already.
    async fn withdraw_quote(&self, id: QuoteId, at: DateTime<Utc>) -> StoreResult<bool>;
    /// Replaces the cart's lines with a quote's and marks the cart as filled from it.
    async fn fill_cart_from_quote(
        &self,
        cart: CartId,
        quote: QuoteId,
        lines: &[(SkuId, Quantity)],
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
}
