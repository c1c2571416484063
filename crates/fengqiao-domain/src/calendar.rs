//! China's working-day calendar: statutory holidays and adjusted working days (调休), kept as data.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The built-in calendar for the published years; an admin can edit it or import new years.
pub const BUILTIN_CSV: &str = include_str!("../data/cn-holidays.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A statutory rest day (法定节假日 or a rest day of its block).
    Holiday,
    /// An adjusted working day (调休上班) on a weekend.
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "holiday" | "休" | "假" => Some(DayKind::Holiday),
            "workday" | "班" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

/// Parses the calendar CSV format (`date,kind,name`; `#` comments and a header line allowed).
/// Errors name the line, so an admin can fix the file.
pub fn parse_csv(text: &str) -> Result<Vec<CalendarDay>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') || line.starts_with("date,") {
            continue;
        }
        let mut parts = line.splitn(3, ',');
        let date = parts.next().unwrap_or("").trim();
        let kind = parts.next().unwrap_or("").trim();
        let name = parts.next().unwrap_or("").trim();
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|_| format!("第 {} 行：日期「{date}」应为 YYYY-MM-DD", i + 1))?;
        let kind = DayKind::parse(kind).ok_or_else(|| {
            format!(
                "第 {} 行：类型「{kind}」应为 holiday（放假）或 workday（调休上班）",
                i + 1
            )
        })?;
        out.push(CalendarDay {
            date,
            kind,
            name: name.to_string(),
        });
    }
    if out.is_empty() {
        return Err("文件中没有任何日期".into());
    }
    Ok(out)
}

/// The working-day calendar. A year is "known" when at least one of its days is listed; for other
/// years the calendar falls back to Monday–Friday and reports it, so callers can log a warning.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, DayKind>,
    known_years: BTreeSet<i32>,
}

impl Calendar {
    pub fn new(days: impl IntoIterator<Item = CalendarDay>) -> Self {
        let mut cal = Calendar::default();
        for d in days {
            cal.known_years.insert(d.date.year());
            cal.days.insert(d.date, d.kind);
        }
        cal
    }

    /// The calendar shipped with the binary.
    pub fn builtin() -> Self {
        Calendar::new(parse_csv(BUILTIN_CSV).expect("built-in calendar parses"))
    }

    pub fn known_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.known_years.iter().copied()
    }

    pub fn is_known_year(&self, year: i32) -> bool {
        self.known_years.contains(&year)
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The first working day on or after `date`.
    pub fn next_working_day_from(&self, mut date: NaiveDate) -> NaiveDate {
        while !self.is_working_day(date) {
            date = date.succ_opt().expect("date in range");
        }
        date
    }

    /// The `n`th working day after `date` (the count starts the day after `date`; n = 0 gives
    /// the first working day on or after `date`).
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 {
            return self.next_working_day_from(date);
        }
        let mut d = date;
        let mut left = n;
        while left > 0 {
            d = d.succ_opt().expect("date in range");
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days strictly after `from` up to and including `to`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let mut d = from;
        let mut n = 0;
        while d < to {
            d = d.succ_opt().expect("date in range");
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// Years touched by the range that the calendar does not know (a fallback was used).
    pub fn unknown_years_between(&self, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
        (from.year()..=to.year())
            .filter(|y| !self.is_known_year(*y))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn adjusted_working_days_2025() {
        let cal = Calendar::builtin();
        // Spring Festival 2025: 28 Jan – 4 Feb off; Sunday 26 Jan and Saturday 8 Feb worked.
        assert!(cal.is_working_day(d(2025, 1, 26)));
        assert!(!cal.is_working_day(d(2025, 1, 28)));
        assert!(!cal.is_working_day(d(2025, 2, 4)));
        assert!(cal.is_working_day(d(2025, 2, 8)));
        // Labour Day: Sunday 27 April worked, 1–5 May off.
        assert!(cal.is_working_day(d(2025, 4, 27)));
        assert!(!cal.is_working_day(d(2025, 5, 5)));
        // National Day and Mid-Autumn together: 1–8 Oct off; 28 Sep and 11 Oct worked.
        assert!(cal.is_working_day(d(2025, 9, 28)));
        assert!(!cal.is_working_day(d(2025, 10, 8)));
        assert!(cal.is_working_day(d(2025, 10, 11)));
        // An ordinary weekend stays off.
        assert!(!cal.is_working_day(d(2025, 3, 8)));
    }

    #[test]
    fn adjusted_working_days_2026() {
        let cal = Calendar::builtin();
        assert!(!cal.is_working_day(d(2026, 1, 2)));
        assert!(cal.is_working_day(d(2026, 1, 4))); // Sunday worked
        assert!(cal.is_working_day(d(2026, 2, 14))); // Saturday worked
        assert!(!cal.is_working_day(d(2026, 2, 23))); // Monday off, end of Spring Festival
        assert!(cal.is_working_day(d(2026, 2, 28))); // Saturday worked
        assert!(cal.is_working_day(d(2026, 5, 9)));
        assert!(!cal.is_working_day(d(2026, 6, 19)));
        assert!(cal.is_working_day(d(2026, 9, 20)));
        assert!(!cal.is_working_day(d(2026, 9, 25)));
        assert!(!cal.is_working_day(d(2026, 10, 7)));
        assert!(cal.is_working_day(d(2026, 10, 10)));
    }

    #[test]
    fn working_days_skip_the_spring_festival() {
        let cal = Calendar::builtin();
        // Received Friday 13 Feb 2026: next working day is Saturday 14 Feb (adjusted), then the
        // holiday runs to Monday 23 Feb; the 2nd working day is Tuesday 24 Feb.
        assert_eq!(cal.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 14));
        assert_eq!(cal.add_working_days(d(2026, 2, 13), 2), d(2026, 2, 24));
        assert_eq!(cal.working_days_between(d(2026, 2, 13), d(2026, 2, 24)), 2);
    }

    #[test]
    fn unknown_years_fall_back_to_weekdays() {
        let cal = Calendar::builtin();
        assert!(!cal.is_known_year(2031));
        assert!(cal.is_working_day(d(2031, 1, 1))); // a Wednesday; no holiday data
        assert!(!cal.is_working_day(d(2031, 1, 4))); // Saturday
        assert_eq!(
            cal.unknown_years_between(d(2026, 12, 30), d(2027, 1, 5)),
            vec![2027]
        );
    }

    #[test]
    fn csv_errors_name_the_line() {
        let err = parse_csv("date,kind,name\n2027-01-01,holiday,元旦\n2027-13-01,holiday,x\n")
            .unwrap_err();
        assert!(err.contains("第 3 行"), "{err}");
        let err = parse_csv("2027-01-01,maybe,x").unwrap_err();
        assert!(err.contains("holiday"), "{err}");
    }
}
