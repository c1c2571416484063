//! KPI rollups: counts per case, sums per day and month, moved by differences.

use crate::cached::Cached;
use crate::error::backend;
use crate::rows::*;
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::{Datelike, Duration, NaiveDate};
use fengqiao_domain::ids::{CaseId, CategoryId, RegionId, UnitId};
use fengqiao_domain::kpi::period::{day_date, day_number, month_number};
use fengqiao_domain::kpi::{CaseFacts, Dim, Measure, Measures};
use fengqiao_domain::Channel;
use fengqiao_store::*;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

const DAY: i64 = 0;
const MONTH: i64 = 1;

/// `received, registered, …` in [`Measure::ALL`] order.
static COLUMNS: LazyLock<String> = LazyLock::new(|| {
    Measure::ALL
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(", ")
});

static UPSERT: LazyLock<String> = LazyLock::new(|| {
    let marks: Vec<String> = (5..5 + Measure::ALL.len())
        .map(|i| format!("?{i}"))
        .collect();
    let sets: Vec<String> = Measure::ALL
        .iter()
        .map(|m| format!("{0} = {0} + excluded.{0}", m.as_str()))
        .collect();
    format!(
        "INSERT INTO kpi_rollup (dim, span, day, key, {}) VALUES (?1, ?2, ?3, ?4, {})
         ON CONFLICT (dim, span, day, key) DO UPDATE SET {}",
        *COLUMNS,
        marks.join(", "),
        sets.join(", ")
    )
});

type RowKey = (Dim, i64, i64, i64);

/// What a case's counts add to the rollups, `sign` = 1 to add and -1 to take away.
fn contribute(
    f: &CaseFacts,
    sign: i64,
    rows: &mut HashMap<RowKey, Measures>,
    hours: &mut HashMap<(RowKey, i64), i64>,
) {
    let keys = f.keys();
    let month_of = |day: i64| month_number(day_date(day));
    for (day, m) in f.by_day() {
        for span_day in [(DAY, day), (MONTH, month_of(day))] {
            for (dim, key) in keys {
                let e = rows.entry((dim, span_day.0, span_day.1, key)).or_default();
                if sign > 0 {
                    e.add(&m);
                } else {
                    e.sub(&m);
                }
            }
        }
    }
    if let Some((day, bucket)) = f.histogram_entry() {
        for span_day in [(DAY, day), (MONTH, month_of(day))] {
            for (dim, key) in keys {
                *hours
                    .entry(((dim, span_day.0, span_day.1, key), bucket))
                    .or_default() += sign;
            }
        }
    }
}

const FACT_COLUMNS: &str =
    "received_day, due_day, village, grid, unit, category, channel, hours_bucket, measures";

fn stored_facts(conn: &Connection, id: CaseId) -> Result<Option<CaseFacts>> {
    conn.query_row_cached(
        &format!("SELECT {FACT_COLUMNS} FROM kpi_facts WHERE case_id = ?1"),
        [id.0],
        |r| {
            let bad = |i: usize, what: String| {
                rusqlite::Error::FromSqlConversionFailure(
                    i,
                    rusqlite::types::Type::Text,
                    what.into(),
                )
            };
            let text: String = r.get(8)?;
            let mut measures = Measures::default();
            let values: Vec<&str> = text.split(',').collect();
            if values.len() != Measure::ALL.len() {
                return Err(bad(
                    8,
                    format!(
                        "{} counts stored, {} expected",
                        values.len(),
                        Measure::ALL.len()
                    ),
                ));
            }
            for (i, v) in values.iter().enumerate() {
                measures.0[i] = v.parse().map_err(|_| bad(8, format!("count {v:?}")))?;
            }
            Ok(CaseFacts {
                received_day: day_date(r.get(0)?),
                due_day: r.get::<_, Option<i64>>(1)?.map(day_date),
                village: r.get::<_, Option<i64>>(2)?.map(RegionId),
                grid: r.get::<_, Option<i64>>(3)?.map(RegionId),
                unit: r.get::<_, Option<i64>>(4)?.map(UnitId),
                category: r.get::<_, Option<i64>>(5)?.map(CategoryId),
                channel: parse_enum(r, 6, Channel::parse)?,
                hours_bucket: r.get(7)?,
                measures,
            })
        },
    )
    .optional()
    .map_err(backend)
}

