//! The dashboard's security panel (admin issue, item 9): what happened in the last 24 hours
//! (failed and throttled logins, locked accounts, blocked sources, blocked scripts), whether
//! checkout is held after a tamper alert, and whether the audit trail's chain is intact.

use crate::Dashboard;
use chrono::Duration;

use akinai_domain::admin::ViewAudit;

use super::Authorized;
use crate::accounts::events;
use crate::CoreError;

/// Most events counted per kind (the panel says "10000+" beyond).
const COUNT_CAP: u32 = 10_000;

/// The security panel's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityOverview {
    pub failed_logins: usize,
    pub locked_accounts: usize,
    pub blocked_sources: usize,
    pub blocked_scripts: usize,
    pub admin_locks: usize,
    /// Open checkout holds after tamper alerts.
    pub checkout_holds: usize,
    /// `None` when the chain is intact, else what broke.
    pub audit_broken: Option<String>,
    pub audit_entries: u64,
}

impl Dashboard {
    /// The last 24 hours in security terms (owners and managers).
    pub async fn security_overview(
        &self,
        _by: &Authorized<ViewAudit>,
    ) -> Result<SecurityOverview, CoreError> {
        let since = self.base.clock.now() - Duration::hours(24);
        let count = |kind: &'static str| async move {
            Ok::<usize, CoreError>(
                self.security_store
                    .security_events(kind, since, COUNT_CAP)
                    .await?
                    .len(),
            )
        };
        let (audit_entries, audit_broken) = match self.audit.verify_audit_since_checkpoint().await?
        {
            Ok((n, _)) => (n, None),
            Err(broken) => (0, Some(broken.to_string())),
        };
        Ok(SecurityOverview {
            failed_logins: count(events::LOGIN_FAILED).await?,
            locked_accounts: count(events::LOCKED).await?,
            blocked_sources: count(events::STUFFING).await?,
            blocked_scripts: count(crate::security::CSP_VIOLATION).await?,
            admin_locks: count("admin.locked").await?,
            checkout_holds: self.integrity_store.open_checkout_holds().await?.len(),
            audit_broken,
            audit_entries,
        })
    }
}
