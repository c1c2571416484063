//! API clients: third-party systems (Open311 apps, the 12345 platform) that post cases with a
//! key. Keys are 32 random bytes shown once; only their SHA-256 is stored.

use crate::auth::{new_token, token_hash};
use crate::core::Core;
use crate::{AppError, Result};
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::org::Actor;
use fengqiao_store::{ApiClient, NewApiClient, StoreError};
use std::sync::Arc;

/// API clients and their keys.
pub struct ApiClients {
    core: Arc<Core>,
}

impl ApiClients {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        ApiClients { core }
    }

    /// Registers a client and returns it with its key, which is shown this once.
    pub async fn issue_key(&self, actor: &Actor, name: &str) -> Result<(ApiClient, String)> {
        access::require(actor, Capability::IssueApiKeys)?;
        let name = name.trim();
        fengqiao_domain::check_len("name", name, fengqiao_domain::limits::NAME_MAX_CHARS)?;
        if name.is_empty() {
            return Err(AppError::Invalid {
                field: "name",
                message: "请填写接入方名称".into(),
            });
        }
        let key = format!("fq_{}", new_token());
        let client = self
            .core
            .store
            .insert_api_client(
                NewApiClient {
                    name: name.to_string(),
                    key_hash: token_hash(&key),
                    key_prefix: key.chars().take(10).collect(),
                },
                self.core.audit(actor),
            )
            .await?;
        Ok((client, key))
    }

    pub async fn list(&self, actor: &Actor) -> Result<Vec<ApiClient>> {
        access::require(actor, Capability::ViewApiClients)?;
        Ok(self.core.store.api_clients().await?)
    }

    pub async fn revoke(&self, actor: &Actor, id: i64) -> Result<ApiClient> {
        access::require(actor, Capability::RevokeApiKeys)?;
        self.core
            .store
            .revoke_api_client(id, self.core.audit(actor))
            .await
            .map_err(|e| match e {
                StoreError::Conflict => AppError::Conflict("该密钥已吊销".into()),
                e => e.into(),
            })
    }

    /// The client a key belongs to; `Forbidden` for a missing, unknown or revoked key.
    pub async fn for_key(&self, key: Option<&str>) -> Result<ApiClient> {
        let key = key
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| AppError::Forbidden("缺少 api_key".into()))?;
        self.core
            .store
            .api_client_by_key_hash(&token_hash(key))
            .await?
            .ok_or_else(|| AppError::Forbidden("api_key 无效或已吊销".into()))
    }
}
