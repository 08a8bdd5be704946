//! The go-live gate's use cases (issue #22, item 5; ADR 044): the gate itself — the
//! self-assessment judged with the owner's exceptions in force, which a production start obeys —
//! recording the vulnerability diagnosis done before going live (IPA-C-3), and an owner's
//! exception to a blocking failure, or its withdrawal. Every record is audited; a diagnosis also
//! counts as the periodic diagnosis task done.

use std::sync::Arc;

use serde_json::json;

use akinai_domain::admin::{AdminRole, ManageSecurity};
use akinai_domain::selfcheck::gate::{
    self, Diagnosis, DiagnosisFact, DiagnosisForm, Exception, Gate,
};
use akinai_domain::selfcheck::{Deployment, Report};
use akinai_store::admin::AdminStore;
pub use akinai_store::security_tasks::DiagnosisRecord;
use akinai_store::security_tasks::{GoLiveException, SecurityTaskStore, TaskRecord};

use crate::accounts::Client;
use crate::admin::Authorized;
use crate::audit::AuditContext;
use crate::incidents::who;
use crate::{Audit, Base, CoreError, SelfCheck};

/// Audit action of a recorded diagnosis.
pub const DIAGNOSIS_RECORDED: &str = "golive.diagnosis";
/// Audit action of an exception recorded.
pub const EXCEPTION_RECORDED: &str = "golive.exception";
/// Audit action of an exception withdrawn.
pub const EXCEPTION_WITHDRAWN: &str = "golive.exception_withdrawn";

/// The go-live gate.
#[derive(Clone)]
pub struct GoLive {
    pub(crate) base: Base,
    pub(crate) task_store: Arc<dyn SecurityTaskStore>,
    pub(crate) admin_store: Arc<dyn AdminStore>,
    pub(crate) audit: Audit,
    pub(crate) selfcheck: SelfCheck,
}

/// Someone allowed to record: an owner signed in to the admin, or an owner named on the command
/// line.
enum Recorder<'a> {
    Admin(&'a Authorized<ManageSecurity>, &'a Client),
    Owner(&'a str),
}

impl GoLive {
    /// Today in Japan, by the shop's clock (the diagnosis form's latest date).
    pub fn today(&self) -> chrono::NaiveDate {
        self.base
            .clock
            .now()
            .with_timezone(&crate::clock::jst())
            .date_naive()
    }

    /// The self-assessment now and the gate's verdict on it.
    pub async fn gate(&self, deployment: Deployment) -> Result<(Report, Gate), CoreError> {
        let report = self.selfcheck.run(deployment).await?;
        let exceptions = self.exceptions().await?;
        let gate = gate::gate(&report, &exceptions);
        Ok((report, gate))
    }

    /// The exceptions in force.
    pub async fn exceptions(&self) -> Result<Vec<Exception>, CoreError> {
        Ok(self
            .task_store
            .go_live_exceptions()
            .await?
            .into_iter()
            .map(|e| Exception {
                requirement: e.requirement,
                reason: e.reason,
                by: e.by,
                at: e.at,
            })
            .collect())
    }

    /// The diagnoses recorded, newest first.
    pub async fn diagnoses(&self, limit: u32) -> Result<Vec<DiagnosisRecord>, CoreError> {
        Ok(self.task_store.diagnoses(limit).await?)
    }

    /// Records a diagnosis from the admin (owners).
    pub async fn record_diagnosis(
        &self,
        by: &Authorized<ManageSecurity>,
        client: &Client,
        form: &DiagnosisForm,
    ) -> Result<(), CoreError> {
        self.diagnosis(Recorder::Admin(by, client), form).await
    }

    /// Records a diagnosis from the command line, as the enrolled owner with this address.
    pub async fn record_diagnosis_as_owner(
        &self,
        owner_email: &str,
        form: &DiagnosisForm,
    ) -> Result<(), CoreError> {
        self.diagnosis(Recorder::Owner(owner_email), form).await
    }

    /// Records an exception to a blocking failure from the admin (owners).
    pub async fn record_exception(
        &self,
        by: &Authorized<ManageSecurity>,
        client: &Client,
        requirement: &str,
        reason: &str,
    ) -> Result<(), CoreError> {
        self.exception(Recorder::Admin(by, client), requirement, Some(reason))
            .await
    }

    /// Records an exception from the command line, as the enrolled owner with this address.
    pub async fn record_exception_as_owner(
        &self,
        owner_email: &str,
        requirement: &str,
        reason: &str,
    ) -> Result<(), CoreError> {
        self.exception(Recorder::Owner(owner_email), requirement, Some(reason))
            .await
    }

