//! Users and bearer tokens.

use crate::cached::Cached;
use crate::error::backend;
use crate::rows::*;
use crate::writes::*;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::UserId;
use fengqiao_domain::org::User;
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use rusqlite::{params, OptionalExtension};

#[async_trait]
impl AuthStore for SqliteStore {
    async fn insert_user(&self, u: NewUser, audit: Audit) -> Result<User> {
        self.write(move |conn| {
            conn.execute_cached(
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
            conn.query_row_cached(
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
            conn.execute_cached(
                "INSERT INTO tokens (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash, user_id.0, ms(created_at), ms(expires_at)],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn user_by_token(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>> {
        // Every API request runs this: the statement's text is built once, not per request.
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            let cols = USER_COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "SELECT {cols} FROM tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND t.expires_at > ?2 AND u.active"
            )
        });
        self.read_point(move |conn| {
            conn.query_row_cached(&SQL, params![token_hash, ms(now)], user_from_row)
                .optional()
                .map_err(backend)
        })
        .await
    }

    async fn revoke_token(&self, token_hash: &str, now: Timestamp) -> Result<()> {
        let token_hash = token_hash.to_string();
        self.write(move |conn| {
            conn.execute_cached(
                "UPDATE tokens SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
                params![token_hash, ms(now)],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn revoke_user_tokens(&self, user_id: UserId, now: Timestamp) -> Result<u64> {
        self.write(move |conn| {
            let n = conn
                .execute_cached(
                    "UPDATE tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
                    params![user_id.0, ms(now)],
                )
                .map_err(backend)?;
            Ok(n as u64)
        })
        .await
    }

    async fn set_user_active(&self, user_id: UserId, active: bool, audit: Audit) -> Result<User> {
        self.write(move |conn| {
            let n = conn
                .execute_cached(
                    "UPDATE users SET active = ?2 WHERE id = ?1",
                    params![user_id.0, active],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("用户 {user_id} 不存在")));
            }
            if !active {
                conn.execute_cached(
                    "UPDATE tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
                    params![user_id.0, ms(audit.at)],
                )
                .map_err(backend)?;
            }
            let action = if active {
                "user.enable"
            } else {
                "user.disable"
            };
            crate::writes::write_audit(conn, &audit, action, &format!("user:{user_id}"), "")?;
            conn.query_row_cached(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
                [user_id.0],
                user_from_row,
            )
            .map_err(backend)
        })
        .await
    }
}
