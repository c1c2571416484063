//! Dashboard figures over open cases: one grouped read each, on the state index.

use crate::error::backend;
use crate::query::{scope_sql, OPEN};
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::UnitId;
use fengqiao_store::*;

impl SqliteStore {
    async fn open_grouped<K: rusqlite::types::FromSql + Send + 'static>(
        &self,
        scope: &Scope,
        column: &'static str,
    ) -> Result<Vec<(Option<K>, OpenCount)>> {
        let scope = scope.clone();
        self.read(move |conn| {
            let mut args = Vec::new();
            let clause = scope_sql(&scope, &mut args);
            let open = &*OPEN;
            let mut st = conn
                .prepare(&format!(
                    "SELECT c.{column}, COUNT(*),
                            SUM(c.overdue_level = 'yellow'), SUM(c.overdue_level = 'red')
                     FROM cases c WHERE c.state IN ({open}) AND {clause}
                     GROUP BY c.{column} ORDER BY COUNT(*) DESC"
                ))
                .map_err(backend)?;
            let rows = st
                .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                    Ok((
                        r.get::<_, Option<K>>(0)?,
                        OpenCount {
                            open: r.get::<_, i64>(1)? as u64,
                            yellow: r.get::<_, i64>(2)? as u64,
                            red: r.get::<_, i64>(3)? as u64,
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

#[async_trait]
impl FigureStore for SqliteStore {
    async fn open_by_unit(&self, scope: &Scope) -> Result<Vec<(Option<UnitId>, OpenCount)>> {
        let rows = self.open_grouped::<i64>(scope, "unit_id").await?;
        Ok(rows.into_iter().map(|(k, c)| (k.map(UnitId), c)).collect())
    }

    async fn open_by_region(&self, scope: &Scope) -> Result<Vec<(Option<String>, OpenCount)>> {
        self.open_grouped::<String>(scope, "region_path").await
    }

    async fn received_by_channel(
        &self,
        scope: &Scope,
        since: fengqiao_domain::Timestamp,
    ) -> Result<Vec<(String, u64)>> {
        let scope = scope.clone();
        self.read(move |conn| {
            let mut args = vec![rusqlite::types::Value::Integer(crate::rows::ms(since))];
            let clause = scope_sql(&scope, &mut args);
            let mut st = conn
                .prepare(&format!(
                    "SELECT c.channel, COUNT(*) FROM cases c
                     WHERE c.created_at >= ?1 AND {clause}
                     GROUP BY c.channel ORDER BY COUNT(*) DESC, c.channel"
                ))
                .map_err(backend)?;
            let rows = st
                .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
                })
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(rows)
        })
        .await
    }
}
