//! Storage side of issued documents (帳票, issue 19; JP-INV-4): an invoice is kept as the
//! content it was issued with, numbered by its row, and never changed or deleted — the tables
//! refuse `UPDATE` and `DELETE` themselves. The first invoice of an order is issued once: a
//! second request (another tab, another node) gets the one issued before.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::documents::DocumentKind;
use akinai_domain::ids::{DocumentId, OrderId};

use crate::StoreResult;

/// A document to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub order_id: OrderId,
    pub kind: DocumentKind,
    pub issued_at: DateTime<Utc>,
    /// `customer` or the admin's name.
    pub issued_by: String,
    /// The document's content as JSON (`akinai_domain::documents::DocumentContent`).
    pub content: String,
    /// The kept document this one corrects (a later return invoice after a further refund);
    /// `None` for an original, of which an order has one per kind.
    pub corrects: Option<akinai_domain::ids::DocumentId>,
}

/// A kept document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    pub id: DocumentId,
    pub issued: NewDocument,
}

/// A version of the shop's logo, kept under the SHA-256 of its bytes (never changed or deleted,
/// so a kept invoice that names it draws the same picture).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    /// Lower-case hex SHA-256 of `bytes`.
    pub hash: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
    pub uploaded_at: DateTime<Utc>,
}

#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Keeps the order's first document of this kind, or returns the one kept before (then
    /// `doc` is not stored).
    async fn issue_document(&self, doc: &NewDocument) -> StoreResult<StoredDocument>;
    /// The order's kept documents, oldest first.
    async fn order_documents(&self, order: OrderId) -> StoreResult<Vec<StoredDocument>>;
    /// Keeps a logo version (a version kept before under the same hash is left as it is).
    async fn add_logo(&self, logo: &Logo) -> StoreResult<()>;
    /// A kept logo version by its hash.
    async fn logo(&self, hash: &str) -> StoreResult<Option<Logo>>;
}
