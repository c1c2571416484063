//! Campaigns, and the grouped counts their daily reports are made of.

use crate::cached::Cached;
use crate::error::backend;
use crate::places::subtree;
use crate::rows::{ms, ts};
use crate::writes::write_audit;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::CampaignId;
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
        day: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<RegionTally>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let kinds = kinds.to_vec();
        let (low, high) = subtree(region_path);
        self.read(move |conn| {
            let mut out: BTreeMap<(String, String), (Tally, Tally)> = BTreeMap::new();
            let mut args = vec![
                Value::Text(low.clone()),
                Value::Text(high.clone()),
                Value::Integer(ms(from)),
                Value::Integer(ms(to)),
                Value::Integer(ms(day)),
            ];
            let kind_clause = kinds_in(&kinds, &mut args);
            // Inspections: per place, two counts on the (place_id, inspected_at) index — the
            // window's, and its last day's (the count before the day is their difference) —
            // instead of joining every inspection to its place and sorting for DISTINCT. The
            // counts are materialised once: inlined, SQLite would count again for every use.
            let sql = format!(
                "WITH t AS MATERIALIZED (
                   SELECT p.region_path, p.kind,
                          (SELECT COUNT(*) FROM inspections i WHERE i.place_id = p.id AND i.inspected_at >= ?3 AND i.inspected_at < ?4) AS n,
                          (SELECT COUNT(*) FROM inspections i WHERE i.place_id = p.id AND i.inspected_at >= ?5 AND i.inspected_at < ?4) AS d
                     FROM places p
                    WHERE p.region_path >= ?1 AND p.region_path < ?2 AND {kind_clause})
                 SELECT region_path, kind, SUM(n > 0), SUM(n), SUM(n - d > 0), SUM(n - d)
                   FROM t WHERE n > 0
                  GROUP BY region_path, kind"
            );
            let mut st = conn.prepare_cached(&sql).map_err(backend)?;
            let mut rows = st.query(rusqlite::params_from_iter(args.iter())).map_err(backend)?;
            let count = |r: &rusqlite::Row, i: usize| -> Result<u64> {
                Ok(r.get::<_, Option<i64>>(i).map_err(backend)?.unwrap_or(0) as u64)
            };
            while let Some(r) = rows.next().map_err(backend)? {
                let (now, before) = out
                    .entry((r.get(0).map_err(backend)?, r.get(1).map_err(backend)?))
                    .or_default();
                now.places_checked = count(r, 2)?;
                now.inspections = count(r, 3)?;
                before.places_checked = count(r, 4)?;
                before.inspections = count(r, 5)?;
            }
            drop(rows);
            // Hazards found in the window, as of its end and as of its last day's start; each
            // carries its place's kind and region, so no join; `hazards_campaign` covers the
            // count in the order it groups by.
            let kind_clause = kind_clause.replace("p.kind", "h.place_kind");
            let sql = format!(
                "SELECT h.region_path, h.place_kind,
                        COUNT(*),
                        SUM(h.signed_off_at IS NOT NULL AND h.signed_off_at < ?4),
                        SUM((h.signed_off_at IS NULL OR h.signed_off_at >= ?4) AND h.due_at < ?4),
                        SUM(h.found_at < ?5),
                        SUM(h.found_at < ?5 AND h.signed_off_at IS NOT NULL AND h.signed_off_at < ?5),
                        SUM(h.found_at < ?5 AND (h.signed_off_at IS NULL OR h.signed_off_at >= ?5) AND h.due_at < ?5)
                   FROM hazards h
                  WHERE h.region_path >= ?1 AND h.region_path < ?2
                    AND h.found_at >= ?3 AND h.found_at < ?4 AND {kind_clause}
                  GROUP BY h.place_kind, h.region_path"
            );
            let mut st = conn.prepare_cached(&sql).map_err(backend)?;
            let mut rows = st.query(rusqlite::params_from_iter(args.iter())).map_err(backend)?;
            while let Some(r) = rows.next().map_err(backend)? {
                let (now, before) = out
                    .entry((r.get(0).map_err(backend)?, r.get(1).map_err(backend)?))
                    .or_default();
                now.problems = count(r, 2)?;
                now.rectified = count(r, 3)?;
                now.overdue = count(r, 4)?;
                before.problems = count(r, 5)?;
                before.rectified = count(r, 6)?;
                before.overdue = count(r, 7)?;
            }
            out.into_iter()
                .map(|((region, kind), (tally, before))| {
                    Ok(RegionTally {
                        region_path: region,
                        kind: PlaceKind::parse(&kind).ok_or_else(|| {
                            StoreError::backend(format!("unknown place kind `{kind}`"))
                        })?,
                        tally,
                        before,
                    })
                })
                .collect()
        })
        .await
    }
}
