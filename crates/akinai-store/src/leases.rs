//! Named task leases (issue 21, ADR 040): a scheduled task that must run on one node at a time
//! and once per slot (a day's backup, a minute's payment reconciliation) is taken by one
//! upsert that succeeds only when the slot is not done yet and the previous lease has run out.
//! A node that dies while holding one lets another take over when the lease ends; there is no
//! leader to lose.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreResult;

#[async_trait]
pub trait TaskLeaseStore: Send + Sync {
    /// Takes task `name` for `slot` (e.g. the day) as `holder` until `until`; false when the
    /// slot is done already or another holder's lease has not run out at `now`.
    async fn take_task(
        &self,
        name: &str,
        slot: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Marks `slot` of task `name` done and ends `holder`'s lease; false when `holder` does not
    /// hold it (any more).
    async fn finish_task(
        &self,
        name: &str,
        slot: &str,
        holder: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
}
