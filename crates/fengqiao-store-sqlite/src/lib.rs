//! The embedded SQLite backend.
//!
//! One writer thread owns the only write connection and applies jobs in batches: every job in a
//! batch runs inside its own SAVEPOINT (so one failing job changes nothing and does not disturb the
//! others), then the batch commits once with `synchronous=FULL`, and only then is each caller told
//! its result. That is group commit: an acknowledged write is on disk, and one fsync serves many
//! concurrent requests. Reads go to a small pool of read connections, which WAL lets run beside
//! the writer.

mod rows;
mod triage;

use async_trait::async_trait;
use fengqiao_domain::attributes::ServiceAttribute;
use fengqiao_domain::calendar::CalendarDay;
use fengqiao_domain::case::{Case, CaseState, Event};
use fengqiao_domain::deadline::TimePolicy;
use fengqiao_domain::ids::{CaseId, CaseNo, RegionId, UserId};
use fengqiao_domain::lifecycle::Effect;
use fengqiao_domain::org::{Category, Region, Unit, User};
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use rows::*;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, LazyLock, Mutex};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_triage.sql")),
    (3, include_str!("../migrations/0003_api_clients.sql")),
    (4, include_str!("../migrations/0004_service_attributes.sql")),
    (5, include_str!("../migrations/0005_external_updates.sql")),
    (6, include_str!("../migrations/0006_case_media.sql")),
    (7, include_str!("../migrations/0007_cases_category.sql")),
];
/// SQL lists of states, derived from the domain's definitions.
fn state_list(pred: fn(CaseState) -> bool) -> String {
    CaseState::ALL
        .iter()
        .filter(|s| pred(**s))
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(",")
}
static CLOSED: LazyLock<String> = LazyLock::new(|| state_list(|s| !s.is_open()));
static TIMED: LazyLock<String> = LazyLock::new(|| state_list(CaseState::is_timed));

/// Most jobs one transaction takes; bounds the latency a batch adds.
const MAX_BATCH: usize = 512;

type Finish = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A write: called with the connection inside the batch's transaction (or with `None` when the
/// batch cannot run it), it returns whether it succeeded and how to tell its caller once the
/// batch's fate is known.
type Job = Box<dyn FnOnce(Option<&Connection>) -> (bool, Finish) + Send>;

pub struct SqliteStore {
    path: PathBuf,
    writer: mpsc::Sender<Job>,
    readers: Arc<Mutex<Vec<Connection>>>,
}

fn backend(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(code, msg) = &e {
        if code.code == rusqlite::ErrorCode::ConstraintViolation {
            let m = msg.clone().unwrap_or_default();
            if m.contains("UNIQUE") {
                return StoreError::Duplicate(m);
            }
            if m.contains("FOREIGN KEY") {
                return StoreError::InvalidReference("引用的记录不存在".into());
            }
        }
    }
    StoreError::Backend(e.to_string())
}

fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).map_err(backend)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(backend)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(backend)?;
    Ok(conn)
}

/// Applies the migrations not yet applied. Each migration is one transaction.
pub fn migrate(conn: &Connection) -> Result<usize> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )
    .map_err(backend)?;
    let mut applied = 0;
    for (version, sql) in MIGRATIONS {
        let done: Option<i64> = conn
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?;
        if done.is_some() {
            continue;
        }
        let tx = conn.unchecked_transaction().map_err(backend)?;
        tx.execute_batch(sql).map_err(backend)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            params![version, chrono::Utc::now().timestamp_millis()],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)?;
        applied += 1;
    }
    Ok(applied)
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies pending migrations.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Backend(format!("{}: {e}", dir.display())))?;
            }
        }
        let conn = open_connection(&path)?;
        migrate(&conn)?;
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(SqliteStore {
            path,
            writer: tx,
            readers: Arc::new(Mutex::new(Vec::new())),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the writer thread inside the next group commit.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let res = match conn {
                Some(conn) => f(conn),
                None => Err(StoreError::Backend(
                    "the write was not run: its batch failed".into(),
                )),
            };
            let ok = res.is_ok();
            let finish: Finish = Box::new(move |commit| {
                // A job's own error wins; otherwise the batch's commit decides.
                let _ = tx.send(res.and_then(|v| commit.map(|()| v)));
            });
            (ok, finish)
        });
        self.writer
            .send(job)
            .map_err(|_| StoreError::Backend("the database writer has stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::Backend("the database writer has stopped".into()))?
    }

    /// Runs `f` on a pooled read connection on the blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let readers = self.readers.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.lock().expect("reader pool").pop();
            let conn = match conn {
                Some(c) => c,
                None => open_connection(&path)?,
            };
            let res = f(&conn);
            let mut pool = readers.lock().expect("reader pool");
            if pool.len() < 16 {
                pool.push(conn);
            }
            res
        })
        .await
        .map_err(|e| StoreError::Backend(format!("read task failed: {e}")))?
    }
}

