//! The 12345 hotline's work orders: import an export file with its per-row report, and export
//! every case in the 12345 layout.

use crate::render::{self, Page};
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fengqiao_app::App;
use fengqiao_domain::access::{require, Capability};
use serde_json::{json, Value};
use std::sync::Arc;

/// Largest 12345 file accepted from the page (the workbook reader has limits of its own).
pub const IMPORT_LIMIT_BYTES: usize = 64 * 1024 * 1024;

fn hotline_page(app: &App, staff: &Staff, job: Option<Value>, error: Option<String>) -> Page {
    render::page(
        "admin/hotline.html",
        json!({"title": "12345 工单导入导出", "staff": staff.frame(app), "job": job, "error": error}),
    )
}

pub async fn hotline(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Page> {
    require(&staff.actor, Capability::ImportHotline)?;
    Ok(hotline_page(&app, &staff, None, None))
}

/// Imports a 12345 export (xlsx, xls, ods or CSV, told by its bytes) and sends the browser to
/// the import's page.
pub async fn hotline_import(
    State(app): State<Arc<App>>,
    staff: Staff,
    form: axum::extract::Multipart,
) -> WebResult<Response> {
    require(&staff.actor, Capability::ImportHotline)?;
    let refuse =
        |message: String| {
            Ok(hotline_page(&app, &staff, None, Some(message))
                .status(StatusCode::UNPROCESSABLE_ENTITY))
        };
    let (fields, file) = match fengqiao_api::upload::read_file_form(form, IMPORT_LIMIT_BYTES).await
    {
        Ok(x) => x,
        Err(m) => return refuse(m),
    };
    staff.check_csrf(fields.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let Some((name, bytes)) = file else {
        return refuse("请选择要导入的文件".into());
    };
    let dry_run = fields.contains_key("dry_run");
    let mapping = fengqiao_app::hotline::Mapping::default();
    // Reading a workbook is CPU work: off the request threads.
    let m = mapping.clone();
    let (orders, errors) = tokio::task::spawn_blocking(move || {
        fengqiao_app::hotline::read_file(&bytes, Some(&name), &m)
    })
    .await
    .map_err(|e| WebError::Internal(format!("reading the file: {e}")))?;
    // The rows run in the background; the job's page shows them going, then the report.
    let job = app
        .hotline
        .start_import(&staff.actor, orders, errors, &mapping, dry_run)?;
    Ok(Redirect::to(&format!("/admin/hotline/jobs/{job}")).into_response())
}

/// An import's page: its progress while it runs (the page renews itself every second), then
/// what was created, updated or left and every refused row with its column and reason.
pub async fn hotline_job(
    State(app): State<Arc<App>>,
    staff: Staff,
    axum::extract::Path(id): axum::extract::Path<u64>,
) -> WebResult<Page> {
    let job = app.hotline.import_progress(&staff.actor, id)?;
    Ok(hotline_page(&app, &staff, Some(json!(job)), None))
}

/// Every case with its reply, in the 12345 layout, as a workbook to download.
pub async fn hotline_export(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Response> {
    use axum::http::{header, HeaderValue};
    let mut out = Vec::new();
    app.hotline
        .export(
            &staff.actor,
            std::io::Cursor::new(&mut out),
            fengqiao_app::hotline::ExportFormat::Xlsx,
        )
        .await?;
    let mut res = out.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"cases-12345.xlsx\""),
    );
    Ok(res)
}
