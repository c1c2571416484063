//! Times as people at a township read them: China time, in words (`11月30日 23:59`,
//! `剩余1天3小时`, `已超期2天5小时`). Templates get them as filters over the RFC 3339 strings the
//! views serialise to.

use chrono::{DateTime, Datelike, Timelike, Utc};
use fengqiao_domain::china_offset;
use minijinja::Environment;

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("cn_time", |s: String| cn_time(&s));
    env.add_filter("cn_datetime", |s: String| cn_datetime(&s));
    env.add_filter("time_left", |due: String, now: String| {
        time_left(&due, &now)
    });
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

/// `剩余1天3小时` before the deadline, `已超期2天5小时` after it.
pub fn time_left(due: &str, now: &str) -> String {
    let (Some(due), Some(now)) = (parse(due), parse(now)) else {
        return String::new();
    };
    let minutes = (due - now).num_minutes();
    let span = |m: i64| {
        let (d, h, min) = (m / 1440, (m % 1440) / 60, m % 60);
        match (d, h) {
            (0, 0) => format!("{}分钟", min.max(1)),
            (0, h) => format!("{h}小时"),
            (d, 0) => format!("{d}天"),
            (d, h) => format!("{d}天{h}小时"),
        }
    };
    if minutes >= 0 {
        format!("剩余{}", span(minutes))
    } else {
        format!("已超期{}", span(-minutes))
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
        assert_eq!(
            time_left("2026-11-30T15:59:59Z", "2026-11-29T12:00:00Z"),
            "剩余1天3小时"
        );
        assert_eq!(
            time_left("2026-11-28T00:00:00Z", "2026-11-30T05:00:00Z"),
            "已超期2天5小时"
        );
        assert_eq!(
            time_left("2026-11-30T12:30:00Z", "2026-11-30T12:00:00Z"),
            "剩余30分钟"
        );
        assert_eq!(cn_time("not a time"), "not a time");
    }
}
