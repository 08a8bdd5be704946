//! The monthly security report's use cases (issue #22, item 4): gathers a month — incidents,
//! security events by kind, admin account changes, backups and restore drills, the periodic
//! tasks' records and what is overdue, the self-assessment now and what changed since the last
//! signed month — into `akinai_domain::security_report::MonthlyReport`, and records the security
//! meeting's sign-off (owners, audited).

use std::sync::Arc;

use serde_json::json;

use akinai_domain::address::FieldError;
use akinai_domain::admin::ManageSecurity;
use akinai_domain::security_report::{
    changes, event_name, Group, Line, Month, MonthlyReport, Section,
};
use akinai_domain::security_tasks::Due;
use akinai_domain::selfcheck::{Deployment, Report, Status};
use akinai_store::incidents::IncidentStore;
use akinai_store::security_tasks::{ReportSignOff, SecurityTaskStore};
use akinai_store::{AuditStore, SecurityStore};

use crate::accounts::Client;
use crate::admin::Authorized;
use crate::incidents::who;
use crate::{Audit, Base, CoreError, Operations, SecurityTasks, SelfCheck, Storefront};

/// Audit action of a sign-off.
pub const SIGNED_OFF: &str = "security_report.sign_off";
/// Longest note of a sign-off.
pub const NOTE_MAX: usize = 4000;

/// Admin account actions the report lists, with their Japanese names.
const ADMIN_ACTIONS: &[(&str, &str)] = &[
    ("admin.create", "管理者の招待"),
    ("admin.enrol", "管理者の登録完了"),
    ("admin.role_change", "役割の変更"),
    ("admin.grants_change", "個別許可の変更"),
    ("admin.factor_reset", "二要素認証の再設定"),
    ("admin.locked", "ロック"),
    ("admin.unlock", "ロック解除"),
];

/// The report's use cases.
#[derive(Clone)]
pub struct SecurityReports {
    pub(crate) base: Base,
    pub(crate) security_store: Arc<dyn SecurityStore>,
    pub(crate) task_store: Arc<dyn SecurityTaskStore>,
    pub(crate) incident_store: Arc<dyn IncidentStore>,
    pub(crate) audit_store: Arc<dyn AuditStore>,
    pub(crate) audit: Audit,
    pub(crate) operations: Arc<Operations>,
    pub(crate) tasks: SecurityTasks,
    pub(crate) selfcheck: Arc<SelfCheck>,
    pub(crate) storefront: Storefront,
}

fn failing(report: &Report) -> Vec<String> {
    report
        .rows
        .iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| r.id.clone())
        .collect()
}

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&crate::clock::jst())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