fn writer_loop(conn: Connection, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            let msg = format!("could not begin a write transaction: {e}");
            tracing::error!("{msg}");
            for job in batch {
                let (_, finish) = job(None);
                finish(Err(StoreError::Backend(msg.clone())));
            }
            continue;
        }
        // Once a savepoint cannot be set, released or rolled back, the transaction's content is
        // unknown: the whole batch is rolled back and every job in it fails.
        let mut broken: Option<String> = None;
        let mut finishers = Vec::with_capacity(batch.len());
        for job in batch {
            if broken.is_none() {
                if let Err(e) = conn.execute_batch("SAVEPOINT job") {
                    broken = Some(e.to_string());
                }
            }
            if broken.is_some() {
                finishers.push(job(None).1);
                continue;
            }
            let (ok, finish) = job(Some(&conn));
            let end = if ok {
                conn.execute_batch("RELEASE job")
            } else {
                conn.execute_batch("ROLLBACK TO job; RELEASE job")
            };
            if let Err(e) = end {
                broken = Some(e.to_string());
            }
            finishers.push(finish);
        }
        let outcome = match broken {
            Some(m) => Err(m),
            None => conn.execute_batch("COMMIT").map_err(|e| e.to_string()),
        };
        if let Err(m) = &outcome {
            tracing::error!(error = %m, "write batch rolled back");
            let _ = conn.execute_batch("ROLLBACK");
        }
        for finish in finishers {
            finish(outcome.clone().map_err(StoreError::Backend));
        }
    }
}

fn load_record(conn: &Connection, id: CaseId) -> Result<Option<CaseRecord>> {
    let case = conn
        .query_row(
            &format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = ?1"),
            [id.0],
            case_from_row,
        )
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

fn write_audit(
    conn: &Connection,
    a: &Audit,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut st| st.execute(params![ms(a.at), a.actor_id.map(|u| u.0), a.actor_name, action, target, detail]))
    .map_err(backend)?;
    Ok(())
}

/// Ids per `IN (…)` list: well under SQLite's parameter limit, and a statement per size of
/// chunk stays in the statement cache.
const IN_CHUNK: usize = 500;

fn external_update_from_row(r: &rusqlite::Row) -> rusqlite::Result<ExternalUpdate> {
    Ok(ExternalUpdate {
        client_id: r.get(0)?,
        external_id: r.get(1)?,
        case_id: CaseId(r.get(2)?),
        event_id: r.get(3)?,
    })
}

fn insert_event(conn: &Connection, e: &Event) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO case_events (case_id, action, from_state, to_state, actor_id, actor_name, remark, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .and_then(|mut st| {
        st.execute(params![
            e.case_id.0,
            e.action,
            e.from_state.map(|s| s.as_str()),
            e.to_state.as_str(),
            e.actor_id.map(|u| u.0),
            e.actor_name,
            e.remark,
            ms(e.at)
        ])
    })
    .map_err(backend)?;
    Ok(())
}

fn next_id(conn: &Connection, table: &str) -> Result<i64> {
    conn.query_row(
        &format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"),
        [],
        |r| r.get(0),
    )
    .map_err(backend)
}

fn insert_reporter(
    conn: &Connection,
    case_id: CaseId,
    r: &fengqiao_domain::case::Reporter,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO reporters (case_id, original_case_id, name, phone, channel, reported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut st| {
        st.execute(params![
            case_id.0,
            r.original_case_id.0,
            r.name,
            r.phone.as_ref().map(|p| p.as_str()),
            r.channel.as_str(),
            ms(r.reported_at)
        ])
    })
    .map_err(backend)?;
    Ok(())
}

fn insert_task(conn: &Connection, t: &fengqiao_domain::case::Task) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO case_tasks (case_id, unit_id, instructions, due_at, state, reply, replied_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut st| {
        st.execute(params![
            t.case_id.0,
            t.unit_id.0,
            t.instructions,
            ms(t.due_at),
            t.state.as_str(),
            t.reply,
            t.replied_at.map(ms)
        ])
    })
    .map_err(backend)?;
    Ok(())
}

fn notify_reporters(
    conn: &Connection,
    case_id: CaseId,
    message: &str,
    at: Timestamp,
) -> Result<()> {
    conn.execute(
        "INSERT INTO notifications (case_id, phone, message, created_at)
         SELECT case_id, phone, ?2, ?3 FROM reporters WHERE case_id = ?1",
        params![case_id.0, message, ms(at)],
    )
    .map_err(backend)?;
    Ok(())
}

