use fengqiao_domain::DomainError;
use fengqiao_store::StoreError;

/// The service layer's error: each variant maps to one HTTP status / exit code at the edge.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts: try again after the given time.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_seconds: u64,
    },
    /// An action the case's state does not allow.
    #[error("{0}")]
    State(String),
    /// Something the server lacks that an administrator can provide (e.g. a Chinese font for
    /// PDF reports); the message says what.
    #[error("{0}")]
    Unavailable(String),
    /// The server has more work than it can take right now (intake under a surge): nothing was
    /// done, and the same request may come again after the given time.
    #[error("{message}")]
    Busy {
        message: String,
        retry_after_seconds: u64,
    },
    /// A failure nobody at the edge can correct; its cause is kept for the log.
    #[error("internal error: {0}")]
    Internal(#[source] fengqiao_store::BackendError),
}

impl AppError {
    /// Too many attempts; the next may come at `until`.
    pub(crate) fn rate_limited(
        message: impl Into<String>,
        until: fengqiao_domain::Timestamp,
        now: fengqiao_domain::Timestamp,
    ) -> Self {
        AppError::RateLimited {
            message: message.into(),
            retry_after_seconds: (until - now).num_seconds().max(1) as u64,
        }
    }

    /// An internal failure described in words.
    pub fn internal(message: impl Into<String>) -> Self {
        AppError::Internal(message.into().into())
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { field, message } => AppError::Invalid { field, message },
            e @ DomainError::NotAllowedInState { .. } => AppError::State(e.to_string()),
            e @ DomainError::Forbidden { .. } => AppError::Forbidden(e.to_string()),
            e @ DomainError::NotPermitted { .. } => AppError::Forbidden(e.to_string()),
            DomainError::NotPermittedBecause(m) => AppError::Forbidden(m),
            DomainError::Conflict(m) => AppError::Conflict(m),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => AppError::NotFound(m),
            StoreError::Duplicate(m) => AppError::Conflict(m),
            StoreError::Conflict => AppError::Conflict("工单正被他人同时处理，请刷新后重试".into()),
            StoreError::KeyReused(_) => AppError::Invalid {
                field: "idempotency_key",
                message: "该幂等键已用于另一份内容不同的诉求；新的诉求请换一个键（同一请求重发时内容须完全相同）".into(),
            },
            StoreError::InvalidReference(m) => AppError::Invalid {
                field: "reference",
                message: m,
            },
            e @ StoreError::Backend(_) => AppError::Internal(Box::new(e)),
        }
    }
}

/// Maps a store error, naming a uniqueness violation in words an admin can act on;
/// every other store error maps as usual.
pub(crate) fn duplicate_means(message: &'static str) -> impl FnOnce(StoreError) -> AppError {
    move |e| match e {
        StoreError::Duplicate(_) => AppError::Conflict(message.into()),
        e => e.into(),
    }
}
