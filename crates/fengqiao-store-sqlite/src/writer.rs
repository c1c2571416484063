//! Group commit: one writer thread, a batch per transaction, a savepoint per job; and the read pool.

use crate::SqliteStore;
use fengqiao_store::*;
use rusqlite::Connection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Mutex, MutexGuard};

/// Most jobs one transaction takes; bounds the latency a batch adds.
const MAX_BATCH: usize = 512;

type Finish = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// A write: called with the connection inside the batch's transaction (or with `None` when the
/// batch cannot run it), it returns whether it succeeded and how to tell its caller once the
/// batch's fate is known.
pub(crate) type Job = Box<dyn FnOnce(Option<&Connection>) -> (bool, Finish) + Send>;

/// What the writer thread shares with the store's handles.
#[derive(Default)]
pub(crate) struct Writer {
    /// Taken by the writer before it forms each batch; [`SqliteStore::hold_writer`] takes it to
    /// let jobs queue up.
    gate: Mutex<()>,
    sent: AtomicU64,
    taken: AtomicU64,
    batches: AtomicU64,
}

/// The writer's counters since the store was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterStats {
    /// Jobs handed to the writer.
    pub sent: u64,
    /// Jobs the writer has taken into a batch.
    pub taken: u64,
    /// Transactions (batches) it has run.
    pub batches: u64,
}

/// While held, the writer forms no new batch: writes queue up and then commit together.
pub struct WriterHold<'a>(#[allow(dead_code)] MutexGuard<'a, ()>);

impl SqliteStore {
    /// How much the writer has done, for tests, benchmarks and operators' diagnostics.
    pub fn writer_stats(&self) -> WriterStats {
        WriterStats {
            sent: self.shared.sent.load(Ordering::SeqCst),
            taken: self.shared.taken.load(Ordering::SeqCst),
            batches: self.shared.batches.load(Ordering::SeqCst),
        }
    }

    /// Keeps the writer from starting another batch until the hold is dropped (a batch already
    /// running finishes). Tests use it to make concurrent writes share one transaction.
    pub fn hold_writer(&self) -> WriterHold<'_> {
        WriterHold(self.shared.gate.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Runs `f` on the writer thread inside the next group commit.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let res = match conn {
                Some(conn) => f(conn),
                None => Err(StoreError::backend(
                    "the write was not run: its batch failed",
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
            .map_err(|_| StoreError::backend("the database writer has stopped"))?;
        self.shared.sent.fetch_add(1, Ordering::SeqCst);
        rx.await
            .map_err(|_| StoreError::backend("the database writer has stopped"))?
    }

    /// Runs `f` on a pooled read connection on the blocking pool. At most [`ReadPool::size`]
    /// reads run at once and their connections are kept: a connection opened per read would
    /// parse the schema, prepare every statement and fill its page cache again each time, which
    /// under a burst of requests cost more than the reads themselves.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let pool = self.readers.clone();
        let permit = pool
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::backend("the read pool is closed"))?;
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            pool.with_connection(&path, f)
        })
        .await
        .map_err(|e| StoreError::Backend(e.into()))?
    }
}

impl SqliteStore {
    /// Runs a point read (a few rows by key: a session, a case's page) on the calling thread.
    /// Such a read takes tens of microseconds, less than handing it to the blocking pool and
    /// back, which under a burst of requests cost more CPU than the reads themselves. Anything
    /// that scans, sorts or counts goes through [`SqliteStore::read`].
    pub(crate) async fn read_point<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T>,
    ) -> Result<T> {
        let _permit = self
            .readers
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::backend("the read pool is closed"))?;
        self.readers.with_connection(&self.path, f)
    }
}

/// Read connections, at most `size` of them, each kept open once made.
pub(crate) struct ReadPool {
    idle: Mutex<Vec<Connection>>,
    permits: std::sync::Arc<tokio::sync::Semaphore>,
}

impl ReadPool {
    /// Runs `f` on an idle connection (or a new one), then keeps the connection. The caller
    /// holds a permit, so there is never more than `size` of them.
    fn with_connection<T>(
        &self,
        path: &std::path::Path,
        f: impl FnOnce(&Connection) -> Result<T>,
    ) -> Result<T> {
        let conn = self.idle.lock().expect("reader pool").pop();
        let conn = match conn {
            Some(c) => c,
            None => crate::migrate::open_connection(path)?,
        };
        let res = f(&conn);
        self.idle.lock().expect("reader pool").push(conn);
        res
    }

    /// Twice the cores, at least four: reads wait on the disk now and then, and more readers
    /// than that only contend for the same cores and SQLite's allocator.
    pub(crate) fn new() -> ReadPool {
        let size = std::thread::available_parallelism()
            .map_or(4, |n| n.get() * 2)
            .clamp(4, 16);
        ReadPool {
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(size)),
        }
    }
}

/// A transaction-control statement, prepared once per connection: parsing them again for every
/// job took a third of the writer's time under a burst of intake.
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

pub(crate) fn writer_loop(conn: Connection, rx: mpsc::Receiver<Job>, shared: &Writer) {
    while let Ok(first) = rx.recv() {
        let gate = shared.gate.lock().unwrap_or_else(|e| e.into_inner());
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        drop(gate);
        shared.taken.fetch_add(batch.len() as u64, Ordering::SeqCst);
        shared.batches.fetch_add(1, Ordering::SeqCst);
        if let Err(e) = run(&conn, "BEGIN IMMEDIATE") {
            let msg = format!("could not begin a write transaction: {e}");
            tracing::error!("{msg}");
            for job in batch {
                let (_, finish) = job(None);
                finish(Err(StoreError::backend(msg.clone())));
            }
            continue;
        }
        let index = crate::text_index::Deferred::begin();
        // Once a savepoint cannot be set, released or rolled back, the transaction's content is
        // unknown: the whole batch is rolled back and every job in it fails.
        let mut broken: Option<String> = None;
        let mut finishers = Vec::with_capacity(batch.len());
        for job in batch {
            if broken.is_none() {
                if let Err(e) = run(&conn, "SAVEPOINT job") {
                    broken = Some(e.to_string());
                }
            }
            if broken.is_some() {
                finishers.push(job(None).1);
                continue;
            }
            let mark = index.mark();
            let (ok, finish) = job(Some(&conn));
            let end = if ok {
                run(&conn, "RELEASE job")
            } else {
                index.forget_since(mark);
                run(&conn, "ROLLBACK TO job").and_then(|()| run(&conn, "RELEASE job"))
            };
            if let Err(e) = end {
                broken = Some(e.to_string());
            }
            finishers.push(finish);
        }
        let outcome = match broken {
            Some(m) => Err(m),
            None => index
                .apply(&conn)
                .and_then(|()| run(&conn, "COMMIT"))
                .map_err(|e| e.to_string()),
        };
        if let Err(m) = &outcome {
            tracing::error!(error = %m, "write batch rolled back");
            let _ = conn.execute_batch("ROLLBACK");
        }
        for finish in finishers {
            finish(outcome.clone().map_err(StoreError::backend));
        }
    }
}
