//! Open311 GeoReport v2 under `/open311/v2`, in XML (required by the spec) and JSON.
//!
//! Responses are built once as JSON values in the spec's JSON shape (the "Spark" convention:
//! list roots are bare arrays) and rendered to XML by naming the roots and list items. Errors
//! follow the spec: 404 for what does not exist, 403 for a missing or bad `api_key`, 400 for
//! everything else, with `[{code, description}]` or `<errors><error>…` bodies.

mod requests;

use crate::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use fengqiao_app::{App, AppError, IntakeInput, UpdateIntent};
use fengqiao_domain::case::{Case, CaseState};
use fengqiao_domain::ids::CategoryId;
use fengqiao_store::CaseFilter;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// The spec string clients look for in discovery.
const SPEC: &str = "http://wiki.open311.org/GeoReport_v2";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fmt {
    Xml,
    Json,
}

/// `services.json` → (`services`, Json).
fn split(file: &str) -> Option<(&str, Fmt)> {
    if let Some(stem) = file.strip_suffix(".xml") {
        Some((stem, Fmt::Xml))
    } else {
        file.strip_suffix(".json").map(|stem| (stem, Fmt::Json))
    }
}

/// A response body in the spec's JSON shape, with the XML names for its roots.
enum Doc {
    /// A list: `<root><item>…</item>…</root>`, a bare JSON array.
    List {
        root: &'static str,
        item: &'static str,
        items: Vec<Value>,
    },
    /// A single object: `<root>…</root>`, a JSON object.
    Object { root: &'static str, value: Value },
}

struct Reply {
    fmt: Fmt,
    status: StatusCode,
    doc: Doc,
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self.fmt {
            Fmt::Json => {
                let body = match self.doc {
                    Doc::List { items, .. } => Value::Array(items),
                    Doc::Object { value, .. } => value,
                };
                (
                    self.status,
                    [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                    body.to_string(),
                )
                    .into_response()
            }
            Fmt::Xml => {
                let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
                match &self.doc {
                    Doc::List { root, item, items } => {
                        open(&mut out, root);
                        for v in items {
                            element(&mut out, item, v);
                        }
                        close(&mut out, root);
                    }
                    Doc::Object { root, value } => element(&mut out, root, value),
                }
                (
                    self.status,
                    [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                    out,
                )
                    .into_response()
            }
        }
    }
}

fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// The element name for the items of a list field.
fn singular(field: &str) -> &str {
    match field {
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        "groups" => "group",
        "notes" => "note",
        _ => "item",
    }
}

fn element(out: &mut String, name: &str, v: &Value) {
    match v {
        Value::Null => {}
        Value::Object(map) => {
            open(out, name);
            for (k, v) in map {
                element(out, k, v);
            }
            close(out, name);
        }
        Value::Array(items) => {
            open(out, name);
            for item in items {
                element(out, singular(name), item);
            }
            close(out, name);
        }
        Value::String(s) => {
            open(out, name);
            escape(out, s);
            close(out, name);
        }
        other => {
            open(out, name);
            out.push_str(&other.to_string());
            close(out, name);
        }
    }
}

fn escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all (its Char production): the C0 controls
            // but tab and line ends, and the two noncharacters U+FFFE and U+FFFF. Text stored
            // before input refused them must not break every list that includes it.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{fffe}' | '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

/// An Open311 error response.
struct Failure {
    fmt: Fmt,
    status: StatusCode,
    message: String,
    /// Seconds to wait before sending again, as `Retry-After` (a 503 under a surge).
    retry_after: Option<u64>,
}

impl Failure {
    fn new(fmt: Fmt, status: StatusCode, message: impl Into<String>) -> Failure {
        Failure {
            fmt,
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    fn bad(fmt: Fmt, message: impl Into<String>) -> Failure {
        Failure::new(fmt, StatusCode::BAD_REQUEST, message)
    }

    /// The app's errors in the spec's three statuses.
    fn from_app(fmt: Fmt, e: AppError) -> Failure {
        let api = ApiError::from(e);
        let status = match api.status {
            StatusCode::NOT_FOUND => StatusCode::NOT_FOUND,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => StatusCode::FORBIDDEN,
            s if s.is_server_error() => s,
            _ => StatusCode::BAD_REQUEST,
        };
        let message = match api.field {
            Some(f) => format!("{f}: {}", api.message),
            None => api.message,
        };
        Failure {
            retry_after: api.retry_after,
            ..Failure::new(fmt, status, message)
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = Reply {
            fmt: self.fmt,
            status: self.status,
            doc: Doc::List {
                root: "errors",
                item: "error",
                items: vec![json!({ "code": self.status.as_u16(), "description": self.message })],
            },
        }
        .into_response();
        if let Some(seconds) = self.retry_after {
            crate::error::retry_after(&mut response, seconds);
        }
        response
    }
}

type O311 = Result<Reply, Failure>;

fn ok(fmt: Fmt, doc: Doc) -> O311 {
    Ok(Reply {
        fmt,
        status: StatusCode::OK,
        doc,
    })
}

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/{file}",
            get(root_get)
                .post(root_post)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::upload::PHOTO_FORM_LIMIT_BYTES,
                )),
        )
        .route("/services/{file}", get(service_definition))
        .route("/requests/{file}", get(requests::one_request))
        .route("/tokens/{file}", get(requests::token))
        .route("/update_tokens/{file}", get(requests::update_token))
}

fn format_of(file: &str) -> Result<(&str, Fmt), Response> {
    split(file).ok_or_else(|| {
        Failure::new(
            Fmt::Xml,
            StatusCode::NOT_FOUND,
            "unknown resource; use .xml or .json",
        )
        .into_response()
    })
}

/// Form fields from the query string and the body (the body wins), repeated keys kept.
fn params(query: Option<&str>, body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = match query {
        Some(q) => serde_urlencoded::from_str(q).map_err(|e| format!("query string: {e}"))?,
        None => Vec::new(),
    };
    if !body.is_empty() {
        let form: Vec<(String, String)> =
            serde_urlencoded::from_bytes(body).map_err(|e| format!("form body: {e}"))?;
        let keys: Vec<String> = form.iter().map(|(k, _)| k.clone()).collect();
        out.retain(|(k, _)| !keys.contains(k));
        out.extend(form);
    }
    Ok(out)
}

/// Every value a list parameter was given: repeated keys (`status=open&status=closed`) and
/// comma-separated values alike, trimmed, empty ones left out.
fn list_param<'a>(p: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
    p.iter()
        .filter(move |(k, _)| k == name)
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The value of a parameter; an empty value counts as absent, as the spec asks.
fn param<'a>(p: &'a [(String, String)], name: &str) -> Option<&'a str> {
    p.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

