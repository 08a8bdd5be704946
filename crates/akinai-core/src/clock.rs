//! Time as a collaborator, so tests can fix it.

use std::sync::Mutex;

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};

/// Japan Standard Time (UTC+9, no daylight saving): the shop's calendar.
pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| Utc.fix())
}

/// The start of a Japan day, as UTC (JST has no daylight saving, so it always exists).
pub fn jst_midnight(day: NaiveDate) -> DateTime<Utc> {
    let local = day.and_time(chrono::NaiveTime::MIN);
    DateTime::<Utc>::from_naive_utc_and_offset(local - chrono::Duration::hours(9), Utc)
}

/// A `YYYY-MM-DDTHH:MM` time as typed in a browser's `datetime-local` field, read as Japan time.
pub fn jst_local(input: &str) -> Option<DateTime<Utc>> {
    let local = chrono::NaiveDateTime::parse_from_str(input.trim(), "%Y-%m-%dT%H:%M").ok()?;
    Some(DateTime::<Utc>::from_naive_utc_and_offset(
        local - chrono::Duration::hours(9),
        Utc,
    ))
}

/// A source of the current time.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Today in Japan, which decides delivery dates and the mail's dates.
    fn today_jst(&self) -> NaiveDate {
        self.now().with_timezone(&jst()).date_naive()
    }
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved, for tests.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> FixedClock {
        FixedClock(Mutex::new(at))
    }

    pub fn advance(&self, by: chrono::Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|e| *e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japan_days_and_local_times_as_utc() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        assert_eq!(jst_midnight(day).to_rfc3339(), "2026-10-31T15:00:00+00:00");
        assert_eq!(
            jst_local("2026-11-27T10:00").unwrap().to_rfc3339(),
            "2026-11-27T01:00:00+00:00"
        );
        assert_eq!(jst_local("tomorrow"), None);
    }
}
