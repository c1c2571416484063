//! Time-limit policies and the calendar.

use crate::cached::Cached;
use crate::error::backend;
use crate::rows::*;
use crate::writes::*;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::calendar::CalendarDay;
use fengqiao_domain::deadline::TimePolicy;
use fengqiao_store::*;
use rusqlite::params;

#[async_trait]
impl ConfigStore for SqliteStore {
    async fn policies(&self) -> Result<Vec<TimePolicy>> {
        self.read(|conn| {
            query_all(conn, "SELECT id, category_id, priority, stage, amount, unit FROM time_policies ORDER BY id", [], policy_from_row)
        })
        .await
    }

    async fn upsert_policy(&self, p: TimePolicy, audit: Audit) -> Result<TimePolicy> {
        self.write(move |conn| {
            conn.execute_cached(
                "DELETE FROM time_policies WHERE COALESCE(category_id, 0) = COALESCE(?1, 0) AND COALESCE(priority, '') = COALESCE(?2, '') AND stage = ?3",
                params![p.category_id.map(|c| c.0), p.priority.map(|x| x.as_str()), p.stage.as_str()],
            )
            .map_err(backend)?;
            conn.execute_cached(
                "INSERT INTO time_policies (category_id, priority, stage, amount, unit) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![p.category_id.map(|c| c.0), p.priority.map(|x| x.as_str()), p.stage.as_str(), p.limit.amount, p.limit.unit.as_str()],
            )
            .map_err(backend)?;
            let id = conn.last_insert_rowid();
            let rule = format!(
                "category={:?} priority={:?} {} = {} {}",
                p.category_id.map(|c| c.0),
                p.priority.map(|x| x.as_str()),
                p.stage.as_str(),
                p.limit.amount,
                p.limit.unit.as_str()
            );
            write_audit(conn, &audit, "policy.set", &format!("policy:{id}"), &rule)?;
            Ok(TimePolicy { id, ..p })
        })
        .await
    }

    async fn calendar_days(&self) -> Result<Vec<CalendarDay>> {
        self.read(|conn| {
            query_all(
                conn,
                "SELECT day, kind, name FROM calendar_days ORDER BY day",
                [],
                calendar_from_row,
            )
        })
        .await
    }

    async fn upsert_calendar_days(&self, days: Vec<CalendarDay>, audit: Audit) -> Result<usize> {
        self.write(move |conn| {
            let mut st = conn
                .prepare_cached(
                    "INSERT INTO calendar_days (day, kind, name) VALUES (?1, ?2, ?3)
                     ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name",
                )
                .map_err(backend)?;
            for d in &days {
                st.execute(params![
                    d.date.format("%Y-%m-%d").to_string(),
                    d.kind.as_str(),
                    d.name
                ])
                .map_err(backend)?;
            }
            let first = days.iter().map(|d| d.date).min();
            let last = days.iter().map(|d| d.date).max();
            if let (Some(first), Some(last)) = (first, last) {
                write_audit(
                    conn,
                    &audit,
                    "calendar.import",
                    "calendar",
                    &format!("{} days, {first}..{last}", days.len()),
                )?;
            }
            Ok(days.len())
        })
        .await
    }
}
