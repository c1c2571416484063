//! Hazards and their append-only history.

use crate::cached::Cached;
use crate::error::backend;
use crate::places::{page_bounds, subtree};
use crate::rows::{ms, opt_ts, parse_enum, parse_opt_enum, ts};
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::*;
use fengqiao_domain::places::*;
use fengqiao_store::*;
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};

pub(crate) const HAZARD_COLS: &str = "id, place_id, region_path, inspection_id, item_code, item_text, severity, description, state, owner_unit_id, leader, due_at, found_at, found_by, rectified_at, signed_off_at, relapse_of, evidence, version, case_id";

pub(crate) fn hazard_row(r: &Row) -> rusqlite::Result<Hazard> {
    Ok(Hazard {
        id: HazardId(r.get(0)?),
        place_id: PlaceId(r.get(1)?),
        region_path: r.get(2)?,
        inspection_id: r.get::<_, Option<i64>>(3)?.map(InspectionId),
        item_code: r.get(4)?,
        item_text: r.get(5)?,
        severity: parse_enum(r, 6, Severity::parse)?,
        description: r.get(7)?,
        state: parse_enum(r, 8, HazardState::parse)?,
        owner_unit_id: r.get::<_, Option<i64>>(9)?.map(UnitId),
        leader: r.get(10)?,
        due_at: opt_ts(r, 11)?,
        found_at: ts(r.get(12)?),
        found_by: r.get(13)?,
        rectified_at: opt_ts(r, 14)?,
        signed_off_at: opt_ts(r, 15)?,
        relapse_of: r.get::<_, Option<i64>>(16)?.map(HazardId),
        evidence: r.get(17)?,
        version: r.get(18)?,
        case_id: r.get::<_, Option<i64>>(19)?.map(CaseId),
    })
}

pub(crate) fn load_hazard(conn: &Connection, id: HazardId) -> Result<Option<Hazard>> {
    conn.query_row_cached(
        &format!("SELECT {HAZARD_COLS} FROM hazards WHERE id = ?1"),
        [id.0],
        hazard_row,
    )
    .optional()
    .map_err(backend)
}

pub(crate) fn insert_hazard_event(conn: &Connection, e: &HazardEvent) -> Result<()> {
    conn.execute_cached(
        "INSERT INTO hazard_events (hazard_id, action, from_state, to_state, actor_id, actor_name, remark, at, on_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            e.hazard_id.0,
            e.action.as_str(),
            e.from_state.map(|s| s.as_str()),
            e.to_state.as_str(),
            e.actor_id.map(|u| u.0),
            e.actor_name,
            e.remark,
            ms(e.at),
            e.on_time,
        ],
    )
    .map_err(backend)?;
    Ok(())
}

/// Stores a photo taken in the field, for an inspection or a hazard.
pub(crate) fn insert_field_photo(
    conn: &Connection,
    inspection: Option<InspectionId>,
    hazard: Option<HazardId>,
    region_path: &str,
    p: &NewPhoto,
) -> Result<i64> {
    conn.execute_cached(
        "INSERT INTO field_photos (inspection_id, hazard_id, region_path, content_type, bytes, latitude, longitude)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![inspection.map(|i| i.0), hazard.map(|h| h.0), region_path, p.content_type, p.bytes, p.latitude, p.longitude],
    )
    .map_err(backend)?;
    Ok(conn.last_insert_rowid())
}

fn hazard_clause(f: &HazardFilter) -> (String, Vec<Value>) {
    let (low, high) = subtree(&f.region_path);
    let mut clause = vec!["region_path >= ?1 AND region_path < ?2".to_string()];
    let mut args = vec![Value::Text(low), Value::Text(high)];
    if let Some(s) = f.state {
        args.push(Value::Text(s.as_str().into()));
        clause.push(format!("state = ?{}", args.len()));
    }
    if f.open {
        clause.push("state <> 'signed_off'".into());
    }
    if let Some(u) = f.owner_unit_id {
        args.push(Value::Integer(u.0));
        clause.push(format!("owner_unit_id = ?{}", args.len()));
    }
    if let Some(p) = f.place_id {
        args.push(Value::Integer(p.0));
        clause.push(format!("place_id = ?{}", args.len()));
    }
    if let Some(t) = f.overdue_at {
        args.push(Value::Integer(ms(t)));
        clause.push(format!(
            "state IN ('found', 'assigned') AND due_at < ?{}",
            args.len()
        ));
    }
    if f.relapse {
        clause.push("relapse_of IS NOT NULL".into());
    }
    (clause.join(" AND "), args)
}

#[async_trait]
impl HazardStore for SqliteStore {
    async fn hazard(&self, id: HazardId) -> Result<Option<Hazard>> {
        self.read_point(|conn| load_hazard(conn, id)).await
    }