    /// Withdraws an exception from the admin (owners).
    pub async fn withdraw_exception(
        &self,
        by: &Authorized<ManageSecurity>,
        client: &Client,
        requirement: &str,
    ) -> Result<(), CoreError> {
        self.exception(Recorder::Admin(by, client), requirement, None)
            .await
    }

    /// Withdraws an exception from the command line, as the enrolled owner with this address.
    pub async fn withdraw_exception_as_owner(
        &self,
        owner_email: &str,
        requirement: &str,
    ) -> Result<(), CoreError> {
        self.exception(Recorder::Owner(owner_email), requirement, None)
            .await
    }

    /// The audit context and the name recorded for whoever records.
    async fn recorder(&self, r: Recorder<'_>) -> Result<(AuditContext, String), CoreError> {
        match r {
            Recorder::Admin(by, client) => who(by, client),
            Recorder::Owner(email) => {
                let owner = self
                    .admin_store
                    .admin_by_email(email.trim())
                    .await?
                    .filter(|a| a.role == AdminRole::Owner && a.totp.is_some())
                    .ok_or_else(|| {
                        CoreError::Refused(vec![(
                            "by",
                            format!(
                                "{email} は登録を終えたオーナーの管理者ではありません(記録できるのはオーナーだけです)。"
                            ),
                        )])
                    })?;
                let name = format!("{} (admin:{})", owner.name, owner.id.0);
                Ok((AuditContext::cli(&name), name))
            }
        }
    }

    async fn diagnosis(&self, r: Recorder<'_>, form: &DiagnosisForm) -> Result<(), CoreError> {
        let now = self.base.clock.now();
        let d: Diagnosis = gate::check_diagnosis(form, self.today()).map_err(CoreError::Refused)?;
        let (context, name) = self.recorder(r).await?;
        let record = DiagnosisRecord {
            performed_on: d.performed_on.to_string(),
            performer: d.performer.clone(),
            tool: d.tool.clone(),
            findings: d.findings.clone(),
            fixes: d.fixes.clone(),
            by: name.clone(),
            at: now,
        };
        self.task_store.record_diagnosis(&record).await?;
        // The periodic diagnosis is done too.
        let note: String = format!(
            "{} {}({}): 指摘 {} / 修正 {}",
            record.performed_on, record.performer, record.tool, record.findings, record.fixes
        )
        .chars()
        .take(akinai_domain::security_tasks::NOTE_MAX)
        .collect();
        self.task_store
            .record_security_task(&TaskRecord {
                task: "diagnosis".into(),
                done: true,
                note,
                by: name,
                at: now,
            })
            .await?;
        self.audit
            .record(
                &context,
                DIAGNOSIS_RECORDED,
                "golive:IPA-C-3",
                json!({
                    "performed_on": record.performed_on,
                    "performer": record.performer,
                    "tool": record.tool,
                    "findings": record.findings,
                    "fixes": record.fixes,
                }),
            )
            .await?;
        Ok(())
    }

    /// Records an exception (`Some(reason)`) or withdraws one (`None`).
    async fn exception(
        &self,
        r: Recorder<'_>,
        requirement: &str,
        reason: Option<&str>,
    ) -> Result<(), CoreError> {
        let requirement = requirement.trim();
        let reason = match reason {
            Some(reason) => gate::check_exception(requirement, reason)
                .map_err(|(f, m)| CoreError::Refused(vec![(f, m)]))?,
            None => {
                let active = self.task_store.go_live_exceptions().await?;
                if !active.iter().any(|e| e.requirement == requirement) {
                    return Err(CoreError::NotFound);
                }
                String::new()
            }
        };
        let (context, name) = self.recorder(r).await?;
        let withdrawn = reason.is_empty();
        self.task_store
            .record_go_live_exception(&GoLiveException {
                requirement: requirement.to_string(),
                reason: reason.clone(),
                withdrawn,
                by: name,
                at: self.base.clock.now(),
            })
            .await?;
        let (action, detail) = if withdrawn {
            (EXCEPTION_WITHDRAWN, json!({}))
        } else {
            (EXCEPTION_RECORDED, json!({ "reason": reason }))
        };
        self.audit
            .record(&context, action, &format!("golive:{requirement}"), detail)
            .await?;
        Ok(())
    }
}

/// The newest diagnosis as the self-assessment reads it (`None` when none is recorded or its
/// date does not read back).
pub(crate) fn diagnosis_fact(record: Option<DiagnosisRecord>) -> Option<DiagnosisFact> {
    let r = record?;
    let performed_on = chrono::NaiveDate::parse_from_str(&r.performed_on, "%Y-%m-%d").ok()?;
    Some(DiagnosisFact {
        diagnosis: Diagnosis {
            performed_on,
            performer: r.performer,
            tool: r.tool,
            findings: r.findings,
            fixes: r.fixes,
        },
        by: r.by,
        at: r.at,
    })
}
