//! Photos stored with their case.

use crate::cached::Cached;
use crate::error::backend;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::CaseId;
use fengqiao_store::*;
use rusqlite::{params, Connection, OptionalExtension};

/// Stores a new case's photos (in the intake's transaction); their paths, in order.
pub(crate) fn insert_photos(
    conn: &Connection,
    case: CaseId,
    photos: &[NewPhoto],
) -> Result<Vec<String>> {
    let mut st = conn
        .prepare_cached(
            "INSERT INTO case_photos (case_id, content_type, bytes, latitude, longitude) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(backend)?;
    photos
        .iter()
        .map(|p| {
            st.execute(params![
                case.0,
                p.content_type,
                p.bytes,
                p.latitude,
                p.longitude
            ])
            .map_err(backend)?;
            Ok(photo_path(conn.last_insert_rowid()))
        })
        .collect()
}

pub(crate) fn photo_places_of(conn: &Connection, case: CaseId) -> Result<Vec<PhotoPlace>> {
    let mut st = conn
        .prepare_cached(
            "SELECT id, latitude, longitude FROM case_photos
                 WHERE case_id = ?1 AND latitude IS NOT NULL AND longitude IS NOT NULL
                 ORDER BY id",
        )
        .map_err(backend)?;
    let rows = st
        .query_map([case.0], |r| {
            Ok(PhotoPlace {
                id: r.get(0)?,
                latitude: r.get(1)?,
                longitude: r.get(2)?,
            })
        })
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(rows)
}

#[async_trait]
impl PhotoStore for SqliteStore {
    async fn photo_places(&self, case: CaseId) -> Result<Vec<PhotoPlace>> {
        self.read(move |conn| photo_places_of(conn, case)).await
    }

    async fn photo(&self, id: i64) -> Result<Option<StoredPhoto>> {
        self.read(move |conn| {
            conn.query_row_cached(
                "SELECT id, case_id, content_type, bytes, latitude, longitude \
                 FROM case_photos WHERE id = ?1",
                [id],
                |r| {
                    Ok(StoredPhoto {
                        id: r.get(0)?,
                        case_id: CaseId(r.get(1)?),
                        content_type: r.get(2)?,
                        bytes: r.get(3)?,
                        latitude: r.get(4)?,
                        longitude: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(backend)
        })
        .await
    }
}
