//! The security self-assessment's use case (issue #22, item 1): gathers the live facts — the
//! admin accounts, the audit chain verified now, the last backup and verify runs, tamper
//! detection re-run now and its open holds, the shop settings, the periodic tasks' records and
//! the newest vulnerability diagnosis — beside the deployment facts the
//! caller read from the configuration, and has `akinai_domain::selfcheck` judge them.

use std::sync::Arc;

use akinai_domain::security_tasks::Due;
use akinai_domain::selfcheck::{self, AdminFact, Answer, ChainFact, Deployment, Facts, Report};
use akinai_store::admin::AdminStore;

use crate::{Audit, Base, CoreError, Integrity, Operations, Storefront};

/// The self-assessment.
#[derive(Clone)]
pub struct SelfCheck {
    pub(crate) base: Base,
    pub(crate) admin_store: Arc<dyn AdminStore>,
    pub(crate) audit: Audit,
    pub(crate) operations: Arc<Operations>,
    pub(crate) integrity: Integrity,
    pub(crate) storefront: Storefront,
    pub(crate) tasks: crate::SecurityTasks,
}

/// The akinai version this binary is.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

impl SelfCheck {
    /// What the shop looks like now, with `deployment` read from the configuration.
    pub async fn facts(&self, mut deployment: Deployment) -> Result<Facts, CoreError> {
        if let Some(file) = &deployment.backup_recipient_file {
            deployment.backup_recipient |= tokio::fs::try_exists(file).await.unwrap_or(false);
        }
        let admins = self
            .admin_store
            .admins()
            .await?
            .into_iter()
            .map(|a| AdminFact {
                name: a.name,
                role: a.role.as_str().to_string(),
                has_password: a.password_hash.is_some(),
                has_factor: a.totp.is_some(),
                created_at: a.created_at,
                last_login_at: a.last_login_at,
            })
            .collect();
        let chain = match self.audit.verify_audit_since_checkpoint().await? {
            Ok((entries, head)) => ChainFact::Intact { entries, head },
            Err(broken) => ChainFact::Broken(broken.to_string()),
        };
        let backups = self.operations.backup_status().await?;
        let integrity = self.integrity.check_integrity().await?;
        let mut tampered: Vec<String> = integrity
            .theme_changes
            .modified
            .iter()
            .chain(&integrity.theme_changes.added)
            .chain(&integrity.theme_changes.removed)
            .cloned()
            .collect();
        tampered.extend(
            integrity
                .watched_changed
                .iter()
                .map(|p| p.display().to_string()),
        );
        let unacknowledged_tamper = self
            .integrity
            .checkout_holds()
            .await?
            .iter()
            .filter(|h| h.reason == crate::integrity::TAMPER_DETECTED)
            .count();
        let answers = self
            .tasks
            .views()
            .await?
            .into_iter()
            .filter_map(|v| {
                let last = v.last?;
                Some(Answer {
                    task: v.def.title.to_string(),
                    done: last.done,
                    note: last.note,
                    by: last.by,
                    at: last.at,
                    overdue: matches!(v.due, Due::Overdue(_)),
                    answers: v.def.answers.iter().map(|a| a.to_string()).collect(),
                })
            })
            .collect();
        let diagnosis =
            crate::golive::diagnosis_fact(self.tasks.task_store.diagnoses(1).await?.pop());
        Ok(Facts {
            diagnosis,
            answers,
            now: self.base.clock.now(),
            version: VERSION.to_string(),
            deployment,
            admins,
            chain,
            last_good_backup: backups.last_good_backup.as_ref().map(|r| r.at),
            last_backup_failed: backups.last_backup.as_ref().is_some_and(|r| !r.ok),
            last_good_verify: backups.last_good_verify.as_ref().map(|r| r.at),
            last_verify_failed: backups.last_verify.as_ref().is_some_and(|r| !r.ok),
            tampered,
            theme_approved: integrity.theme_approved,
            unacknowledged_tamper,
            settings: self.storefront.settings().await?,
        })
    }

    /// The assessment of every requirement of the embedded map.
    pub async fn run(&self, deployment: Deployment) -> Result<Report, CoreError> {
        let map = selfcheck::requirements().map_err(CoreError::Integrity)?;
        let facts = self.facts(deployment).await?;
        Ok(selfcheck::assess(&map, &facts))
    }
}
