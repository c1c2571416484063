//! Reading cases.

use crate::cached::Cached;
use crate::error::backend;
use crate::query::*;
use crate::rows::*;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::case::{Case, CaseState, Event};
use fengqiao_domain::ids::{CaseId, CaseNo};
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use rusqlite::{params, Connection, OptionalExtension};

pub(crate) fn load_record(conn: &Connection, id: CaseId) -> Result<Option<CaseRecord>> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = ?1"));
    let case = conn
        .query_row_cached(&SQL, [id.0], case_from_row)
        .optional()
        .map_err(backend)?;
    let Some(case) = case else { return Ok(None) };
    let mut st = conn
        .prepare_cached("SELECT name, phone, channel, reported_at, original_case_id FROM reporters WHERE case_id = ?1 ORDER BY id")
        .map_err(backend)?;
    let reporters = st
        .query_map([id.0], reporter_from_row)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    let mut st = conn
        .prepare_cached("SELECT id, case_id, unit_id, instructions, due_at, state, reply, replied_at FROM case_tasks WHERE case_id = ?1 ORDER BY id")
        .map_err(backend)?;
    let tasks = st
        .query_map([id.0], task_from_row)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    let mut st = conn
        .prepare_cached("SELECT id, state FROM cases WHERE parent_id = ?1 ORDER BY id")
        .map_err(backend)?;
    let children = st
        .query_map([id.0], |r| {
            Ok((CaseId(r.get(0)?), parse_enum(r, 1, CaseState::parse)?))
        })
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(Some(CaseRecord {
        case,
        reporters,
        tasks,
        children,
    }))
}

