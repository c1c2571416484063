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
                    in_chinese(&e.body_text()),
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

/// serde's account of a body of the wrong shape, in words a person reads: the field named, what
/// was wrong, and for an unknown field the ones that are accepted.
fn in_chinese(serde_text: &str) -> String {
    // axum: "Failed to deserialize the JSON body into the target type: <path>: <message> at line…"
    let text = serde_text
        .split_once("target type: ")
        .map_or(serde_text, |(_, rest)| rest);
    let text = text.rsplit_once(" at line ").map_or(text, |(t, _)| t);
    let ticked = |s: &str| -> Vec<String> {
        s.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    if let Some((_, rest)) = text.split_once("unknown field ") {
        let names = ticked(rest);
        if let Some((field, allowed)) = names.split_first() {
            return format!("不接受字段 {field}；可用字段：{}", allowed.join("、"));
        }
    }
    if let Some((_, rest)) = text.split_once("missing field ") {
        if let Some(field) = ticked(rest).first() {
            return format!("缺少字段 {field}");
        }
    }
    if let Some((path, rest)) = text.split_once(": invalid type: ") {
        let expected = rest.split_once("expected ").map_or("", |(_, e)| e);
        let expected = match expected {
            e if e.contains("i64") || e.contains("u32") || e.contains("integer") => "整数",
            e if e.contains("f64") || e.contains("number") => "数字",
            e if e.contains("string") || e.contains("str") => "文字",
            e if e.contains("bool") => "true 或 false",
            e if e.contains("sequence") => "数组",
            _ => "正确的类型",
        };
        return format!("字段 {path} 须为{expected}");
    }
    format!("请求内容不符合要求：{text}")
}

/// A path parameter; one that does not parse (`/cases/abc`) is 400 in the error format, naming
/// what was expected, instead of axum's plain-text answer.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|_| {
                ApiError::bad_request("路径中的编号不正确：须为数字编号（工单查询须为工单编号）")
            })
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

#[cfg(test)]
mod tests {
    use super::in_chinese;

    #[test]
    fn serde_refusals_read_in_chinese_with_the_field_named() {
        let t = "Failed to deserialize the JSON body into the target type: priority: unknown field `priority`, expected one of `title`, `body` at line 1 column 70";
        assert_eq!(in_chinese(t), "不接受字段 priority；可用字段：title、body");
        let t = "Failed to deserialize the JSON body into the target type: missing field `body` at line 1 column 2";
        assert_eq!(in_chinese(t), "缺少字段 body");
        let t = "Failed to deserialize the JSON body into the target type: body: invalid type: integer `5`, expected a string at line 1 column 9";
        assert_eq!(in_chinese(t), "字段 body 须为文字");
    }
}
