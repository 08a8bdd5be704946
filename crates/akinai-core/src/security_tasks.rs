//! The periodic security work (issue #22, item 3): the calendar of tasks with each one's last
//! record and due date, and recording a task done or not done (owners, audited). The records
//! answer the self-assessment's manual rows.

use std::sync::Arc;

use serde_json::json;

use akinai_domain::address::FieldError;
use akinai_domain::admin::ManageSecurity;
use akinai_domain::security_tasks::{due, task, Due, TaskDef, NOTE_MAX, TASKS};
use akinai_store::security_tasks::SecurityTaskStore;
pub use akinai_store::security_tasks::TaskRecord;

use crate::accounts::Client;
use crate::admin::Authorized;
use crate::incidents::who;
use crate::{Audit, Base, CoreError};

/// Audit action of a record.
pub const RECORDED: &str = "security_task.record";

/// A task as the calendar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskView {
    pub def: &'static TaskDef,
    /// The newest record (done or not).
    pub last: Option<TaskRecord>,
    /// The newest record marked done.
    pub last_done: Option<TaskRecord>,
    pub due: Due,
}

/// The calendar's use cases.
#[derive(Clone)]
pub struct SecurityTasks {
    pub(crate) base: Base,
    pub(crate) task_store: Arc<dyn SecurityTaskStore>,
    pub(crate) admin_store: Arc<dyn akinai_store::admin::AdminStore>,
    pub(crate) audit: Audit,
}

impl SecurityTasks {
    /// Every task with where it stands now (also read by the self-assessment).
    pub async fn views(&self) -> Result<Vec<TaskView>, CoreError> {
        let latest = self.task_store.latest_security_tasks().await?;
        let now = self.base.clock.now();
        Ok(TASKS
            .iter()
            .map(|def| {
                let mine = latest.iter().filter(|r| r.task == def.key);
                let last = mine.clone().max_by_key(|r| r.at).cloned();
                let last_done = mine.filter(|r| r.done).max_by_key(|r| r.at).cloned();
                TaskView {
                    def,
                    due: due(def, last_done.as_ref().map(|r| r.at), now),
                    last,
                    last_done,
                }
            })
            .collect())
    }

    /// The calendar, for owners.
    pub async fn calendar(
        &self,
        _by: &Authorized<akinai_domain::admin::ViewSecurity>,
    ) -> Result<Vec<TaskView>, CoreError> {
        self.views().await
    }

    /// The addresses of the enrolled owners (the weekly reminder goes to them).
    pub async fn owner_addresses(&self) -> Result<Vec<String>, CoreError> {
        Ok(self
            .admin_store
            .admins()
            .await?
            .into_iter()
            .filter(|a| a.role == akinai_domain::admin::AdminRole::Owner && a.totp.is_some())
            .map(|a| a.email)
            .collect())
    }

    /// How many tasks are overdue (the dashboard's warning).
    pub async fn overdue(&self) -> Result<usize, CoreError> {
        Ok(self
            .views()
            .await?
            .iter()
            .filter(|v| matches!(v.due, Due::Overdue(_)))
            .count())
    }

    /// Records `key` as done (or looked at and not done, which needs a note saying why).
    pub async fn record(
        &self,
        by: &Authorized<ManageSecurity>,
        client: &Client,
        key: &str,
        done: bool,
        note: &str,
    ) -> Result<(), CoreError> {
        let def = task(key).ok_or(CoreError::NotFound)?;
        let note = note.trim();
        if note.chars().count() > NOTE_MAX {
            return Err(CoreError::InvalidFields(vec![(
                "note",
                FieldError::TooLong(NOTE_MAX),
            )]));
        }
        if !done && note.is_empty() {
            return Err(CoreError::InvalidFields(vec![(
                "note",
                FieldError::Required,
            )]));
        }
        let (context, name) = who(by, client)?;
        let record = TaskRecord {
            task: def.key.to_string(),
            done,
            note: note.to_string(),
            by: name,
            at: self.base.clock.now(),
        };
        self.task_store.record_security_task(&record).await?;
        self.audit
            .record(
                &context,
                RECORDED,
                &format!("security_task:{}", def.key),
                json!({ "done": done, "note": record.note }),
            )
            .await?;
        Ok(())
    }
}
