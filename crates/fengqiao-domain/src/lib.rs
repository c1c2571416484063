//! Fengqiao's domain model: the case (工单) and its lifecycle, time limits counted on China's
//! working-day calendar, the organisation (regions, units, users, categories) and who may do what.
//!
//! Invariant: this crate does no I/O and knows nothing of databases or HTTP. Time is always passed
//! in, so every rule here can be tested with a fixed clock.

pub mod access;
pub mod attributes;
pub mod calendar;
pub mod case;
pub mod deadline;
pub mod error;
pub mod ids;
pub mod kpi;
pub mod lifecycle;
pub mod org;
pub mod places;
pub mod publication;
pub mod training;

pub use calendar::{Calendar, CalendarDay, DayKind};
pub use case::{
    Case, CaseState, Channel, Event, Priority, Reporter, Satisfaction, Task, TaskState,
};
pub use deadline::{LimitUnit, OverdueLevel, Stage, TimeLimit, TimePolicy};
pub use error::DomainError;
pub use ids::{CaseId, CaseNo, CategoryId, Phone, RegionId, TaskId, UnitId, UserId};
pub use lifecycle::{Action, ActionKind, DecideContext, Decision, Effect};
pub use org::{Actor, Category, Platform, Region, RegionLevel, Role, Unit, UnitKind, User};

/// The township's clock: China Standard Time, UTC+8 all year (no daylight saving).
pub fn china_offset() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// An instant. Stored and transmitted in UTC; days and deadlines are reckoned in China time.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// Documented limits on free text, enforced at every edge.
pub mod limits {
    pub const TITLE_MAX_CHARS: usize = 200;
    pub const BODY_MAX_CHARS: usize = 10_000;
    pub const REMARK_MAX_CHARS: usize = 2_000;
    pub const ADDRESS_MAX_CHARS: usize = 300;
    pub const NAME_MAX_CHARS: usize = 100;
    pub const IDEMPOTENCY_KEY_MAX_CHARS: usize = 128;
    pub const MAX_EXTENSION_WORKING_DAYS: u32 = 10;
    pub const PAGE_SIZE_MAX: u32 = 500;
    /// Open311 lists: the spec's default of 1,000 requests per answer.
    pub const PUBLIC_PAGE_SIZE_MAX: u32 = 1_000;
    pub const MEDIA_URL_MAX_CHARS: usize = 1_000;
    /// Media links one report may carry.
    pub const MEDIA_PER_CASE_MAX: usize = 10;
}

/// Checks a link to a report's photo or other media: an absolute http(s) URL with a host, no
/// spaces or control characters, at most [`limits::MEDIA_URL_MAX_CHARS`]. The link is kept as
/// sent; nothing is fetched.
pub fn check_media_url(value: &str) -> Result<String, DomainError> {
    let url = value.trim();
    let bad = |message: String| DomainError::Invalid {
        field: "media_url",
        message,
    };
    check_len("media_url", url, limits::MEDIA_URL_MAX_CHARS)?;
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| bad(format!("媒体链接须以 http:// 或 https:// 开头：{url}")))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') || host.starts_with('@') {
        return Err(bad(format!("媒体链接缺少主机名：{url}")));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("媒体链接不能包含空格或控制字符".into()));
    }
    Ok(url.to_string())
}

/// Checks that a text is non-empty after trimming and not longer than `max` characters.
pub fn check_text(field: &'static str, value: &str, max: usize) -> Result<String, DomainError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(DomainError::Invalid {
            field,
            message: format!("{field} 不能为空"),
        });
    }
    check_len(field, trimmed, max)?;
    Ok(trimmed.to_string())
}

/// A character nobody can see or type on purpose and XML 1.0 forbids: the control characters
/// but tab and line ends, and the non-characters U+FFFE/U+FFFF.
fn invisible(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || matches!(c, '\u{fffe}' | '\u{ffff}')
}

/// The text without the characters [`check_len`] refuses. For text relayed from people who
/// cannot be asked to delete what they cannot see (a citizen's form, a client app): their
/// report is kept rather than refused over an invisible character.
pub fn strip_invisible(value: &str) -> std::borrow::Cow<'_, str> {
    if value.chars().any(invisible) {
        value
            .chars()
            .filter(|&c| !invisible(c))
            .collect::<String>()
            .into()
    } else {
        value.into()
    }
}

/// Checks the length of an optional text, and that it holds no control characters (NUL, ESC,
/// and the like; line breaks and tabs are fine) nor the non-characters U+FFFE/U+FFFF that XML
/// 1.0 forbids: they hide text from people and break the XML clients read.
pub fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), DomainError> {
    if let Some(c) = value.chars().find(|&c| invisible(c)) {
        return Err(DomainError::Invalid {
            field,
            message: format!(
                "{field} 含有不可见的控制字符（U+{:04X}），请删除后再提交",
                c as u32
            ),
        });
    }
    let n = value.chars().count();
    if n > max {
        return Err(DomainError::Invalid {
            field,
            message: format!("{field} 过长：{n} 字，最多 {max} 字"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_line_breaks_are_not() {
        assert!(check_len("body", "第一行\n第二行\t完", 100).is_ok());
        for bad in ["路灯\u{0}坏了", "\u{1b}[31m红色", "xml\u{fffe}", "c1\u{85}"] {
            let e = check_len("body", bad, 100).unwrap_err();
            assert!(e.to_string().contains("控制字符"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn invisible_characters_are_stripped_line_breaks_are_kept() {
        assert_eq!(
            strip_invisible("桥头\u{fffe}路灯\u{1}坏了\n第二行\t完\u{ffff}"),
            "桥头路灯坏了\n第二行\t完"
        );
        assert!(matches!(
            strip_invisible("路灯坏了"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert!(check_len("body", &strip_invisible("xml\u{fffe}\u{1b}[31m"), 100).is_ok());
    }

    #[test]
    fn media_links_are_absolute_http_urls() {
        assert_eq!(
            check_media_url(" https://img.example.cn/p/1.jpg?x=1 ").unwrap(),
            "https://img.example.cn/p/1.jpg?x=1"
        );
        assert!(check_media_url("HTTP://10.0.0.8:8080/a.png").is_ok());
        for bad in [
            "",
            "ftp://x/a.jpg",
            "javascript:alert(1)",
            "https://",
            "https:///a.jpg",
            "https://a b/c.jpg",
            "/relative/a.jpg",
        ] {
            assert!(check_media_url(bad).is_err(), "{bad:?}");
        }
        let long = format!("https://a.cn/{}", "x".repeat(limits::MEDIA_URL_MAX_CHARS));
        assert!(check_media_url(&long).is_err());
    }
}
