//! Storage of the shop's view of its members (admin issue, item 7): the customer list and the
//! shop's lock on an account.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::ids::CustomerId;

use crate::{Customer, StoreResult};

/// Which customers the list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFilter {
    /// The start of the e-mail address (normalised, lower case).
    pub email_prefix: Option<String>,
    pub locked_only: bool,
}

/// A row of the customer list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRow {
    pub customer: Customer,
    pub orders: i64,
}

#[async_trait]
pub trait CustomerAdminStore: Send + Sync {
    /// Customers newest first, before `before`, at most `limit`.
    async fn customer_rows(
        &self,
        filter: &CustomerFilter,
        before: Option<CustomerId>,
        limit: u32,
    ) -> StoreResult<Vec<CustomerRow>>;
    /// Locks (`Some(time)`) or unlocks (`None`) an account; false when it was already so or
    /// does not exist.
    async fn set_customer_lock(
        &self,
        id: CustomerId,
        locked_at: Option<DateTime<Utc>>,
        by: &str,
    ) -> StoreResult<bool>;
}
