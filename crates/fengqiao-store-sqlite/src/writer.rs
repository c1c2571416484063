//! Group commit: one writer thread, a batch per transaction, a savepoint per job; and the read pool.

use crate::SqliteStore;
use fengqiao_store::*;
use rusqlite::Connection;
use std::sync::mpsc;

/// Most jobs one transaction takes; bounds the latency a batch adds.
const MAX_BATCH: usize = 512;

type Finish = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// A write: called with the connection inside the batch's transaction (or with `None` when the
/// batch cannot run it), it returns whether it succeeded and how to tell its caller once the
/// batch's fate is known.
pub(crate) type Job = Box<dyn FnOnce(Option<&Connection>) -> (bool, Finish) + Send>;

impl SqliteStore {
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
        rx.await
            .map_err(|_| StoreError::backend("the database writer has stopped"))?
    }

    /// Runs `f` on a pooled read connection on the blocking pool.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let readers = self.readers.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.lock().expect("reader pool").pop();
            let conn = match conn {
                Some(c) => c,
                None => crate::migrate::open_connection(&path)?,
            };
            let res = f(&conn);
            let mut pool = readers.lock().expect("reader pool");
            if pool.len() < 16 {
                pool.push(conn);
            }
            res
        })
        .await
        .map_err(|e| StoreError::Backend(e.into()))?
    }
}

pub(crate) fn writer_loop(conn: Connection, rx: mpsc::Receiver<Job>) {
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
                finish(Err(StoreError::backend(msg.clone())));
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
            finish(outcome.clone().map_err(StoreError::backend));
        }
    }
}
