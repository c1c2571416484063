//! Dashboard figures over open cases: one grouped read each, on the state index.

use crate::cached::Cached;
use crate::error::backend;
use crate::query::{filter_sql, scope_sql, OPEN};
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::{CategoryId, UnitId};
use fengqiao_store::*;

impl SqliteStore {
    /// Cases received in `scope` since `since`, counted by `key` (an SQL expression over the
    /// case `c`), in `order` (over the key, 1, and the count, 2): one grouped read on the
    /// creation-time index.
    async fn count_received<K: Send + 'static>(
        &self,
        scope: &Scope,
        since: fengqiao_domain::Timestamp,
        key: &'static str,
        order: &'static str,
        read_key: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<K> + Send + 'static,
    ) -> Result<Vec<(K, u64)>> {
        let scope = scope.clone();
        self.read(move |conn| {
            let mut args = vec![rusqlite::types::Value::Integer(crate::rows::ms(since))];
            let clause = scope_sql(&scope, &mut args);
            let mut st = conn
                .prepare_cached(&format!(
                    // On the creation-time index: for a short window (today) the planner
                    // would otherwise walk a grouping column's index over every case.
                    "SELECT {key}, COUNT(*) FROM cases c INDEXED BY cases_created_place
                     WHERE c.created_at >= ?1 AND {clause}
                     GROUP BY 1 ORDER BY {order}"
                ))
                .map_err(backend)?;
            let rows = st
                .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                    Ok((read_key(r)?, r.get::<_, i64>(1)? as u64))
                })
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(rows)
        })
        .await
    }

    /// Counts for filters that all name their states, in one read.
    async fn count_together(&self, scope: &Scope, filters: Vec<CaseFilter>) -> Result<Vec<u64>> {
        if filters.is_empty() {
            return Ok(Vec::new());
        }
        let scope = scope.clone();
        self.read(move |conn| {
            let mut args = Vec::new();
            let clause = scope_sql(&scope, &mut args);
            let mut sums = Vec::new();
            let mut conditions = Vec::new();
            for f in &filters {
                let path: Option<String> = match f.region_id {
                    Some(r) => Some(
                        conn.query_row_cached(
                            "SELECT path FROM regions WHERE id = ?1",
                            [r.0],
                            |row| row.get(0),
                        )
                        .map_err(backend)?,
                    ),
                    None => None,
                };
                let (c, a) = filter_sql(&Scope::All, f, path);
                let c = shift_params(&c, args.len());
                args.extend(a);
                sums.push(format!("COALESCE(SUM(CASE WHEN {c} THEN 1 ELSE 0 END), 0)"));
                conditions.push(format!("({c})"));
            }
            // When every filter names its states, read only those (on the state index).
            let states: std::collections::BTreeSet<&str> = filters
                .iter()
                .flat_map(|f| f.states.iter().map(|s| s.as_str()))
                .collect();
            let narrow = if filters.iter().all(|f| !f.states.is_empty()) {
                format!(
                    " AND c.state IN ({})",
                    states
                        .iter()
                        .map(|s| format!("'{s}'"))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            } else {
                String::new()
            };
            let sql = format!(
                "SELECT {} FROM cases c WHERE {clause}{narrow} AND ({})",
                sums.join(", "),
                conditions.join(" OR ")
            );
            conn.query_row_cached(&sql, rusqlite::params_from_iter(args.iter()), |r| {
                (0..filters.len())
                    .map(|i| r.get::<_, i64>(i).map(|n| n as u64))
                    .collect()
            })
            .map_err(backend)
        })
        .await
    }

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

/// `sql` with its numbered parameters moved up by `offset` (`?3` → `?{3 + offset}`).
fn shift_params(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '?' {
            let mut n = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(*d);
                chars.next();
            }
            if !n.is_empty() {
                out.push_str(&(n.parse::<usize>().expect("digits") + offset).to_string());
            }
        }
    }
    out
}

#[async_trait]
impl FigureStore for SqliteStore {
    async fn count_each(&self, scope: &Scope, filters: &[CaseFilter]) -> Result<Vec<u64>> {
        // Filters that name their states are counted together in one pass over those states;
        // any other would make that pass read every case, so it is counted on its own.
        let together: Vec<usize> = (0..filters.len())
            .filter(|&i| !filters[i].states.is_empty())
            .collect();
        let mut counts = vec![0u64; filters.len()];
        let joint = self
            .count_together(
                scope,
                together.iter().map(|&i| filters[i].clone()).collect(),
            )
            .await?;
        for (&i, n) in together.iter().zip(joint) {
            counts[i] = n;
        }
        for (i, f) in filters.iter().enumerate() {
            if f.states.is_empty() {
                let alone = CaseFilter {
                    page: 1,
                    page_size: 1,
                    skip_total: false,
                    ..f.clone()
                };
                counts[i] = self.list_cases(scope, &alone).await?.total;
            }
        }
        Ok(counts)
    }

    async fn open_by_unit(&self, scope: &Scope) -> Result<Vec<(Option<UnitId>, OpenCount)>> {
        let rows = self.open_grouped::<i64>(scope, "unit_id").await?;
        Ok(rows.into_iter().map(|(k, c)| (k.map(UnitId), c)).collect())
    }

    async fn open_by_region(&self, scope: &Scope) -> Result<Vec<(Option<String>, OpenCount)>> {
        self.open_grouped::<String>(scope, "region_path").await
    }

    async fn received_by_day(
        &self,
        scope: &Scope,
        since: fengqiao_domain::Timestamp,
    ) -> Result<Vec<(chrono::NaiveDate, u64)>> {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
        // Days since 1970-01-01 in China time (UTC+8), oldest first.
        self.count_received(
            scope,
            since,
            "(c.created_at + 28800000) / 86400000",
            "1",
            move |r| Ok(epoch + chrono::Duration::days(r.get::<_, i64>(0)?)),
        )
        .await
    }

    async fn received_by_channel(
        &self,
        scope: &Scope,
        since: fengqiao_domain::Timestamp,
    ) -> Result<Vec<(String, u64)>> {
        self.count_received(scope, since, "c.channel", "2 DESC, 1", |r| r.get(0))
            .await
    }

    async fn received_by_category(
        &self,
        scope: &Scope,
        since: fengqiao_domain::Timestamp,
    ) -> Result<Vec<(Option<CategoryId>, u64)>> {
        self.count_received(scope, since, "c.category_id", "2 DESC, 1", |r| {
            Ok(r.get::<_, Option<i64>>(0)?.map(CategoryId))
        })
        .await
    }
}
