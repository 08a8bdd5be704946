//! Operating the shop (operations issue): the maintenance switch that closes the storefront on
//! every node within seconds (read from the store, remembered for [`MAINTENANCE_TTL`]), the row
//! counts a backup records, and the record of backup and verify runs the dashboard shows and the
//! backup alert watches.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use akinai_store::operations::OperationsStore;
pub use akinai_store::operations::{BackupRun, Maintenance, OpsFigures, RowCounts, RunKind};
use akinai_store::reports::ReportStore;

use crate::worker::WorkerState;
use crate::Jobs;

use akinai_domain::admin::ManageSecurity;

use crate::accounts::Client;
use crate::admin::{Authorized, Reauth};
use crate::audit::AuditContext;
use crate::{AdminAccounts, Audit, Base, CoreError};

/// How long a node trusts its last read of the maintenance switch.
pub const MAINTENANCE_TTL: Duration = Duration::from_secs(2);
/// Longest maintenance message shown to shoppers.
pub const MAINTENANCE_MESSAGE_MAX: usize = 500;

/// The latest backup and verify runs, for the dashboard and the backup alert.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupStatus {
    pub last_backup: Option<BackupRun>,
    pub last_good_backup: Option<BackupRun>,
    pub last_verify: Option<BackupRun>,
    pub last_good_verify: Option<BackupRun>,
    /// No backup has succeeded for [`BACKUP_OVERDUE_HOURS`] (or none ever has).
    pub overdue: bool,
}

/// Hours without a successful backup after which the dashboard warns and an alert goes out.
pub const BACKUP_OVERDUE_HOURS: i64 = 26;

/// What the metrics endpoint shows, read at each scrape (operations issue, item 2).
#[derive(Debug, Clone, PartialEq)]
pub struct ShopFigures {
    pub store: OpsFigures,
    pub oldest_open_job_secs: Option<f64>,
    pub last_good_backup_secs: Option<f64>,
    pub last_good_verify_secs: Option<f64>,
    pub maintenance: bool,
    pub worker: WorkerState,
    /// Placing to the delivered confirmation mail, over the last hour's orders.
    pub confirmation_delay_p50_p95_secs: Option<(f64, f64)>,
}

/// Event counts in the figures cover this window.
pub const FIGURES_WINDOW: chrono::Duration = chrono::Duration::hours(1);

/// The maintenance switch as last read, and when.
pub(crate) type Seen = (Instant, Option<Maintenance>);

/// The operator's switches and records.
#[derive(Clone)]
pub struct Operations {
    pub(crate) base: Base,
    pub(crate) operations_store: Arc<dyn OperationsStore>,
    pub(crate) audit: Audit,
    pub(crate) report_store: Arc<dyn ReportStore>,
    pub(crate) admin_accounts: AdminAccounts,
    pub(crate) jobs: Jobs,
    pub(crate) maintenance_seen: Arc<Mutex<Option<Seen>>>,
}

impl Operations {
    /// The maintenance switch as this node last read it (at most [`MAINTENANCE_TTL`] old).
    pub async fn maintenance(&self) -> Result<Option<Maintenance>, CoreError> {
        if let Ok(seen) = self.maintenance_seen.lock() {
            if let Some((at, state)) = seen.as_ref() {
                if at.elapsed() < MAINTENANCE_TTL {
                    return Ok(state.clone());
                }
            }
        }
        let state = self.operations_store.maintenance().await?;
        if let Ok(mut seen) = self.maintenance_seen.lock() {
            *seen = Some((Instant::now(), state.clone()));
        }
        Ok(state)
    }

    /// Forgets the switch as this node last read it (another node changed it, ADR 042).
    pub fn forget_maintenance(&self) {
        if let Ok(mut seen) = self.maintenance_seen.lock() {
            *seen = None;
        }
    }

