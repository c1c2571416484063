//! Telling reporters (短信告知): notifications wait in the store's queue and a sender delivers
//! them — the township's SMS gateway, a webhook of its own, or the log (the demo, and a
//! township without a gateway yet). Failed attempts are retried with growing pauses; after the
//! last one the notification is listed for the centre, which may send it again.

use crate::core::Core;
use crate::Result;
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::ids::{CaseNo, Phone};
use fengqiao_domain::org::Actor;
use fengqiao_store::{Attempt, Delivery, Notification};
use std::sync::Arc;
use std::time::Duration;

/// How notifications leave the platform.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum SenderConfig {
    /// Written to the log only (target `fengqiao::notify`, phone masked): nothing reaches people.
    #[default]
    Log,
    /// An SMS gateway over HTTP: `POST url` with JSON `{"account", "password", "mobile",
    /// "content"}`, the content prefixed with the township's signature (`【某某镇】`); any 2xx
    /// answer is delivery.
    Sms {
        url: String,
        account: String,
        password: String,
        signature: String,
    },
    /// A service of the township's own: `POST url` with JSON `{"id", "case_id", "phone",
    /// "message"}` and, when set, `Authorization: Bearer <token>`; any 2xx answer is delivery.
    Webhook { url: String, token: Option<String> },
}

/// Delivery settings.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyConfig {
    pub sender: SenderConfig,
    /// Attempts before a notification is given up on and listed for the centre.
    pub max_attempts: u32,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            sender: SenderConfig::Log,
            max_attempts: 5,
        }
    }
}

/// Pauses after the 1st, 2nd, … failed attempt (the last repeats).
const BACKOFF_MINUTES: [i64; 4] = [1, 5, 30, 120];

/// Notifications sent per pass.
const BATCH: u32 = 200;

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    /// Failed attempts that will be tried again.
    pub retrying: usize,
    /// Given up on: listed for the centre.
    pub failed: usize,
}

/// Sends the queue's due notifications.
pub struct Notifier {
    core: Arc<Core>,
    http: reqwest::Client,
}

impl Notifier {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client without TLS or proxies always builds");
        Notifier { core, http }
    }

    /// One attempt at one notification.
    async fn send(&self, d: &Delivery) -> std::result::Result<(), String> {
        let config = &self.core.config.notify;
        let request = match &config.sender {
            SenderConfig::Log => {
                let masked = Phone::parse(&d.phone).map_or_else(|_| "***".into(), |p| p.masked());
                tracing::info!(
                    target: "fengqiao::notify",
                    id = d.id,
                    case = d.case_id.0,
                    phone = %masked,
                    message = %d.message,
                    "notification (log only: no SMS gateway configured)"
                );
                return Ok(());
            }
            SenderConfig::Sms {
                url,
                account,
                password,
                signature,
            } => self.http.post(url).json(&serde_json::json!({
                "account": account,
                "password": password,
                "mobile": d.phone,
                "content": format!("{signature}{}", d.message),
            })),
            SenderConfig::Webhook { url, token } => {
                let r = self.http.post(url).json(&serde_json::json!({
                    "id": d.id,
                    "case_id": d.case_id.0,
                    "phone": d.phone,
                    "message": d.message,
                }));
                match token {
                    Some(t) => r.bearer_auth(t),
                    None => r,
                }
            }
        };
        let answer = request.send().await.map_err(|e| {
            let to = e.url().map_or(String::new(), |u| format!("（{u}）"));
            if e.is_timeout() {
                format!("发送服务{to} 10 秒内无应答")
            } else if e.is_connect() {
                format!("无法连接发送服务{to}：连接被拒绝或地址不可达")
            } else {
                format!("发送请求失败{to}：{e}")
            }
        })?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        let body = answer.text().await.unwrap_or_default();
        let body: String = body.chars().take(200).collect();
        Err(format!("发送服务拒绝（HTTP {}）：{body}", status.as_u16()))
    }

    /// Sends every notification due now, one after another, recording each attempt.
    pub async fn deliver_due(&self) -> Result<DeliveryReport> {
        let mut report = DeliveryReport::default();
        let now = self.core.now();
        let due = self.core.store.due_notifications(now, BATCH).await?;
        let max = self.core.config.notify.max_attempts.max(1);
        for d in due {
            let attempt = match self.send(&d).await {
                Ok(()) => {
                    report.sent += 1;
                    Attempt::Sent
                }
                Err(reason) => {
                    let made = d.attempts + 1;
                    let retry_at = (made < max).then(|| {
                        let i = (made as usize - 1).min(BACKOFF_MINUTES.len() - 1);
                        self.core.now() + chrono::Duration::minutes(BACKOFF_MINUTES[i])
                    });
                    if retry_at.is_some() {
                        report.retrying += 1;
                    } else {
                        report.failed += 1;
                        tracing::warn!(id = d.id, case = d.case_id.0, %reason, "notification given up on");
                    }
                    Attempt::Failed { reason, retry_at }
                }
            };
            self.core
                .store
                .record_attempt(d.id, self.core.now(), attempt)
                .await?;
        }
        Ok(report)
    }

    /// Delivers every `period` until the process ends.
    pub fn spawn(self: &Arc<Self>, period: Duration) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = me.deliver_due().await {
                    tracing::error!(error = %e, "notification delivery pass failed");
                }
            }
        })
    }

    /// Notifications given up on, newest first (the centre's list), each with its case's number.
    pub async fn failed(&self, actor: &Actor) -> Result<Vec<(Notification, Option<CaseNo>)>> {
        access::require(actor, Capability::ResendNotifications)?;
        let failed = self.core.store.failed_notifications(200).await?;
        let ids: Vec<_> = failed.iter().map(|n| n.case_id).collect();
        let numbers = self.core.store.case_numbers(&ids).await?;
        Ok(failed
            .into_iter()
            .map(|n| {
                let no = numbers.iter().find(|(id, _)| *id == n.case_id);
                (n, no.map(|(_, no)| no.clone()))
            })
            .collect())
    }

    /// How many notifications were given up on: a count, not the list.
    pub async fn failed_count(&self, actor: &Actor) -> Result<u64> {
        access::require(actor, Capability::ResendNotifications)?;
        Ok(self.core.store.failed_notification_count().await?)
    }

    /// Puts a failed notification back in the queue; the next pass sends it.
    pub async fn resend(&self, actor: &Actor, id: i64) -> Result<()> {
        access::require(actor, Capability::ResendNotifications)?;
        Ok(self
            .core
            .store
            .retry_notification(id, self.core.audit(actor))
            .await?)
    }
}
