//! Delivering what reporters are told (短信告知): each notification waits in a queue until a
//! sender takes it, and records every attempt, so the centre sees what reached people and what
//! did not.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::ids::CaseId;

/// Where a notification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Pending,
    /// Handed to the SMS gateway or webhook, which accepted it.
    Sent,
    /// Given up on after its attempts; the centre may put it back in the queue.
    Failed,
    /// The reporter left no phone number the platform can send to.
    Unreachable,
    /// Written before delivery existed; never sent.
    Expired,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::Unreachable => "unreachable",
            DeliveryState::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        [
            DeliveryState::Pending,
            DeliveryState::Sent,
            DeliveryState::Failed,
            DeliveryState::Unreachable,
            DeliveryState::Expired,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }

    /// In the interface's words.
    pub fn label(self) -> &'static str {
        match self {
            DeliveryState::Pending => "待发送",
            DeliveryState::Sent => "已发送",
            DeliveryState::Failed => "发送失败",
            DeliveryState::Unreachable => "无可用号码",
            DeliveryState::Expired => "未发送（早于短信功能）",
        }
    }
}

/// A notification due for an attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub case_id: CaseId,
    pub phone: String,
    pub message: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    Sent,
    /// Refused or unreachable: the reason, and when to try again (`None`: give up).
    Failed {
        reason: String,
        retry_at: Option<Timestamp>,
    },
}

#[async_trait]
pub trait NotificationStore: Send + Sync + 'static {
    /// Pending notifications whose next attempt is due at `now`, oldest first, at most `limit`.
    async fn due_notifications(&self, now: Timestamp, limit: u32) -> Result<Vec<Delivery>>;
    /// Records an attempt at a notification.
    async fn record_attempt(&self, id: i64, at: Timestamp, attempt: Attempt) -> Result<()>;
    /// Notifications given up on, newest first, at most `limit`: the centre's list to act on.
    async fn failed_notifications(&self, limit: u32) -> Result<Vec<Notification>>;
    /// How many notifications were given up on (the workbench's banner).
    async fn failed_notification_count(&self) -> Result<u64>;
    /// Notifications written for this phone number since `since`, whatever became of them.
    async fn notifications_to(&self, phone: &str, since: Timestamp) -> Result<u32>;
    /// Puts a failed notification back in the queue, due at once ([`StoreError::NotFound`] if
    /// there is no failed notification with that id).
    async fn retry_notification(&self, id: i64, audit: Audit) -> Result<()>;
}