fn store_facts(conn: &Connection, id: CaseId, f: &CaseFacts) -> Result<()> {
    let measures: Vec<String> = f.measures.0.iter().map(i64::to_string).collect();
    conn.execute_cached(
        &format!(
            "INSERT INTO kpi_facts (case_id, {FACT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (case_id) DO UPDATE SET received_day = excluded.received_day, due_day = excluded.due_day,
               village = excluded.village, grid = excluded.grid, unit = excluded.unit, category = excluded.category,
               channel = excluded.channel, hours_bucket = excluded.hours_bucket, measures = excluded.measures"
        ),
        params![
            id.0,
            day_number(f.received_day),
            f.due_day.map(day_number),
            f.village.map(|v| v.0),
            f.grid.map(|v| v.0),
            f.unit.map(|v| v.0),
            f.category.map(|v| v.0),
            f.channel.as_str(),
            f.hours_bucket,
            measures.join(",")
        ],
    )
    .map_err(backend)?;
    Ok(())
}

fn watermark(conn: &Connection) -> Result<i64> {
    conn.query_row_cached("SELECT watermark FROM kpi_state WHERE id = 1", [], |r| {
        r.get(0)
    })
    .map_err(backend)
}

/// The days `first..=last` as whole months and the days left over at either end.
fn spans(first: NaiveDate, last: NaiveDate) -> (Vec<i64>, Vec<(i64, i64)>) {
    let mut months = vec![];
    let mut days = vec![];
    let mut d = first;
    while d <= last {
        let month_start = d.with_day(1).expect("valid");
        let next_month = (month_start + Duration::days(32))
            .with_day(1)
            .expect("valid");
        let month_last = next_month - Duration::days(1);
        if d == month_start && month_last <= last {
            months.push(day_number(month_start));
        } else {
            days.push((day_number(d), day_number(month_last.min(last))));
        }
        d = next_month;
    }
    (months, days)
}