impl SecurityReports {
    /// The report of `month` (the server's operator, or an owner through [`Self::for_owner`]).
    pub async fn build(
        &self,
        month: Month,
        deployment: Deployment,
    ) -> Result<MonthlyReport, CoreError> {
        let (from, until) = month.bounds();
        let in_month = |t: chrono::DateTime<chrono::Utc>| t >= from && t < until;
        let mut sections = Vec::new();

        let incidents = self.incident_store.incidents(500).await?;
        sections.push(Section {
            title: "インシデント".into(),
            empty: "この月に開いた、または対応中のインシデントはありません。".into(),
            lines: incidents
                .iter()
                .filter(|i| {
                    in_month(i.opened.opened_at)
                        || (i.opened.opened_at < until
                            && i.closed.as_ref().is_none_or(|(at, _, _)| *at >= from))
                })
                .map(|i| {
                    Line::new(
                        format!(
                            "#{} {}(個人データ: {})",
                            i.id.0,
                            i.opened.kind.label(),
                            if i.opened.personal_data {
                                "あり"
                            } else {
                                "なし"
                            }
                        ),
                        match &i.closed {
                            Some((at, _, _)) => format!("終了 {}", time(*at)),
                            None => format!("対応中(開始 {})", time(i.opened.opened_at)),
                        },
                    )
                })
                .collect(),
        });

        let counts = self
            .security_store
            .count_security_events(from, until)
            .await?;
        for group in [Group::Stopped, Group::Alert, Group::Other] {
            let mut lines: Vec<(String, i64)> = counts
                .iter()
                .filter_map(|(kind, n)| {
                    let (g, name) = event_name(kind);
                    (g == group).then_some((name, *n))
                })
                .collect();
            lines.sort();
            if group == Group::Other && lines.is_empty() {
                continue;
            }
            sections.push(Section {
                title: format!("{}(件数)", group.label_ja()),
                empty: "記録はありません。".into(),
                lines: lines
                    .into_iter()
                    .map(|(name, n)| Line::new(name, format!("{n} 件")))
                    .collect(),
            });
        }

        let mut admin_lines = Vec::new();
        for (action, name) in ADMIN_ACTIONS {
            for e in self.audit_store.audit_entries_of(action, 1000).await? {
                if in_month(e.record.at) {
                    admin_lines.push((
                        e.record.at,
                        Line::new(
                            format!("{} {name}", time(e.record.at)),
                            format!("{} → {}", e.record.actor, e.record.target),
                        ),
                    ));
                }
            }
        }
        admin_lines.sort_by_key(|(at, _)| *at);
        sections.push(Section {
            title: "管理者アカウントの変更".into(),
            empty: "この月の変更はありません。".into(),
            lines: admin_lines.into_iter().map(|(_, l)| l).collect(),
        });

        let backups = self.operations.backup_status().await?;
        let last = |run: &Option<akinai_store::operations::BackupRun>| {
            run.as_ref()
                .map(|r| time(r.at))
                .unwrap_or_else(|| "まだありません".into())
        };
        sections.push(Section {
            title: "バックアップと復元訓練".into(),
            empty: String::new(),
            lines: vec![
                Line::new(
                    "最後に成功したバックアップ",
                    last(&backups.last_good_backup),
                ),
                Line::new(
                    "最後に成功した検証(復元訓練)",
                    last(&backups.last_good_verify),
                ),
                Line::new(
                    "失敗",
                    "警報の表(バックアップの失敗・複写の失敗・検証の失敗)を参照",
                ),
            ],
        });

        let mut task_lines = Vec::new();
        let mut overdue = Vec::new();
        for view in self.tasks.views().await? {
            let records = self
                .task_store
                .security_task_history(view.def.key, 50)
                .await?;
            for r in records.iter().rev().filter(|r| in_month(r.at)) {
                task_lines.push(Line::new(
                    format!("{} {}", view.def.period.label_ja(), view.def.title),
                    format!(
                        "{} {} {}{}",
                        time(r.at),
                        r.by,
                        if r.done { "実施" } else { "未実施" },
                        if r.note.is_empty() {
                            String::new()
                        } else {
                            format!(" — {}", r.note)
                        }
                    ),
                ));
            }
            if matches!(view.due, Due::Overdue(_)) {
                overdue.push(Line::new(
                    format!("{} {}", view.def.period.label_ja(), view.def.title),
                    "期限切れ",
                ));
            }
        }
        sections.push(Section {
            title: "定期作業の記録(この月)".into(),
            empty: "この月の記録はありません。".into(),
            lines: task_lines,
        });
        sections.push(Section {
            title: "未完了の定期作業(作成時点)".into(),
            empty: "期限切れの作業はありません。".into(),
            lines: overdue,
        });

        let selfcheck = self.selfcheck.run(deployment).await?;
        let now_failing = failing(&selfcheck);
        let mut check_lines = vec![Line::new("作成時点の自己点検", selfcheck.headline_ja())];
        for r in selfcheck.rows.iter().filter(|r| r.status == Status::Fail) {
            check_lines.push(Line::new(format!("要対応 {}", r.id), r.title.clone()));
        }
        let previous = month.previous();
        match self.task_store.report_sign_off(&previous.as_str()).await? {
            Some(before) => {
                let c = changes(&before.failing, &now_failing);
                let list = |ids: &[String]| {
                    if ids.is_empty() {
                        "なし".to_string()
                    } else {
                        ids.join("、")
                    }
                };
                check_lines.push(Line::new(
                    format!("{}の承認時から新たに要対応", previous.label_ja()),
                    list(&c.newly_failing),
                ));
                check_lines.push(Line::new(
                    format!("{}の承認時から解消", previous.label_ja()),
                    list(&c.fixed),
                ));
            }
            None => check_lines.push(Line::new(
                "前月との比較",
                format!(
                    "{}の承認の記録がないため比較できません",
                    previous.label_ja()
                ),
            )),
        }
        sections.push(Section {
            title: "セキュリティ自己点検".into(),
            empty: String::new(),
            lines: check_lines,
        });

        let sign_off = self
            .task_store
            .report_sign_off(&month.as_str())
            .await?
            .map(|s| {
                Line::new(
                    format!("{} {}", time(s.at), s.by),
                    if s.note.is_empty() {
                        "承認".to_string()
                    } else {
                        s.note
                    },
                )
            });
        Ok(MonthlyReport {
            month,
            shop_name: self.storefront.settings().await?.shop_name,
            version: crate::selfcheck::VERSION.to_string(),
            generated_at: self.base.clock.now(),
            selfcheck: selfcheck.summary,
            sections,
            sign_off,
        })
    }

    /// The month the meeting usually discusses: the one just ended (Japan time).
    pub fn last_month(&self) -> Month {
        Month::of(self.base.clock.now()).previous()
    }

    /// The report as an A4 PDF.
    pub fn pdf(&self, report: &MonthlyReport) -> Result<Vec<u8>, CoreError> {
        akinai_pdf::render_security_report(report).map_err(|e| CoreError::Integrity(e.to_string()))
    }

    /// The report for an owner in the back office.
    pub async fn for_owner(
        &self,
        _by: &Authorized<akinai_domain::admin::ViewSecurity>,
        month: Month,
        deployment: Deployment,
    ) -> Result<MonthlyReport, CoreError> {
        self.build(month, deployment).await
    }

    /// Records that the security meeting discussed and signed off `month`'s report, keeping the
    /// self-assessment's failing requirements of now for next month's comparison.
    pub async fn sign_off(
        &self,
        by: &Authorized<ManageSecurity>,
        client: &Client,
        month: Month,
        note: &str,
        deployment: Deployment,
    ) -> Result<(), CoreError> {
        let note = note.trim();
        if note.chars().count() > NOTE_MAX {
            return Err(CoreError::InvalidFields(vec![(
                "note",
                FieldError::TooLong(NOTE_MAX),
            )]));
        }
        if month > Month::of(self.base.clock.now()) {
            return Err(CoreError::InvalidFields(vec![(
                "month",
                FieldError::Invalid,
            )]));
        }
        let (context, name) = who(by, client)?;
        let failing = failing(&self.selfcheck.run(deployment).await?);
        let sign_off = ReportSignOff {
            month: month.as_str(),
            by: name,
            at: self.base.clock.now(),
            note: note.to_string(),
            failing,
        };
        self.task_store.record_report_sign_off(&sign_off).await?;
        self.audit
            .record(
                &context,
                SIGNED_OFF,
                &format!("security_report:{}", sign_off.month),
                json!({ "note": sign_off.note, "failing": sign_off.failing }),
            )
            .await?;
        Ok(())
    }
}
