//! Mapping between rows and domain values.

use crate::error::backend;
use chrono::TimeZone;
use fengqiao_domain::calendar::{CalendarDay, DayKind};
use fengqiao_domain::case::*;
use fengqiao_domain::deadline::{LimitUnit, OverdueLevel, Stage, TimeLimit, TimePolicy};
use fengqiao_domain::ids::*;
use fengqiao_domain::lifecycle::ActionKind;
use fengqiao_domain::org::*;
use fengqiao_domain::Timestamp;
use fengqiao_store::Result;
use rusqlite::{params, Connection, Row};
use std::sync::LazyLock;

pub fn ms(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

pub fn ts(v: i64) -> Timestamp {
    chrono::Utc
        .timestamp_millis_opt(v)
        .single()
        .unwrap_or_default()
}

pub fn opt_ts(r: &Row, i: usize) -> rusqlite::Result<Option<Timestamp>> {
    Ok(r.get::<_, Option<i64>>(i)?.map(ts))
}

fn bad(i: usize, what: &str, v: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        i,
        rusqlite::types::Type::Text,
        format!("unknown {what} `{v}`").into(),
    )
}

pub fn parse_enum<T>(r: &Row, i: usize, f: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let s: String = r.get(i)?;
    f(&s).ok_or_else(|| bad(i, "value", &s))
}

pub fn parse_opt_enum<T>(
    r: &Row,
    i: usize,
    f: fn(&str) -> Option<T>,
) -> rusqlite::Result<Option<T>> {
    match r.get::<_, Option<String>>(i)? {
        None => Ok(None),
        Some(s) => f(&s).map(Some).ok_or_else(|| bad(i, "value", &s)),
    }
}

pub fn query_all<T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    p: P,
    f: impl FnMut(&Row) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut st = conn.prepare_cached(sql).map_err(backend)?;
    let rows = st.query_map(p, f).map_err(backend)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
}

pub const CASE_COLUMNS: &str = "id, case_no, title, body, channel, category_id, priority, region_id, region_path, address, \
latitude, longitude, state, unit_id, parent_id, merged_into, is_petition, reopen_count, return_count, urge_count, \
supervise_count, listed_supervision, overdue_level, ext_days, ext_reason, ext_requested_at, extended_days, \
stage_started_at, accept_due, return_due, reply_due, follow_up_due, dispatched_at, accepted_at, replied_at, closed_at, \
reply, satisfaction, unit_at_fault, created_by, created_at, updated_at, version";

pub fn case_from_row(r: &Row) -> rusqlite::Result<Case> {
    let case_no: String = r.get(1)?;
    let extension = match (
        r.get::<_, Option<i64>>(23)?,
        r.get::<_, Option<String>>(24)?,
        opt_ts(r, 25)?,
    ) {
        (Some(days), Some(reason), Some(requested_at)) => Some(ExtensionRequest {
            days: days as u32,
            reason,
            requested_at,
        }),
        _ => None,
    };
    Ok(Case {
        id: CaseId(r.get(0)?),
        case_no: CaseNo::parse(&case_no).map_err(|e| bad(1, "case number", &e))?,
        text: CaseText {
            title: r.get(2)?,
            body: r.get(3)?,
        },
        channel: parse_enum(r, 4, Channel::parse)?,
        category_id: r.get::<_, Option<i64>>(5)?.map(CategoryId),
        priority: parse_enum(r, 6, Priority::parse)?,
        location: Location {
            region_id: r.get::<_, Option<i64>>(7)?.map(RegionId),
            region_path: r.get(8)?,
            address: r.get(9)?,
            latitude: r.get(10)?,
            longitude: r.get(11)?,
        },
        state: parse_enum(r, 12, CaseState::parse)?,
        is_petition: r.get(16)?,
        handling: Handling {
            unit_id: r.get::<_, Option<i64>>(13)?.map(UnitId),
            parent_id: r.get::<_, Option<i64>>(14)?.map(CaseId),
            dispatched_at: opt_ts(r, 32)?,
            accepted_at: opt_ts(r, 33)?,
            replied_at: opt_ts(r, 34)?,
            reply: r.get(36)?,
        },
        deadlines: Deadlines {
            stage_started_at: opt_ts(r, 27)?,
            accept_due: opt_ts(r, 28)?,
            return_due: opt_ts(r, 29)?,
            reply_due: opt_ts(r, 30)?,
            follow_up_due: opt_ts(r, 31)?,
            extension,
            extended_days: r.get(26)?,
            overdue_level: parse_enum(r, 22, OverdueLevel::parse)?,
        },
        oversight: Oversight {
            reopen_count: r.get(17)?,
            return_count: r.get(18)?,
            urge_count: r.get(19)?,
            supervise_count: r.get(20)?,
            listed_supervision: r.get(21)?,
        },
        outcome: Outcome {
            merged_into: r.get::<_, Option<i64>>(15)?.map(CaseId),
            closed_at: opt_ts(r, 35)?,
            satisfaction: parse_opt_enum(r, 37, Satisfaction::parse)?,
            unit_at_fault: r.get(38)?,
        },
        created_by: r.get::<_, Option<i64>>(39)?.map(UserId),
        created_at: ts(r.get(40)?),
        updated_at: ts(r.get(41)?),
        version: r.get(42)?,
    })
}

