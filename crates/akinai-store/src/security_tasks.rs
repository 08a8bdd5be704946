//! Storage side of the periodic security work (issue #22, item 3): each time a task of the
//! calendar is done (or found not done) a record with the person, the time and a note; and the
//! sign-off of each month's security report; and the go-live gate's records (issue #22, item 5):
//! the vulnerability diagnoses done before going live and the owner's exceptions to a blocking
//! failure. Append-only: a record is never changed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreResult;

/// One record of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    /// The task's key (`akinai_domain::security_tasks::TASKS`).
    pub task: String,
    /// Done, or looked at and not done (the note says why).
    pub done: bool,
    pub note: String,
    /// Who recorded it (`name (admin:id)`).
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A month's security report signed off at the security meeting (issue #22, item 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSignOff {
    /// `YYYY-MM`.
    pub month: String,
    pub by: String,
    pub at: DateTime<Utc>,
    /// What the meeting decided.
    pub note: String,
    /// The self-assessment's failing requirement IDs when it was signed (next month's report
    /// shows what changed since).
    pub failing: Vec<String>,
}

/// A vulnerability diagnosis (IPA-C-3), as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosisRecord {
    /// The day it was done (`YYYY-MM-DD`).
    pub performed_on: String,
    /// Who did it (a company or a person).
    pub performer: String,
    pub tool: String,
    pub findings: String,
    pub fixes: String,
    /// Who recorded it.
    pub by: String,
    pub at: DateTime<Utc>,
}

/// The owner's exception to a blocking failure of the go-live gate, or its withdrawal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoLiveException {
    /// The requirement's ID.
    pub requirement: String,
    pub reason: String,
    pub withdrawn: bool,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait SecurityTaskStore: Send + Sync {
    async fn record_security_task(&self, record: &TaskRecord) -> StoreResult<()>;
    /// Each task's newest record, and its newest record marked done (they differ when the last
    /// look found it not done).
    async fn latest_security_tasks(&self) -> StoreResult<Vec<TaskRecord>>;
    /// A task's records, newest first.
    async fn security_task_history(&self, task: &str, limit: u32) -> StoreResult<Vec<TaskRecord>>;
    async fn record_report_sign_off(&self, sign_off: &ReportSignOff) -> StoreResult<()>;
    /// The month's latest sign-off.
    async fn report_sign_off(&self, month: &str) -> StoreResult<Option<ReportSignOff>>;
    async fn record_diagnosis(&self, diagnosis: &DiagnosisRecord) -> StoreResult<()>;
    /// The diagnoses, newest first.
    async fn diagnoses(&self, limit: u32) -> StoreResult<Vec<DiagnosisRecord>>;
    async fn record_go_live_exception(&self, exception: &GoLiveException) -> StoreResult<()>;
    /// The exceptions in force: each requirement's newest record, unless it is a withdrawal.
    async fn go_live_exceptions(&self) -> StoreResult<Vec<GoLiveException>>;
}
