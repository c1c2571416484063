//! Times as people at a township read them: China time, in words (`11月30日 23:59`,
//! `剩余2个工作日`, `已超期3个工作日`, `剩余5小时`). Templates get them as filters over the
//! RFC 3339 strings the views serialise to; `time_left` also needs the page's [`Clock`] (now
//! and the holiday calendar), which pages with deadlines put in their context as `clock`.

use chrono::{DateTime, Datelike, Timelike, Utc};
use fengqiao_domain::calendar::Calendar;
use fengqiao_domain::china_offset;
use fengqiao_domain::deadline::local_date;
use minijinja::value::{Object, Value};
use minijinja::Environment;
use std::sync::Arc;

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("cn_time", |s: String| cn_time(&s));
    env.add_filter("cn_datetime", |s: String| cn_datetime(&s));
    env.add_filter("time_left", |due: String, clock: Value| {
        match clock.downcast_object_ref::<Clock>() {
            Some(c) => time_left(&due, c.now, &c.calendar),
            None => String::new(),
        }
    });
}

/// What a page's deadlines are measured against: the time it was rendered and the calendar.
#[derive(Debug)]
pub struct Clock {
    pub now: DateTime<Utc>,
    pub calendar: Arc<Calendar>,
}

impl Object for Clock {}

impl Clock {
    pub fn of(app: &fengqiao_app::App) -> Value {
        Value::from_object(Clock {
            now: app.core.now(),
            calendar: app.core.calendar(),
        })
    }
}

fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `11月30日 23:59`, China time.
pub fn cn_time(s: &str) -> String {
    match parse(s) {
        Some(t) => {
            let l = t.with_timezone(&china_offset());
            format!(
                "{}月{}日 {:02}:{:02}",
                l.month(),
                l.day(),
                l.hour(),
                l.minute()
            )
        }
        None => s.to_string(),
    }
}

/// `2026年11月30日 23:59`, China time.
pub fn cn_datetime(s: &str) -> String {
    match parse(s) {
        Some(t) => format!(
            "{}年{}",
            t.with_timezone(&china_offset()).year(),
            cn_time(s)
        ),
        None => s.to_string(),
    }
}

/// Time left before a deadline, or how far past it, as a 12345 centre counts: in working
/// days once a day or more (`剩余2个工作日`, `已超期3个工作日`), in hours and minutes inside the
/// last day (`剩余5小时`, `已超期40分钟`). Weekends and holidays are not counted; a deadline
/// passed only over a weekend reads in hours (`已超期34小时`).
pub fn time_left(due: &str, now: DateTime<Utc>, cal: &Calendar) -> String {
    let Some(due) = parse(due) else {
        return String::new();
    };
    let minutes = (due - now).num_minutes();
    let hours = |m: i64| match (m / 60, m % 60) {
        (0, min) => format!("{}分钟", min.max(1)),
        (h, 0) => format!("{h}小时"),
        (h, min) => format!("{h}小时{min}分钟"),
    };
    // Before the deadline count from today to its day; past it, from its day to today.
    let (word, first, last) = if minutes >= 0 {
        ("剩余", local_date(now), local_date(due))
    } else {
        ("已超期", local_date(due), local_date(now))
    };
    let minutes = minutes.abs();
    match cal.working_days_between(first, last) {
        n if n > 0 && minutes >= 24 * 60 => format!("{word}{n}个工作日"),
        _ => format!("{word}{}", hours(minutes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_time_in_words() {
        // 15:59:59 UTC is 23:59:59 in China.
        assert_eq!(cn_time("2026-11-30T15:59:59Z"), "11月30日 23:59");
        assert_eq!(cn_datetime("2026-12-31T16:30:00Z"), "2027年1月1日 00:30");
        let cal = Calendar::new([fengqiao_domain::calendar::CalendarDay {
            date: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            kind: fengqiao_domain::calendar::DayKind::Holiday,
            name: "国庆节".into(),
        }]);
        let at = |s: &str| parse(s).unwrap();
        // Thursday 26 November, 20:00 China time; due Monday 30 November at the day's end.
        let thursday = at("2026-11-26T12:00:00Z");
        assert_eq!(
            time_left("2026-11-30T15:59:59Z", thursday, &cal),
            "剩余2个工作日"
        );
        // Inside the last day: hours.
        assert_eq!(
            time_left("2026-11-30T15:59:59Z", at("2026-11-30T02:00:00Z"), &cal),
            "剩余13小时59分钟"
        );
        assert_eq!(
            time_left("2026-11-30T12:30:00Z", at("2026-11-30T12:00:00Z"), &cal),
            "剩余30分钟"
        );
        // Due Friday 27th, now Wednesday 2 December: Monday to Wednesday.
        assert_eq!(
            time_left("2026-11-27T15:59:59Z", at("2026-12-02T04:00:00Z"), &cal),
            "已超期3个工作日"
        );
        // Passed only over the weekend: hours, not "0 working days".
        assert_eq!(
            time_left("2026-11-27T15:59:59Z", at("2026-11-29T02:00:00Z"), &cal),
            "已超期34小时"
        );
        // A holiday is not a working day: due 30 September, now 2 October.
        assert_eq!(
            time_left("2026-09-30T15:59:59Z", at("2026-10-02T04:00:00Z"), &cal),
            "已超期1个工作日"
        );
        assert_eq!(cn_time("not a time"), "not a time");
    }
}
