//! The embedded SQLite backend.
//!
//! One writer thread owns the only write connection and applies jobs in batches: every job in a
//! batch runs inside its own SAVEPOINT (so one failing job changes nothing and does not disturb the
//! others), then the batch commits once with `synchronous=FULL`, and only then is each caller told
//! its result. That is group commit: an acknowledged write is on disk, and one fsync serves many
//! concurrent requests. Reads go to a small pool of read connections, which WAL lets run beside
//! the writer.

mod audit;
mod auth;
mod cached;
mod campaigns;
mod case_commands;
mod case_queries;
mod clients;
mod config;
mod error;
mod escalations;
mod figures;
mod hazards;
mod inspections;
mod kpis;
mod map;
mod migrate;
mod notifications;
mod org;
mod patrols;
mod photos;
mod places;
mod query;
mod rankings;
mod rows;
mod saved_filters;
mod text_index;
mod triage;
mod writer;
mod writes;

pub use migrate::migrate;

use fengqiao_store::{Result, StoreError};
use migrate::open_connection;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use writer::{writer_loop, Job, Writer};

pub use writer::{WriterHold, WriterStats};

pub struct SqliteStore {
    path: PathBuf,
    writer: mpsc::Sender<Job>,
    /// What the writer thread shares with the handles: its gate and its counters.
    shared: Arc<Writer>,
    readers: Arc<writer::ReadPool>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies pending migrations.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::backend(format!("{}: {e}", dir.display())))?;
            }
        }
        let conn = open_connection(&path)?;
        migrate(&conn)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let shared = Arc::new(Writer::default());
        let thread_shared = shared.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx, &thread_shared))
            .map_err(|e| StoreError::Backend(e.into()))?;
        Ok(SqliteStore {
            path,
            writer: tx,
            shared,
            readers: Arc::new(writer::ReadPool::new()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}
