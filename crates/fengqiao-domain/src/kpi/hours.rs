//! Handling time in working hours, and the p90 that reports it.
//!
//! Office hours are 09:00–17:00 China time on working days (8 working hours a day, so 5 working
//! days are 40 working hours); time outside them, weekends and holidays counts nothing. A reply
//! at 20:00 counts as 17:00; a dispatch on Saturday starts counting at Monday 09:00.

use crate::calendar::Calendar;
use crate::china_offset;
use crate::Timestamp;
use chrono::{NaiveDate, NaiveTime, Timelike};

/// Minutes in a working day's office hours.
pub const OFFICE_MINUTES_PER_DAY: i64 = 8 * 60;
const OFFICE_START_MIN: i64 = 9 * 60;
const OFFICE_END_MIN: i64 = 17 * 60;

fn local(t: Timestamp) -> (NaiveDate, i64) {
    let l = t.with_timezone(&china_offset());
    let time: NaiveTime = l.time();
    (
        l.date_naive(),
        i64::from(time.hour()) * 60 + i64::from(time.minute()),
    )
}

/// Office minutes of `day` that lie in `[from_min, to_min)` (minutes after midnight).
fn office_overlap(cal: &Calendar, day: NaiveDate, from_min: i64, to_min: i64) -> i64 {
    if !cal.is_working_day(day) {
        return 0;
    }
    (to_min.min(OFFICE_END_MIN) - from_min.max(OFFICE_START_MIN)).max(0)
}

/// Working minutes between two instants (zero when `to` is not after `from`), counted to the
/// minute.
pub fn working_minutes(cal: &Calendar, from: Timestamp, to: Timestamp) -> i64 {
    if to <= from {
        return 0;
    }
    let (d1, m1) = local(from);
    let (d2, m2) = local(to);
    if d1 == d2 {
        return office_overlap(cal, d1, m1, m2);
    }
    let first = office_overlap(cal, d1, m1, 24 * 60);
    let last = office_overlap(cal, d2, 0, m2);
    // Working days strictly between the two dates.
    let between = cal.working_days_between(d1, d2) - i64::from(cal.is_working_day(d2));
    first + between.max(0) * OFFICE_MINUTES_PER_DAY + last
}

/// The histogram bucket a handling time falls in, named by its upper bound in working hours:
/// whole hours up to 48, whole working days (8 h) up to 480 h, then steps of ten working days.
/// The p90 is reported to this resolution, so a rollup can keep it exactly.
pub fn hours_bucket(minutes: i64) -> i64 {
    let h = (minutes.max(0) + 59) / 60;
    let round_up = |h: i64, step: i64| (h + step - 1) / step * step;
    match h {
        0..=48 => h,
        49..=480 => round_up(h, 8),
        _ => round_up(h, 80),
    }
}

/// The 90th percentile (nearest rank: the smallest bucket holding at least 90% of the cases)
/// of a histogram of `(bucket, count)`; `None` when it is empty.
pub fn p90(histogram: &[(i64, i64)]) -> Option<i64> {
    let total: i64 = histogram.iter().map(|(_, n)| n).sum();
    if total <= 0 {
        return None;
    }
    let rank = (total * 9 + 9) / 10;
    let mut sorted: Vec<(i64, i64)> = histogram.iter().copied().filter(|(_, n)| *n > 0).collect();
    sorted.sort_unstable();
    let mut seen = 0;
    for (bucket, n) in sorted {
        seen += n;
        if seen >= rank {
            return Some(bucket);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Timestamp {
        china_offset()
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
            .with_timezone(&chrono::Utc)
    }

    #[test]
    fn office_hours_on_working_days_only() {
        let cal = Calendar::builtin();
        // Monday 2026-11-23 10:00 to 15:30 the same day.
        assert_eq!(
            working_minutes(&cal, at(2026, 11, 23, 10, 0), at(2026, 11, 23, 15, 30)),
            330
        );
        // Friday 16:00 to Monday 10:00: one hour on Friday, one on Monday.
        assert_eq!(
            working_minutes(&cal, at(2026, 11, 20, 16, 0), at(2026, 11, 23, 10, 0)),
            120
        );
        // Evening to evening over two full days: Mon 20:00 → Thu 20:00 = Tue, Wed, Thu.
        assert_eq!(
            working_minutes(&cal, at(2026, 11, 23, 20, 0), at(2026, 11, 26, 20, 0)),
            3 * 480
        );
        // National Day week 2026 (Oct 1–7 holidays): Sep 30 09:00 → Oct 8 09:00 is one day.
        assert_eq!(
            working_minutes(&cal, at(2026, 9, 30, 9, 0), at(2026, 10, 8, 9, 0)),
            480
        );
        assert_eq!(
            working_minutes(&cal, at(2026, 11, 23, 12, 0), at(2026, 11, 23, 11, 0)),
            0
        );
    }

    #[test]
    fn buckets_and_p90() {
        assert_eq!(hours_bucket(0), 0);
        assert_eq!(hours_bucket(1), 1);
        assert_eq!(hours_bucket(60), 1);
        assert_eq!(hours_bucket(61), 2);
        assert_eq!(hours_bucket(49 * 60), 56);
        assert_eq!(hours_bucket(481 * 60), 560);
        // Ten cases: nine of 3 h, one of 40 h → the 9th of 10 is 3 h.
        assert_eq!(p90(&[(40, 1), (3, 9)]), Some(3));
        // Eight of 3 h and two of 40 h → the 9th is 40 h.
        assert_eq!(p90(&[(3, 8), (40, 2)]), Some(40));
        assert_eq!(p90(&[]), None);
    }
}
