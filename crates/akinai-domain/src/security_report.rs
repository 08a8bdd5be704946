//! The monthly security report (セキュリティ対策会議の資料, issue #22 item 4): a month's bounds in
//! Japan time, the security events named for people and grouped (attacks stopped, alerts), what
//! changed in the self-assessment since the last signed month, and the report's content as the
//! admin page, the HTML file and the PDF show it. Pure: core gathers the figures.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

use crate::selfcheck::Summary;

/// A calendar month (Japan time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// Reads `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Month> {
        let (y, m) = text.trim().split_once('-')?;
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        (y.len() == 4 && m.len() == 2 && (2000..=2999).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    /// The month `at` falls in, in Japan time.
    pub fn of(at: DateTime<Utc>) -> Month {
        let local = at + Duration::hours(9);
        Month {
            year: local.year(),
            month: local.month(),
        }
    }

    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The month's first instant (00:00 JST on the 1st), in UTC.
    pub fn start(self) -> DateTime<Utc> {
        let day = NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default();
        Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default()) - Duration::hours(9)
    }

    /// `[start, end)` of the month.
    pub fn bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.start(), self.next().start())
    }

    pub fn as_str(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    pub fn label_ja(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

/// Where an event kind belongs in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// Attacks that were stopped (throttled, blocked, refused).
    Stopped,
    /// Alerts that need a person to look.
    Alert,
    Other,
}

impl Group {
    pub fn label_ja(self) -> &'static str {
        match self {
            Group::Stopped => "防いだ攻撃",
            Group::Alert => "警報",
            Group::Other => "その他の記録",
        }
    }
}

/// The group and the Japanese name of a security event kind.
pub fn event_name(kind: &str) -> (Group, String) {
    let (group, name) = match kind {
        "account.login_failure" => (Group::Stopped, "会員ログインの失敗"),
        "account.login_throttled" => (Group::Stopped, "待たせた会員ログイン"),
        "account.locked" => (Group::Stopped, "ロックした会員アカウント"),
        "account.credential_stuffing" => (Group::Stopped, "遮断した接続元(リスト型攻撃)"),
        "admin.login_failed" => (Group::Stopped, "管理画面ログインの失敗"),
        "card_testing" => (Group::Stopped, "カードテストとして拒否した決済"),
        "csp_violation" => (Group::Stopped, "ブラウザが止めたスクリプト(CSP 報告)"),
        "admin.locked" => (Group::Alert, "ロックした管理者アカウント"),
        "card_testing_spike" => (Group::Alert, "カードテストの急増(カード決済の一時停止)"),
        "tamper_detected" => (Group::Alert, "テーマファイルの改ざん検知"),
        "watched_file_changed" => (Group::Alert, "実行ファイルの変更"),
        "backup.failed" => (Group::Alert, "バックアップの失敗"),
        "backup.copy_failed" => (Group::Alert, "バックアップの複写の失敗"),
        "backup.verify_failed" => (Group::Alert, "バックアップの検証の失敗"),
        "backup.overdue" => (Group::Alert, "バックアップの未取得"),
        "security_tasks.overdue" => (Group::Alert, "定期作業の期限切れ"),
        "account.passkey_counter_went_back" => (Group::Alert, "複製の疑いのあるパスキー"),
        other => return (Group::Other, other.to_string()),
    };
    (group, name.to_string())
}

/// What changed in the self-assessment's failing requirements since the last signed month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub newly_failing: Vec<String>,
    pub fixed: Vec<String>,
}

/// The failing IDs now against those at the last sign-off.
pub fn changes(before: &[String], now: &[String]) -> Changes {
    Changes {
        newly_failing: now
            .iter()
            .filter(|id| !before.contains(id))
            .cloned()
            .collect(),
        fixed: before
            .iter()
            .filter(|id| !now.contains(id))
            .cloned()
            .collect(),
    }
}

/// One line of a section: what, and the figure or state beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub what: String,
    pub value: String,
}

impl Line {
    pub fn new(what: impl Into<String>, value: impl Into<String>) -> Line {
        Line {
            what: what.into(),
            value: value.into(),
        }
    }
}

/// A titled part of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    /// Said when the section has no lines.
    pub empty: String,
    pub lines: Vec<Line>,
}

/// The month's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyReport {
    pub month: Month,
    pub shop_name: String,
    pub version: String,
    pub generated_at: DateTime<Utc>,
    pub selfcheck: Summary,
    pub sections: Vec<Section>,
    /// Who signed the month off, when, and the note (`None`: not yet).
    pub sign_off: Option<Line>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_strictly_and_run_in_japan_time() {
        assert_eq!(
            Month::parse("2026-11"),
            Some(Month {
                year: 2026,
                month: 11
            })
        );
        for bad in [
            "2026-13", "2026-1", "26-11", "2026/11", "", "2026-00", "abcd-ef",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        let m = Month::parse("2026-01").unwrap();
        let (from, until) = m.bounds();
        assert_eq!(from, Utc.with_ymd_and_hms(2025, 12, 31, 15, 0, 0).unwrap());
        assert_eq!(until, Utc.with_ymd_and_hms(2026, 1, 31, 15, 0, 0).unwrap());
        assert_eq!(
            m.previous(),
            Month {
                year: 2025,
                month: 12
            }
        );
        assert_eq!(Month::of(from), m, "00:00 JST on the 1st is in the month");
        assert_eq!(Month::of(from - Duration::seconds(1)), m.previous());
        assert_eq!(m.label_ja(), "2026年1月");
    }

    #[test]
    fn events_are_named_and_grouped_and_changes_are_both_ways() {
        assert_eq!(event_name("card_testing").0, Group::Stopped);
        assert_eq!(event_name("tamper_detected").0, Group::Alert);
        assert_eq!(
            event_name("something.new"),
            (Group::Other, "something.new".into())
        );
        let c = changes(
            &["IPA-C-9".into(), "CCSG-V-4".into()],
            &["CCSG-V-4".into(), "IPA-C-13".into()],
        );
        assert_eq!(c.newly_failing, vec!["IPA-C-13".to_string()]);
        assert_eq!(c.fixed, vec!["IPA-C-9".to_string()]);
    }
}
