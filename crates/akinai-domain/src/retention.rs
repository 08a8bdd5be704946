//! Which backups a shop keeps, and when the next daily backup is due (operations issue, item 1).
//!
//! Grandfather-father-son by Japan's calendar: the newest backup of each of the last `daily` days
//! that have one, of each of the last `monthly` months and of each of the last `yearly` years. With
//! the defaults (14 daily, 12 monthly, 5 yearly) a shop can go back at least a year. The newest
//! backup is always kept.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveTime, Offset, Utc};

/// How many backups of each period are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub daily: u32,
    pub monthly: u32,
    pub yearly: u32,
}

fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| Utc.fix())
}

/// The backups (by creation time) to keep; every other one may be deleted.
pub fn keep(times: &[DateTime<Utc>], r: Retention) -> BTreeSet<DateTime<Utc>> {
    let mut kept = BTreeSet::new();
    if let Some(newest) = times.iter().max() {
        kept.insert(*newest);
    }
    // Newest backup per period, newest periods first.
    let newest_per = |period: &dyn Fn(DateTime<FixedOffset>) -> (i32, u32, u32), n: u32| {
        let mut per: BTreeMap<(i32, u32, u32), DateTime<Utc>> = BTreeMap::new();
        for t in times {
            let key = period(t.with_timezone(&jst()));
            let slot = per.entry(key).or_insert(*t);
            if t > slot {
                *slot = *t;
            }
        }
        per.into_values()
            .rev()
            .take(usize::try_from(n).unwrap_or(usize::MAX))
            .collect::<Vec<_>>()
    };
    kept.extend(newest_per(&|t| (t.year(), t.month(), t.day()), r.daily));
    kept.extend(newest_per(&|t| (t.year(), t.month(), 0), r.monthly));
    kept.extend(newest_per(&|t| (t.year(), 0, 0), r.yearly));
    kept
}

/// The first moment after `now` at `hour:minute` Japan time.
pub fn next_run(now: DateTime<Utc>, hour: u32, minute: u32) -> DateTime<Utc> {
    let at = NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN);
    let local = now.with_timezone(&jst());
    let today = local
        .date_naive()
        .and_time(at)
        .and_local_timezone(jst())
        .single()
        .map(|t| t.with_timezone(&Utc));
    match today {
        Some(t) if t > now => t,
        Some(t) => t + Duration::days(1),
        None => now + Duration::days(1),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().unwrap()
    }

    #[test]
    fn a_year_of_daily_backups_keeps_two_weeks_twelve_months_and_the_years() {
        // One backup a day at 03:30 JST (18:30 UTC the day before) for 400 days.
        let start = at(2025, 11, 1, 18);
        let times: Vec<_> = (0..400).map(|d| start + Duration::days(d)).collect();
        let r = Retention {
            daily: 14,
            monthly: 12,
            yearly: 5,
        };
        let kept = keep(&times, r);
        let newest = *times.last().unwrap();
        assert!(kept.contains(&newest));
        // The 14 newest days are all there.
        for d in 0..14 {
            assert!(kept.contains(&(newest - Duration::days(d))), "day -{d}");
        }
        assert!(
            !kept.contains(&(newest - Duration::days(14))) || {
                // …unless that day is the last of a month (a monthly keeper).
                let t = (newest - Duration::days(14)).with_timezone(&jst());
                (t + Duration::days(1)).month() != t.month()
            }
        );
        // The oldest kept is about a year old: the newest backup of a month a year back.
        let oldest = *kept.iter().next().unwrap();
        assert!(
            newest - oldest >= Duration::days(330),
            "{oldest} … {newest}"
        );
        // 14 daily + up to 12 monthly + up to 3 yearly (two overlap with months): well under 30.
        assert!(kept.len() <= 14 + 12 + 3, "{}", kept.len());
        assert!(kept.len() >= 14 + 10, "{}", kept.len());
    }

    #[test]
    fn days_are_japan_days_and_the_newest_of_a_day_is_kept() {
        // 23:00 and 16:00 UTC on the 1st are 08:00 and 01:00 JST on the 2nd: one Japan day.
        let times = [
            at(2026, 12, 1, 14),
            at(2026, 12, 1, 16),
            at(2026, 12, 1, 23),
        ];
        let r = Retention {
            daily: 1,
            monthly: 0,
            yearly: 0,
        };
        assert_eq!(keep(&times, r), BTreeSet::from([at(2026, 12, 1, 23)]));
        let r = Retention {
            daily: 2,
            monthly: 0,
            yearly: 0,
        };
        // 14:00 UTC on the 1st is 23:00 JST on the 1st: another Japan day.
        assert_eq!(
            keep(&times, r),
            BTreeSet::from([at(2026, 12, 1, 14), at(2026, 12, 1, 23)])
        );
        assert!(keep(&[], r).is_empty());
    }

    #[test]
    fn the_next_run_is_the_next_such_time_of_day_in_japan() {
        // 03:30 JST is 18:30 UTC the day before.
        let due = |now| next_run(now, 3, 30);
        assert_eq!(
            due(at(2026, 12, 3, 12)),
            Utc.with_ymd_and_hms(2026, 12, 3, 18, 30, 0)
                .single()
                .unwrap()
        );
        assert_eq!(
            due(Utc
                .with_ymd_and_hms(2026, 12, 3, 18, 30, 0)
                .single()
                .unwrap()),
            Utc.with_ymd_and_hms(2026, 12, 4, 18, 30, 0)
                .single()
                .unwrap()
        );
    }
}
