//! Extractors whose rejections speak the API's error format.

use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use fengqiao_app::App;
use fengqiao_domain::org::{Actor, User};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// A JSON body. Malformed JSON is 400; well-formed JSON of the wrong shape (missing or unknown
/// fields, wrong types) is 422; a missing `Content-Type: application/json` is 415.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(match rej {
                JsonRejection::JsonSyntaxError(e) => {
                    ApiError::bad_request(format!("请求体不是有效的 JSON：{}", e.body_text()))
                }
                JsonRejection::JsonDataError(e) => ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    format!("请求内容不符合要求：{}", e.body_text()),
                ),
                JsonRejection::MissingJsonContentType(_) => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "请求须带 Content-Type: application/json",
                ),
                JsonRejection::BytesRejection(e) => ApiError::new(
                    e.status(),
                    "bad_request",
                    format!("无法读取请求体：{}", e.body_text()),
                ),
                other => ApiError::bad_request(other.body_text()),
            }),
        }
    }
}

/// Query-string parameters; a bad one is 400 with the parameter named.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e: QueryRejection| {
                ApiError::bad_request(format!("查询参数有误：{}", e.body_text()))
            })
    }
}

/// The client's address, when the server was started with connection info (`service`); never
/// fails. Behind a reverse proxy this is the proxy's address.
pub struct ClientAddr(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string()),
        ))
    }
}

/// The authenticated user, from `Authorization: Bearer <token>`.
pub struct Auth {
    pub user: User,
    pub actor: Actor,
    pub token: String,
}

impl FromRequestParts<Arc<App>> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::unauthorized("请先登录：请求须带 Authorization: Bearer <token>")
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized("Authorization 头格式应为 Bearer <token>"))?;
        let (user, actor) = app.auth.authenticate(token).await?;
        Ok(Auth {
            user,
            actor,
            token: token.to_string(),
        })
    }
}
