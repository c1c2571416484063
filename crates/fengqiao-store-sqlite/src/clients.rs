//! API clients and the updates they post.

use crate::cached::Cached;
use crate::error::backend;
use crate::rows::*;
use crate::writes::*;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::CaseId;
use fengqiao_store::*;
use rusqlite::{params, Connection, OptionalExtension};

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
    conn.query_row_cached(
        &format!("SELECT {API_CLIENT_COLUMNS} FROM api_clients WHERE id = ?1"),
        [id],
        api_client_from_row,
    )
    .optional()
    .map_err(backend)?
    .ok_or_else(|| StoreError::NotFound(format!("接入方 {id} 不存在")))
}

fn external_update_from_row(r: &rusqlite::Row) -> rusqlite::Result<ExternalUpdate> {
    Ok(ExternalUpdate {
        client_id: r.get(0)?,
        external_id: r.get(1)?,
        case_id: CaseId(r.get(2)?),
        event_id: r.get(3)?,
    })
}

#[async_trait]
impl ApiClientStore for SqliteStore {
    async fn insert_api_client(&self, c: NewApiClient, audit: Audit) -> Result<ApiClient> {
        self.write(move |conn| {
            conn.execute_cached(
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
            conn.query_row_cached(
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
            conn.query_row_cached(
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
            conn.query_row_cached(
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
            conn.query_row_cached(
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
            conn.execute_cached(
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
}
