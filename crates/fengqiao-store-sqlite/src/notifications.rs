//! The notification queue: what is due, each attempt, and what the centre must act on.

use crate::cached::Cached;
use crate::error::backend;
use crate::rows::*;
use crate::writes::write_audit;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::CaseId;
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use rusqlite::{params, Connection, Row};

pub(crate) const NOTIFICATION_COLUMNS: &str =
    "id, case_id, phone, message, created_at, state, attempts, sent_at, last_error";

pub(crate) fn notification_from_row(r: &Row) -> rusqlite::Result<Notification> {
    Ok(Notification {
        id: r.get(0)?,
        case_id: CaseId(r.get(1)?),
        phone: r.get(2)?,
        message: r.get(3)?,
        created_at: ts(r.get(4)?),
        state: parse_enum(r, 5, DeliveryState::parse)?,
        attempts: r.get(6)?,
        sent_at: r.get::<_, Option<i64>>(7)?.map(ts),
        last_error: r.get(8)?,
    })
}

fn record_attempt(conn: &Connection, id: i64, at: Timestamp, attempt: &Attempt) -> Result<()> {
    let n = match attempt {
        Attempt::Sent => conn.execute_cached(
            "UPDATE notifications SET state = 'sent', sent_at = ?2, attempts = attempts + 1,
                    next_attempt_at = NULL, last_error = NULL
              WHERE id = ?1 AND state = 'pending'",
            params![id, ms(at)],
        ),
        Attempt::Failed { reason, retry_at } => conn.execute_cached(
            "UPDATE notifications SET state = CASE WHEN ?3 IS NULL THEN 'failed' ELSE 'pending' END,
                    attempts = attempts + 1, next_attempt_at = ?3, last_error = ?2
              WHERE id = ?1 AND state = 'pending'",
            params![id, reason, retry_at.map(ms)],
        ),
    }
    .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("待发送的通知 {id} 不存在")));
    }
    Ok(())
}

fn retry(conn: &Connection, id: i64, audit: &Audit) -> Result<()> {
    let n = conn
        .execute_cached(
            "UPDATE notifications SET state = 'pending', next_attempt_at = ?2 WHERE id = ?1 AND state = 'failed'",
            params![id, ms(audit.at)],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("发送失败的通知 {id} 不存在")));
    }
    write_audit(
        conn,
        audit,
        "notification.retry",
        &format!("notification:{id}"),
        "重新发送",
    )
}

#[async_trait]
impl NotificationStore for SqliteStore {
    async fn due_notifications(&self, now: Timestamp, limit: u32) -> Result<Vec<Delivery>> {
        self.read(move |conn| {
            query_all(
                conn,
                "SELECT id, case_id, phone, message, attempts FROM notifications
                  WHERE state = 'pending' AND next_attempt_at <= ?1
                  ORDER BY next_attempt_at, id LIMIT ?2",
                params![ms(now), limit],
                |r| {
                    Ok(Delivery {
                        id: r.get(0)?,
                        case_id: CaseId(r.get(1)?),
                        phone: r.get(2)?,
                        message: r.get(3)?,
                        attempts: r.get(4)?,
                    })
                },
            )
        })
        .await
    }

    async fn record_attempt(&self, id: i64, at: Timestamp, attempt: Attempt) -> Result<()> {
        self.write(move |conn| record_attempt(conn, id, at, &attempt))
            .await
    }

    async fn failed_notifications(&self, limit: u32) -> Result<Vec<Notification>> {
        self.read(move |conn| {
            query_all(
                conn,
                &format!(
                    "SELECT {NOTIFICATION_COLUMNS} FROM notifications
                      WHERE state = 'failed' ORDER BY id DESC LIMIT ?1"
                ),
                [limit],
                notification_from_row,
            )
        })
        .await
    }

    async fn failed_notification_count(&self) -> Result<u64> {
        self.read_point(|conn| {
            conn.query_row_cached(
                "SELECT COUNT(*) FROM notifications WHERE state = 'failed'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(backend)
        })
        .await
    }

    async fn notifications_to(&self, phone: &str, since: Timestamp) -> Result<u32> {
        let phone = phone.to_string();
        self.read_point(move |conn| {
            conn.query_row_cached(
                "SELECT COUNT(*) FROM notifications WHERE phone = ?1 AND created_at >= ?2",
                params![phone, ms(since)],
                |r| r.get(0),
            )
            .map_err(backend)
        })
        .await
    }

    async fn retry_notification(&self, id: i64, audit: Audit) -> Result<()> {
        self.write(move |conn| retry(conn, id, &audit)).await
    }
}