fn apply_changeset(conn: &Connection, ch: &Changeset) -> Result<Case> {
    let mut case = ch.case.clone();
    let n = update_case(conn, &case).map_err(backend)?;
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    case.version += 1;
    let event = |case_id: CaseId,
                 action: &str,
                 from: Option<CaseState>,
                 to: CaseState,
                 remark: Option<String>| Event {
        id: 0,
        case_id,
        action: action.to_string(),
        from_state: from,
        to_state: to,
        actor_id: ch.actor_id,
        actor_name: ch.actor_name.clone(),
        remark,
        at: ch.at,
    };
    insert_event(
        conn,
        &event(
            case.id,
            ch.event.action.as_str(),
            ch.event.from,
            ch.event.to,
            ch.event.remark.clone(),
        ),
    )?;
    if let Some(r) = &ch.external {
        let event_id = conn.last_insert_rowid();
        conn.prepare_cached(
            "INSERT INTO external_updates (client_id, external_id, case_id, event_id) VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut st| st.execute(params![r.client_id, r.external_id, case.id.0, event_id]))
        .map_err(|e| match backend(e) {
            StoreError::Duplicate(_) => StoreError::Duplicate(format!(
                "更新 {} 已经提交过",
                r.external_id
            )),
            e => e,
        })?;
    }
    for effect in &ch.effects {
        match effect {
            Effect::CreateChild(child) => {
                let id = CaseId(next_id(conn, "cases")?);
                let c = fengqiao_domain::case::child_case(&case, child, id, ch.at);
                insert_case(conn, &c, None).map_err(backend)?;
                insert_event(
                    conn,
                    &event(
                        id,
                        "sub_dispatch",
                        None,
                        c.state,
                        Some(format!(
                            "由 {} 二次派单：{}",
                            case.case_no, child.instructions
                        )),
                    ),
                )?;
            }
            Effect::CreateTasks(tasks) => {
                for t in tasks {
                    insert_task(
                        conn,
                        &fengqiao_domain::case::Task {
                            id: fengqiao_domain::ids::TaskId(0),
                            case_id: case.id,
                            unit_id: t.unit_id,
                            instructions: t.instructions.clone(),
                            due_at: t.due_at,
                            state: fengqiao_domain::case::TaskState::Dispatched,
                            reply: None,
                            replied_at: None,
                        },
                    )?;
                }
            }
            Effect::UpdateTask(t) => {
                conn.execute(
                    "UPDATE case_tasks SET state = ?1, reply = ?2, replied_at = ?3 WHERE id = ?4 AND case_id = ?5",
                    params![t.state.as_str(), t.reply, t.replied_at.map(ms), t.id.0, case.id.0],
                )
                .map_err(backend)?;
            }
            Effect::MergeInto { target } => {
                let ts = touch_open_case(conn, *target, ch.at)?;
                let reporters = load_record(conn, case.id)?
                    .map(|r| r.reporters)
                    .unwrap_or_default();
                for r in &reporters {
                    insert_reporter(conn, *target, r)?;
                }
                let note = format!("并入工单 {}（{} 位诉求人）", case.case_no, reporters.len());
                insert_event(conn, &event(*target, "merge_in", Some(ts), ts, Some(note)))?;
            }
            Effect::SplitFrom { target } => {
                let ts = touch_open_case(conn, *target, ch.at)?;
                // The reporters this case brought (its own and any merged into it before) leave
                // the target; the target's own reporters stay.
                let removed = conn
                    .execute(
                        "DELETE FROM reporters WHERE case_id = ?1 AND original_case_id IN
                           (SELECT original_case_id FROM reporters WHERE case_id = ?2)",
                        params![target.0, case.id.0],
                    )
                    .map_err(backend)?;
                let note = format!("拆出工单 {}（{removed} 位诉求人）", case.case_no);
                insert_event(conn, &event(*target, "split_out", Some(ts), ts, Some(note)))?;
            }
            Effect::NotifyReporters { message } => notify_reporters(conn, case.id, message, ch.at)?,
            Effect::NotifyParent { parent } => {
                let st: Option<String> = conn
                    .query_row("SELECT state FROM cases WHERE id = ?1", [parent.0], |r| {
                        r.get(0)
                    })
                    .optional()
                    .map_err(backend)?;
                if let Some(ps) = st.as_deref().and_then(CaseState::parse) {
                    insert_event(
                        conn,
                        &event(
                            *parent,
                            "child_replied",
                            Some(ps),
                            ps,
                            Some(format!("下级工单 {} 已办结", case.case_no)),
                        ),
                    )?;
                }
            }
        }
    }
    if let Some(f) = &ch.feedback {
        triage::insert_feedback(conn, case.id, f, ch.actor_id, ch.at)?;
    }
    for (a, b, status) in &ch.settles {
        triage::settle(conn, *a, *b, *status, ch.at)?;
    }
    Ok(case)
}

const API_CLIENT_COLUMNS: &str = "id, name, key_prefix, created_at, created_by, revoked_at";

fn api_client_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApiClient> {
    Ok(ApiClient {
        id: r.get(0)?,
        name: r.get(1)?,
        key_prefix: r.get(2)?,
        created_at: ts(r.get(3)?),
        created_by: r.get(4)?,
        revoked_at: r.get::<_, Option<i64>>(5)?.map(ts),
    })
}

fn api_client(conn: &Connection, id: i64) -> Result<ApiClient> {
    conn.query_row(
        &format!("SELECT {API_CLIENT_COLUMNS} FROM api_clients WHERE id = ?1"),
        [id],
        api_client_from_row,
    )
    .optional()
    .map_err(backend)?
    .ok_or_else(|| StoreError::NotFound(format!("接入方 {id} 不存在")))
}

/// Bumps the version of another case a change touches (merge, split), refusing when it has
/// closed meanwhile; returns its state.
fn touch_open_case(conn: &Connection, id: CaseId, at: Timestamp) -> Result<CaseState> {
    let closed = &*CLOSED;
    let n = conn
        .execute(
            &format!("UPDATE cases SET version = version + 1, updated_at = ?2 WHERE id = ?1 AND state NOT IN ({closed})"),
            params![id.0, ms(at)],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    let state: String = conn
        .query_row("SELECT state FROM cases WHERE id = ?1", [id.0], |r| {
            r.get(0)
        })
        .map_err(backend)?;
    Ok(CaseState::parse(&state).unwrap_or(CaseState::Registered))
}

fn scope_sql(scope: &Scope, args: &mut Vec<rusqlite::types::Value>) -> String {
    use rusqlite::types::Value;
    match scope {
        Scope::All => "1 = 1".into(),
        Scope::Region {
            path,
            include_unplaced,
        } => {
            args.push(Value::Text(format!("{path}%")));
            if *include_unplaced {
                format!(
                    "(c.region_path LIKE ?{} OR c.region_path IS NULL)",
                    args.len()
                )
            } else {
                format!("c.region_path LIKE ?{}", args.len())
            }
        }
        Scope::Unit {
            unit_id,
            user_id,
            region_path,
        } => {
            args.push(Value::Integer(unit_id.0));
            let u = args.len();
            args.push(Value::Integer(user_id.0));
            let me = args.len();
            let mut s = format!(
                "(c.unit_id = ?{u} OR c.created_by = ?{me}
                  OR EXISTS (SELECT 1 FROM case_tasks t WHERE t.case_id = c.id AND t.unit_id = ?{u})
                  OR EXISTS (SELECT 1 FROM cases p WHERE p.id = c.parent_id AND p.unit_id = ?{u})"
            );
            if let Some(p) = region_path {
                args.push(Value::Text(format!("{p}%")));
                s.push_str(&format!(" OR c.region_path LIKE ?{}", args.len()));
            }
            s.push(')');
            s
        }
    }
}

fn filter_sql(
    scope: &Scope,
    f: &CaseFilter,
    regions_path: Option<String>,
) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut args: Vec<Value> = Vec::new();
    let mut clauses = vec![scope_sql(scope, &mut args)];
    if !f.states.is_empty() {
        let mut marks = Vec::new();
        for s in &f.states {
            args.push(Value::Text(s.as_str().into()));
            marks.push(format!("?{}", args.len()));
        }
        clauses.push(format!("c.state IN ({})", marks.join(",")));
    }
    let eq = |col: &str, v: Option<Value>, args: &mut Vec<Value>, clauses: &mut Vec<String>| {
        if let Some(v) = v {
            args.push(v);
            clauses.push(format!("{col} = ?{}", args.len()));
        }
    };
    eq(
        "c.unit_id",
        f.unit_id.map(|x| Value::Integer(x.0)),
        &mut args,
        &mut clauses,
    );
    eq(
        "c.category_id",
        f.category_id.map(|x| Value::Integer(x.0)),
        &mut args,
        &mut clauses,
    );
    eq(
        "c.channel",
        f.channel.map(|x| Value::Text(x.as_str().into())),
        &mut args,
        &mut clauses,
    );
    eq(
        "c.overdue_level",
        f.overdue.map(|x| Value::Text(x.as_str().into())),
        &mut args,
        &mut clauses,
    );
    eq(
        "c.parent_id",
        f.parent_id.map(|x| Value::Integer(x.0)),
        &mut args,
        &mut clauses,
    );
    eq(
        "c.listed_supervision",
        f.listed_supervision.map(|x| Value::Integer(x as i64)),
        &mut args,
        &mut clauses,
    );
    if let Some(p) = regions_path {
        args.push(Value::Text(format!("{p}%")));
        clauses.push(format!("c.region_path LIKE ?{}", args.len()));
    }
    if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
        let escaped = q
            .trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        args.push(Value::Text(format!("%{escaped}%")));
        let i = args.len();
        clauses.push(format!(
            "(c.title LIKE ?{i} ESCAPE '\\' OR c.body LIKE ?{i} ESCAPE '\\' OR c.case_no LIKE ?{i} ESCAPE '\\')"
        ));
    }
    if let Some(t) = f.created_from {
        args.push(Value::Integer(ms(t)));
        clauses.push(format!("c.created_at >= ?{}", args.len()));
    }
    if let Some(t) = f.updated_from {
        args.push(Value::Integer(ms(t)));
        clauses.push(format!("c.updated_at >= ?{}", args.len()));
    }
    if let Some(t) = f.updated_to {
        args.push(Value::Integer(ms(t)));
        clauses.push(format!("c.updated_at <= ?{}", args.len()));
    }
    if !f.category_ids.is_empty() {
        let mut marks = Vec::new();
        for c in &f.category_ids {
            args.push(Value::Integer(c.0));
            marks.push(format!("?{}", args.len()));
        }
        clauses.push(format!("c.category_id IN ({})", marks.join(",")));
    }
    if !f.case_nos.is_empty() {
        let mut marks = Vec::new();
        for n in &f.case_nos {
            args.push(Value::Text(n.clone()));
            marks.push(format!("?{}", args.len()));
        }
        clauses.push(format!("c.case_no IN ({})", marks.join(",")));
    }
    if f.public_only {
        clauses.push("NOT c.is_petition AND c.category_id IS NOT NULL".into());
    }
    if let Some(t) = f.created_to {
        args.push(Value::Integer(ms(t)));
        clauses.push(format!("c.created_at < ?{}", args.len()));
    }
    (clauses.join(" AND "), args)
}

