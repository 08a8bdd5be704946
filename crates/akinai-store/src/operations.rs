//! Storage side of operating the shop (operations issue): the row counts a backup records and a
//! restore drill compares, the maintenance switch every node reads, and the record of backup and
//! verify runs the dashboard and the backup alert look at.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::StoreResult;

/// How many rows the shop's main tables hold: written into a backup's header, compared after a
/// restore.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowCounts {
    pub products: i64,
    pub skus: i64,
    pub product_images: i64,
    pub customers: i64,
    pub orders: i64,
    pub payments: i64,
    pub admins: i64,
    pub audit_entries: i64,
}

impl RowCounts {
    /// Each count with its name, in a fixed order.
    pub fn named(&self) -> [(&'static str, i64); 8] {
        [
            ("products", self.products),
            ("skus", self.skus),
            ("product_images", self.product_images),
            ("customers", self.customers),
            ("orders", self.orders),
            ("payments", self.payments),
            ("admins", self.admins),
            ("audit_entries", self.audit_entries),
        ]
    }
}

/// Which migrations the database has and which this binary knows (for upgrades).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaState {
    /// Versions applied to the database, ascending.
    pub applied: Vec<i64>,
    /// Versions this binary carries, ascending.
    pub known: Vec<i64>,
}

impl SchemaState {
    /// Migrations this binary would apply.
    pub fn pending(&self) -> usize {
        self.known
            .iter()
            .filter(|v| !self.applied.contains(v))
            .count()
    }

    /// A migration the database has that this binary does not know: a newer akinai ran on it.
    pub fn newer_than_binary(&self) -> Option<i64> {
        self.applied
            .iter()
            .find(|v| !self.known.contains(v))
            .copied()
    }

    /// A database nothing was ever applied to (a new shop).
    pub fn is_new(&self) -> bool {
        self.applied.is_empty()
    }
}

/// The storefront closed by an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maintenance {
    /// Shown to shoppers on the 503 page.
    pub message: String,
    /// Who switched it on (recorded).
    pub by: String,
    pub since: DateTime<Utc>,
}

/// What a backup run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// A backup file was written.
    Backup,
    /// A backup file was restored into a scratch place and checked (the restore drill).
    Verify,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Backup => "backup",
            RunKind::Verify => "verify",
        }
    }
}

/// One backup or verify run, successful or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRun {
    pub kind: RunKind,
    pub at: DateTime<Utc>,
    pub ok: bool,
    /// The backup file's name.
    pub file: String,
    pub bytes: i64,
    /// How long it took.
    pub millis: i64,
    /// What went wrong, or a short summary.
    pub detail: String,
}

/// What the metrics endpoint reads from the store at each scrape (operations issue, item 2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpsFigures {
    /// Orders ever placed (never deleted, so it only grows).
    pub orders: i64,
    /// Payments by (method, status).
    pub payments: Vec<(String, String, i64)>,
    /// Outbox jobs waiting for their first run, waiting to retry, and given up.
    pub jobs_queued: i64,
    pub jobs_retrying: i64,
    pub jobs_buried: i64,
    /// When the oldest job still open was enqueued.
    pub oldest_open_job: Option<DateTime<Utc>>,
    /// Failed member logins, CSP reports and alerts since the given time.
    pub login_failures: i64,
    pub csp_reports: i64,
    /// Client addresses blocked now (credential stuffing).
    pub blocked_sources: i64,
    /// Checkout holds not yet acknowledged (checkout closed by tamper detection).
    pub checkout_holds: i64,
}

#[async_trait]
pub trait OperationsStore: Send + Sync {
    /// The figures as of `now`; counts of events since `since`.
    async fn figures(&self, now: DateTime<Utc>, since: DateTime<Utc>) -> StoreResult<OpsFigures>;
    async fn row_counts(&self) -> StoreResult<RowCounts>;
    /// The maintenance switch, when on.
    async fn maintenance(&self) -> StoreResult<Option<Maintenance>>;
    /// Switches maintenance on (`Some`) or off (`None`).
    async fn set_maintenance(&self, maintenance: Option<&Maintenance>) -> StoreResult<()>;
    async fn record_backup_run(&self, run: &BackupRun) -> StoreResult<()>;
    /// The latest run of `kind` (only successful ones when `ok_only`).
    async fn last_backup_run(&self, kind: RunKind, ok_only: bool)
        -> StoreResult<Option<BackupRun>>;
}
