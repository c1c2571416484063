//! Users, their credentials and bearer tokens.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::ids::{RegionId, UnitId, UserId};
use fengqiao_domain::org::{Role, User};
use fengqiao_domain::Timestamp;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region_id: RegionId,
    pub unit_id: Option<UnitId>,
    /// An argon2 PHC string; the store never sees a password.
    pub password_hash: String,
    pub created_at: Timestamp,
}

/// Users and their sessions.
#[async_trait]
pub trait AuthStore: Send + Sync + 'static {
    async fn insert_user(&self, u: NewUser, audit: Audit) -> Result<User>;
    async fn users(&self) -> Result<Vec<User>>;
    /// The user and their password hash.
    async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>>;
    async fn insert_token(
        &self,
        user_id: UserId,
        token_hash: &str,
        created_at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()>;
    /// The active user a live (unexpired, unrevoked) token belongs to.
    async fn user_by_token(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>>;
    async fn revoke_token(&self, token_hash: &str, now: Timestamp) -> Result<()>;
    /// Ends every live session of a user; returns how many there were.
    async fn revoke_user_tokens(&self, user_id: UserId, now: Timestamp) -> Result<u64>;
    /// Disables or re-enables a user; disabling also ends their sessions. `NotFound` for an
    /// unknown user.
    async fn set_user_active(&self, user_id: UserId, active: bool, audit: Audit) -> Result<User>;
}
