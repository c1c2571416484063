//! Reporting periods: a day, a week (Monday to Sunday), a month, a quarter, a year or any range
//! of days, all in China time, written the way people type them.

use crate::DomainError;
use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Custom,
}
crate::org::str_enum!(PeriodKind {
    Day => "day" / "日",
    Week => "week" / "周",
    Month => "month" / "月",
    Quarter => "quarter" / "季度",
    Year => "year" / "年",
    Custom => "custom" / "自定义",
});

/// A period: its kind and its first and last day (both included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Period {
    pub kind: PeriodKind,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

fn invalid(message: String) -> DomainError {
    DomainError::Invalid {
        field: "period",
        message,
    }
}

fn month_start(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

fn month_end(year: i32, month: u32) -> NaiveDate {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    month_start(y, m).expect("valid month") - Duration::days(1)
}

/// The longest custom range accepted, in days (ten years).
pub const MAX_PERIOD_DAYS: i64 = 3660;

impl Period {
    /// The period of `kind` that contains `day`.
    pub fn containing(kind: PeriodKind, day: NaiveDate) -> Period {
        let (y, m) = (day.year(), day.month());
        let (first, last) = match kind {
            PeriodKind::Day | PeriodKind::Custom => (day, day),
            PeriodKind::Week => {
                let first = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                (first, first + Duration::days(6))
            }
            PeriodKind::Month => (month_start(y, m).expect("valid"), month_end(y, m)),
            PeriodKind::Quarter => {
                let q0 = (m - 1) / 3 * 3 + 1;
                (month_start(y, q0).expect("valid"), month_end(y, q0 + 2))
            }
            PeriodKind::Year => (
                month_start(y, 1).expect("valid"),
                NaiveDate::from_ymd_opt(y, 12, 31).expect("valid"),
            ),
        };
        Period { kind, first, last }
    }

    /// A custom range of days, both included.
    pub fn range(first: NaiveDate, last: NaiveDate) -> Result<Period, DomainError> {
        if last < first {
            return Err(invalid("结束日期早于开始日期".into()));
        }
        if (last - first).num_days() >= MAX_PERIOD_DAYS {
            return Err(invalid("统计区间最长十年".into()));
        }
        Ok(Period {
            kind: PeriodKind::Custom,
            first,
            last,
        })
    }

    /// Reads `2026-11-23` (day), `2026-W48` (ISO week), `2026-11` (month), `2026-Q4`
    /// (quarter), `2026` (year) or `2026-11-01..2026-11-15` (a range).
    pub fn parse(s: &str) -> Result<Period, DomainError> {
        let s = s.trim();
        let bad = || {
            invalid(format!("统计周期「{s}」无法识别：请写 2026、2026-Q4、2026-11、2026-W48、2026-11-23 或 2026-11-01..2026-11-15"))
        };
        let date = |t: &str| NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| bad());
        let in_range = |y: i32| (2000..=2100).contains(&y);
        if let Some((a, b)) = s.split_once("..") {
            return Period::range(date(a.trim())?, date(b.trim())?);
        }
        if let Some((y, q)) = s.split_once("-Q").or_else(|| s.split_once("-q")) {
            let (y, q): (i32, u32) = (y.parse().map_err(|_| bad())?, q.parse().map_err(|_| bad())?);
            if !(1..=4).contains(&q) || !in_range(y) {
                return Err(bad());
            }
            return Ok(Period::containing(
                PeriodKind::Quarter,
                month_start(y, (q - 1) * 3 + 1).ok_or_else(bad)?,
            ));
        }
        if let Some((y, w)) = s.split_once("-W").or_else(|| s.split_once("-w")) {
            let (y, w): (i32, u32) = (y.parse().map_err(|_| bad())?, w.parse().map_err(|_| bad())?);
            if !in_range(y) {
                return Err(bad());
            }
            let monday = NaiveDate::from_isoywd_opt(y, w, chrono::Weekday::Mon).ok_or_else(bad)?;
            return Ok(Period::containing(PeriodKind::Week, monday));
        }
        match s.len() {
            4 => {
                let y: i32 = s.parse().map_err(|_| bad())?;
                if !in_range(y) {
                    return Err(bad());
                }
                Ok(Period::containing(
                    PeriodKind::Year,
                    month_start(y, 1).ok_or_else(bad)?,
                ))
            }
            6 | 7 => {
                let (y, m) = s.split_once('-').ok_or_else(bad)?;
                let (y, m): (i32, u32) =
                    (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
                if !in_range(y) {
                    return Err(bad());
                }
                Ok(Period::containing(
                    PeriodKind::Month,
                    month_start(y, m).ok_or_else(bad)?,
                ))
            }
            _ => {
                let d = date(s)?;
                if !in_range(d.year()) {
                    return Err(bad());
                }
                Ok(Period::containing(PeriodKind::Day, d))
            }
        }
    }

    /// A period as a form or query gives it, this month (the one holding `today`) when blank.
    pub fn parse_or_this_month(s: Option<&str>, today: NaiveDate) -> Result<Period, DomainError> {
        match s.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(Period::containing(PeriodKind::Month, today)),
            Some(s) => Period::parse(s),
        }
    }

    /// The key it is written as (what [`Period::parse`] reads back).
    pub fn key(&self) -> String {
        match self.kind {
            PeriodKind::Day => self.first.format("%Y-%m-%d").to_string(),
            PeriodKind::Week => {
                let w = self.first.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            PeriodKind::Month => self.first.format("%Y-%m").to_string(),
            PeriodKind::Quarter => format!(
                "{}-Q{}",
                self.first.year(),
                (self.first.month() - 1) / 3 + 1
            ),
            PeriodKind::Year => self.first.year().to_string(),
            PeriodKind::Custom => format!("{}..{}", self.first, self.last),
        }
    }

    /// How people read it: 2026年11月, 2026年第四季度, 2026年第48周…
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Day => self.first.format("%Y年%-m月%-d日").to_string(),
            PeriodKind::Week => {
                let w = self.first.iso_week();
                format!(
                    "{}年第{}周（{}—{}）",
                    w.year(),
                    w.week(),
                    self.first.format("%-m月%-d日"),
                    self.last.format("%-m月%-d日")
                )
            }
            PeriodKind::Month => self.first.format("%Y年%-m月").to_string(),
            PeriodKind::Quarter => format!(
                "{}年第{}季度",
                self.first.year(),
                ["一", "二", "三", "四"][((self.first.month() - 1) / 3) as usize]
            ),
            PeriodKind::Year => format!("{}年", self.first.year()),
            PeriodKind::Custom => format!(
                "{} 至 {}",
                self.first.format("%Y年%-m月%-d日"),
                self.last.format("%Y年%-m月%-d日")
            ),
        }
    }

    /// The period just before, of the same kind and length.
    pub fn previous(&self) -> Period {
        match self.kind {
            PeriodKind::Custom => {
                let len = (self.last - self.first).num_days() + 1;
                Period {
                    kind: PeriodKind::Custom,
                    first: self.first - Duration::days(len),
                    last: self.first - Duration::days(1),
                }
            }
            kind => Period::containing(kind, self.first - Duration::days(1)),
        }
    }

    /// The same period a year earlier (同比): the same dates in the year before.
    pub fn year_before(&self) -> Period {
        let back = |d: NaiveDate| {
            NaiveDate::from_ymd_opt(d.year() - 1, d.month(), d.day())
                .unwrap_or_else(|| NaiveDate::from_ymd_opt(d.year() - 1, 2, 28).expect("valid"))
        };
        match self.kind {
            PeriodKind::Week => Period::containing(PeriodKind::Week, back(self.first)),
            PeriodKind::Custom | PeriodKind::Day => Period {
                kind: self.kind,
                first: back(self.first),
                last: back(self.last),
            },
            kind => Period::containing(kind, back(self.first)),
        }
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first <= day && day <= self.last
    }

    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }
}

