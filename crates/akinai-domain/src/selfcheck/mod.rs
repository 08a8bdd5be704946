//! The security self-assessment (issue #22, item 1): one row per requirement of the project's
//! security catalogue, read from the traceability map `docs/requirements/trace.toml` (embedded),
//! each with a status — `pass` or `fail` for what akinai checks in the live shop, `manual` for
//! what only the shop can answer, `operator` for the shop's own duties — the evidence, the fix,
//! and the tests that prove the built-in behaviour. Pure: the caller gathers the [`Facts`] (from
//! the configuration and the store) and [`assess`] judges them; nothing here does IO.

mod checks;
pub mod gate;

pub use checks::{BACKUP_HOURS, REVIEW_DAYS, UNUSED_ADMIN_DAYS, VERIFY_DAYS};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::settings::ShopSettings;

/// The traceability map, as committed.
pub const TRACE: &str = include_str!("../../../../docs/requirements/trace.toml");

/// The dependency audit of this build (`akinai-audit --record`): the RustSec snapshot the
/// `Cargo.lock` was checked against, when, and what it found.
pub const DEPENDENCY_AUDIT: &str =
    include_str!("../../../../docs/requirements/dependency-audit.toml");

/// [`DEPENDENCY_AUDIT`], read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DependencyAudit {
    pub snapshot: String,
    pub audited_on: String,
    pub lock_sha256: String,
    pub packages: u64,
    pub vulnerable: u64,
}

/// The embedded dependency audit (`None` if the record does not read).
pub fn dependency_audit() -> Option<DependencyAudit> {
    toml::from_str(DEPENDENCY_AUDIT).ok()
}

/// The version of the JSON report's layout (`schema` field); raised when a field changes meaning.
pub const SCHEMA: &str = "akinai-selfcheck/1";

/// What kind of requirement a row is, as the map says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Done in code whatever the settings; the tests prove it.
    BuiltIn,
    /// Judged from the live shop.
    Checked,
    /// Only the shop can answer.
    Manual,
    /// A duty of the shop or its contractor.
    Operator,
}

/// One requirement of the map.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    pub title: String,
    pub kind: Kind,
    /// What akinai does for it, in a line.
    pub what: String,
    #[serde(default)]
    pub question: Option<String>,
    #[serde(default)]
    pub guidance: Option<String>,
    pub modules: Vec<String>,
    /// `path::function` of the tests that prove it.
    pub tests: Vec<String>,
}

#[derive(Deserialize)]
struct Map {
    requirement: Vec<Requirement>,
}

/// Reads a map (the embedded [`TRACE`] unless testing another).
pub fn parse_map(text: &str) -> Result<Vec<Requirement>, String> {
    toml::from_str::<Map>(text)
        .map(|m| m.requirement)
        .map_err(|e| e.to_string())
}

/// The embedded map's requirements.
pub fn requirements() -> Result<Vec<Requirement>, String> {
    parse_map(TRACE)
}

/// A row's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Manual,
    Operator,
}

impl Status {
    /// The word on Japanese screens.
    pub fn label_ja(self) -> &'static str {
        match self {
            Status::Pass => "適合",
            Status::Fail => "要対応",
            Status::Manual => "要確認",
            Status::Operator => "運用者の責務",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Manual => "manual",
            Status::Operator => "operator",
        }
    }
}

/// How the shop is deployed, read from its configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Deployment {
    /// `mode = "production"`.
    pub production: bool,
    pub admin_listen: String,
    /// The admin listener is bound to a loopback address.
    pub admin_loopback: bool,
    /// `admin_allow`, as written.
    pub admin_allow: Vec<String>,
    pub base_url: String,
    /// The built-in TLS listener is configured.
    pub tls: bool,
    /// `trusted_proxies`, as written (a TLS-terminating proxy in front).
    pub trusted_proxies: Vec<String>,
    /// `security.clamd`, if set.
    pub clamd: Option<String>,
    /// `logs.dir`, if set.
    pub logs_dir: Option<String>,
    pub log_retention_days: u32,
    /// A backup recipient is configured (`backup.recipient`).
    pub backup_recipient: bool,
    /// Where `akinai backup init` writes the recipient; a file there counts as a recipient too
    /// (looked at when the check runs, so a key made after the server started is seen).
    pub backup_recipient_file: Option<String>,
    /// Daily backups run inside `serve`.
    pub backup_scheduled: bool,
    /// Addresses security alerts are mailed to.
    pub alert_mail_to: usize,
    /// `security.theme_dir`, if set.
    pub theme_dir: Option<String>,
    /// `security.watch_executable`.
    pub watch_executable: bool,
    /// Member logins: failures before each try waits, and before the address locks.
    pub login_slow_after: u32,
    pub login_lock_after: u32,
}

/// An admin account as the check sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdminFact {
    pub name: String,
    pub role: String,
    pub has_password: bool,
    pub has_factor: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// The audit chain as verified now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ChainFact {
    /// Entries checked and the head.
    Intact { entries: u64, head: String },
    /// The first entry that does not fit, described.
    Broken(String),
}

