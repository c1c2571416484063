//! Campaigns, and the grouped counts their daily reports are made of.

use crate::cached::Cached;
use crate::error::backend;
use crate::places::subtree;
use crate::rows::{ms, ts};
use crate::writes::write_audit;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::{CampaignId, RegionId};
use fengqiao_domain::places::{Campaign, PlaceKind, Tally};
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::collections::BTreeMap;

const COLS: &str =
    "id, name, starts_on, ends_on, targets, task_force, region_path, created_at, created_by";

fn row(r: &Row) -> rusqlite::Result<Campaign> {
    let date = |i: usize| -> rusqlite::Result<chrono::NaiveDate> {
        let s: String = r.get(i)?;
        s.parse().map_err(|e: chrono::ParseError| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
        })
    };
    let targets: String = r.get(4)?;
    Ok(Campaign {
        id: CampaignId(r.get(0)?),
        name: r.get(1)?,
        starts_on: date(2)?,
        ends_on: date(3)?,
        targets: serde_json::from_str(&targets).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, e.into())
        })?,
        task_force: r.get(5)?,
        region_path: r.get(6)?,
        created_at: ts(r.get(7)?),
        created_by: r.get(8)?,
    })
}

fn load(conn: &Connection, id: CampaignId) -> Result<Option<Campaign>> {
    conn.query_row_cached(
        &format!("SELECT {COLS} FROM campaigns WHERE id = ?1"),
        [id.0],
        row,
    )
    .optional()
    .map_err(backend)
}

/// `kind IN (?n, ?n+1, …)` for the kinds, appended to `args`.
fn kinds_in(kinds: &[PlaceKind], args: &mut Vec<Value>) -> String {
    let marks: Vec<String> = kinds
        .iter()
        .map(|k| {
            args.push(Value::Text(k.as_str().into()));
            format!("?{}", args.len())
        })
        .collect();
    format!("p.kind IN ({})", marks.join(", "))
}

#[async_trait]
impl CampaignStore for SqliteStore {
    async fn create_campaign(&self, c: NewCampaign, audit: Audit) -> Result<Campaign> {
        self.write(move |conn| {
            let targets = serde_json::to_string(&c.targets)
                .map_err(|e| StoreError::backend(e.to_string()))?;
            conn.execute_cached(
                "INSERT INTO campaigns (name, starts_on, ends_on, targets, task_force, region_path, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    c.name,
                    c.starts_on.to_string(),
                    c.ends_on.to_string(),
                    targets,
                    c.task_force,
                    c.region_path,
                    ms(audit.at),
                    audit.actor_name,
                ],
            )
            .map_err(backend)?;
            let id = CampaignId(conn.last_insert_rowid());
            write_audit(
                conn,
                &audit,
                "campaign.create",
                &format!("campaign:{}", id.0),
                &format!("{}（{} 至 {}）", c.name, c.starts_on, c.ends_on),
            )?;
            load(conn, id)?.ok_or_else(|| StoreError::backend("campaign vanished"))
        })
        .await
    }

    async fn campaigns(&self) -> Result<Vec<Campaign>> {
        self.read(|conn| {
            conn.prepare_cached(&format!("SELECT {COLS} FROM campaigns ORDER BY id DESC"))
                .and_then(|mut st| st.query_map([], row)?.collect())
                .map_err(backend)
        })
        .await
    }

    async fn campaign(&self, id: CampaignId) -> Result<Option<Campaign>> {
        self.read_point(|conn| load(conn, id)).await
    }

    async fn tallies(
        &self,
        kinds: &[PlaceKind],
        region_path: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<RegionTally>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let kinds = kinds.to_vec();
        let (low, high) = subtree(region_path);
        self.read(move |conn| {
            let mut out: BTreeMap<(i64, String), Tally> = BTreeMap::new();
            let mut args = vec![
                Value::Text(low.clone()),
                Value::Text(high.clone()),
                Value::Integer(ms(from)),
                Value::Integer(ms(to)),
            ];
            let kind_clause = kinds_in(&kinds, &mut args);
            let sql = format!(
                "SELECT p.region_id, p.kind, COUNT(DISTINCT i.place_id), COUNT(*)
                   FROM inspections i JOIN places p ON p.id = i.place_id
                  WHERE p.region_path >= ?1 AND p.region_path < ?2
                    AND i.inspected_at >= ?3 AND i.inspected_at < ?4 AND {kind_clause}
                  GROUP BY p.region_id, p.kind"
            );
            let mut st = conn.prepare_cached(&sql).map_err(backend)?;
            let mut rows = st.query(rusqlite::params_from_iter(args.iter())).map_err(backend)?;
            while let Some(r) = rows.next().map_err(backend)? {
                let t = out.entry((r.get(0).map_err(backend)?, r.get(1).map_err(backend)?)).or_default();
                t.places_checked = r.get::<_, i64>(2).map_err(backend)? as u64;
                t.inspections = r.get::<_, i64>(3).map_err(backend)? as u64;
            }
            drop(rows);
            let sql = format!(
                "SELECT p.region_id, p.kind, COUNT(*),
                        COALESCE(SUM(h.signed_off_at IS NOT NULL AND h.signed_off_at < ?4), 0),
                        COALESCE(SUM((h.signed_off_at IS NULL OR h.signed_off_at >= ?4) AND h.due_at < ?4), 0)
                   FROM hazards h JOIN places p ON p.id = h.place_id
                  WHERE p.region_path >= ?1 AND p.region_path < ?2
                    AND h.found_at >= ?3 AND h.found_at < ?4 AND {kind_clause}
                  GROUP BY p.region_id, p.kind"
            );
            let mut st = conn.prepare_cached(&sql).map_err(backend)?;
            let mut rows = st.query(rusqlite::params_from_iter(args.iter())).map_err(backend)?;
            while let Some(r) = rows.next().map_err(backend)? {
                let t = out.entry((r.get(0).map_err(backend)?, r.get(1).map_err(backend)?)).or_default();
                t.problems = r.get::<_, i64>(2).map_err(backend)? as u64;
                t.rectified = r.get::<_, i64>(3).map_err(backend)? as u64;
                t.overdue = r.get::<_, i64>(4).map_err(backend)? as u64;
            }
            out.into_iter()
                .map(|((region, kind), tally)| {
                    Ok(RegionTally {
                        region_id: RegionId(region),
                        kind: PlaceKind::parse(&kind)
                            .ok_or_else(|| StoreError::backend(format!("unknown place kind `{kind}`")))?,
                        tally,
                    })
                })
                .collect()
        })
        .await
    }
}