#[async_trait]
impl Store for SqliteStore {
    async fn insert_region(&self, r: NewRegion, audit: Audit) -> Result<Region> {
        self.write(move |conn| {
            let parent_path: Option<String> = match r.parent_id {
                Some(p) => Some(
                    conn.query_row("SELECT path FROM regions WHERE id = ?1", [p.0], |row| row.get(0))
                        .optional()
                        .map_err(backend)?
                        .ok_or_else(|| StoreError::InvalidReference(format!("上级区域 {p} 不存在")))?,
                ),
                None => None,
            };
            let id = next_id(conn, "regions")?;
            let path = format!("{}{id}/", parent_path.as_deref().unwrap_or("/"));
            conn.execute(
                "INSERT INTO regions (id, parent_id, name, level, path) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, r.parent_id.map(|p| p.0), r.name, r.level.as_str(), path],
            )
            .map_err(backend)?;
            write_audit(conn, &audit, "region.create", &format!("region:{id}"), &r.name)?;
            Ok(Region { id: RegionId(id), parent_id: r.parent_id, name: r.name, level: r.level, path })
        })
        .await
    }

    async fn regions(&self) -> Result<Vec<Region>> {
        self.read(|conn| {
            query_all(
                conn,
                "SELECT id, parent_id, name, level, path FROM regions ORDER BY path",
                [],
                region_from_row,
            )
        })
        .await
    }