/// Days since 1970-01-01, the form a rollup keys its rows by.
pub fn day_number(d: NaiveDate) -> i64 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid")).num_days()
}

/// The date a day number names (the inverse of [`day_number`]).
pub fn day_date(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid") + Duration::days(n)
}

/// The first day of `d`'s month, as a day number (a month row's key).
pub fn month_number(d: NaiveDate) -> i64 {
    day_number(d.with_day(1).expect("valid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn parses_every_form_and_writes_it_back() {
        for (text, first, last) in [
            ("2026", "2026-01-01", "2026-12-31"),
            ("2026-Q4", "2026-10-01", "2026-12-31"),
            ("2026-02", "2026-02-01", "2026-02-28"),
            ("2026-W48", "2026-11-23", "2026-11-29"),
            ("2026-11-23", "2026-11-23", "2026-11-23"),
            ("2026-11-01..2026-11-15", "2026-11-01", "2026-11-15"),
        ] {
            let p = Period::parse(text).unwrap();
            assert_eq!((p.first, p.last), (d(first), d(last)), "{text}");
            assert_eq!(p.key(), text);
            assert_eq!(Period::parse(&p.key()).unwrap(), p);
        }
        let today = d("2026-11-30");
        assert_eq!(
            Period::parse_or_this_month(None, today).unwrap().key(),
            "2026-11"
        );
        assert_eq!(
            Period::parse_or_this_month(Some("  "), today)
                .unwrap()
                .key(),
            "2026-11"
        );
        assert_eq!(
            Period::parse_or_this_month(Some("2025"), today)
                .unwrap()
                .key(),
            "2025"
        );
        assert!(Period::parse_or_this_month(Some("last month"), today).is_err());
        for bad in [
            "",
            "2026-13",
            "2026-Q5",
            "11/2026",
            "2026-11-15..2026-11-01",
            "1900",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn previous_and_year_before() {
        let m = Period::parse("2026-03").unwrap();
        assert_eq!(m.previous().key(), "2026-02");
        assert_eq!(m.year_before().key(), "2025-03");
        assert_eq!(
            Period::parse("2026-Q1").unwrap().previous().key(),
            "2025-Q4"
        );
        assert_eq!(
            Period::parse("2026-W01").unwrap().previous().key(),
            "2025-W52"
        );
        let c = Period::parse("2026-11-01..2026-11-10").unwrap();
        assert_eq!(c.previous().key(), "2026-10-22..2026-10-31");
        assert_eq!(Period::parse("2026-11").unwrap().label(), "2026年11月");
        assert_eq!(Period::parse("2026-Q4").unwrap().label(), "2026年第四季度");
    }
}
