//! The go-live gate (issue #22, item 5; ADR 044). Some requirements of the self-assessment must
//! not fail in a shop that opens to the public: a production start is refused while one of them
//! fails, unless the owner recorded an exception for it with a reason. The vulnerability
//! diagnosis before go-live (IPA-C-3) is a record with its date, who did it, the tool, the
//! findings and the fixes; its form is checked here. Pure: the caller brings the report and the
//! exceptions in force.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{Report, Row, Status};

/// The requirements whose failure can stop a production start: no diagnosis before going live,
/// an admin reachable from anywhere, no HTTPS, no encrypted daily backup set up, files that
/// differ from what was approved, and the legal page still blank or the new shop's sample text.
/// Which of their problems block is decided by each check (a backup missed during an outage does
/// not: a restart is never refused for it); a row says so in [`Row::blocking`].
pub const BLOCKING: &[&str] = &[
    "IPA-C-3", "IPA-C-4", "IPA-C-9", "SWS-C2-3", "IPA-C-13", "IPA-C-14", "JP-TOK-1",
];

/// Whether a failure of `id` stops a production start.
pub fn is_blocking(id: &str) -> bool {
    BLOCKING.contains(&id)
}

/// The longest reason of an exception, and of each text of a diagnosis.
pub const MAX_TEXT: usize = 2000;
/// The longest name (who did it, the tool).
pub const MAX_NAME: usize = 100;

/// An owner's exception to a blocking failure, in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exception {
    pub requirement: String,
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A blocking requirement that fails now, and the exception that lets the shop open anyway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    pub row: Row,
    pub exception: Option<Exception>,
}

/// The gate's verdict on a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gate {
    /// Every failing row, blocking or not (what the owner is shown).
    pub failing: Vec<Row>,
    /// The failing rows that stop a production start.
    pub blockers: Vec<Blocker>,
    /// Exceptions recorded for requirements that pass now (no longer needed).
    pub unused_exceptions: Vec<Exception>,
}

impl Gate {
    /// A production start may go ahead: every blocking failure has an exception.
    pub fn open(&self) -> bool {
        self.blockers.iter().all(|b| b.exception.is_some())
    }

    /// The blocking failures without an exception.
    pub fn refusing(&self) -> impl Iterator<Item = &Blocker> {
        self.blockers.iter().filter(|b| b.exception.is_none())
    }

    /// The gate for a terminal or a log: the verdict, then each blocking failure with its fix or
    /// its exception, then the other failures.
    pub fn text_ja(&self) -> String {
        let mut out = if self.open() {
            format!(
                "本番公開の判定: 公開できます(公開を止める要対応 {} 件はすべて例外として記録済み、その他の要対応 {} 件)\n",
                self.blockers.len(),
                self.failing.len() - self.blockers.len()
            )
        } else {
            format!(
                "本番公開の判定: 公開できません。公開を止める要対応が {} 件あります\n",
                self.refusing().count()
            )
        };
        for b in &self.blockers {
            let r = &b.row;
            match &b.exception {
                None => {
                    out.push_str(&format!("\n[公開を止める] {} {}\n", r.id, r.title));
                    for e in &r.evidence {
                        out.push_str(&format!("    {e}\n"));
                    }
                    if let Some(fix) = &r.fix {
                        out.push_str(&format!("    対応: {fix}\n"));
                    }
                }
                Some(x) => out.push_str(&format!(
                    "\n[例外として公開] {} {} — {}({} が記録)\n",
                    r.id, r.title, x.reason, x.by
                )),
            }
        }
        for r in self.failing.iter().filter(|r| !r.blocking) {
            out.push_str(&format!("\n[要対応] {} {}\n", r.id, r.title));
            if let Some(fix) = &r.fix {
                out.push_str(&format!("    対応: {fix}\n"));
            }
        }
        if !self.open() {
            out.push_str(
                "\n直してから起動し直すか、オーナーが理由を付けて例外を記録してください(管理画面「本番公開の判定」または `akinai golive exception`)。\n",
            );
        }
        out
    }
}

