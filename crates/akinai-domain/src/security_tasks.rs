//! The calendar of periodic security work (定期的なセキュリティ作業, issue #22 item 3): what a
//! shop does daily, weekly, monthly, quarterly and yearly, with what to look at (a screen or a
//! command) and the requirements each answers; and when a task falls due from its last record.
//! Pure: the records come from the store.

use chrono::{DateTime, Duration, Utc};

/// How often a task is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
}

impl Period {
    /// The longest a task may go between two records before it is overdue (a day's slack for
    /// the longer periods, so "the first Monday of the month" is not late on the 32nd day).
    pub fn allowance(self) -> Duration {
        match self {
            Period::Daily => Duration::hours(36),
            Period::Weekly => Duration::days(8),
            Period::Monthly => Duration::days(32),
            Period::Quarterly => Duration::days(93),
            Period::Yearly => Duration::days(367),
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Period::Daily => "毎日",
            Period::Weekly => "毎週",
            Period::Monthly => "毎月",
            Period::Quarterly => "四半期",
            Period::Yearly => "毎年",
        }
    }
}

/// One task of the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskDef {
    /// Stable key, stored with each record.
    pub key: &'static str,
    pub period: Period,
    pub title: &'static str,
    /// What to look at and decide.
    pub what: &'static str,
    /// The screen (`/admin/…`) or command to use.
    pub where_: &'static str,
    /// Catalogue requirements the task answers (its record is the answer of their manual rows).
    pub answers: &'static [&'static str],
}

/// Every task, in calendar order.
pub const TASKS: &[TaskDef] = &[
    TaskDef {
        key: "alerts",
        period: Period::Daily,
        title: "警告メールと要確認の注文",
        what: "警告メールとダッシュボードのセキュリティ欄を見て、要確認の注文を処理する",
        where_: "/admin/orders/flagged",
        answers: &[],
    },
    TaskDef {
        key: "failed-logins",
        period: Period::Daily,
        title: "ログイン失敗と遮断",
        what: "ダッシュボードのログイン失敗・ロック・遮断の数がいつもより多くないか",
        where_: "/admin",
        answers: &[],
    },
    TaskDef {
        key: "backup-check",
        period: Period::Weekly,
        title: "バックアップの確認",
        what: "毎日のバックアップと日曜の検証が成功しているか、別の場所に複写されているか",
        where_: "/admin/operations",
        answers: &[],
    },
    TaskDef {
        key: "log-review",
        period: Period::Weekly,
        title: "操作ログの確認",
        what: "心当たりのない管理操作・権限変更・個人データの閲覧がないか",
        where_: "/admin/audit",
        answers: &["IPA-O-? (log review / monitoring)"],
    },
    TaskDef {
        key: "account-review",
        period: Period::Monthly,
        title: "管理者アカウントの棚卸し",
        what: "退職者や使われていないアカウント、権限の大きすぎるアカウントがないか",
        where_: "/admin/review",
        answers: &["CCSG-V-1"],
    },
    TaskDef {
        key: "patch-check",
        period: Period::Monthly,
        title: "OS・akinai・管理用 PC の更新",
        what: "サーバ OS(apt)、akinai の新しいリリース、管理用 PC とブラウザの更新を確認し適用する",
        where_: "apt-get upgrade / CHANGELOG",
        answers: &["IPA-C-2", "IPA-O-1"],
    },
    TaskDef {
        key: "restore-drill",
        period: Period::Monthly,
        title: "復元テスト",
        what: "秘密鍵のある PC でバックアップを検証し、空のフォルダに復元して注文を開いてみる",
        where_: "akinai backup verify FILE --identity KEY",
        answers: &[],
    },
    TaskDef {
        key: "selfcheck",
        period: Period::Monthly,
        title: "セキュリティ自己点検",
        what: "要対応をなくし、要確認の質問に答える",
        where_: "/admin/selfcheck",
        answers: &[],
    },
    TaskDef {
        key: "diagnosis",
        period: Period::Quarterly,
        title: "脆弱性診断",
        what: "ステージングを診断ツール(OWASP ZAP など)または専門業者で診断し、指摘を直す",
        where_: "docs/operations.ja.md",
        answers: &["IPA-O-? (periodic diagnosis)"],
    },
    TaskDef {
        key: "security-meeting",
        period: Period::Quarterly,
        title: "セキュリティ対策会議",
        what: "月次報告と自己点検を経営者と確認し、対策と担当・期限を決める",
        where_: "/admin/selfcheck",
        answers: &[],
    },
    TaskDef {
        key: "policy-review",
        period: Period::Yearly,
        title: "方針と体制の見直し",
        what: "セキュリティ方針・緊急時の連絡体制・予算を見直す",
        where_: "docs/operations.ja.md",
        answers: &[],
    },
    TaskDef {
        key: "contractor-review",
        period: Period::Yearly,
        title: "委託先の確認",
        what: "保守・ホスティング・決済・配送の委託先との契約と安全管理を確認する",
        where_: "docs/security.md",
        answers: &[],
    },
    TaskDef {
        key: "ccsg-review",
        period: Period::Yearly,
        title: "カード・セキュリティガイドラインの改訂確認",
        what: "3 月に改訂されるガイドラインと決済代行の案内を確認する",
        where_: "docs/security.md",
        answers: &["IPA-O-? (keep CCSG measures current)"],
    },
    TaskDef {
        key: "credential-rotation",
        period: Period::Yearly,
        title: "鍵・証明書・パスワードの見直し",
        what: "バックアップ鍵の保管、TLS 証明書の期限、API トークンと Webhook の秘密、共有パスワードを見直す",
        where_: "/admin/api-tokens",
        answers: &[],
    },
];

