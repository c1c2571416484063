//! Errors as pages: what went wrong in words a person can act on, in the right status. A
//! missing or expired login sends the browser to the login page and back afterwards.

use crate::render;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fengqiao_app::AppError;
use serde_json::json;

#[derive(Debug)]
pub enum WebError {
    /// Not logged in (or the session ended): to the login page, then back to `next`.
    Login {
        next: String,
    },
    NotFound(String),
    Forbidden(String),
    /// The form is wrong; the message names what to fix.
    Invalid(String),
    /// The case moved on, or someone else acted first.
    Conflict(String),
    RateLimited {
        message: String,
        retry_after: u64,
    },
    /// Too much work at once (a surge of reports): nothing was done; try again after a while.
    Busy {
        message: String,
        retry_after: u64,
    },
    /// Missing on the server, fixable by an administrator: the message says how.
    Unavailable(String),
    /// A failure the user cannot fix; logged, not shown.
    Internal(String),
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid { message, .. } => WebError::Invalid(message),
            AppError::Unauthorized(_) => WebError::Login { next: "/".into() },
            AppError::Forbidden(m) => WebError::Forbidden(m),
            AppError::NotFound(m) => WebError::NotFound(m),
            AppError::Conflict(m) | AppError::State(m) => WebError::Conflict(m),
            AppError::RateLimited {
                message,
                retry_after_seconds,
            } => WebError::RateLimited {
                message,
                retry_after: retry_after_seconds,
            },
            AppError::Unavailable(m) => WebError::Unavailable(m),
            AppError::Busy {
                message,
                retry_after_seconds,
            } => WebError::Busy {
                message,
                retry_after: retry_after_seconds,
            },
            AppError::Internal(e) => WebError::Internal(format!("{e:#}")),
        }
    }
}

impl From<fengqiao_domain::DomainError> for WebError {
    fn from(e: fengqiao_domain::DomainError) -> Self {
        AppError::from(e).into()
    }
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Login { .. } => StatusCode::SEE_OTHER,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebError::Unavailable(_) | WebError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the page says.
    pub fn message(&self) -> String {
        match self {
            WebError::Login { .. } => "请先登录".into(),
            WebError::NotFound(m)
            | WebError::Forbidden(m)
            | WebError::Invalid(m)
            | WebError::Conflict(m)
            | WebError::Unavailable(m) => m.clone(),
            WebError::RateLimited { message, .. } | WebError::Busy { message, .. } => {
                message.clone()
            }
            WebError::Internal(_) => "系统出现故障，请稍后重试；如果一直出现，请联系管理员".into(),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Login { next } = &self {
            let to = format!("/login?next={}", crate::pages::url_encode(next));
            return Redirect::to(&to).into_response();
        }
        if let WebError::Internal(cause) = &self {
            tracing::error!(error = %cause, "page failed");
        }
        let status = self.status();
        let body = render::page(
            "error.html",
            json!({"title": "出错了", "status": status.as_u16(), "message": self.message()}),
        );
        let mut res = body.status(status);
        if let WebError::RateLimited { retry_after, .. } | WebError::Busy { retry_after, .. } = self
        {
            fengqiao_api::retry_after(&mut res, retry_after);
        }
        res
    }
}