async fn root_get(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (stem, fmt) = match format_of(&file) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let p = match params(query.as_deref(), &[]) {
        Ok(p) => p,
        Err(e) => return Failure::bad(fmt, e).into_response(),
    };
    match stem {
        "discovery" => discovery(&app, &headers, fmt).into_response(),
        "services" => services(&app, fmt).into_response(),
        "requests" => requests::requests(&app, fmt, &p).await.into_response(),
        "servicerequestupdates" => requests::updates(&app, fmt, &p).await.into_response(),
        _ => {
            Failure::new(fmt, StatusCode::NOT_FOUND, format!("no resource {stem}")).into_response()
        }
    }
}

/// Only a form with photos may be larger than any other request.
fn too_big(body: &[u8]) -> Result<(), (StatusCode, String)> {
    if body.len() > crate::BODY_LIMIT_BYTES {
        return Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "request body over {} KiB; photos go as multipart/form-data",
                crate::BODY_LIMIT_BYTES / 1024
            ),
        ));
    }
    Ok(())
}

/// What a POST sent: its parameters and the photos among them.
async fn posted(
    query: Option<&str>,
    req: axum::extract::Request,
) -> Result<(Vec<(String, String)>, Vec<Vec<u8>>), (StatusCode, String)> {
    let bad = |m: String| (StatusCode::BAD_REQUEST, m);
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match kind.as_str() {
        // GeoReport's own form, and a bodiless POST with everything in the query.
        "" | "application/x-www-form-urlencoded" => {
            let body = Bytes::from_request(req, &())
                .await
                .map_err(|e| bad(format!("body: {e}")))?;
            too_big(&body)?;
            Ok((params(query, &body).map_err(bad)?, Vec::new()))
        }
        // Clients that upload photos (GeoReport v2.1's `media`): the fields, and the files
        // stored with the case as the web's uploads are.
        "multipart/form-data" => {
            let form = axum::extract::Multipart::from_request(req, &())
                .await
                .map_err(|e| bad(format!("multipart body: {e}")))?;
            let (fields, photos) = crate::upload::read_parts(form, &["media", "media[]"])
                .await
                .map_err(bad)?;
            let mut p = params(query, b"").map_err(bad)?;
            p.retain(|(k, _)| !fields.iter().any(|(f, _)| f == k));
            p.extend(fields);
            Ok((p, photos))
        }
        // A JSON object of the same fields: strings, numbers and lists of them.
        "application/json" => {
            let body = Bytes::from_request(req, &())
                .await
                .map_err(|e| bad(format!("body: {e}")))?;
            too_big(&body)?;
            let v: Value =
                serde_json::from_slice(&body).map_err(|e| bad(format!("JSON body: {e}")))?;
            let Value::Object(o) = v else {
                return Err(bad(
                    "the JSON body must be an object of the request's fields".into(),
                ));
            };
            let mut p = params(query, b"").map_err(bad)?;
            p.retain(|(k, _)| !o.contains_key(k));
            for (k, v) in o {
                let one = |v: &Value| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Bool(b) => Some(b.to_string()),
                    _ => None,
                };
                match &v {
                    Value::Null => {}
                    Value::Array(items) => {
                        for item in items {
                            let s = one(item)
                                .ok_or_else(|| bad(format!("{k}: a list of strings or numbers")))?;
                            p.push((k.clone(), s));
                        }
                    }
                    other => {
                        let s = one(other)
                            .ok_or_else(|| bad(format!("{k}: a string, number or list")))?;
                        p.push((k, s));
                    }
                }
            }
            Ok((p, Vec::new()))
        }
        other => Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type {other} is not accepted; send application/x-www-form-urlencoded \
                 (GeoReport v2), multipart/form-data (with photos as media) or application/json"
            ),
        )),
    }
}

