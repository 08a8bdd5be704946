//! Incidents and the deadlines of APPI's breach reports (operations issue, item 4; JP-APPI-3).
//!
//! When personal data may have leaked, the shop reports to the Personal Information Protection
//! Commission twice: a preliminary report (速報) "promptly" — the Commission's guidelines read
//! that as about three to five days after the shop became aware — and a final report (確報) within
//! 30 days, or 60 days when the leak may have been caused on purpose (unauthorised access,
//! skimming). The clock runs from when the shop found out. Pure rules; no IO.

use chrono::{DateTime, Duration, Utc};

/// What kind of incident it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentKind {
    /// 不正アクセス: someone got in (an account, the admin, the server).
    UnauthorisedAccess,
    /// 改ざん・スキミング: the pages or the theme were changed, card data may have been read.
    Tampering,
    /// 漏えい・誤送信・紛失: data reached someone by mistake.
    Leak,
    /// 障害: the shop was down or wrong, no personal data involved.
    Outage,
    Other,
}

impl IncidentKind {
    pub const ALL: [IncidentKind; 5] = [
        IncidentKind::UnauthorisedAccess,
        IncidentKind::Tampering,
        IncidentKind::Leak,
        IncidentKind::Outage,
        IncidentKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::UnauthorisedAccess => "unauthorised_access",
            IncidentKind::Tampering => "tampering",
            IncidentKind::Leak => "leak",
            IncidentKind::Outage => "outage",
            IncidentKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<IncidentKind> {
        IncidentKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The Japanese label the admin shows.
    pub fn label(self) -> &'static str {
        match self {
            IncidentKind::UnauthorisedAccess => "不正アクセス",
            IncidentKind::Tampering => "改ざん・スキミング",
            IncidentKind::Leak => "漏えい・誤送信・紛失",
            IncidentKind::Outage => "障害",
            IncidentKind::Other => "その他",
        }
    }

    /// Whether it may have been caused on purpose (the final report then has 60 days).
    pub fn malicious(self) -> bool {
        matches!(
            self,
            IncidentKind::UnauthorisedAccess | IncidentKind::Tampering
        )
    }
}

/// Days after awareness by which the preliminary report is expected (the guidelines: about 3–5).
pub const PRELIMINARY_DAYS: i64 = 5;

/// The report deadlines of an incident that involves personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportDeadlines {
    /// 速報: promptly, at the latest about this.
    pub preliminary: DateTime<Utc>,
    /// 確報.
    pub final_report: DateTime<Utc>,
    /// 30 or 60.
    pub final_days: i64,
}

/// The deadlines, when personal data may be involved; `None` otherwise (nothing to report).
pub fn report_deadlines(
    kind: IncidentKind,
    personal_data: bool,
    found_at: DateTime<Utc>,
) -> Option<ReportDeadlines> {
    if !personal_data {
        return None;
    }
    let final_days = if kind.malicious() { 60 } else { 30 };
    Some(ReportDeadlines {
        preliminary: found_at + Duration::days(PRELIMINARY_DAYS),
        final_report: found_at + Duration::days(final_days),
        final_days,
    })
}

/// Days left until `deadline`, a started day counting as a day (5 hours left: 1); negative once
/// passed.
pub fn days_left(deadline: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    const DAY: i64 = 86_400;
    let secs = (deadline - now).num_seconds();
    if secs < 0 {
        -((DAY - secs - 1) / DAY)
    } else {
        (secs + DAY - 1) / DAY
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn jp_appi_3_unauthorised_access_gives_60_days_a_mistaken_mail_30_and_an_outage_none() {
        let found = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).single().unwrap();
        let hacked = report_deadlines(IncidentKind::UnauthorisedAccess, true, found).unwrap();
        assert_eq!(hacked.final_days, 60);
        assert_eq!(hacked.final_report, found + Duration::days(60));
        assert_eq!(hacked.preliminary, found + Duration::days(5));
        let skimmed = report_deadlines(IncidentKind::Tampering, true, found).unwrap();
        assert_eq!(skimmed.final_days, 60);
        let misdelivered = report_deadlines(IncidentKind::Leak, true, found).unwrap();
        assert_eq!(misdelivered.final_days, 30);
        assert_eq!(report_deadlines(IncidentKind::Outage, false, found), None);
        assert_eq!(
            report_deadlines(IncidentKind::UnauthorisedAccess, false, found),
            None
        );
    }

    #[test]
    fn days_left_counts_a_started_day_and_goes_negative_when_late() {
        let now = Utc
            .with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
            .single()
            .unwrap();
        assert_eq!(days_left(now + Duration::hours(36), now), 2);
        assert_eq!(days_left(now + Duration::days(3), now), 3);
        assert_eq!(days_left(now + Duration::hours(5), now), 1);
        assert_eq!(days_left(now, now), 0);
        assert_eq!(days_left(now - Duration::hours(5), now), -1);
        for k in IncidentKind::ALL {
            assert_eq!(IncidentKind::parse(k.as_str()), Some(k));
        }
    }
}
