//! The periodic security work's records, written once for both backends (ADR 020).

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};

use akinai_store::security_tasks::{DiagnosisRecord, GoLiveException, ReportSignOff, TaskRecord};
use akinai_store::StoreResult;

use crate::{map_err, Columns, Dialect, Sql};

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> bool: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    fn read_task_record(r: &<D::Db as Database>::Row) -> StoreResult<TaskRecord> {
        Ok(TaskRecord {
            task: r.text("task")?,
            done: r.try_get::<bool, _>("done").map_err(map_err)?,
            note: r.text("note")?,
            by: r.text("done_by")?,
            at: D::at(r, "at")?,
        })
    }

    pub async fn record_security_task(&self, t: &TaskRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO security_task_records (task, done, note, done_by, at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(t.task.clone())
        .bind(t.done)
        .bind(t.note.clone())
        .bind(t.by.clone())
        .bind(D::time(t.at))
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn latest_security_tasks(&self) -> StoreResult<Vec<TaskRecord>> {
        // The newest record of each task, and the newest done one (ids grow with time).
        let rows = sqlx::query(
            "SELECT task, done, note, done_by, at FROM security_task_records WHERE id IN ( \
               SELECT MAX(id) FROM security_task_records GROUP BY task \
               UNION SELECT MAX(id) FROM security_task_records WHERE done GROUP BY task) \
             ORDER BY id",
        )
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(Self::read_task_record).collect()
    }

    pub async fn record_report_sign_off(&self, s: &ReportSignOff) -> StoreResult<()> {
        let failing =
            serde_json::to_string(&s.failing).map_err(|e| crate::corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO security_report_signoffs (month, signed_by, at, note, failing) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(s.month.clone())
        .bind(s.by.clone())
        .bind(D::time(s.at))
        .bind(s.note.clone())
        .bind(failing)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn report_sign_off(&self, month: &str) -> StoreResult<Option<ReportSignOff>> {
        let rows = sqlx::query(
            "SELECT month, signed_by, at, note, failing FROM security_report_signoffs \
             WHERE month = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(month.to_string())
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.first()
            .map(|r| {
                let failing = r.text("failing")?;
                Ok(ReportSignOff {
                    month: r.text("month")?,
                    by: r.text("signed_by")?,
                    at: D::at(r, "at")?,
                    note: r.text("note")?,
                    failing: serde_json::from_str(&failing)
                        .map_err(|e| crate::corrupt(format!("sign-off failing: {e}")))?,
                })
            })
            .transpose()
    }

    pub async fn record_diagnosis(&self, d: &DiagnosisRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO vulnerability_diagnoses \
             (performed_on, performer, tool, findings, fixes, recorded_by, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(d.performed_on.clone())
        .bind(d.performer.clone())
        .bind(d.tool.clone())
        .bind(d.findings.clone())
        .bind(d.fixes.clone())
        .bind(d.by.clone())
        .bind(D::time(d.at))
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn diagnoses(&self, limit: u32) -> StoreResult<Vec<DiagnosisRecord>> {
        let rows = sqlx::query(
            "SELECT performed_on, performer, tool, findings, fixes, recorded_by, at \
             FROM vulnerability_diagnoses ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(DiagnosisRecord {
                    performed_on: r.text("performed_on")?,
                    performer: r.text("performer")?,
                    tool: r.text("tool")?,
                    findings: r.text("findings")?,
                    fixes: r.text("fixes")?,
                    by: r.text("recorded_by")?,
                    at: D::at(r, "at")?,
                })
            })
            .collect()
    }

    pub async fn record_go_live_exception(&self, e: &GoLiveException) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO go_live_exceptions (requirement, reason, withdrawn, recorded_by, at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(e.requirement.clone())
        .bind(e.reason.clone())
        .bind(e.withdrawn)
        .bind(e.by.clone())
        .bind(D::time(e.at))
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn go_live_exceptions(&self) -> StoreResult<Vec<GoLiveException>> {
        let rows = sqlx::query(
            "SELECT requirement, reason, withdrawn, recorded_by, at FROM go_live_exceptions \
             WHERE id IN (SELECT MAX(id) FROM go_live_exceptions GROUP BY requirement) \
               AND NOT withdrawn \
             ORDER BY requirement",
        )
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(GoLiveException {
                    requirement: r.text("requirement")?,
                    reason: r.text("reason")?,
                    withdrawn: r.try_get::<bool, _>("withdrawn").map_err(map_err)?,
                    by: r.text("recorded_by")?,
                    at: D::at(r, "at")?,
                })
            })
            .collect()
    }

    pub async fn security_task_history(
        &self,
        task: &str,
        limit: u32,
    ) -> StoreResult<Vec<TaskRecord>> {
        let rows = sqlx::query(
            "SELECT task, done, note, done_by, at FROM security_task_records \
             WHERE task = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(task.to_string())
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(Self::read_task_record).collect()
    }
}

/// Implements `SecurityTaskStore` for a backend with the statements above.
#[macro_export]
macro_rules! security_task_store {
    ($store:ty) => {
        const _: () = {
            use akinai_store::security_tasks::{
                DiagnosisRecord, GoLiveException, ReportSignOff, TaskRecord,
            };
            use akinai_store::StoreResult;
            #[async_trait::async_trait]
            impl akinai_store::security_tasks::SecurityTaskStore for $store {
                async fn record_security_task(&self, record: &TaskRecord) -> StoreResult<()> {
                    $crate::Sql(self).record_security_task(record).await
                }
                async fn latest_security_tasks(&self) -> StoreResult<Vec<TaskRecord>> {
                    $crate::Sql(self).latest_security_tasks().await
                }
                async fn security_task_history(
                    &self,
                    task: &str,
                    limit: u32,
                ) -> StoreResult<Vec<TaskRecord>> {
                    $crate::Sql(self).security_task_history(task, limit).await
                }
                async fn record_report_sign_off(&self, s: &ReportSignOff) -> StoreResult<()> {
                    $crate::Sql(self).record_report_sign_off(s).await
                }
                async fn report_sign_off(&self, month: &str) -> StoreResult<Option<ReportSignOff>> {
                    $crate::Sql(self).report_sign_off(month).await
                }
                async fn record_diagnosis(&self, d: &DiagnosisRecord) -> StoreResult<()> {
                    $crate::Sql(self).record_diagnosis(d).await
                }
                async fn diagnoses(&self, limit: u32) -> StoreResult<Vec<DiagnosisRecord>> {
                    $crate::Sql(self).diagnoses(limit).await
                }
                async fn record_go_live_exception(&self, e: &GoLiveException) -> StoreResult<()> {
                    $crate::Sql(self).record_go_live_exception(e).await
                }
                async fn go_live_exceptions(&self) -> StoreResult<Vec<GoLiveException>> {
                    $crate::Sql(self).go_live_exceptions().await
                }
            }
        };
    };
}