    async fn hazard_events(&self, id: HazardId) -> Result<Vec<HazardEvent>> {
        self.read_point(|conn| {
            let mut st = conn
                .prepare_cached(
                    "SELECT action, from_state, to_state, actor_id, actor_name, remark, at, on_time
                       FROM hazard_events WHERE hazard_id = ?1 ORDER BY id",
                )
                .map_err(backend)?;
            let rows = st
                .query_map([id.0], |r| {
                    Ok(HazardEvent {
                        hazard_id: id,
                        action: parse_enum(r, 0, HazardActionKind::parse)?,
                        from_state: parse_opt_enum(r, 1, HazardState::parse)?,
                        to_state: parse_enum(r, 2, HazardState::parse)?,
                        actor_id: r.get::<_, Option<i64>>(3)?.map(UserId),
                        actor_name: r.get(4)?,
                        remark: r.get(5)?,
                        at: ts(r.get(6)?),
                        on_time: r.get(7)?,
                    })
                })
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(rows)
        })
        .await
    }

    async fn hazards(&self, f: &HazardFilter) -> Result<Page<Hazard>> {
        let f = f.clone();
        self.read(move |conn| {
            let (clause, mut args) = hazard_clause(&f);
            let total: i64 = conn
                .prepare_cached(&format!("SELECT COUNT(*) FROM hazards WHERE {clause}"))
                .and_then(|mut st| st.query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0)))
                .map_err(backend)?;
            let (page, page_size) = page_bounds(f.page, f.page_size);
            args.push(Value::Integer(page_size as i64));
            args.push(Value::Integer((page as i64 - 1) * page_size as i64));
            let sql = format!(
                "SELECT {HAZARD_COLS} FROM hazards WHERE {clause} ORDER BY found_at DESC, id DESC LIMIT ?{} OFFSET ?{}",
                args.len() - 1,
                args.len()
            );
            let items = conn
                .prepare_cached(&sql)
                .and_then(|mut st| st.query_map(rusqlite::params_from_iter(args.iter()), hazard_row)?.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(backend)?;
            Ok(Page { items, total: total as u64, page, page_size })
        })
        .await
    }

    async fn hazard_counts(
        &self,
        region_path: &str,
        now: fengqiao_domain::Timestamp,
    ) -> Result<HazardCounts> {
        let (low, high) = subtree(region_path);
        self.read(move |conn| {
            conn.query_row_cached(
                "SELECT COALESCE(SUM(state = 'found'), 0), COALESCE(SUM(state = 'assigned'), 0),
                        COALESCE(SUM(state = 'rectified'), 0), COALESCE(SUM(state = 'rechecked'), 0),
                        COALESCE(SUM(state = 'signed_off'), 0),
                        COALESCE(SUM(state IN ('found', 'assigned') AND due_at < ?3), 0),
                        COALESCE(SUM(relapse_of IS NOT NULL), 0)
                   FROM hazards WHERE region_path >= ?1 AND region_path < ?2",
                params![low, high, ms(now)],
                |r| {
                    let n = |i: usize| r.get::<_, i64>(i).map(|v| v as u64);
                    Ok(HazardCounts {
                        found: n(0)?,
                        assigned: n(1)?,
                        rectified: n(2)?,
                        rechecked: n(3)?,
                        signed_off: n(4)?,
                        overdue: n(5)?,
                        relapse: n(6)?,
                    })
                },
            )
            .map_err(backend)
        })
        .await
    }

    async fn commit_hazard(&self, d: HazardDecision, evidence: Vec<NewPhoto>) -> Result<Hazard> {
        self.write(move |conn| {
            let h = &d.hazard;
            let n = conn
                .execute_cached(
                    "UPDATE hazards SET state = ?3, owner_unit_id = ?4, leader = ?5, due_at = ?6, rectified_at = ?7,
                            signed_off_at = ?8, evidence = ?9, version = ?10, case_id = ?11
                      WHERE id = ?1 AND version = ?2",
                    params![
                        h.id.0,
                        h.version - 1,
                        h.state.as_str(),
                        h.owner_unit_id.map(|u| u.0),
                        h.leader,
                        h.due_at.map(ms),
                        h.rectified_at.map(ms),
                        h.signed_off_at.map(ms),
                        h.evidence,
                        h.version,
                        h.case_id.map(|c| c.0),
                    ],
                )
                .map_err(backend)?;
            if n == 0 {
                return match load_hazard(conn, h.id)? {
                    Some(_) => Err(StoreError::Conflict),
                    None => Err(StoreError::NotFound(format!("隐患 {}", h.id))),
                };
            }
            insert_hazard_event(conn, &d.event)?;
            for p in &evidence {
                insert_field_photo(conn, None, Some(h.id), &h.region_path, p)?;
            }
            load_hazard(conn, h.id)?.ok_or_else(|| StoreError::backend("hazard vanished"))
        })
        .await
    }

    async fn hazard_photos(&self, id: HazardId) -> Result<Vec<i64>> {
        self.read_point(|conn| {
            conn.prepare_cached("SELECT id FROM field_photos WHERE hazard_id = ?1 ORDER BY id")
                .and_then(|mut st| st.query_map([id.0], |r| r.get(0))?.collect())
                .map_err(backend)
        })
        .await
    }
}
