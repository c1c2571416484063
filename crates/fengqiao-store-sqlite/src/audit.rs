//! The audit trail and the health check.

use crate::cached::Cached;
use crate::error::backend;
use crate::rows::*;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::UserId;
use fengqiao_store::*;

#[async_trait]
impl AuditStore for SqliteStore {
    async fn record_audit(
        &self,
        audit: Audit,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<()> {
        let (action, target, detail) = (action.to_string(), target.to_string(), detail.to_string());
        self.write(move |conn| crate::writes::write_audit(conn, &audit, &action, &target, &detail))
            .await
    }

    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        Ok(self.audit_page(1, limit).await?.items)
    }

    async fn audit_page(&self, page: u32, page_size: u32) -> Result<Page<AuditEntry>> {
        self.read(move |conn| {
            let offset = i64::from(page.max(1) - 1) * i64::from(page_size);
            let items = query_all(
                conn,
                "SELECT id, at, actor_id, actor_name, action, target, detail FROM audit_log
                 ORDER BY id DESC LIMIT ?1 OFFSET ?2",
                rusqlite::params![page_size, offset],
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
            )?;
            let total: i64 = conn
                .query_row_cached("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))
                .map_err(crate::error::backend)?;
            Ok(Page {
                items,
                total: total as u64,
                page: page.max(1),
                page_size,
            })
        })
        .await
    }

    async fn ping(&self) -> Result<()> {
        self.read(|conn| {
            conn.query_row_cached("SELECT 1", [], |_| Ok(()))
                .map_err(backend)
        })
        .await
    }
}
