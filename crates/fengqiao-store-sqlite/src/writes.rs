//! Row writers shared by the capabilities: audit entries, events, reporters, tasks.

use crate::error::backend;
use crate::rows::*;
use fengqiao_domain::case::Event;
use fengqiao_domain::ids::CaseId;
use fengqiao_store::*;
use rusqlite::{params, Connection};

pub(crate) fn write_audit(
    conn: &Connection,
    a: &Audit,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut st| st.execute(params![ms(a.at), a.actor_id.map(|u| u.0), a.actor_name, action, target, detail]))
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn insert_event(conn: &Connection, e: &Event) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO case_events (case_id, action, from_state, to_state, actor_id, actor_name, remark, at, unit_id, due_at, on_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .and_then(|mut st| {
        st.execute(params![
            e.case_id.0,
            e.action.as_str(),
            e.from_state.map(|s| s.as_str()),
            e.to_state.as_str(),
            e.actor_id.map(|u| u.0),
            e.actor_name,
            e.remark,
            ms(e.at),
            e.unit_id.map(|u| u.0),
            e.due_at.map(ms),
            e.on_time
        ])
    })
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn insert_reporter(
    conn: &Connection,
    case_id: CaseId,
    r: &fengqiao_domain::case::Reporter,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO reporters (case_id, original_case_id, name, phone, channel, reported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut st| {
        st.execute(params![
            case_id.0,
            r.original_case_id.0,
            r.name,
            r.phone
                .as_ref()
                .map(|p| p.as_str())
                .or(r.phone_unread.as_deref()),
            r.channel.as_str(),
            ms(r.reported_at)
        ])
    })
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn insert_task(conn: &Connection, t: &fengqiao_domain::case::Task) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO case_tasks (case_id, unit_id, instructions, due_at, state, reply, replied_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut st| {
        st.execute(params![
            t.case_id.0,
            t.unit_id.0,
            t.instructions,
            ms(t.due_at),
            t.state.as_str(),
            t.reply,
            t.replied_at.map(ms)
        ])
    })
    .map_err(backend)?;
    Ok(())
}
