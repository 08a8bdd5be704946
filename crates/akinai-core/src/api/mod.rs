//! The REST API's use cases (issue 20). This first part is its keys: API tokens created by an
//! owner or an operator (ADR 037), shown once, kept as their SHA-256 with a visible prefix,
//! scoped, optionally expiring and fenced to addresses, revocable; every creation and
//! revocation audited; every request admitted by [`ApiTokens::authenticate`], which records the
//! last use. The resource endpoints build on the same services as the admin.

mod inventory;
mod resources;
mod tokens;

pub use akinai_store::api_tokens::IdempotentStart;
/// A product as the API reads it (published or not, with its variants).
pub use akinai_store::catalog_admin::AdminProduct;
pub use akinai_store::inventory::SkuStock;
pub use inventory::{StockChange, MAX_REASON};
pub use resources::{ApiResources, ProductPage, DEFAULT_LIMIT, MAX_LIMIT};
pub use tokens::{ApiCaller, ApiTokens, CreatedToken, TokenRequest, IDEMPOTENCY_HOURS};
