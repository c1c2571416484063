//! The HTTP error: every failure is JSON `{"error": {"code", "message"}}` with the right status.
//! Internal causes are logged and hidden.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fengqiao_app::AppError;
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<&'static str>,
    /// Seconds to wait, sent as `Retry-After` (with 429, and 503 when busy).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    /// A value that parsed but is not acceptable (422), naming the field.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ApiError::from(AppError::Invalid {
            field,
            message: message.into(),
        })
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid { field, message } => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "invalid",
                message,
                field: Some(field),
                retry_after: None,
            },
            AppError::Unauthorized(m) => ApiError::unauthorized(m),
            AppError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
            AppError::NotFound(m) => ApiError::not_found(m),
            AppError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            AppError::RateLimited {
                message,
                retry_after_seconds,
            } => ApiError {
                retry_after: Some(retry_after_seconds),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message)
            },
            AppError::State(m) => ApiError::new(StatusCode::CONFLICT, "invalid_state", m),
            AppError::Unavailable(m) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", m)
            }
            AppError::Busy {
                message,
                retry_after_seconds,
            } => ApiError {
                retry_after: Some(retry_after_seconds),
                ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message)
            },
            AppError::Internal(cause) => {
                tracing::error!(cause = %chain(&*cause), "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "服务器内部错误，请稍后重试；如持续出现请联系管理员",
                )
            }
        }
    }
}

/// An error and its sources, outermost first: what the log needs to find the cause.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        out.push_str(": ");
        out.push_str(&s.to_string());
        next = s.source();
    }
    out
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": { "code": self.code, "message": self.message } });
        if let Some(f) = self.field {
            body["error"]["field"] = json!(f);
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            retry_after(&mut response, seconds);
        }
        response
    }
}

/// Tells the client when to send again (`Retry-After`, in seconds): for 429 and for 503 under a
/// surge, in the API's answers, Open311's and the pages'.
pub fn retry_after(response: &mut Response, seconds: u64) {
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(seconds),
    );
}
