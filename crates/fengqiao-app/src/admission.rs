//! Admission to intake under overload. At most [`IntakeLimits::in_flight`] intakes run at once;
//! the rest wait their turn in arrival order, and one that has not started within
//! [`IntakeLimits::queue_wait`] is turned away at once (503 with `Retry-After`) without having
//! cost anything. Without it, a surge beyond what the machine can classify and store made every
//! caller wait longer and longer — 8 s at the 99th percentile in the bench — until the listen
//! queue overflowed and connections were reset: a caller never learned whether its report was
//! taken. Now the reports that are taken are answered in bounded time and the others are told
//! when to come back. Background work (a 12345 import) waits for its turn instead of being
//! turned away.

use crate::{AppError, Result};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

/// How much intake runs at once, and how long a report may wait to start.
#[derive(Debug, Clone, Copy)]
pub struct IntakeLimits {
    /// Intakes being triaged and stored at once. 64 clients at once store as fast as the disk
    /// allows; beyond that, more in flight only lengthens every wait (BENCHMARKS.md, "Intake
    /// under overload").
    pub in_flight: usize,
    /// How long a report waits for its turn before it is turned away.
    pub queue_wait: Duration,
}

impl Default for IntakeLimits {
    fn default() -> Self {
        IntakeLimits {
            in_flight: 128,
            queue_wait: Duration::from_secs(1),
        }
    }
}

pub(crate) struct Admission {
    permits: Semaphore,
    wait: Duration,
    /// Reports turned away since start, for the log.
    turned_away: AtomicU64,
}

/// A turn to run one intake; the next waiting report starts when it is dropped.
pub(crate) type Turn<'a> = SemaphorePermit<'a>;

impl Admission {
    pub(crate) fn new(limits: IntakeLimits) -> Self {
        Admission {
            permits: Semaphore::new(limits.in_flight.max(1)),
            wait: limits.queue_wait,
            turned_away: AtomicU64::new(0),
        }
    }

    /// A turn for a report someone is waiting on, or [`AppError::Busy`] when none comes free
    /// within the queue wait.
    pub(crate) async fn turn(&self) -> Result<Turn<'_>> {
        match tokio::time::timeout(self.wait, self.permits.acquire()).await {
            Ok(Ok(turn)) => Ok(turn),
            // The semaphore is never closed; a timeout is the only way here.
            _ => {
                let seconds = self.wait.as_secs().max(1);
                // Logged at the 1st, 2nd, 4th… and every thousandth, not a line per report
                // while a surge lasts.
                let n = self.turned_away.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_power_of_two() || n.is_multiple_of(1000) {
                    tracing::warn!(
                        turned_away = n,
                        waited_ms = self.wait.as_millis() as u64,
                        "intake busy: reports turned away since start (503, Retry-After)"
                    );
                }
                Err(AppError::Busy {
                    message: format!(
                        "当前同时提交的诉求过多，本次未受理，请 {seconds} 秒后重新提交；\
                         紧急情况请拨打 12345 或 110"
                    ),
                    retry_after_seconds: seconds,
                })
            }
        }
    }

    /// A turn for background work, however long it takes to come.
    pub(crate) async fn wait_turn(&self) -> Turn<'_> {
        self.permits
            .acquire()
            .await
            .expect("the intake semaphore is never closed")
    }
}