async fn root_post(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    req: axum::extract::Request,
) -> Response {
    let (stem, fmt) = match format_of(&file) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if stem != "requests" && stem != "servicerequestupdates" {
        return Failure::new(
            fmt,
            StatusCode::NOT_FOUND,
            format!("no resource {stem} to post to"),
        )
        .into_response();
    }
    let (p, photos) = match posted(query.as_deref(), req).await {
        Ok(x) => x,
        Err((status, e)) => return Failure::new(fmt, status, e).into_response(),
    };
    if stem == "requests" {
        requests::post_request(&app, fmt, &p, photos)
            .await
            .into_response()
    } else {
        requests::post_update(&app, fmt, &p).await.into_response()
    }
}

fn discovery(app: &App, headers: &HeaderMap, fmt: Fmt) -> O311 {
    let base = crate::public_base(app, headers);
    ok(
        fmt,
        Doc::Object {
            root: "discovery",
            value: json!({
                "changeset": "2026-11-28T00:00:00Z",
                "contact": "乡镇基层治理服务中心",
                "key_service": "向乡镇管理员申请接入密钥（fengqiao client add）",
                "endpoints": [{
                    "specification": SPEC,
                    "url": format!("{base}/open311/v2"),
                    "changeset": "2026-11-28T00:00:00Z",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }],
            }),
        },
    )
}

fn services(app: &App, fmt: Fmt) -> O311 {
    let items = app
        .open311
        .services()
        .into_iter()
        .map(|s| {
            let metadata = !app.core.category_attributes(s.category.id).is_empty();
            let mut v = json!({
                "service_code": s.category.id.0.to_string(),
                "service_name": s.category.name,
                "description": match &s.group {
                    Some(g) => format!("{g} · {}", s.category.name),
                    None => s.category.name.clone(),
                },
                "metadata": metadata,
                "type": "realtime",
                "keywords": s.category.name,
            });
            if let Some(g) = s.group {
                v["group"] = Value::String(g);
            }
            v
        })
        .collect();
    ok(
        fmt,
        Doc::List {
            root: "services",
            item: "service",
            items,
        },
    )
}

async fn service_definition(State(app): State<Arc<App>>, Path(file): Path<String>) -> Response {
    let (code, fmt) = match format_of(&file) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match app.open311.service(code) {
        None => {
            Failure::new(fmt, StatusCode::NOT_FOUND, format!("no service {code}")).into_response()
        }
        Some(s) => ok(
            fmt,
            Doc::Object {
                root: "service_definition",
                value: json!({
                    "service_code": s.category.id.0.to_string(),
                    "attributes": app
                        .core.category_attributes(s.category.id)
                        .iter()
                        .map(|a| {
                            let mut v = json!({
                                "variable": a.variable,
                                "code": a.code,
                                "datatype": a.datatype.as_str(),
                                "required": a.required,
                                "order": a.order,
                                "description": a.description,
                            });
                            if let Some(d) = &a.datatype_description {
                                v["datatype_description"] = Value::String(d.clone());
                            }
                            if !a.values.is_empty() {
                                v["values"] = json!(a.values);
                            }
                            v
                        })
                        .collect::<Vec<_>>(),
                }),
            },
        )
        .into_response(),
    }
}

fn w3c(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod escape_tests {
    /// Whatever a stored text holds, the XML stays well-formed XML 1.0.
    #[test]
    fn text_xml_cannot_carry_is_left_out() {
        let mut out = String::new();
        super::escape(&mut out, "路灯\u{fffe}坏了\u{ffff}<b>&\u{1}\t\n\u{10000}");
        assert_eq!(out, "路灯坏了&lt;b&gt;&amp;\t\n\u{10000}");
    }
}
