//! Patrol schedules, inspections per day, and coverage.

use crate::cached::Cached;
use crate::error::backend;
use crate::places::subtree;
use crate::rows::{ms, ts};
use crate::writes::write_audit;
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::NaiveDate;
use fengqiao_domain::ids::{PatrolScheduleId, RegionId};
use fengqiao_domain::places::{Coverage, PatrolSchedule, WEEKDAYS};
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLS: &str = "id, region_id, region_path, name, weekday, active, created_by, created_at";

fn row(r: &Row) -> rusqlite::Result<PatrolSchedule> {
    Ok(PatrolSchedule {
        id: PatrolScheduleId(r.get(0)?),
        region_id: RegionId(r.get(1)?),
        region_path: r.get(2)?,
        name: r.get(3)?,
        weekday: r.get(4)?,
        active: r.get(5)?,
        created_by: r.get(6)?,
        created_at: ts(r.get(7)?),
    })
}

fn load(conn: &Connection, id: PatrolScheduleId) -> Result<Option<PatrolSchedule>> {
    conn.query_row_cached(
        &format!("SELECT {COLS} FROM patrol_schedules WHERE id = ?1"),
        [id.0],
        row,
    )
    .optional()
    .map_err(backend)
}

#[async_trait]
impl PatrolStore for SqliteStore {
    async fn create_patrol_schedule(
        &self,
        s: NewPatrolSchedule,
        audit: Audit,
    ) -> Result<PatrolSchedule> {
        self.write(move |conn| {
            let path: String = conn
                .query_row_cached("SELECT path FROM regions WHERE id = ?1", [s.region_id.0], |r| r.get(0))
                .optional()
                .map_err(backend)?
                .ok_or_else(|| StoreError::InvalidReference(format!("区域 {} 不存在", s.region_id)))?;
            conn.execute_cached(
                "INSERT INTO patrol_schedules (region_id, region_path, name, weekday, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![s.region_id.0, path, s.name, s.weekday, audit.actor_name, ms(audit.at)],
            )
            .map_err(backend)?;
            let id = PatrolScheduleId(conn.last_insert_rowid());
            let day = WEEKDAYS[(s.weekday.clamp(1, 7) - 1) as usize];
            write_audit(conn, &audit, "patrol.create", &format!("patrol:{}", id.0), &format!("每{day}「{}」", s.name))?;
            load(conn, id)?.ok_or_else(|| StoreError::backend("schedule vanished"))
        })
        .await
    }

    async fn patrol_schedules(&self) -> Result<Vec<PatrolSchedule>> {
        self.read_point(|conn| {
            conn.prepare_cached(&format!("SELECT {COLS} FROM patrol_schedules ORDER BY id"))
                .and_then(|mut st| st.query_map([], row)?.collect())
                .map_err(backend)
        })
        .await
    }

    async fn set_patrol_schedule_active(
        &self,
        id: PatrolScheduleId,
        active: bool,
        audit: Audit,
    ) -> Result<PatrolSchedule> {
        self.write(move |conn| {
            let n = conn
                .execute_cached(
                    "UPDATE patrol_schedules SET active = ?2 WHERE id = ?1",
                    params![id.0, active],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("巡查安排 {id}")));
            }
            write_audit(
                conn,
                &audit,
                if active {
                    "patrol.resume"
                } else {
                    "patrol.stop"
                },
                &format!("patrol:{}", id.0),
                "",
            )?;
            load(conn, id)?.ok_or_else(|| StoreError::backend("schedule vanished"))
        })
        .await
    }

    async fn inspections_by_day(
        &self,
        region_path: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(RegionId, NaiveDate, u64)>> {
        let (low, high) = subtree(region_path);
        self.read(move |conn| {
            let mut st = conn
                .prepare_cached(
                    "SELECT p.region_id, date(i.inspected_at / 1000 + 8 * 3600, 'unixepoch'), COUNT(*)
                       FROM inspections i JOIN places p ON p.id = i.place_id
                      WHERE i.inspected_at >= ?3 AND i.inspected_at < ?4
                        AND p.region_path >= ?1 AND p.region_path < ?2
                      GROUP BY 1, 2",
                )
                .map_err(backend)?;
            let rows = st
                .query_map(params![low, high, ms(from), ms(to)], |r| {
                    let day: String = r.get(1)?;
                    Ok((RegionId(r.get(0)?), day, r.get::<_, i64>(2)? as u64))
                })
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            rows.into_iter()
                .map(|(region, day, n)| {
                    let day = day.parse().map_err(|e| StoreError::backend(format!("day `{day}`: {e}")))?;
                    Ok((region, day, n))
                })
                .collect()
        })
        .await
    }

    async fn coverage(
        &self,
        region_path: &str,
        from: Timestamp,
        to: Timestamp,
        now: Timestamp,
    ) -> Result<Vec<(RegionId, Coverage)>> {
        let (low, high) = subtree(region_path);
        self.read(move |conn| {
            // A place due in the window missed it if an inspection answering a due time in it
            // came late, or if such a due time has passed with no inspection yet.
            let mut st = conn
                .prepare_cached(
                    "WITH due AS (
                        SELECT i.place_id AS place_id, MIN(i.on_time) AS ok FROM inspections i
                         WHERE i.due_at >= ?3 AND i.due_at < ?4 AND i.due_at < ?5
                         GROUP BY i.place_id
                        UNION ALL
                        SELECT p.id, 0 FROM places p
                         WHERE p.next_due_at >= ?3 AND p.next_due_at < ?4 AND p.next_due_at < ?5
                     )
                     SELECT p.region_id, COUNT(*), SUM(d.ok)
                       FROM (SELECT place_id, MIN(ok) AS ok FROM due GROUP BY place_id) d
                       JOIN places p ON p.id = d.place_id
                      WHERE p.region_path >= ?1 AND p.region_path < ?2
                      GROUP BY p.region_id",
                )
                .map_err(backend)?;
            let rows = st
                .query_map(params![low, high, ms(from), ms(to), ms(now)], |r| {
                    Ok((
                        RegionId(r.get(0)?),
                        Coverage {
                            due: r.get::<_, i64>(1)? as u64,
                            on_time: r.get::<_, Option<i64>>(2)?.unwrap_or(0) as u64,
                        },
                    ))
                })
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(rows)
        })
        .await
    }
}
