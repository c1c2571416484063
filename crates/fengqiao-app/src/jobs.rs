//! Work that outlasts a request (a 12345 import, training a model): started in the
//! background, followed by the person who started it — rows done of rows, then the outcome.
//! Jobs live in memory: each step they take is its own transaction, so a job cut short by a
//! restart has done, durably, what it had done, and is started again from the page.

use crate::{AppError, Result};
use fengqiao_domain::ids::UserId;
use fengqiao_domain::Timestamp;
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How long a finished job's outcome stays readable.
const KEPT_HOURS: i64 = 1;

struct Job<T> {
    owner: Option<UserId>,
    started: Timestamp,
    total: usize,
    done: Arc<AtomicUsize>,
    outcome: Option<std::result::Result<T, String>>,
}

/// What a page shows of a job.
#[derive(Debug, Clone, Serialize)]
pub struct JobView<T> {
    pub id: u64,
    /// Steps in all (rows of a file), 0 when unknown.
    pub total: usize,
    pub done: usize,
    pub started: Timestamp,
    pub finished: bool,
    pub outcome: Option<T>,
    /// Why the job stopped, when it failed as a whole.
    pub failure: Option<String>,
}

/// The jobs of one kind.
pub struct Jobs<T> {
    inner: Mutex<(u64, HashMap<u64, Job<T>>)>,
}

impl<T> Default for Jobs<T> {
    fn default() -> Self {
        Jobs {
            inner: Mutex::new((0, HashMap::new())),
        }
    }
}

impl<T: Clone + Send + 'static> Jobs<T> {
    /// Starts `work` (given the counter of steps done) on the runtime and returns its number.
    pub(crate) fn start<F>(
        self: &Arc<Self>,
        owner: Option<UserId>,
        now: Timestamp,
        total: usize,
        work: impl FnOnce(Arc<AtomicUsize>) -> F,
    ) -> u64
    where
        F: Future<Output = Result<T>> + Send + 'static,
    {
        let done = Arc::new(AtomicUsize::new(0));
        let id = {
            let mut jobs = self.inner.lock().expect("jobs lock");
            jobs.1.retain(|_, j| {
                j.outcome.is_none() || now - j.started < chrono::Duration::hours(KEPT_HOURS)
            });
            jobs.0 += 1;
            let id = jobs.0;
            jobs.1.insert(
                id,
                Job {
                    owner,
                    started: now,
                    total,
                    done: done.clone(),
                    outcome: None,
                },
            );
            id
        };
        let future = work(done);
        let this = self.clone();
        tokio::spawn(async move {
            let outcome = future.await.map_err(|e| e.to_string());
            if let Err(e) = &outcome {
                tracing::error!(job = id, error = %e, "background job stopped");
            }
            if let Some(job) = this.inner.lock().expect("jobs lock").1.get_mut(&id) {
                job.outcome = Some(outcome);
            }
        });
        id
    }

    /// How a job stands; only the person who started it may follow it.
    pub(crate) fn view(&self, owner: Option<UserId>, id: u64) -> Result<JobView<T>> {
        let jobs = self.inner.lock().expect("jobs lock");
        let job = jobs
            .1
            .get(&id)
            .filter(|j| j.owner == owner)
            .ok_or_else(|| AppError::NotFound("没有这项任务（结果保留一小时）".into()))?;
        let (outcome, failure) = match &job.outcome {
            None => (None, None),
            Some(Ok(r)) => (Some(r.clone()), None),
            Some(Err(e)) => (None, Some(e.clone())),
        };
        Ok(JobView {
            id,
            total: job.total,
            done: job.done.load(Ordering::Relaxed),
            started: job.started,
            finished: job.outcome.is_some(),
            outcome,
            failure,
        })
    }
}
