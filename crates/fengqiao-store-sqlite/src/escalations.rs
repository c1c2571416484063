//! Overdue inspections escalated by the scheduler: set-based statements over the places that
//! change, never a pass over every place.

use crate::cached::Cached;
use crate::error::backend;
use crate::rows::{ms, parse_enum, ts};
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::PlaceId;
use fengqiao_domain::places::{EscalationCutoffs, EscalationStep, InspectionEscalation};
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use rusqlite::params;

#[async_trait]
impl EscalationStore for SqliteStore {
    async fn escalate_overdue_places(
        &self,
        c: EscalationCutoffs,
        at: Timestamp,
    ) -> Result<EscalationTally> {
        self.write(move |conn| {
            let (urge, supervise, at) = (ms(c.urge_before), ms(c.supervise_before), ms(at));
            let cleared = conn
                .execute_cached(
                    "UPDATE places SET escalation = NULL, escalated_at = NULL
                      WHERE escalation IS NOT NULL AND next_due_at >= ?1",
                    [urge],
                )
                .map_err(backend)? as u64;
            let step = |level: &str, before: i64, from: &str| -> Result<u64> {
                conn.execute_cached(
                    &format!(
                        "INSERT INTO place_escalations (place_id, level, at, due_at)
                         SELECT id, ?1, ?2, next_due_at FROM places
                          WHERE next_due_at < ?3 AND {from}"
                    ),
                    params![level, at, before],
                )
                .map_err(backend)?;
                conn.execute_cached(
                    &format!(
                        "UPDATE places SET escalation = ?1, escalated_at = ?2
                          WHERE next_due_at < ?3 AND {from}"
                    ),
                    params![level, at, before],
                )
                .map(|n| n as u64)
                .map_err(backend)
            };
            // Supervision first: a place late beyond both cutoffs (the scheduler was stopped)
            // is supervised at once, not urged and supervised in the same pass.
            let supervised = step(
                "supervised",
                supervise,
                "(escalation IS NULL OR escalation = 'urged')",
            )?;
            let urged = step("urged", urge, "escalation IS NULL")?;
            Ok(EscalationTally {
                urged,
                supervised,
                cleared,
            })
        })
        .await
    }

    async fn place_escalations(&self, id: PlaceId) -> Result<Vec<EscalationStep>> {
        self.read(move |conn| {
            let mut st = conn
                .prepare_cached(
                    "SELECT level, at, due_at FROM place_escalations WHERE place_id = ?1 ORDER BY id",
                )
                .map_err(backend)?;
            let rows = st
                .query_map([id.0], |r| {
                    Ok(EscalationStep {
                        place_id: id,
                        level: parse_enum(r, 0, InspectionEscalation::parse)?,
                        at: ts(r.get(1)?),
                        due_at: ts(r.get(2)?),
                    })
                })
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(rows)
        })
        .await
    }
}