#[async_trait]
impl KpiStore for SqliteStore {
    async fn kpi_changes(&self, max_events: u32) -> Result<KpiChanges> {
        self.read(move |conn| {
            let from = watermark(conn)?;
            let to: Option<i64> = conn
                .query_row_cached(
                    "SELECT MAX(id) FROM (SELECT id FROM case_events WHERE id > ?1 ORDER BY id LIMIT ?2)",
                    params![from, max_events],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            let Some(to) = to else {
                return Ok(KpiChanges {
                    from,
                    to: from,
                    cases: vec![],
                });
            };
            let changed = "SELECT DISTINCT case_id FROM case_events WHERE id > ?1 AND id <= ?2";
            let cases = query_all(
                conn,
                &format!("SELECT {CASE_COLUMNS} FROM cases WHERE id IN ({changed}) ORDER BY id"),
                params![from, to],
                case_from_row,
            )?;
            let events = query_all(
                conn,
                &format!("SELECT {EVENT_COLUMNS} FROM case_events WHERE case_id IN ({changed}) ORDER BY case_id, id"),
                params![from, to],
                event_from_row,
            )?;
            let mut by_case: BTreeMap<i64, Vec<_>> = BTreeMap::new();
            for e in events {
                by_case.entry(e.case_id.0).or_default().push(e);
            }
            let cases = cases
                .into_iter()
                .map(|case| CaseHistory {
                    events: by_case.remove(&case.id.0).unwrap_or_default(),
                    case,
                })
                .collect();
            Ok(KpiChanges { from, to, cases })
        })
        .await
    }

    async fn apply_kpi_facts(
        &self,
        from: i64,
        to: i64,
        facts: Vec<(CaseId, CaseFacts)>,
    ) -> Result<bool> {
        self.write(move |conn| {
            if watermark(conn)? != from {
                return Ok(false);
            }
            let mut rows = HashMap::new();
            let mut hours = HashMap::new();
            for (id, new) in &facts {
                let old = stored_facts(conn, *id)?;
                if old.as_ref() == Some(new) {
                    continue;
                }
                if let Some(old) = &old {
                    contribute(old, -1, &mut rows, &mut hours);
                }
                contribute(new, 1, &mut rows, &mut hours);
                store_facts(conn, *id, new)?;
            }
            let mut st = conn.prepare_cached(&UPSERT).map_err(backend)?;
            for ((dim, span, day, key), m) in rows {
                if m.is_zero() {
                    continue;
                }
                let mut values: Vec<rusqlite::types::Value> = vec![
                    dim.as_str().to_string().into(),
                    span.into(),
                    day.into(),
                    key.into(),
                ];
                values.extend(m.0.iter().map(|v| rusqlite::types::Value::from(*v)));
                st.execute(rusqlite::params_from_iter(values)).map_err(backend)?;
            }
            for (((dim, span, day, key), bucket), n) in hours {
                if n == 0 {
                    continue;
                }
                conn.execute_cached(
                    "INSERT INTO kpi_hours (dim, span, day, key, bucket, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (dim, span, day, key, bucket) DO UPDATE SET n = n + excluded.n",
                    params![dim.as_str(), span, day, key, bucket, n],
                )
                .map_err(backend)?;
            }
            conn.execute_cached("UPDATE kpi_state SET watermark = ?1 WHERE id = 1", [to])
                .map_err(backend)?;
            Ok(true)
        })
        .await
    }

    async fn kpi_rollup(
        &self,
        dim: Dim,
        first: NaiveDate,
        last: NaiveDate,
        keys: Option<Vec<i64>>,
    ) -> Result<Vec<KpiRow>> {
        self.read(move |conn| {
            let (months, days) = spans(first, last);
            let keys_sql = match &keys {
                Some(k) if k.is_empty() => return Ok(vec![]),
                Some(k) => format!(
                    " AND key IN ({})",
                    k.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
                ),
                None => String::new(),
            };
            // One indexed range per part — the whole months, then each end's days — joined
            // with UNION ALL: an OR of them would make SQLite read every row of the dimension.
            let mut parts: Vec<String> = vec![];
            if !months.is_empty() {
                let list: Vec<String> = months.iter().map(i64::to_string).collect();
                parts.push(format!(
                    "dim = ?1 AND span = {MONTH} AND day IN ({}){keys_sql}",
                    list.join(", ")
                ));
            }
            for (a, b) in &days {
                parts.push(format!(
                    "dim = ?1 AND span = {DAY} AND day BETWEEN {a} AND {b}{keys_sql}"
                ));
            }
            if parts.is_empty() {
                return Ok(vec![]);
            }
            let from = |table: &str| {
                parts
                    .iter()
                    .map(|w| format!("SELECT * FROM {table} WHERE {w}"))
                    .collect::<Vec<_>>()
                    .join(" UNION ALL ")
            };
            let sums: Vec<String> = Measure::ALL
                .iter()
                .map(|m| format!("SUM({})", m.as_str()))
                .collect();
            let mut out: BTreeMap<i64, KpiRow> = BTreeMap::new();
            for (key, m) in query_all(
                conn,
                &format!(
                    "SELECT key, {} FROM ({}) GROUP BY key",
                    sums.join(", "),
                    from("kpi_rollup")
                ),
                [dim.as_str()],
                |r| {
                    let mut m = Measures::default();
                    for i in 0..Measure::ALL.len() {
                        m.0[i] = r.get(i + 1)?;
                    }
                    Ok((r.get::<_, i64>(0)?, m))
                },
            )? {
                if !m.is_zero() {
                    out.insert(
                        key,
                        KpiRow {
                            key,
                            measures: m,
                            histogram: vec![],
                        },
                    );
                }
            }
            for (key, bucket, n) in query_all(
                conn,
                &format!(
                    "SELECT key, bucket, SUM(n) FROM ({}) GROUP BY key, bucket HAVING SUM(n) <> 0",
                    from("kpi_hours")
                ),
                [dim.as_str()],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )? {
                if let Some(row) = out.get_mut(&key) {
                    row.histogram.push((bucket, n));
                }
            }
            Ok(out.into_values().collect())
        })
        .await
    }

    async fn kpi_facts(&self, id: CaseId) -> Result<Option<CaseFacts>> {
        self.read_point(move |conn| stored_facts(conn, id)).await
    }

    async fn kpi_lag(&self) -> Result<(i64, i64)> {
        self.read_point(|conn| {
            let newest: Option<i64> = conn
                .query_row_cached("SELECT MAX(id) FROM case_events", [], |r| r.get(0))
                .map_err(backend)?;
            Ok((watermark(conn)?, newest.unwrap_or(0)))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_range_is_whole_months_and_the_days_at_its_ends() {
        let (months, days) = spans(d("2026-01-01"), d("2026-12-31"));
        assert_eq!(months.len(), 12);
        assert!(days.is_empty());
        let (months, days) = spans(d("2026-01-15"), d("2026-03-10"));
        assert_eq!(months, vec![day_number(d("2026-02-01"))]);
        assert_eq!(
            days,
            vec![
                (day_number(d("2026-01-15")), day_number(d("2026-01-31"))),
                (day_number(d("2026-03-01")), day_number(d("2026-03-10")))
            ]
        );
        let (months, days) = spans(d("2026-11-23"), d("2026-11-29"));
        assert!(months.is_empty());
        assert_eq!(days.len(), 1);
    }
}