macro_rules! case_values {
    ($c:expr $(, $extra:expr)*) => {{
        let c = $c;
        let ext = c.deadlines.extension.as_ref();
        params![
            c.id.0,
            c.case_no.as_str(),
            c.text.title,
            c.text.body,
            c.channel.as_str(),
            c.category_id.map(|x| x.0),
            c.priority.as_str(),
            c.location.region_id.map(|x| x.0),
            c.location.region_path,
            c.location.address,
            c.location.latitude,
            c.location.longitude,
            c.state.as_str(),
            c.handling.unit_id.map(|x| x.0),
            c.handling.parent_id.map(|x| x.0),
            c.outcome.merged_into.map(|x| x.0),
            c.is_petition,
            c.oversight.reopen_count,
            c.oversight.return_count,
            c.oversight.urge_count,
            c.oversight.supervise_count,
            c.oversight.listed_supervision,
            c.deadlines.overdue_level.as_str(),
            ext.map(|e| e.days),
            ext.map(|e| e.reason.clone()),
            ext.map(|e| ms(e.requested_at)),
            c.deadlines.extended_days,
            c.deadlines.stage_started_at.map(ms),
            c.deadlines.accept_due.map(ms),
            c.deadlines.return_due.map(ms),
            c.deadlines.reply_due.map(ms),
            c.deadlines.follow_up_due.map(ms),
            c.handling.dispatched_at.map(ms),
            c.handling.accepted_at.map(ms),
            c.handling.replied_at.map(ms),
            c.outcome.closed_at.map(ms),
            c.handling.reply,
            c.outcome.satisfaction.map(|s| s.as_str()),
            c.outcome.unit_at_fault,
            c.created_by.map(|x| x.0),
            ms(c.created_at),
            ms(c.updated_at),
            c.version,
            $($extra,)*
        ]
    }};
}

static INSERT_CASE: LazyLock<String> = LazyLock::new(|| {
    let marks = (1..=43)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("INSERT INTO cases ({CASE_COLUMNS}, idempotency_key) VALUES ({marks}, ?44)")
});

/// Sets every mutable column (all but id, case_no and version) and bumps the version, if the
/// stored version is still the one the change was decided on (?43).
static UPDATE_CASE: LazyLock<String> = LazyLock::new(|| {
    let cols: Vec<&str> = CASE_COLUMNS.split(", ").map(str::trim).collect();
    let sets = cols[2..42]
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", i + 3))
        .collect::<Vec<_>>()
        .join(", ");
    format!("UPDATE cases SET {sets}, version = version + 1 WHERE id = ?1 AND version = ?43")
});

/// Inserts a new case under the next id of the database's case sequence (`id_sequences`, like
/// a PostgreSQL sequence): the case number is made from the id before the row is written, so
/// one INSERT writes the case whole.
pub fn insert_new_case(
    conn: &Connection,
    idempotency_key: Option<&str>,
    build: impl FnOnce(CaseId) -> Case,
) -> Result<Case> {
    let id: i64 = conn
        .prepare_cached(
            "UPDATE id_sequences SET next_id = next_id + 1 WHERE name = 'cases' RETURNING next_id - 1",
        )
        .and_then(|mut st| st.query_row([], |r| r.get(0)))
        .map_err(backend)?;
    let case = build(CaseId(id));
    insert_case(conn, &case, idempotency_key).map_err(backend)?;
    Ok(case)
}

/// Moves the case sequence past ids written as they are (bulk loads of whole histories).
pub fn advance_case_sequence(conn: &Connection, past: CaseId) -> Result<()> {
    conn.prepare_cached(
        "UPDATE id_sequences SET next_id = MAX(next_id, ?1 + 1) WHERE name = 'cases'",
    )
    .and_then(|mut st| st.execute([past.0]))
    .map_err(backend)?;
    Ok(())
}

pub fn insert_case(
    conn: &Connection,
    c: &Case,
    idempotency_key: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(&INSERT_CASE)?
        .execute(case_values!(c, idempotency_key))?;
    crate::text_index::index_case(
        conn,
        c.id.0,
        c.case_no.as_str(),
        &c.text.title,
        &c.text.body,
        true,
    )
}