/// The last record of a periodic task that answers manual requirements (issue #22, item 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The task's title.
    pub task: String,
    pub done: bool,
    pub note: String,
    pub by: String,
    pub at: DateTime<Utc>,
    /// Not done within its period.
    pub overdue: bool,
    /// The requirements it answers.
    pub answers: Vec<String>,
}

/// What the live shop says.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub now: DateTime<Utc>,
    pub version: String,
    pub deployment: Deployment,
    pub admins: Vec<AdminFact>,
    pub chain: ChainFact,
    pub last_good_backup: Option<DateTime<Utc>>,
    pub last_backup_failed: bool,
    pub last_good_verify: Option<DateTime<Utc>>,
    pub last_verify_failed: bool,
    /// Theme files or watched files that differ from what was approved, by name.
    pub tampered: Vec<String>,
    /// Whether a theme manifest has been approved.
    pub theme_approved: bool,
    /// Open checkout holds raised by tamper detection, not yet acknowledged.
    pub unacknowledged_tamper: usize,
    pub settings: ShopSettings,
    /// The periodic tasks' last records.
    pub answers: Vec<Answer>,
    /// The newest vulnerability diagnosis recorded (IPA-C-3).
    pub diagnosis: Option<gate::DiagnosisFact>,
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub id: String,
    pub title: String,
    pub kind: Kind,
    pub status: Status,
    /// It fails now for a reason that stops a production start (the go-live gate, ADR 044).
    pub blocking: bool,
    /// What akinai does for it.
    pub what: String,
    /// What was found now (checked rows), or the state of the answer (manual rows).
    pub evidence: Vec<String>,
    /// How to put a `fail` right, or the guidance of an operator's duty.
    pub fix: Option<String>,
    /// The question a `manual` row asks.
    pub question: Option<String>,
    pub tests: Vec<String>,
}

/// Rows by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub manual: usize,
    pub operator: usize,
}

/// The whole assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub generated_at: DateTime<Utc>,
    pub version: String,
    pub production: bool,
    pub summary: Summary,
    pub rows: Vec<Row>,
}

impl Report {
    /// One line: the version, the mode and the count of each status.
    pub fn headline_ja(&self) -> String {
        let s = self.summary;
        format!(
            "akinai {}({})。適合 {}・要対応 {}・要確認 {}・運用者の責務 {}",
            self.version,
            if self.production {
                "本番モード"
            } else {
                "開発モード"
            },
            s.pass,
            s.fail,
            s.manual,
            s.operator
        )
    }

    /// Whether any row failed (the command's exit status is then 1).
    pub fn failed(&self) -> bool {
        self.summary.fail > 0
    }
}

/// A checked requirement's verdict: pass or fail, what was found, and the fix of a failure.
pub(crate) struct Verdict {
    pub pass: bool,
    /// A problem found stops a production start.
    pub blocks: bool,
    pub evidence: Vec<String>,
    pub fix: Option<String>,
}

/// Judges every requirement of `map` against `facts`.
pub fn assess(map: &[Requirement], facts: &Facts) -> Report {
    let mut summary = Summary::default();
    let rows: Vec<Row> = map
        .iter()
        .map(|r| {
            let mut blocking = false;
            let (status, evidence, fix) = match r.kind {
                Kind::BuiltIn => (
                    Status::Pass,
                    vec![format!(
                        "コードに組み込み済み(設定では外せない)。証明する試験: {} 件",
                        r.tests.len()
                    )],
                    None,
                ),
                Kind::Checked => match checks::check(&r.id, facts) {
                    Some(v) => {
                        blocking = !v.pass && v.blocks;
                        (
                            if v.pass { Status::Pass } else { Status::Fail },
                            v.evidence,
                            v.fix,
                        )
                    }
                    None => (
                        Status::Fail,
                        vec!["この項目の点検がありません(akinai の不具合)".into()],
                        Some("akinai の開発者に報告してください。".into()),
                    ),
                },
                Kind::Manual => (
                    Status::Manual,
                    checks::manual_evidence(&r.id, facts),
                    r.guidance.clone(),
                ),
                Kind::Operator => (Status::Operator, Vec::new(), r.guidance.clone()),
            };
            match status {
                Status::Pass => summary.pass += 1,
                Status::Fail => summary.fail += 1,
                Status::Manual => summary.manual += 1,
                Status::Operator => summary.operator += 1,
            }
            Row {
                id: r.id.clone(),
                title: r.title.clone(),
                kind: r.kind,
                status,
                blocking,
                what: r.what.clone(),
                evidence,
                fix,
                question: r.question.clone(),
                tests: r.tests.clone(),
            }
        })
        .collect();
    Report {
        schema: SCHEMA,
        generated_at: facts.now,
        version: facts.version.clone(),
        production: facts.deployment.production,
        summary,
        rows,
    }
}

/// The IDs the checks know (each `checked` row of the map must be one of them).
pub fn checked_ids() -> &'static [&'static str] {
    checks::IDS
}

#[cfg(test)]
pub(crate) mod tests;
