//! API clients (Open311, the 12345 platform) and the updates they post.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::ids::CaseId;
use fengqiao_domain::Timestamp;
use serde::Serialize;

/// An API client to register; the key itself is never stored.
#[derive(Debug, Clone)]
pub struct NewApiClient {
    pub name: String,
    pub key_hash: String,
    pub key_prefix: String,
}

/// A third-party client allowed to post cases with its API key.
#[derive(Debug, Clone, Serialize)]
pub struct ApiClient {
    pub id: i64,
    pub name: String,
    pub key_prefix: String,
    pub created_at: Timestamp,
    pub created_by: String,
    pub revoked_at: Option<Timestamp>,
}

/// A client's own id for something it sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalRef {
    pub client_id: i64,
    pub external_id: String,
}

/// An update a client posted, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalUpdate {
    pub client_id: i64,
    pub external_id: String,
    pub case_id: CaseId,
    pub event_id: i64,
}

/// API clients and their posted updates.
#[async_trait]
pub trait ApiClientStore: Send + Sync + 'static {
    async fn insert_api_client(&self, c: NewApiClient, audit: Audit) -> Result<ApiClient>;
    async fn api_clients(&self) -> Result<Vec<ApiClient>>;
    /// The client holding a key (by its hash), unless revoked.
    async fn api_client_by_key_hash(&self, key_hash: &str) -> Result<Option<ApiClient>>;
    /// The client a case came from, if any.
    async fn case_client(&self, id: CaseId) -> Result<Option<ApiClient>>;
    /// An update a client posted, by the client's id for it.
    async fn external_update(&self, r: &ExternalRef) -> Result<Option<ExternalUpdate>>;
    /// An update a client posted, by our event id for it.
    async fn external_update_by_event(&self, event_id: i64) -> Result<Option<ExternalUpdate>>;
    /// Revokes a client's key; `Conflict` if it already was.
    async fn revoke_api_client(&self, id: i64, audit: Audit) -> Result<ApiClient>;
}