    /// Closes the storefront with `message` (`Some`) or opens it again (`None`); audited.
    pub async fn switch_maintenance(
        &self,
        who: &AuditContext,
        by: &str,
        message: Option<&str>,
    ) -> Result<(), CoreError> {
        let state = match message {
            Some(text) => {
                let text = text.trim();
                if text.chars().count() > MAINTENANCE_MESSAGE_MAX {
                    return Err(CoreError::InvalidFields(vec![(
                        "message",
                        akinai_domain::address::FieldError::TooLong(MAINTENANCE_MESSAGE_MAX),
                    )]));
                }
                Some(Maintenance {
                    message: text.to_string(),
                    by: by.chars().take(100).collect(),
                    since: self.base.clock.now(),
                })
            }
            None => None,
        };
        self.operations_store
            .set_maintenance(state.as_ref())
            .await?;
        if let Ok(mut seen) = self.maintenance_seen.lock() {
            *seen = Some((Instant::now(), state.clone()));
        }
        // Every other node reads the switch again now rather than within MAINTENANCE_TTL.
        self.base.announce(akinai_store::hints::Hint::Catalog).await;
        let (action, detail) = match &state {
            Some(m) => (
                "maintenance.on",
                serde_json::json!({ "message": m.message }),
            ),
            None => ("maintenance.off", serde_json::json!({})),
        };
        self.audit.record(who, action, "storefront", detail).await?;
        Ok(())
    }

    /// The owner's switch in the admin: after password and code again, like the command.
    pub async fn switch_maintenance_as_admin(
        &self,
        by: &Authorized<ManageSecurity>,
        message: Option<&str>,
        reauth: &Reauth,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.admin()?;
        self.admin_accounts.reauthenticate_admin(s, reauth).await?;
        let who = AuditContext::admin(s.admin.id, client);
        self.switch_maintenance(&who, &s.admin.name, message).await
    }

    /// The backup runs, for the owner's operations page.
    pub async fn backup_status_for(
        &self,
        _by: &Authorized<ManageSecurity>,
    ) -> Result<BackupStatus, CoreError> {
        self.backup_status().await
    }

    /// The figures for the metrics endpoint, as of now.
    pub async fn figures(&self) -> Result<ShopFigures, CoreError> {
        let now = self.base.clock.now();
        let store = self
            .operations_store
            .figures(now, now - FIGURES_WINDOW)
            .await?;
        let status = self.backup_status().await?;
        let age = |at: chrono::DateTime<chrono::Utc>| (now - at).num_milliseconds() as f64 / 1000.0;
        let delays = self
            .report_store
            .confirmation_delays(now - FIGURES_WINDOW, 10_000)
            .await?;
        let pick = |p: u32| akinai_domain::kpi::percentile(&delays, p).map(|ms| ms as f64 / 1000.0);
        Ok(ShopFigures {
            oldest_open_job_secs: store.oldest_open_job.map(age),
            last_good_backup_secs: status.last_good_backup.map(|r| age(r.at)),
            last_good_verify_secs: status.last_good_verify.map(|r| age(r.at)),
            maintenance: self.maintenance().await?.is_some(),
            worker: self.jobs.worker_state(),
            confirmation_delay_p50_p95_secs: pick(50).zip(pick(95)),
            store,
        })
    }

    pub async fn row_counts(&self) -> Result<RowCounts, CoreError> {
        Ok(self.operations_store.row_counts().await?)
    }

    pub async fn record_backup_run(&self, run: &BackupRun) -> Result<(), CoreError> {
        Ok(self.operations_store.record_backup_run(run).await?)
    }

    pub async fn backup_status(&self) -> Result<BackupStatus, CoreError> {
        let s = &self.operations_store;
        let last_good_backup = s.last_backup_run(RunKind::Backup, true).await?;
        let now = self.base.clock.now();
        Ok(BackupStatus {
            overdue: last_good_backup
                .as_ref()
                .is_none_or(|r| now - r.at > chrono::Duration::hours(BACKUP_OVERDUE_HOURS)),
            last_backup: s.last_backup_run(RunKind::Backup, false).await?,
            last_good_backup,
            last_verify: s.last_backup_run(RunKind::Verify, false).await?,
            last_good_verify: s.last_backup_run(RunKind::Verify, true).await?,
        })
    }
}
