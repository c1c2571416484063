//! Saved workbench searches.

use crate::cached::Cached;
use crate::error::backend;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::UserId;
use fengqiao_store::*;
use rusqlite::{params, Connection, OptionalExtension};

fn list(conn: &Connection, user: UserId) -> Result<Vec<SavedFilter>> {
    let mut st = conn
        .prepare_cached("SELECT id, name, query FROM saved_filters WHERE user_id = ?1 ORDER BY id")
        .map_err(backend)?;
    let rows = st
        .query_map([user.0], |r| {
            Ok(SavedFilter {
                id: r.get(0)?,
                user_id: user,
                name: r.get(1)?,
                query: r.get(2)?,
            })
        })
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(rows)
}

#[async_trait]
impl SavedFilterStore for SqliteStore {
    async fn saved_filters(&self, user: UserId) -> Result<Vec<SavedFilter>> {
        self.read(move |conn| list(conn, user)).await
    }

    async fn save_filter(&self, user: UserId, name: &str, query: &str) -> Result<SavedFilter> {
        let (name, query) = (name.to_string(), query.to_string());
        self.write(move |conn| {
            let existing: Option<i64> = conn
                .query_row_cached(
                    "SELECT id FROM saved_filters WHERE user_id = ?1 AND name = ?2",
                    params![user.0, name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            let id = match existing {
                Some(id) => {
                    conn.execute_cached(
                        "UPDATE saved_filters SET query = ?2 WHERE id = ?1",
                        params![id, query],
                    )
                    .map_err(backend)?;
                    id
                }
                None => {
                    let n: i64 = conn
                        .query_row_cached(
                            "SELECT COUNT(*) FROM saved_filters WHERE user_id = ?1",
                            [user.0],
                            |r| r.get(0),
                        )
                        .map_err(backend)?;
                    if n as usize >= SAVED_FILTERS_MAX {
                        return Err(StoreError::Duplicate(format!(
                            "最多保存 {SAVED_FILTERS_MAX} 个常用筛选"
                        )));
                    }
                    conn.execute_cached(
                        "INSERT INTO saved_filters (user_id, name, query) VALUES (?1, ?2, ?3)",
                        params![user.0, name, query],
                    )
                    .map_err(backend)?;
                    conn.last_insert_rowid()
                }
            };
            Ok(SavedFilter {
                id,
                user_id: user,
                name,
                query,
            })
        })
        .await
    }

    async fn delete_filter(&self, user: UserId, id: i64) -> Result<()> {
        self.write(move |conn| {
            let n = conn
                .execute_cached(
                    "DELETE FROM saved_filters WHERE id = ?1 AND user_id = ?2",
                    params![id, user.0],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("常用筛选 {id}")));
            }
            Ok(())
        })
        .await
    }
}