/// Writes the case if its stored version is still `c.version`; returns the number of rows changed
/// (0 means someone else changed it first).
pub fn update_case(conn: &Connection, c: &Case) -> rusqlite::Result<usize> {
    conn.prepare_cached(&UPDATE_CASE)?.execute(case_values!(c))
}

/// A stored number: a phone, or (relayed, unreadable) the number as it was sent.
pub fn read_phone(stored: Option<String>) -> (Option<Phone>, Option<String>) {
    match stored {
        None => (None, None),
        Some(s) => match Phone::parse(&s) {
            Ok(p) => (Some(p), None),
            Err(_) => (None, Some(s)),
        },
    }
}

pub fn reporter_from_row(r: &Row) -> rusqlite::Result<Reporter> {
    let (phone, phone_unread) = read_phone(r.get(1)?);
    Ok(Reporter {
        name: r.get(0)?,
        phone,
        phone_unread,
        channel: parse_enum(r, 2, Channel::parse)?,
        reported_at: ts(r.get(3)?),
        original_case_id: CaseId(r.get(4)?),
    })
}

pub fn task_from_row(r: &Row) -> rusqlite::Result<Task> {
    Ok(Task {
        id: TaskId(r.get(0)?),
        case_id: CaseId(r.get(1)?),
        unit_id: UnitId(r.get(2)?),
        instructions: r.get(3)?,
        due_at: ts(r.get(4)?),
        state: parse_enum(r, 5, TaskState::parse)?,
        reply: r.get(6)?,
        replied_at: opt_ts(r, 7)?,
    })
}

/// The columns [`event_from_row`] reads, in order.
pub const EVENT_COLUMNS: &str =
    "id, case_id, action, from_state, to_state, actor_id, actor_name, remark, at, unit_id, due_at, on_time";

pub fn event_from_row(r: &Row) -> rusqlite::Result<Event> {
    Ok(Event {
        id: r.get(0)?,
        case_id: CaseId(r.get(1)?),
        action: parse_enum(r, 2, ActionKind::parse)?,
        from_state: parse_opt_enum(r, 3, CaseState::parse)?,
        to_state: parse_enum(r, 4, CaseState::parse)?,
        actor_id: r.get::<_, Option<i64>>(5)?.map(UserId),
        actor_name: r.get(6)?,
        remark: r.get(7)?,
        at: ts(r.get(8)?),
        unit_id: r.get::<_, Option<i64>>(9)?.map(UnitId),
        due_at: opt_ts(r, 10)?,
        on_time: r.get(11)?,
    })
}

pub fn region_from_row(r: &Row) -> rusqlite::Result<Region> {
    Ok(Region {
        id: RegionId(r.get(0)?),
        parent_id: r.get::<_, Option<i64>>(1)?.map(RegionId),
        name: r.get(2)?,
        level: parse_enum(r, 3, RegionLevel::parse)?,
        path: r.get(4)?,
    })
}

pub fn unit_from_row(r: &Row) -> rusqlite::Result<Unit> {
    Ok(Unit {
        id: UnitId(r.get(0)?),
        name: r.get(1)?,
        kind: parse_enum(r, 2, UnitKind::parse)?,
        platform: parse_opt_enum(r, 3, Platform::parse)?,
        region_id: RegionId(r.get(4)?),
    })
}

pub fn category_from_row(r: &Row) -> rusqlite::Result<Category> {
    Ok(Category {
        id: CategoryId(r.get(0)?),
        parent_id: r.get::<_, Option<i64>>(1)?.map(CategoryId),
        name: r.get(2)?,
        default_unit_id: r.get::<_, Option<i64>>(3)?.map(UnitId),
        is_petition: r.get(4)?,
    })
}

pub const USER_COLUMNS: &str = "id, username, display_name, role, region_id, unit_id, active";

pub fn user_from_row(r: &Row) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId(r.get(0)?),
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: parse_enum(r, 3, Role::parse)?,
        region_id: RegionId(r.get(4)?),
        unit_id: r.get::<_, Option<i64>>(5)?.map(UnitId),
        active: r.get(6)?,
    })
}

pub fn policy_from_row(r: &Row) -> rusqlite::Result<TimePolicy> {
    Ok(TimePolicy {
        id: r.get(0)?,
        category_id: r.get::<_, Option<i64>>(1)?.map(CategoryId),
        priority: parse_opt_enum(r, 2, Priority::parse)?,
        stage: parse_enum(r, 3, Stage::parse)?,
        limit: TimeLimit {
            amount: r.get(4)?,
            unit: parse_enum(r, 5, LimitUnit::parse)?,
        },
    })
}

pub fn calendar_from_row(r: &Row) -> rusqlite::Result<CalendarDay> {
    let day: String = r.get(0)?;
    Ok(CalendarDay {
        date: chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|_| bad(0, "date", &day))?,
        kind: parse_enum(r, 1, DayKind::parse)?,
        name: r.get(2)?,
    })
}
