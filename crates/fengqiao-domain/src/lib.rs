//! Fengqiao's domain model: the case (工单) and its lifecycle, time limits counted on China's
//! working-day calendar, the organisation (regions, units, users, categories) and who may do what.
//!
//! Invariant: this crate does no I/O and knows nothing of databases or HTTP. Time is always passed
//! in, so every rule here can be tested with a fixed clock.

pub mod attributes;
pub mod calendar;
pub mod case;
pub mod deadline;
pub mod error;
pub mod ids;
pub mod lifecycle;
pub mod org;
pub mod permission;

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

/// Checks only the length of an optional text.
pub fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), DomainError> {
    let n = value.chars().count();
    if n > max {
        return Err(DomainError::Invalid {
            field,
            message: format!("{field} 过长：{n} 字，最多 {max} 字"),
        });
    }
    Ok(())
}