fn attributes_of(conn: &Connection, id: CaseId) -> Result<Vec<(String, String)>> {
    query_all(
        conn,
        "SELECT code, value FROM case_attributes WHERE case_id = ?1 ORDER BY rowid",
        [id.0],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

fn media_of(conn: &Connection, id: CaseId) -> Result<Vec<String>> {
    query_all(
        conn,
        "SELECT url FROM case_media WHERE case_id = ?1 ORDER BY position",
        [id.0],
        |r| r.get(0),
    )
}

fn case_sheet(conn: &Connection, id: CaseId) -> Result<Option<CaseSheet>> {
    let Some(record) = load_record(conn, id)? else {
        return Ok(None);
    };
    let parent_unit = match record.case.handling.parent_id {
        Some(p) => conn
            .query_row_cached("SELECT unit_id FROM cases WHERE id = ?1", [p.0], |r| {
                r.get::<_, Option<i64>>(0)
            })
            .optional()
            .map_err(backend)?
            .flatten()
            .map(fengqiao_domain::ids::UnitId),
        None => None,
    };
    let client_name = conn
        .query_row_cached(
            "SELECT a.name FROM cases c JOIN api_clients a ON a.id = c.client_id WHERE c.id = ?1",
            [id.0],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    Ok(Some(CaseSheet {
        record,
        parent_unit,
        suggestion: crate::triage::suggestion(conn, id)?,
        duplicate_proposals: crate::triage::proposals(conn, id)?,
        client_name,
        attributes: attributes_of(conn, id)?,
        media: media_of(conn, id)?,
        photo_places: crate::photos::photo_places_of(conn, id)?,
    }))
}

#[async_trait]
impl CaseQueryStore for SqliteStore {
    async fn case_sheet(&self, id: CaseId) -> Result<Option<CaseSheet>> {
        self.read_point(move |conn| case_sheet(conn, id)).await
    }

    async fn case(&self, id: CaseId) -> Result<Option<CaseRecord>> {
        self.read_point(move |conn| load_record(conn, id)).await
    }

    async fn case_id_by_no(&self, no: &CaseNo) -> Result<Option<CaseId>> {
        let no = no.as_str().to_string();
        // A unique index's one row: read here, not handed to the blocking pool (a 12345
        // import asks this and the next for every row).
        self.read_point(move |conn| {
            conn.query_row_cached("SELECT id FROM cases WHERE case_no = ?1", [no], |r| {
                Ok(CaseId(r.get(0)?))
            })
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn case_id_by_idempotency_key(&self, key: &str) -> Result<Option<CaseId>> {
        let key = key.to_string();
        self.read_point(move |conn| {
            conn.query_row_cached(
                "SELECT id FROM cases WHERE idempotency_key = ?1",
                [key],
                |r| Ok(CaseId(r.get(0)?)),
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn export_page(&self, after: CaseId, limit: u32) -> Result<Vec<ExportRow>> {
        self.read(move |conn| {
            let cols = CASE_COLUMNS.split(", ").map(|c| format!("c.{}", c.trim())).collect::<Vec<_>>().join(", ");
            let n = CASE_COLUMNS.split(", ").count();
            let sql = format!(
                "SELECT {cols}, r.name, r.phone, r.channel, r.reported_at, r.original_case_id, c.idempotency_key
                 FROM cases c
                 LEFT JOIN reporters r ON r.id = (SELECT MIN(id) FROM reporters WHERE case_id = c.id)
                 WHERE c.id > ?1 ORDER BY c.id LIMIT ?2"
            );
            let mut st = conn.prepare_cached(&sql).map_err(backend)?;
            let rows = st
                .query_map(params![after.0, limit as i64], |r| {
                    let case = case_from_row(r)?;
                    let reporter = match r.get::<_, Option<String>>(n + 2)? {
                        Some(channel) => Some({
                            let (phone, phone_unread) = crate::rows::read_phone(r.get(n + 1)?);
                            fengqiao_domain::case::Reporter {
                            name: r.get(n)?,
                            phone,
                            phone_unread,
                            channel: fengqiao_domain::Channel::parse(&channel).unwrap_or(case.channel),
                            reported_at: ts(r.get(n + 3)?),
                            original_case_id: CaseId(r.get(n + 4)?),
                        }}),
                        None => None,
                    };
                    Ok(ExportRow { case, reporter, idempotency_key: r.get(n + 5)? })
                })
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(rows)
        })
        .await
    }

    async fn list_cases(&self, scope: &Scope, filter: &CaseFilter) -> Result<Page<Case>> {
        let scope = scope.clone();
        let filter = filter.clone();
        self.read(move |conn| {
            let region_path: Option<String> = match filter.region_id {
                Some(r) => Some(
                    conn.query_row_cached("SELECT path FROM regions WHERE id = ?1", [r.0], |row| row.get(0))
                        .optional()
                        .map_err(backend)?
                        .ok_or_else(|| StoreError::InvalidReference(format!("区域 {r} 不存在")))?,
                ),
                None => None,
            };
            let (clause, mut args) = filter_sql(&scope, &filter, region_path);
            // Counting every match costs a scan; lists that do not show a total skip it.
            let total: i64 = if filter.skip_total {
                0
            } else {
                conn.query_row_cached(&format!("SELECT COUNT(*) FROM cases c WHERE {clause}"), rusqlite::params_from_iter(args.iter()), |r| r.get(0))
                    .map_err(backend)?
            };
            let max = if filter.public_only {
                fengqiao_domain::limits::PUBLIC_PAGE_SIZE_MAX
            } else {
                fengqiao_domain::limits::PAGE_SIZE_MAX
            };
            let page_size = filter.page_size.clamp(1, max);
            let page = filter.page.max(1);
            args.push(rusqlite::types::Value::Integer(page_size as i64));
            let lim = args.len();
            args.push(rusqlite::types::Value::Integer(((page - 1) as i64) * page_size as i64));
            let off = args.len();
            let cols = CASE_COLUMNS.split(", ").map(|c| format!("c.{}", c.trim())).collect::<Vec<_>>().join(", ");
            let order = if filter.urgent_first {
                "CASE c.overdue_level WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 ELSE 2 END, \
                 CASE c.state WHEN 'dispatched' THEN c.accept_due ELSE c.reply_due END IS NULL, \
                 CASE c.state WHEN 'dispatched' THEN c.accept_due ELSE c.reply_due END, c.id DESC"
            } else {
                "c.id DESC"
            };
            let mut st = conn
                .prepare(&format!("SELECT {cols} FROM cases c WHERE {clause} ORDER BY {order} LIMIT ?{lim} OFFSET ?{off}"))
                .map_err(backend)?;
            let items = st
                .query_map(rusqlite::params_from_iter(args.iter()), case_from_row)
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(Page { items, total: total as u64, page, page_size })
        })
        .await
    }

    async fn events(&self, id: CaseId) -> Result<Vec<Event>> {
        self.read(move |conn| {
            query_all(
                conn,
                &format!("SELECT {EVENT_COLUMNS} FROM case_events WHERE case_id = ?1 ORDER BY id"),
                [id.0],
                event_from_row,
            )
        })
        .await
    }

    async fn public_events_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<(Event, String)>> {
        // Only the steps the public is shown, so the limit counts what is answered.
        let steps = fengqiao_domain::lifecycle::ActionKind::ALL
            .iter()
            .filter(|k| fengqiao_domain::publication::is_public_step(**k))
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        self.read(move |conn| {
            query_all(
                conn,
                &format!("SELECT e.id, e.case_id, e.action, e.from_state, e.to_state, e.actor_id, e.actor_name, e.remark, e.at, e.unit_id, e.due_at, e.on_time, c.case_no
                 FROM case_events e JOIN cases c ON c.id = e.case_id
                 WHERE e.at >= ?1 AND e.at < ?2 AND {PUBLISHABLE} AND e.action IN ({steps})
                 ORDER BY e.at, e.id LIMIT ?3"),
                params![ms(from), ms(to), limit as i64],
                |r| Ok((event_from_row(r)?, r.get(12)?)),
            )
        })
        .await
    }

    async fn open_timed_cases(&self, after: CaseId, limit: u32) -> Result<Vec<Case>> {
        self.read(move |conn| {
            let timed = &*TIMED;
            query_all(
                conn,
                &format!(
                    "SELECT {CASE_COLUMNS} FROM cases WHERE id > ?1 AND state IN ({timed})
                     ORDER BY id LIMIT ?2"
                ),
                params![after.0, limit],
                case_from_row,
            )
        })
        .await
    }

    async fn count_cases(&self, scope: &Scope) -> Result<StateCount> {
        let scope = scope.clone();
        self.read(move |conn| {
            let mut args = Vec::new();
            let clause = scope_sql(&scope, &mut args);
            let closed = &*CLOSED;
            conn.query_row_cached(
                &format!(
                    "SELECT COUNT(*),
                            COALESCE(SUM(CASE WHEN c.state NOT IN ({closed}) THEN 1 ELSE 0 END), 0),
                            COALESCE(SUM(CASE WHEN c.overdue_level = 'red' AND c.state NOT IN ({closed}) THEN 1 ELSE 0 END), 0),
                            COALESCE(SUM(CASE WHEN c.overdue_level = 'yellow' AND c.state NOT IN ({closed}) THEN 1 ELSE 0 END), 0)
                     FROM cases c WHERE {clause}"
                ),
                rusqlite::params_from_iter(args.iter()),
                |r| {
                    Ok(StateCount {
                        total: r.get::<_, i64>(0)? as u64,
                        open: r.get::<_, i64>(1)? as u64,
                        overdue_red: r.get::<_, i64>(2)? as u64,
                        overdue_yellow: r.get::<_, i64>(3)? as u64,
                    })
                },
            )
            .map_err(backend)
        })
        .await
    }

    async fn notifications(&self, id: CaseId) -> Result<Vec<Notification>> {
        self.read(move |conn| {
            query_all(
                conn,
                &format!(
                    "SELECT {} FROM notifications WHERE case_id = ?1 ORDER BY id",
                    crate::notifications::NOTIFICATION_COLUMNS
                ),
                [id.0],
                crate::notifications::notification_from_row,
            )
        })
        .await
    }

    async fn case_attributes(&self, id: CaseId) -> Result<Vec<(String, String)>> {
        self.read(move |conn| attributes_of(conn, id)).await
    }

    async fn case_media(&self, id: CaseId) -> Result<Vec<String>> {
        self.read(move |conn| media_of(conn, id)).await
    }

    async fn case_details(&self, ids: &[CaseId]) -> Result<CaseDetails> {
        let ids: Vec<i64> = ids.iter().map(|c| c.0).collect();
        self.read(move |conn| {
            let mut d = CaseDetails::default();
            for chunk in ids.chunks(IN_CHUNK) {
                let marks = vec!["?"; chunk.len()].join(", ");
                let args = || rusqlite::params_from_iter(chunk.iter());
                d.events.extend(query_all(
                    conn,
                    &format!("SELECT {EVENT_COLUMNS} FROM case_events WHERE case_id IN ({marks}) ORDER BY case_id, id"),
                    args(),
                    event_from_row,
                )?);
                d.attributes.extend(query_all(
                    conn,
                    &format!("SELECT case_id, code, value FROM case_attributes WHERE case_id IN ({marks}) ORDER BY case_id, rowid"),
                    args(),
                    |r| Ok((CaseId(r.get(0)?), r.get(1)?, r.get(2)?)),
                )?);
                d.media.extend(query_all(
                    conn,
                    &format!("SELECT case_id, url FROM case_media WHERE case_id IN ({marks}) ORDER BY case_id, position"),
                    args(),
                    |r| Ok((CaseId(r.get(0)?), r.get(1)?)),
                )?);
            }
            Ok(d)
        })
        .await
    }

    async fn case_numbers(&self, ids: &[CaseId]) -> Result<Vec<(CaseId, CaseNo)>> {
        let ids: Vec<i64> = ids.iter().map(|c| c.0).collect();
        self.read(move |conn| {
            let mut out = Vec::new();
            for chunk in ids.chunks(IN_CHUNK) {
                let marks = vec!["?"; chunk.len()].join(", ");
                let rows: Vec<(i64, String)> = query_all(
                    conn,
                    &format!("SELECT id, case_no FROM cases WHERE id IN ({marks})"),
                    rusqlite::params_from_iter(chunk.iter()),
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                for (id, no) in rows {
                    let no = CaseNo::parse(&no)
                        .map_err(|e| StoreError::backend(format!("case {id}: {e}")))?;
                    out.push((CaseId(id), no));
                }
            }
            Ok(out)
        })
        .await
    }

    async fn first_media(&self, ids: &[CaseId]) -> Result<Vec<(CaseId, String)>> {
        let (Some(lo), Some(hi)) = (ids.iter().min(), ids.iter().max()) else {
            return Ok(Vec::new());
        };
        let (lo, hi) = (lo.0, hi.0);
        let wanted: std::collections::HashSet<i64> = ids.iter().map(|c| c.0).collect();
        // Few cases have media: one range scan of the media table over the page's ids is
        // cheaper than a thousand-parameter IN list.
        self.read(move |conn| {
            let rows: Vec<(CaseId, String)> = query_all(
                conn,
                "SELECT case_id, url FROM case_media WHERE case_id BETWEEN ?1 AND ?2 AND position = 0",
                params![lo, hi],
                |r| Ok((CaseId(r.get(0)?), r.get(1)?)),
            )?;
            Ok(rows.into_iter().filter(|(id, _)| wanted.contains(&id.0)).collect())
        })
        .await
    }
}