/// The task of `key`.
pub fn task(key: &str) -> Option<&'static TaskDef> {
    TASKS.iter().find(|t| t.key == key)
}

/// The task whose record answers a catalogue requirement.
pub fn answering(requirement: &str) -> Option<&'static TaskDef> {
    TASKS.iter().find(|t| t.answers.contains(&requirement))
}

/// Longest note kept with a record.
pub const NOTE_MAX: usize = 2000;

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Done on time; due again at this time.
    Until(DateTime<Utc>),
    /// Not done since this time (or never: `None`).
    Overdue(Option<DateTime<Utc>>),
}

/// When a task is due, from the time it was last done.
pub fn due(def: &TaskDef, last_done: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Due {
    match last_done {
        Some(at) if now - at <= def.period.allowance() => Due::Until(at + def.period.allowance()),
        other => Due::Overdue(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn keys_are_unique_and_answers_name_one_task_each() {
        let mut keys: Vec<&str> = TASKS.iter().map(|t| t.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), TASKS.len());
        let mut answers: Vec<&str> = TASKS
            .iter()
            .flat_map(|t| t.answers.iter().copied())
            .collect();
        let n = answers.len();
        answers.sort_unstable();
        answers.dedup();
        assert_eq!(answers.len(), n, "one task answers each requirement");
        for period in [
            Period::Daily,
            Period::Weekly,
            Period::Monthly,
            Period::Quarterly,
            Period::Yearly,
        ] {
            assert!(TASKS.iter().any(|t| t.period == period), "{period:?}");
        }
    }

    #[test]
    fn a_task_is_overdue_after_its_period_and_never_done_is_overdue() {
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).unwrap();
        let monthly = task("patch-check").unwrap();
        let done = now - Duration::days(20);
        assert_eq!(
            due(monthly, Some(done), now),
            Due::Until(done + Duration::days(32))
        );
        let late = now - Duration::days(33);
        assert_eq!(due(monthly, Some(late), now), Due::Overdue(Some(late)));
        assert_eq!(due(monthly, None, now), Due::Overdue(None));
        let daily = task("alerts").unwrap();
        assert!(matches!(
            due(daily, Some(now - Duration::hours(30)), now),
            Due::Until(_)
        ));
        assert_eq!(
            answering("IPA-O-? (periodic diagnosis)").map(|t| t.key),
            Some("diagnosis")
        );
        assert_eq!(answering("IPA-C-1"), None);
    }
}
