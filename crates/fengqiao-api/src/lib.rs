#![recursion_limit = "512"]
//! The JSON API under `/api/v1`, and Open311 GeoReport v2 under `/open311/v2` (`open311.rs`).
//!
//! Invariant: handlers parse and format; every decision is made in `fengqiao-app`.

mod china_times;
mod dto;
mod error;
mod extract;
mod open311;
mod openapi;
mod routes;
mod serve;
pub mod upload;

pub use error::{retry_after, ApiError};
pub use extract::ClientAddr;

/// Case actions in their wire form: the field table pages build their forms from, and the
/// parser every request and form goes through.
pub mod action_form {
    pub use crate::dto::action::{form_fields, parse, FormField};
}
/// Inspections and hazard steps in their wire form, shared with the pages' forms.
pub mod places_form {
    pub use crate::dto::places::{color, hazard_action, inspection, instant, InspectionForm};
}
pub use serve::{serve, Limits};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use fengqiao_app::App;
use serde_json::json;
use std::sync::Arc;

type ApiResult<T> = Result<T, ApiError>;

/// Largest request body accepted (a case body is at most 10,000 characters).
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

/// The router as a service that knows each connection's peer address (for login throttling
/// and the access log): what `axum::serve` should be given.
pub fn service(
    app: Arc<App>,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, std::net::SocketAddr> {
    router(app).into_make_service_with_connect_info::<std::net::SocketAddr>()
}

/// The whole HTTP surface: `/healthz`, the JSON API under `/api/v1` (from its route table) and
/// Open311 under `/open311/v2`.
pub fn router(app: Arc<App>) -> Router {
    let mut api = Router::new();
    for e in routes::all() {
        api = api.route(e.path, e.handler);
    }
    let api = api
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            calendar_warning,
        ))
        .route_layer(axum::middleware::from_fn(china_times::layer))
        .route_layer(axum::middleware::from_fn(access_log));
    let api = api.fallback(|| async {
        ApiError::not_found("没有这个接口；接口说明见 /api/v1/openapi.json")
    });
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", api)
        .nest(
            "/open311/v2",
            open311::router().route_layer(axum::middleware::from_fn(access_log)),
        )
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(app)
}

async fn healthz(State(app): State<Arc<App>>) -> Response {
    match app.core.ping().await {
        Ok(_) => (StatusCode::OK, Json(json!({"status": "ok"}))).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}

/// Headers every answer carries: nothing is sniffed, framed, cached or sent on as a referrer —
/// answers hold personal data, and the JSON is never a page to render.
async fn security_headers(mut res: Response) -> Response {
    protect(
        &mut res,
        axum::http::HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    res
}

/// Sets the headers every answer of the platform carries, with `csp` as its content security
/// policy: no sniffing, no framing, no referrer, and no caching unless the answer says how it
/// may be cached (the pages' assets do).
pub fn protect(res: &mut Response, csp: axum::http::HeaderValue) {
    use axum::http::{header, HeaderValue};
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// One line per answered request on the `fengqiao::access` target: method, the route's
/// template (`/api/v1/cases/{id}`, never the path as sent), status and time taken. No query
/// string, no client address, no body: nothing personal reaches the log.
/// While next year's holidays are missing, every answer says so in a `Warning` header (RFC 9111's
/// 299, "miscellaneous persistent warning"): deadlines running into that year count Monday to
/// Friday, and a client should tell its users.
async fn calendar_warning(
    State(app): State<Arc<App>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut res = next.run(req).await;
    if let Some(year) = app.core.missing_calendar_year() {
        let text = format!(
            "299 fengqiao \"the official holidays of {year} are not imported: deadlines into {year} count Monday to Friday\""
        );
        if let Ok(v) = axum::http::HeaderValue::from_str(&text) {
            res.headers_mut().insert(axum::http::header::WARNING, v);
        }
    }
    res
}

async fn access_log(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    tracing::info!(
        target: "fengqiao::access",
        method = %method,
        route = %route,
        status = res.status().as_u16(),
        ms = (started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
        "request"
    );
    res
}

/// The address citizens and clients reach the platform at: the configured public address, or
/// else the one this request came to (its `Host`, and whether a proxy says it came over HTTPS).
pub fn public_base(app: &App, headers: &axum::http::HeaderMap) -> String {
    app.core.config.public_base(
        headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok()),
        headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https")),
    )
}
