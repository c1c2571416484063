//! Opening connections and applying migrations.

use crate::cached::Cached;
use crate::error::backend;
use fengqiao_store::*;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_triage.sql")),
    (3, include_str!("../migrations/0003_api_clients.sql")),
    (4, include_str!("../migrations/0004_service_attributes.sql")),
    (5, include_str!("../migrations/0005_external_updates.sql")),
    (6, include_str!("../migrations/0006_case_media.sql")),
    (7, include_str!("../migrations/0007_cases_category.sql")),
    (8, include_str!("../migrations/0008_event_facts.sql")),
    (
        9,
        include_str!("../migrations/0009_idempotency_fingerprint.sql"),
    ),
    (10, include_str!("../migrations/0010_case_sequence.sql")),
    (11, include_str!("../migrations/0011_case_photos.sql")),
    (12, include_str!("../migrations/0012_case_text_index.sql")),
    (
        13,
        include_str!("../migrations/0013_reporter_phone_index.sql"),
    ),
    (14, include_str!("../migrations/0014_supplement_events.sql")),
    (15, include_str!("../migrations/0015_region_centres.sql")),
    (16, include_str!("../migrations/0016_top_level_names.sql")),
    (17, include_str!("../migrations/0017_saved_filters.sql")),
    (
        18,
        include_str!("../migrations/0018_cases_created_place.sql"),
    ),
    (
        19,
        include_str!("../migrations/0019_notification_delivery.sql"),
    ),
    (
        20,
        include_str!("../migrations/0020_notification_phone.sql"),
    ),
    (21, include_str!("../migrations/0021_places.sql")),
    (22, include_str!("../migrations/0022_campaigns.sql")),
    (23, include_str!("../migrations/0023_patrols.sql")),
    (24, include_str!("../migrations/0024_place_codes.sql")),
    (
        25,
        include_str!("../migrations/0025_inspection_escalation.sql"),
    ),
    (26, include_str!("../migrations/0026_hazard_cases.sql")),
    (27, include_str!("../migrations/0027_kpi_rollups.sql")),
    (28, include_str!("../migrations/0028_rankings.sql")),
];

/// What a migration needs done in code after its SQL, in the same transaction.
fn after(version: i64, conn: &Connection) -> rusqlite::Result<()> {
    match version {
        12 => crate::text_index::backfill(conn),
        _ => Ok(()),
    }
}

pub(crate) fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).map_err(backend)?;
    conn.set_prepared_statement_cache_capacity(crate::cached::STATEMENT_CACHE);
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
            .query_row_cached(
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
        after(*version, &tx).map_err(backend)?;
        tx.execute_cached(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            params![version, chrono::Utc::now().timestamp_millis()],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)?;
        applied += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    /// Every file in `migrations/` is applied, in order, once: a file added without its line
    /// here would silently never run.
    #[test]
    fn every_migration_file_is_registered_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let versions: Vec<i64> = super::MIGRATIONS.iter().map(|m| m.0).collect();
        assert_eq!(versions, (1..=files.len() as i64).collect::<Vec<_>>());
        for (file, (version, sql)) in files.iter().zip(super::MIGRATIONS) {
            assert!(
                file.starts_with(&format!("{version:04}_")),
                "{file} is not {version}"
            );
            let text = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("migrations")
                    .join(file),
            )
            .unwrap();
            assert_eq!(&text, sql, "{file}");
        }
    }
}
