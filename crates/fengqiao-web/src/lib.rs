//! The web pages, in Chinese: citizens' 民情码 pages (no login), the staff workbench and case
//! page, and the leaders' dashboard. Pages are rendered on the server from templates embedded
//! in the binary (`templates/`), every asset is served by the binary itself (`assets/`), and
//! every form works without JavaScript.
//!
//! Invariant: like the API, pages parse and format; every decision is made in `fengqiao-app`
//! and `fengqiao-domain` (what a case page offers is `lifecycle::offered`).

mod error;
mod pages;
mod render;
mod session;
mod time;

pub use error::WebError;

use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use fengqiao_app::App;
use std::sync::Arc;

type WebResult<T> = Result<T, WebError>;

/// Largest form accepted (a report's text is at most 10,000 characters).
const FORM_LIMIT_BYTES: usize = 256 * 1024;

/// The pages and their assets.
pub fn router(app: Arc<App>) -> Router {
    use pages::*;
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/workbench", get(workbench::workbench))
        .route("/workbench/bulk", post(workbench::bulk))
        .route("/workbench/filters", post(workbench::save_filter))
        .route(
            "/workbench/filters/{id}/delete",
            post(workbench::delete_filter),
        )
        .route("/cases/{id}", get(case::case_page))
        .route("/cases/{id}/act", post(case::act))
        .route(
            "/cases/{id}/duplicates/{proposal}/dismiss",
            post(case::dismiss_duplicate),
        )
        .route("/dashboard", get(dashboard::dashboard))
        .route("/places", get(places::places))
        .route(
            "/places/new",
            get(places::new_place).post(places::create_place),
        )
        .route(
            "/places/import",
            post(places::import).layer(axum::extract::DefaultBodyLimit::max(
                places::PLACE_IMPORT_LIMIT_BYTES,
            )),
        )
        .route("/places/export.csv", get(places::export_csv))
        .route("/places/export.xlsx", get(places::export_xlsx))
        .route("/places/{id}", get(places::place))
        .route("/places/{id}/regrade", post(places::regrade))
        .route("/places/{id}/code", get(places::code_sheet))
        .route(
            "/places/{id}/inspect",
            get(places::inspect_form).post(places::inspect).layer(
                axum::extract::DefaultBodyLimit::max(fengqiao_api::upload::PHOTO_FORM_LIMIT_BYTES),
            ),
        )
        .route("/field-photos/{id}", get(places::field_photo))
        .route(
            "/campaigns",
            get(campaigns::campaigns).post(campaigns::create),
        )
        .route("/reports", get(reports::report))
        .route("/reports.xlsx", get(reports::report_xlsx))
        .route("/reports.pdf", get(reports::report_pdf))
        .route("/kpis", get(kpis::kpis))
        .route("/rankings", get(kpis::rankings))
        .route("/rankings.xlsx", get(kpis::rankings_xlsx))
        .route("/rankings/publish", post(kpis::publish))
        .route("/rankings/weights", post(kpis::weights))
        .route("/rankings/published/{id}", get(kpis::published))
        .route(
            "/rankings/published/{id}/sheet.xlsx",
            get(kpis::published_xlsx),
        )
        .route("/campaigns/{id}", get(campaigns::report))
        .route("/campaigns/{id}/report.xlsx", get(campaigns::report_xlsx))
        .route("/patrols", get(patrols::patrols))
        .route("/patrol-schedules", post(patrols::create))
        .route("/patrol-schedules/{id}/active", post(patrols::set_active))
        .route("/hazards", get(hazards::hazards))
        .route("/hazards/{id}", get(hazards::hazard))
        .route(
            "/hazards/{id}/act",
            post(hazards::act).layer(axum::extract::DefaultBodyLimit::max(
                fengqiao_api::upload::PHOTO_FORM_LIMIT_BYTES,
            )),
        )
        .route("/qr", get(citizen::qr_sheet))
        .route("/admin", get(admin::index))
        .route("/admin/audit", get(admin::audit))
        .route(
            "/admin/users",
            get(admin::users::users).post(admin::users::create_user),
        )
        .route("/admin/users/{id}/active", post(admin::users::set_active))
        .route(
            "/admin/regions",
            get(admin::org::regions).post(admin::org::create_region),
        )
        .route("/admin/regions/{id}/centre", post(admin::org::set_centre))
        .route(
            "/admin/units",
            get(admin::org::units).post(admin::org::create_unit),
        )
        .route(
            "/admin/categories",
            get(admin::categories::categories).post(admin::categories::create_category),
        )
        .route("/admin/categories/{id}", get(admin::categories::category))
        .route(
            "/admin/categories/{id}/questions",
            post(admin::categories::create_question),
        )
        .route(
            "/admin/policies",
            get(admin::categories::policies).post(admin::categories::set_policy),
        )
        .route("/admin/checklists", get(admin::checklists::checklists))
        .route("/admin/checklists/{kind}", post(admin::checklists::publish))
        .route(
            "/admin/calendar",
            get(admin::calendar::calendar).post(admin::calendar::calendar_import),
        )
        .route(
            "/admin/clients",
            get(admin::clients::clients).post(admin::clients::create_client),
        )
        .route(
            "/admin/clients/{id}/revoke",
            post(admin::clients::revoke_client),
        )
        .route(
            "/admin/notifications",
            get(admin::notifications::notifications),
        )
        .route(
            "/admin/notifications/{id}/resend",
            post(admin::notifications::resend),
        )
        .route("/admin/models", get(admin::models::models))
        .route("/admin/models/train", post(admin::models::train))
        .route(
            "/admin/models/{version}/activate",
            post(admin::models::activate),
        )
        .route(
            "/admin/hotline",
            get(admin::hotline::hotline)
                .post(admin::hotline::hotline_import)
                .layer(axum::extract::DefaultBodyLimit::max(
                    admin::hotline::IMPORT_LIMIT_BYTES,
                )),
        )
        .route("/admin/hotline/jobs/{id}", get(admin::hotline::hotline_job))
        .route(
            "/admin/hotline/export.xlsx",
            get(admin::hotline::hotline_export),
        )
        .route(
            "/intake",
            get(intake::intake_form).post(intake::intake).layer(
                axum::extract::DefaultBodyLimit::max(citizen::REPORT_LIMIT_BYTES),
            ),
        )
        .route("/m/{code}", get(citizen::landing))
        .route(
            "/m/{code}/report",
            get(citizen::report_form).post(citizen::report).layer(
                axum::extract::DefaultBodyLimit::max(citizen::REPORT_LIMIT_BYTES),
            ),
        )
        .route("/photos/{id}", get(case::photo))
        .route("/m/{code}/qr.svg", get(citizen::qr_svg))
        .route("/t/{case_no}", get(citizen::ticket))
        .route(
            "/progress",
            get(citizen::progress_form).post(citizen::progress),
        )
        .route("/progress/supplement", post(citizen::supplement))
        .route("/progress/rate", post(citizen::rate))
        .route("/static/{file}", get(assets::asset))
        .route("/sw.js", get(field::service_worker))
        .route("/manifest.webmanifest", get(field::manifest))
        .route("/field", get(field::field))
        .route("/field/token", get(field::token))
        .fallback(|| async { WebError::NotFound("没有这个页面".into()) })
        .route_layer(axum::extract::DefaultBodyLimit::max(FORM_LIMIT_BYTES))
        .layer(axum::middleware::map_response_with_state(
            page_policy(app.core.config.map_tiles.as_deref()),
            page_headers,
        ))
        .with_state(app)
}