/// Judges `report` with the exceptions in force.
pub fn gate(report: &Report, exceptions: &[Exception]) -> Gate {
    let failing: Vec<Row> = report
        .rows
        .iter()
        .filter(|r| r.status == Status::Fail)
        .cloned()
        .collect();
    let blockers = failing
        .iter()
        .filter(|r| r.blocking)
        .map(|r| Blocker {
            row: r.clone(),
            exception: exceptions.iter().find(|x| x.requirement == r.id).cloned(),
        })
        .collect();
    let unused_exceptions = exceptions
        .iter()
        .filter(|x| !failing.iter().any(|r| r.id == x.requirement))
        .cloned()
        .collect();
    Gate {
        failing,
        blockers,
        unused_exceptions,
    }
}

/// A vulnerability diagnosis as typed in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiagnosisForm {
    /// `YYYY-MM-DD`.
    pub performed_on: String,
    pub performer: String,
    pub tool: String,
    pub findings: String,
    pub fixes: String,
}

/// A diagnosis that may be recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    pub performed_on: NaiveDate,
    pub performer: String,
    pub tool: String,
    pub findings: String,
    pub fixes: String,
}

/// A diagnosis as recorded, for the self-assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiagnosisFact {
    pub diagnosis: Diagnosis,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// Checks a diagnosis: the day is a real date not after `today`; who, the tool, the findings
/// and the fixes are given (「指摘なし」 and 「修正なし」 are answers too) and not too long. The
/// errors name the field and say why, in Japanese.
pub fn check_diagnosis(
    form: &DiagnosisForm,
    today: NaiveDate,
) -> Result<Diagnosis, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let performed_on = match NaiveDate::parse_from_str(form.performed_on.trim(), "%Y-%m-%d") {
        Ok(d) if d > today => {
            errors.push((
                "performed_on",
                "実施日が未来の日付です。実施した日を入れてください。".to_string(),
            ));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push((
                "performed_on",
                "実施日を 2026-12-01 の形で入れてください。".to_string(),
            ));
            None
        }
    };
    let mut text = |field: &'static str, label: &str, value: &str, max: usize| {
        let value = value.trim();
        if value.is_empty() {
            errors.push((field, format!("{label}を入力してください。")));
        } else if value.chars().count() > max {
            errors.push((field, format!("{label}は{max}文字以内で入力してください。")));
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            errors.push((field, format!("{label}に制御文字は使えません。")));
        }
        value.to_string()
    };
    let performer = text("performer", "実施者", &form.performer, MAX_NAME);
    let tool = text("tool", "ツール", &form.tool, MAX_NAME);
    let findings = text(
        "findings",
        "指摘事項(なければ「指摘なし」)",
        &form.findings,
        MAX_TEXT,
    );
    let fixes = text(
        "fixes",
        "修正内容(なければ「修正なし」)",
        &form.fixes,
        MAX_TEXT,
    );
    match performed_on {
        Some(performed_on) if errors.is_empty() => Ok(Diagnosis {
            performed_on,
            performer,
            tool,
            findings,
            fixes,
        }),
        _ => Err(errors),
    }
}

/// Checks an exception's reason: given, not too long. The requirement must be a blocking one.
pub fn check_exception(requirement: &str, reason: &str) -> Result<String, (&'static str, String)> {
    if !is_blocking(requirement) {
        return Err((
            "requirement",
            format!(
                "{requirement} は公開を止める項目ではありません(例外を記録できるのは {} です)。",
                BLOCKING.join("、")
            ),
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err((
            "reason",
            "理由を入力してください(なぜ直さずに公開するのか、いつまでに直すのか)。".into(),
        ));
    }
    if reason.chars().count() > MAX_TEXT {
        return Err((
            "reason",
            format!("理由は{MAX_TEXT}文字以内で入力してください。"),
        ));
    }
    Ok(reason.to_string())
}

#[cfg(test)]
mod tests;
