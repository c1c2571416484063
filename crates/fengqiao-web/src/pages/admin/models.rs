//! Triage's classifier models: every version with how well it did, training a new one on the
//! cases people categorised, comparing two versions class by class, and switching back.

use super::{admin_page, done, field, settle};
use crate::session::Staff;
use crate::WebResult;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use fengqiao_app::App;
use fengqiao_store::TriageModelInfo;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

type Fields = HashMap<String, String>;

/// A model's label in words: labels learnt from the case book are category ids.
fn label_name(app: &App, label: &str) -> String {
    label
        .parse::<i64>()
        .ok()
        .and_then(|id| {
            app.core
                .category_name(Some(fengqiao_domain::ids::CategoryId(id)))
        })
        .unwrap_or_else(|| label.to_string())
}

fn percent(v: Option<f64>) -> Option<String> {
    v.map(|x| format!("{:.1}%", x * 100.0))
}

fn summary(m: &TriageModelInfo) -> Value {
    json!({
        "version": m.version,
        "trained_at": m.trained_at,
        "trained_by": m.trained_by,
        "source": m.source,
        "examples": m.examples,
        "labels": m.labels.len(),
        "accuracy": percent(m.metrics["accuracy"].as_f64()),
        "macro_f1": percent(m.metrics["macro_f1"].as_f64()),
        "folds": m.metrics["folds"].as_u64(),
        "active": m.active,
    })
}

/// Two versions' figures class by class (F1 and support), with the change.
fn comparison(app: &App, a: &TriageModelInfo, b: &TriageModelInfo) -> Vec<Value> {
    let per_class = |m: &TriageModelInfo| -> HashMap<String, (f64, u64)> {
        m.metrics["per_class"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .filter_map(|r| {
                        Some((
                            r["label"].as_str()?.to_string(),
                            (r["f1"].as_f64()?, r["support"].as_u64().unwrap_or(0)),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (pa, pb) = (per_class(a), per_class(b));
    let mut labels: Vec<&String> = pa.keys().chain(pb.keys()).collect();
    labels.sort();
    labels.dedup();
    let mut rows: Vec<(f64, Value)> = labels
        .into_iter()
        .map(|l| {
            let (fa, fb) = (pa.get(l).map(|x| x.0), pb.get(l).map(|x| x.0));
            let change = fa.zip(fb).map(|(x, y)| y - x);
            let support = pb.get(l).or(pa.get(l)).map_or(0, |x| x.1);
            (
                change.unwrap_or(0.0),
                json!({
                    "label": label_name(app, l),
                    "a": percent(fa),
                    "b": percent(fb),
                    "change": change.map(|c| format!("{:+.1}", c * 100.0)),
                    "worse": change.is_some_and(|c| c < -0.005),
                    "better": change.is_some_and(|c| c > 0.005),
                    "support": support,
                }),
            )
        })
        .collect();
    // The classes that got worse first: what to look at before switching.
    rows.sort_by(|x, y| x.0.total_cmp(&y.0));
    rows.into_iter().map(|(_, v)| v).collect()
}

#[derive(Deserialize, Default)]
pub struct Compare {
    a: Option<i64>,
    b: Option<i64>,
    /// A training job started from this page, to follow.
    training: Option<u64>,
}

async fn models_page(
    app: &App,
    staff: &Staff,
    q: Compare,
    flash: Option<(Value, StatusCode)>,
) -> WebResult<Response> {
    let models = app.triage.models(&staff.actor).await?;
    let find = |v: Option<i64>| v.and_then(|v| models.iter().find(|m| m.version == v));
    // By default: the active version against the one before it.
    let active = models.iter().find(|m| m.active);
    let b = find(q.b).or(active);
    let a = find(q.a).or_else(|| {
        b.and_then(|b| {
            models
                .iter()
                .filter(|m| m.version < b.version)
                .max_by_key(|m| m.version)
        })
    });
    let compared = match (a, b) {
        (Some(a), Some(b)) if a.version != b.version => Some(json!({
            "a": a.version,
            "b": b.version,
            "rows": comparison(app, a, b),
        })),
        _ => None,
    };
    // A training job: running (the page renews itself), failed, or done (said once).
    let mut flash = flash;
    let mut running = None;
    if let Some(id) = q.training {
        let job = app.triage.training(&staff.actor, id)?;
        match (&job.outcome, &job.failure) {
            (Some(out), _) => {
                flash = flash.or(Some(done(trained(out))));
            }
            (None, Some(why)) => {
                flash = flash.or(Some((
                    json!({"ok": false, "message": format!("训练未完成：{why}")}),
                    StatusCode::OK,
                )));
            }
            (None, None) => running = Some(json!({"started": job.started})),
        }
    }
    Ok(admin_page(
        app,
        staff,
        "admin/models.html",
        "智能分类模型",
        json!({
            "models": models.iter().rev().map(summary).collect::<Vec<_>>(),
            "compared": compared,
            "running": running,
        }),
        flash,
        None,
    ))
}

pub async fn models(
    State(app): State<Arc<App>>,
    staff: Staff,
    Query(q): Query<Compare>,
) -> WebResult<Response> {
    models_page(&app, &staff, q, None).await
}

/// What a finished training says.
fn trained(out: &fengqiao_app::TrainOutcome) -> String {
    format!(
        "已训练并启用第 {} 版（{} 条样本{}）",
        out.model.version,
        out.model.examples,
        out.macro_f1
            .map(|f| format!("，五折交叉验证宏平均 F1 {:.1}%", f * 100.0))
            .unwrap_or_default()
    )
}

/// Starts training a model on the cases people categorised, cross-validated so it can be
/// compared (minutes on a large case book: it runs in the background and the page follows
/// it); it becomes the active one, and the page offers the way back.
pub async fn train(
    State(app): State<Arc<App>>,
    staff: Staff,
    Form(f): Form<Fields>,
) -> WebResult<Response> {
    use axum::response::{IntoResponse, Redirect};
    staff.check_csrf(&field(&f, "_csrf"))?;
    match app.triage.start_training(&staff.actor, Some(5)) {
        Ok(id) => Ok(Redirect::to(&format!("/admin/models?training={id}")).into_response()),
        Err(e) => {
            let flash = super::refusal(crate::WebError::from(e))?;
            models_page(&app, &staff, Compare::default(), Some(flash)).await
        }
    }
}

/// Makes a version the active one (e.g. back to the one before).
pub async fn activate(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(version): Path<i64>,
    Form(f): Form<Fields>,
) -> WebResult<Response> {
    staff.check_csrf(&field(&f, "_csrf"))?;
    let result = app.triage.activate_model(&staff.actor, version).await;
    let flash = settle(result, |m| {
        format!("已启用第 {} 版，新工单起按该版本给出分类建议", m.version)
    })?;
    models_page(&app, &staff, Compare::default(), Some(flash)).await
}
