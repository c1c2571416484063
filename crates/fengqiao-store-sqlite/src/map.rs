//! Region centres for the schematic map.

use crate::cached::Cached;
use crate::error::backend;
use crate::writes::write_audit;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::RegionId;
use fengqiao_store::*;
use rusqlite::{params, OptionalExtension};

#[async_trait]
impl MapStore for SqliteStore {
    async fn region_centres(&self) -> Result<Vec<RegionCentre>> {
        self.read(|conn| {
            let mut st = conn
                .prepare_cached(
                    "SELECT region_id, latitude, longitude FROM region_centres ORDER BY region_id",
                )
                .map_err(backend)?;
            let rows = st
                .query_map([], |r| {
                    Ok(RegionCentre {
                        region_id: RegionId(r.get(0)?),
                        latitude: r.get(1)?,
                        longitude: r.get(2)?,
                    })
                })
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(rows)
        })
        .await
    }

    async fn set_region_centre(&self, c: RegionCentre, audit: Audit) -> Result<()> {
        self.write(move |conn| {
            let name: Option<String> = conn
                .query_row_cached(
                    "SELECT name FROM regions WHERE id = ?1",
                    [c.region_id.0],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            let name = name.ok_or_else(|| {
                StoreError::InvalidReference(format!("区域 {} 不存在", c.region_id))
            })?;
            conn.execute_cached(
                "INSERT INTO region_centres (region_id, latitude, longitude) VALUES (?1, ?2, ?3)
                 ON CONFLICT (region_id) DO UPDATE
                 SET latitude = excluded.latitude, longitude = excluded.longitude",
                params![c.region_id.0, c.latitude, c.longitude],
            )
            .map_err(backend)?;
            write_audit(
                conn,
                &audit,
                "region.centre",
                &format!("region:{}", c.region_id),
                &format!("{name} {:.6},{:.6}", c.latitude, c.longitude),
            )
        })
        .await
    }
}
