//! The templates, embedded in the binary and compiled once; HTML is escaped everywhere.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;
use std::sync::OnceLock;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates!(
    "base.html",
    "error.html",
    "home.html",
    "login.html",
    "workbench.html",
    "case.html",
    "dashboard.html",
    "qr_sheet.html",
    "intake.html",
    "places/index.html",
    "places/new.html",
    "places/show.html",
    "places/inspect.html",
    "places/code.html",
    "admin/checklists.html",
    "hazards/index.html",
    "hazards/show.html",
    "campaigns/index.html",
    "campaigns/report.html",
    "kpis/_period.html",
    "kpis/_table.html",
    "kpis/index.html",
    "kpis/ranking.html",
    "kpis/published.html",
    "reports/index.html",
    "patrols.html",
    "field.html",
    "admin/_flash.html",
    "admin/index.html",
    "admin/users.html",
    "admin/regions.html",
    "admin/units.html",
    "admin/categories.html",
    "admin/category.html",
    "admin/policies.html",
    "admin/calendar.html",
    "admin/clients.html",
    "admin/notifications.html",
    "admin/models.html",
    "admin/hotline.html",
    "admin/audit.html",
    "citizen/landing.html",
    "citizen/report.html",
    "citizen/ticket.html",
    "citizen/progress.html",
);

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name}: {e:#}"));
        }
        crate::time::register(&mut env);
        env.add_filter("urlencode", |s: String| crate::pages::url_encode(&s));
        // A number with a fixed count of decimals: `65.0|fixed(2)` → `65.00`.
        env.add_filter("fixed", |v: f64, decimals: usize| format!("{v:.decimals$}"));
        env
    })
}

/// A rendered page, or the failure to render it (a bug: logged, answered 500 with a short
/// apology whatever status the page would have had).
pub struct Page(Option<String>);

impl Page {
    /// The page with `status` (when it rendered).
    pub fn status(self, status: StatusCode) -> Response {
        match self.0 {
            Some(html) => (status, Html(html)).into_response(),
            None => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>出错了</title><p>页面暂时无法显示，请稍后重试。</p></html>"),
            )
                .into_response(),
        }
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        self.status(StatusCode::OK)
    }
}

/// Renders a page.
pub fn page(name: &str, ctx: serde_json::Value) -> Page {
    render(name, minijinja::Value::from_serialize(&ctx))
}

/// Renders a page that shows deadlines: its context also holds the [`crate::time::Clock`]
/// they are measured against, as `clock`.
pub fn timed_page(app: &fengqiao_app::App, name: &str, ctx: serde_json::Value) -> Page {
    render(
        name,
        minijinja::context! {
            clock => crate::time::Clock::of(app),
            ..minijinja::Value::from_serialize(&ctx)
        },
    )
}

fn render(name: &str, ctx: minijinja::Value) -> Page {
    match env().get_template(name).and_then(|t| t.render(&ctx)) {
        Ok(html) => Page(Some(html)),
        Err(e) => {
            tracing::error!(template = name, error = %format!("{e:#}"), "template failed");
            Page(None)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_compiles() {
        let env = super::env();
        for (name, _) in super::TEMPLATES {
            assert!(env.get_template(name).is_ok(), "{name}");
        }
    }

    /// A template file left out of the list would only fail when its page is opened.
    #[test]
    fn every_template_file_is_embedded() {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, root, out);
                } else {
                    let rel = p.strip_prefix(root).unwrap().to_string_lossy();
                    out.push(rel.replace('\\', "/"));
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut files = Vec::new();
        walk(&root, &root, &mut files);
        for f in files {
            assert!(
                super::TEMPLATES.iter().any(|(name, _)| *name == f),
                "templates/{f} is not in TEMPLATES"
            );
        }
    }
}