    async fn insert_unit(&self, u: NewUnit, audit: Audit) -> Result<Unit> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO units (name, kind, platform, region_id) VALUES (?1, ?2, ?3, ?4)",
                params![
                    u.name,
                    u.kind.as_str(),
                    u.platform.map(|p| p.as_str()),
                    u.region_id.0
                ],
            )
            .map_err(backend)?;
            let id = conn.last_insert_rowid();
            write_audit(conn, &audit, "unit.create", &format!("unit:{id}"), &u.name)?;
            Ok(Unit {
                id: fengqiao_domain::ids::UnitId(id),
                name: u.name,
                kind: u.kind,
                platform: u.platform,
                region_id: u.region_id,
            })
        })
        .await
    }

    async fn units(&self) -> Result<Vec<Unit>> {
        self.read(|conn| {
            query_all(
                conn,
                "SELECT id, name, kind, platform, region_id FROM units ORDER BY id",
                [],
                unit_from_row,
            )
        })
        .await
    }

    async fn insert_category(&self, c: NewCategory, audit: Audit) -> Result<Category> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO categories (parent_id, name, default_unit_id, is_petition) VALUES (?1, ?2, ?3, ?4)",
                params![c.parent_id.map(|p| p.0), c.name, c.default_unit_id.map(|u| u.0), c.is_petition],
            )
            .map_err(backend)?;
            let id = conn.last_insert_rowid();
            write_audit(conn, &audit, "category.create", &format!("category:{id}"), &c.name)?;
            Ok(Category {
                id: fengqiao_domain::ids::CategoryId(id),
                parent_id: c.parent_id,
                name: c.name,
                default_unit_id: c.default_unit_id,
                is_petition: c.is_petition,
            })
        })
        .await
    }

    async fn categories(&self) -> Result<Vec<Category>> {
        self.read(|conn| {
            query_all(conn, "SELECT id, parent_id, name, default_unit_id, is_petition FROM categories ORDER BY id", [], category_from_row)
        })
        .await
    }

    async fn insert_user(&self, u: NewUser, audit: Audit) -> Result<User> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO users (username, display_name, role, region_id, unit_id, password_hash, active, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, TRUE, ?7)",
                params![u.username, u.display_name, u.role.as_str(), u.region_id.0, u.unit_id.map(|x| x.0), u.password_hash, ms(u.created_at)],
            )
            .map_err(|e| match backend(e) {
                StoreError::Duplicate(_) => StoreError::Duplicate(format!("用户名「{}」已被使用", u.username)),
                other => other,
            })?;
            let id = conn.last_insert_rowid();
            write_audit(conn, &audit, "user.create", &format!("user:{id}"), &format!("{} ({})", u.username, u.role.as_str()))?;
            Ok(User {
                id: UserId(id),
                username: u.username,
                display_name: u.display_name,
                role: u.role,
                region_id: u.region_id,
                unit_id: u.unit_id,
                active: true,
            })
        })
        .await
    }

    async fn users(&self) -> Result<Vec<User>> {
        self.read(|conn| {
            query_all(
                conn,
                &format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"),
                [],
                user_from_row,
            )
        })
        .await
    }

    async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>> {
        let username = username.to_string();
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = ?1"),
                [username],
                |r| Ok((user_from_row(r)?, r.get::<_, String>(7)?)),
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn insert_token(
        &self,
        user_id: UserId,
        token_hash: &str,
        created_at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        let token_hash = token_hash.to_string();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO tokens (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash, user_id.0, ms(created_at), ms(expires_at)],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn user_by_token(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>> {
        let token_hash = token_hash.to_string();
        self.read(move |conn| {
            let cols = USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ");
            conn.query_row(
                &format!(
                    "SELECT {cols} FROM tokens t JOIN users u ON u.id = t.user_id
                     WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND t.expires_at > ?2 AND u.active"
                ),
                params![token_hash, ms(now)],
                user_from_row,
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn revoke_token(&self, token_hash: &str, now: Timestamp) -> Result<()> {
        let token_hash = token_hash.to_string();
        self.write(move |conn| {
            conn.execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
                params![token_hash, ms(now)],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn policies(&self) -> Result<Vec<TimePolicy>> {
        self.read(|conn| {
            query_all(conn, "SELECT id, category_id, priority, stage, amount, unit FROM time_policies ORDER BY id", [], policy_from_row)
        })
        .await
    }

    async fn upsert_policy(&self, p: TimePolicy, audit: Audit) -> Result<TimePolicy> {
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM time_policies WHERE COALESCE(category_id, 0) = COALESCE(?1, 0) AND COALESCE(priority, '') = COALESCE(?2, '') AND stage = ?3",
                params![p.category_id.map(|c| c.0), p.priority.map(|x| x.as_str()), p.stage.as_str()],
            )
            .map_err(backend)?;
            conn.execute(
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

    async fn intake(&self, new: NewCase) -> Result<IntakeOutcome> {
        self.write(move |conn| {
            if let Some(key) = &new.idempotency_key {
                let existing: Option<i64> = conn
                    .prepare_cached("SELECT id FROM cases WHERE idempotency_key = ?1")
                    .and_then(|mut st| st.query_row([key], |r| r.get(0)).optional())
                    .map_err(backend)?;
                if let Some(id) = existing {
                    let rec = load_record(conn, CaseId(id))?
                        .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
                    return Ok(IntakeOutcome {
                        case: rec.case,
                        created: false,
                    });
                }
            }
            let mut intake = new.intake;
            intake.region_path = match intake.region_id {
                Some(r) => Some(
                    conn.prepare_cached("SELECT path FROM regions WHERE id = ?1")
                        .and_then(|mut st| st.query_row([r.0], |row| row.get(0)).optional())
                        .map_err(backend)?
                        .ok_or_else(|| StoreError::InvalidReference(format!("区域 {r} 不存在")))?,
                ),
                None => None,
            };
            let id = CaseId(next_id(conn, "cases")?);
            let case = fengqiao_domain::case::new_case(id, intake, new.received_at);
            insert_case(conn, &case, new.idempotency_key.as_deref()).map_err(backend)?;
            insert_reporter(
                conn,
                id,
                &fengqiao_domain::case::Reporter {
                    name: new.reporter_name,
                    phone: new.reporter_phone,
                    channel: case.channel,
                    reported_at: new.received_at,
                    original_case_id: id,
                },
            )?;
            insert_event(
                conn,
                &Event::intake(&case, case.created_by, &new.actor_name),
            )?;
            if let Some(s) = &new.suggestion {
                triage::insert_suggestion(conn, id, s)?;
            }
            for (code, value) in &new.attributes {
                conn.prepare_cached(
                    "INSERT INTO case_attributes (case_id, code, value) VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut st| st.execute(params![id.0, code, value]))
                .map_err(backend)?;
            }
            for (position, url) in new.media.iter().enumerate() {
                conn.prepare_cached(
                    "INSERT INTO case_media (case_id, position, url) VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut st| st.execute(params![id.0, position as i64, url]))
                .map_err(backend)?;
            }
            if let Some(client) = new.client_id {
                conn.execute(
                    "UPDATE cases SET client_id = ?2 WHERE id = ?1",
                    params![id.0, client],
                )
                .map_err(backend)?;
            }
            triage::insert_proposals(conn, id, &new.duplicates, new.received_at)?;
            Ok(IntakeOutcome {
                case,
                created: true,
            })
        })
        .await
    }

    async fn case(&self, id: CaseId) -> Result<Option<CaseRecord>> {
        self.read(move |conn| load_record(conn, id)).await
    }

    async fn case_id_by_no(&self, no: &CaseNo) -> Result<Option<CaseId>> {
        let no = no.as_str().to_string();
        self.read(move |conn| {
            conn.query_row("SELECT id FROM cases WHERE case_no = ?1", [no], |r| {
                Ok(CaseId(r.get(0)?))
            })
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
                        Some(channel) => Some(fengqiao_domain::case::Reporter {
                            name: r.get(n)?,
                            phone: r.get::<_, Option<String>>(n + 1)?.and_then(|p| fengqiao_domain::ids::Phone::parse(&p).ok()),
                            channel: fengqiao_domain::Channel::parse(&channel).unwrap_or(case.channel),
                            reported_at: ts(r.get(n + 3)?),
                            original_case_id: CaseId(r.get(n + 4)?),
                        }),
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

    async fn case_id_by_idempotency_key(&self, key: &str) -> Result<Option<CaseId>> {
        let key = key.to_string();
        self.read(move |conn| {
            conn.query_row(
                "SELECT id FROM cases WHERE idempotency_key = ?1",
                [key],
                |r| Ok(CaseId(r.get(0)?)),
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn amend_reported_case(&self, a: CaseAmendment, audit: Audit) -> Result<bool> {
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE cases SET title = ?2, body = ?3, address = ?4, priority = ?5, version = version + 1, updated_at = ?6
                     WHERE id = ?1 AND state = 'reported'",
                    params![a.id.0, a.title, a.body, a.address, a.priority.as_str(), ms(audit.at)],
                )
                .map_err(backend)?;
            if n == 1 {
                write_audit(conn, &audit, "case.amend", &format!("case:{}", a.id), "重新导入，更新诉求内容")?;
            }
            Ok(n == 1)
        })
        .await
    }

    async fn commit(&self, change: Changeset) -> Result<Case> {
        self.write(move |conn| apply_changeset(conn, &change)).await
    }

    async fn list_cases(&self, scope: &Scope, filter: &CaseFilter) -> Result<Page<Case>> {
        let scope = scope.clone();
        let filter = filter.clone();
        self.read(move |conn| {
            let region_path: Option<String> = match filter.region_id {
                Some(r) => Some(
                    conn.query_row("SELECT path FROM regions WHERE id = ?1", [r.0], |row| row.get(0))
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
                conn.query_row(&format!("SELECT COUNT(*) FROM cases c WHERE {clause}"), rusqlite::params_from_iter(args.iter()), |r| r.get(0))
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
            let mut st = conn
                .prepare(&format!("SELECT {cols} FROM cases c WHERE {clause} ORDER BY c.id DESC LIMIT ?{lim} OFFSET ?{off}"))
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
                "SELECT id, case_id, action, from_state, to_state, actor_id, actor_name, remark, at FROM case_events WHERE case_id = ?1 ORDER BY id",
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
        self.read(move |conn| {
            query_all(
                conn,
                "SELECT e.id, e.case_id, e.action, e.from_state, e.to_state, e.actor_id, e.actor_name, e.remark, e.at, c.case_no
                 FROM case_events e JOIN cases c ON c.id = e.case_id
                 WHERE e.at >= ?1 AND e.at < ?2 AND NOT c.is_petition AND c.category_id IS NOT NULL
                 ORDER BY e.at, e.id LIMIT ?3",
                params![ms(from), ms(to), limit as i64],
                |r| Ok((event_from_row(r)?, r.get(9)?)),
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

    async fn ping(&self) -> Result<()> {
        self.read(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).map_err(backend))
            .await
    }

    async fn count_cases(&self, scope: &Scope) -> Result<StateCount> {
        let scope = scope.clone();
        self.read(move |conn| {
            let mut args = Vec::new();
            let clause = scope_sql(&scope, &mut args);
            let closed = &*CLOSED;
            conn.query_row(
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
                "SELECT id, case_id, phone, message, created_at FROM notifications WHERE case_id = ?1 ORDER BY id",
                [id.0],
                |r| {
                    Ok(Notification {
                        id: r.get(0)?,
                        case_id: CaseId(r.get(1)?),
                        phone: r.get(2)?,
                        message: r.get(3)?,
                        created_at: ts(r.get(4)?),
                    })
                },
            )
        })
        .await
    }

    async fn insert_triage_model(
        &self,
        m: NewTriageModel,
        audit: Audit,
    ) -> Result<TriageModelInfo> {
        self.write(move |conn| triage::insert_model(conn, &m, &audit))
            .await
    }

    async fn triage_models(&self) -> Result<Vec<TriageModelInfo>> {
        self.read(triage::models).await
    }

    async fn active_triage_model(&self) -> Result<Option<(i64, Vec<u8>)>> {
        self.read(triage::active_model).await
    }

    async fn activate_triage_model(&self, version: i64, audit: Audit) -> Result<TriageModelInfo> {
        self.write(move |conn| triage::activate_model(conn, version, &audit))
            .await
    }

    async fn case_suggestion(&self, id: CaseId) -> Result<Option<Suggestion>> {
        self.read(move |conn| triage::suggestion(conn, id)).await
    }

    async fn mark_auto_dispatched(&self, id: CaseId) -> Result<()> {
        self.write(move |conn| triage::mark_auto_dispatched(conn, id))
            .await
    }

    async fn labelled_cases(&self) -> Result<Vec<LabelledCase>> {
        self.read(triage::labelled_cases).await
    }

    async fn open_texts(&self, since: Timestamp) -> Result<Vec<OpenText>> {
        self.read(move |conn| triage::open_texts(conn, since)).await
    }

    async fn duplicate_proposals(&self, id: CaseId) -> Result<Vec<DuplicateProposal>> {
        self.read(move |conn| triage::proposals(conn, id)).await
    }

    async fn dismiss_proposal(&self, id: i64, audit: Audit) -> Result<DuplicateProposal> {
        self.write(move |conn| triage::dismiss_proposal(conn, id, &audit))
            .await
    }

    async fn upsert_hotspot(&self, h: HotspotUpdate, audit: Audit) -> Result<Hotspot> {
        self.write(move |conn| triage::upsert_hotspot(conn, &h, &audit))
            .await
    }

    async fn hotspots(&self, since: Timestamp) -> Result<Vec<Hotspot>> {
        self.read(move |conn| triage::hotspots(conn, since)).await
    }

    async fn insert_category_attribute(
        &self,
        a: ServiceAttribute,
        audit: Audit,
    ) -> Result<ServiceAttribute> {
        self.write(move |conn| {
            let choices = serde_json::to_string(&a.values).map_err(|e| StoreError::Backend(e.to_string()))?;
            conn.execute(
                "INSERT INTO category_attributes (category_id, code, datatype, required, variable, description, datatype_description, ord, choices)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![a.category_id.0, a.code, a.datatype.as_str(), a.required, a.variable, a.description, a.datatype_description, a.order as i64, choices],
            )
            .map_err(|e| match backend(e) {
                StoreError::Duplicate(_) => StoreError::Duplicate(format!("分类 {} 已有代码为 {} 或顺序为 {} 的属性", a.category_id, a.code, a.order)),
                other => other,
            })?;
            let id = conn.last_insert_rowid();
            write_audit(conn, &audit, "category.attribute", &format!("category:{}", a.category_id), &a.code)?;
            Ok(ServiceAttribute { id, ..a })
        })
        .await
    }

    async fn category_attributes(&self) -> Result<Vec<ServiceAttribute>> {
        self.read(|conn| {
            query_all(
                conn,
                "SELECT id, category_id, code, datatype, required, variable, description, datatype_description, ord, choices
                 FROM category_attributes ORDER BY category_id, ord",
                [],
                |r| {
                    Ok(ServiceAttribute {
                        id: r.get(0)?,
                        category_id: fengqiao_domain::ids::CategoryId(r.get(1)?),
                        code: r.get(2)?,
                        datatype: parse_enum(r, 3, fengqiao_domain::attributes::AttrType::parse)?,
                        required: r.get(4)?,
                        variable: r.get(5)?,
                        description: r.get(6)?,
                        datatype_description: r.get(7)?,
                        order: r.get::<_, i64>(8)? as u32,
                        values: serde_json::from_str(&r.get::<_, String>(9)?).unwrap_or_default(),
                    })
                },
            )
        })
        .await
    }

    async fn case_attributes(&self, id: CaseId) -> Result<Vec<(String, String)>> {
        self.read(move |conn| {
            query_all(
                conn,
                "SELECT code, value FROM case_attributes WHERE case_id = ?1 ORDER BY rowid",
                [id.0],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await
    }

    async fn case_media(&self, id: CaseId) -> Result<Vec<String>> {
        self.read(move |conn| {
            query_all(
                conn,
                "SELECT url FROM case_media WHERE case_id = ?1 ORDER BY position",
                [id.0],
                |r| r.get(0),
            )
        })
        .await
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
                    &format!("SELECT id, case_id, action, from_state, to_state, actor_id, actor_name, remark, at FROM case_events WHERE case_id IN ({marks}) ORDER BY case_id, id"),
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
                        .map_err(|e| StoreError::Backend(format!("case {id}: {e}")))?;
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

    async fn insert_api_client(&self, c: NewApiClient, audit: Audit) -> Result<ApiClient> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO api_clients (name, key_hash, key_prefix, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![c.name, c.key_hash, c.key_prefix, ms(audit.at), audit.actor_name],
            )
            .map_err(|e| match backend(e) {
                StoreError::Duplicate(_) => StoreError::Duplicate(format!("接入方「{}」已存在", c.name)),
                other => other,
            })?;
            let id = conn.last_insert_rowid();
            write_audit(conn, &audit, "api_client.create", &format!("api_client:{id}"), &c.name)?;
            api_client(conn, id)
        })
        .await
    }

    async fn api_clients(&self) -> Result<Vec<ApiClient>> {
        self.read(|conn| {
            query_all(
                conn,
                &format!("SELECT {API_CLIENT_COLUMNS} FROM api_clients ORDER BY id"),
                [],
                api_client_from_row,
            )
        })
        .await
    }

    async fn api_client_by_key_hash(&self, key_hash: &str) -> Result<Option<ApiClient>> {
        let key_hash = key_hash.to_string();
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {API_CLIENT_COLUMNS} FROM api_clients WHERE key_hash = ?1 AND revoked_at IS NULL"),
                [key_hash],
                api_client_from_row,
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn case_client(&self, id: CaseId) -> Result<Option<ApiClient>> {
        self.read(move |conn| {
            let cols = API_CLIENT_COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
            conn.query_row(
                &format!("SELECT {cols} FROM cases c JOIN api_clients a ON a.id = c.client_id WHERE c.id = ?1"),
                [id.0],
                api_client_from_row,
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn external_update(&self, r: &ExternalRef) -> Result<Option<ExternalUpdate>> {
        let r = r.clone();
        self.read(move |conn| {
            conn.query_row(
                "SELECT client_id, external_id, case_id, event_id FROM external_updates WHERE client_id = ?1 AND external_id = ?2",
                params![r.client_id, r.external_id],
                external_update_from_row,
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn external_update_by_event(&self, event_id: i64) -> Result<Option<ExternalUpdate>> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT client_id, external_id, case_id, event_id FROM external_updates WHERE event_id = ?1",
                [event_id],
                external_update_from_row,
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn revoke_api_client(&self, id: i64, audit: Audit) -> Result<ApiClient> {
        self.write(move |conn| {
            let c = api_client(conn, id)?;
            if c.revoked_at.is_some() {
                return Err(StoreError::Conflict);
            }
            conn.execute(
                "UPDATE api_clients SET revoked_at = ?2 WHERE id = ?1",
                params![id, ms(audit.at)],
            )
            .map_err(backend)?;
            write_audit(
                conn,
                &audit,
                "api_client.revoke",
                &format!("api_client:{id}"),
                &c.name,
            )?;
            api_client(conn, id)
        })
        .await
    }

    async fn insert_bundles(&self, bundles: Vec<CaseBundle>) -> Result<()> {
        self.write(move |conn| {
            for b in &bundles {
                insert_case(conn, &b.case, b.idempotency_key.as_deref()).map_err(backend)?;
                for r in &b.reporters {
                    insert_reporter(conn, b.case.id, r)?;
                }
                for t in &b.tasks {
                    insert_task(conn, t)?;
                }
                for e in &b.events {
                    insert_event(conn, e)?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        self.read(move |conn| {
            query_all(
                conn,
                "SELECT id, at, actor_id, actor_name, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?1",
                [limit],
                |r| {
                    Ok(AuditEntry {
                        id: r.get(0)?,
                        at: ts(r.get(1)?),
                        actor_id: r.get::<_, Option<i64>>(2)?.map(UserId),
                        actor_name: r.get(3)?,
                        action: r.get(4)?,
                        target: r.get(5)?,
                        detail: r.get(6)?,
                    })
                },
            )
        })
        .await
    }
}
