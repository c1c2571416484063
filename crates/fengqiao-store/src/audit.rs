//! The append-only audit trail, and the health check.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::ids::UserId;
use fengqiao_domain::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor_id: Option<UserId>,
    pub actor_name: String,
    pub action: String,
    pub target: String,
    pub detail: Option<String>,
}

/// The audit trail and a health check.
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>>;
    /// One page of the audit trail, newest first (`page` from 1), with the total.
    async fn audit_page(&self, page: u32, page_size: u32) -> Result<Page<AuditEntry>>;
    /// Records something that changed nothing but must be on record (a refused login).
    async fn record_audit(
        &self,
        audit: Audit,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<()>;
    /// A cheap round trip to the database, for health checks.
    async fn ping(&self) -> Result<()>;
}