/// The whole site: the JSON API and Open311 (with their own headers) beside the pages.
pub fn site(app: Arc<App>) -> Router {
    fengqiao_api::router(app.clone()).merge(router(app))
}

/// The pages' content security policy: only the site's own styles, scripts and images — and
/// the tile server's, when one is configured for the map; the phone's queue may talk to the
/// site itself (`connect-src`), and the site's own service worker and manifest load.
fn page_policy(map_tiles: Option<&str>) -> axum::http::HeaderValue {
    let tiles = map_tiles
        .and_then(|t| {
            let (scheme, rest) = t.split_once("://")?;
            let host = rest.split('/').next()?;
            Some(format!(" {scheme}://{host}"))
        })
        .unwrap_or_default();
    let policy = |tiles: &str| {
        format!(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:{tiles}; \
             connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        )
    };
    axum::http::HeaderValue::from_str(&policy(&tiles))
        .or_else(|_| axum::http::HeaderValue::from_str(&policy("")))
        .expect("an ASCII policy")
}

/// Headers every page carries: the policy above, never framed, never cached (pages hold
/// personal data), no referrer sent on.
async fn page_headers(
    axum::extract::State(policy): axum::extract::State<axum::http::HeaderValue>,
    mut res: Response,
) -> Response {
    fengqiao_api::protect(&mut res, policy);
    res
}
