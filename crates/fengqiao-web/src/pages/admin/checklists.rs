//! Checklists: each kind of place's current checklist, and publishing a new version of one —
//! one item per line, `编码|重大或一般|检查内容`. Older inspections keep the questions they were
//! asked; an item keeps its code across versions so a relapse is still recognised.

use super::{done, field, refusal};
use crate::render;
use crate::session::Staff;
use crate::WebResult;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use fengqiao_app::App;
use fengqiao_domain::access::{require, Capability};
use fengqiao_domain::places::{ChecklistItem, Severity};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// A checklist as the form's lines.
fn lines(items: &[ChecklistItem]) -> String {
    items
        .iter()
        .map(|i| format!("{}|{}|{}", i.code, i.severity.label(), i.text))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The form's lines as items; a line that cannot be read is named.
fn parse_lines(text: &str) -> Result<Vec<ChecklistItem>, String> {
    text.lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(n, l)| {
            let parts: Vec<&str> = l.splitn(3, ['|', '｜']).map(str::trim).collect();
            let [code, severity, text] = parts[..] else {
                return Err(format!(
                    "第 {} 行须为「编码|重大或一般|检查内容」，收到「{l}」",
                    n + 1
                ));
            };
            let severity = Severity::ALL
                .iter()
                .copied()
                .find(|s| s.label() == severity || s.as_str() == severity)
                .ok_or_else(|| format!("第 {} 行的严重程度须为 重大 或 一般", n + 1))?;
            Ok(ChecklistItem {
                code: code.into(),
                text: text.into(),
                severity,
            })
        })
        .collect()
}

async fn page(
    app: &App,
    staff: &Staff,
    flash: Option<(Value, StatusCode)>,
    kept: Option<(&str, &HashMap<String, String>)>,
) -> WebResult<Response> {
    let (flash, status) = flash.map_or((None, StatusCode::OK), |(f, s)| (Some(f), s));
    let lists: Vec<Value> = app
        .places
        .checklists()
        .await?
        .into_iter()
        .map(|t| {
            let (name, text) = match kept {
                Some((k, f)) if k == t.kind.as_str() => (field(f, "name"), field(f, "items")),
                _ => (t.name.clone(), lines(&t.items)),
            };
            json!({"kind": t.kind.as_str(), "kind_label": t.kind.label(), "version": t.version,
                   "name": name, "lines": text, "count": t.items.len(), "items": t.items,
                   "open": kept.is_some_and(|(k, _)| k == t.kind.as_str())})
        })
        .collect();
    Ok(render::page(
        "admin/checklists.html",
        json!({"title": "检查表", "staff": staff.frame(app), "lists": lists, "flash": flash}),
    )
    .status(status))
}

pub async fn checklists(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Response> {
    require(&staff.actor, Capability::SetInspectionPolicy)?;
    page(&app, &staff, None, None).await
}

/// Publishes a kind's next version from the form.
pub async fn publish(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(kind): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult<Response> {
    staff.check_csrf(&field(&f, "_csrf"))?;
    let result = match parse_lines(&field(&f, "items")) {
        Ok(items) => app
            .places
            .set_checklist(&staff.actor, &kind, &field(&f, "name"), items)
            .await
            .map_err(crate::WebError::from),
        Err(m) => Err(crate::WebError::Invalid(m)),
    };
    match result {
        Ok(t) => {
            let message = format!(
                "已发布{}检查表第 {} 版（{} 项）",
                t.kind.label(),
                t.version,
                t.items.len()
            );
            page(&app, &staff, Some(done(message)), None).await
        }
        Err(e) => page(&app, &staff, Some(refusal(e)?), Some((kind.as_str(), &f))).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_a_bad_line_is_named() {
        let items =
            parse_lines("exit|重大|安全出口畅通\n\n gas ｜ 一般 ｜ 燃气瓶存放合规 \n").unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(
            (items[1].code.as_str(), items[1].severity),
            ("gas", Severity::Minor)
        );
        assert_eq!(parse_lines(&lines(&items)).unwrap(), items);
        assert!(parse_lines("exit|安全出口畅通")
            .unwrap_err()
            .contains("第 1 行"));
        assert!(parse_lines("a|b|c\nexit|严重|x")
            .unwrap_err()
            .contains("重大 或 一般"));
    }
}
