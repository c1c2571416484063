//! Categories (the tree citizens' requests are sorted into, each with its default handling
//! unit), the extra questions a category asks, and the time limits of each step.

use super::{admin_page, field, optional_id, settle};
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use fengqiao_app::App;
use fengqiao_domain::access::{require, Capability};
use fengqiao_domain::attributes::{AttrChoice, AttrType, ServiceAttribute};
use fengqiao_domain::case::Priority;
use fengqiao_domain::deadline::{resolve_limit, LimitUnit, Stage, TimeLimit, TimePolicy};
use fengqiao_domain::ids::{CategoryId, UnitId};
use fengqiao_domain::org::Category;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

type Fields = HashMap<String, String>;

/// Categories in tree order (each parent followed by its children), with their depth.
fn tree(categories: &[Category]) -> Vec<(&Category, usize)> {
    fn walk<'a>(
        all: &'a [Category],
        parent: Option<CategoryId>,
        depth: usize,
        out: &mut Vec<(&'a Category, usize)>,
    ) {
        for c in all.iter().filter(|c| c.parent_id == parent) {
            out.push((c, depth));
            if depth < 8 {
                walk(all, Some(c.id), depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(categories, None, 0, &mut out);
    out
}

fn unit_options(app: &App) -> Vec<Value> {
    app.core
        .units()
        .iter()
        .map(|u| json!({"id": u.id.0, "name": u.name}))
        .collect()
}

async fn categories_page(
    app: &App,
    staff: &Staff,
    flash: Option<(Value, StatusCode)>,
    kept: Option<&Fields>,
) -> WebResult<Response> {
    require(&staff.actor, Capability::ManageCategories)?;
    let categories = app.core.categories();
    let rows: Vec<Value> = tree(&categories)
        .into_iter()
        .map(|(c, depth)| {
            json!({
                "id": c.id.0,
                "name": c.name,
                "depth": depth,
                "unit": app.core.unit_name(c.default_unit_id),
                "petition": c.is_petition,
                "questions": app.core.category_attributes(c.id).len(),
            })
        })
        .collect();
    Ok(admin_page(
        app,
        staff,
        "admin/categories.html",
        "诉求分类",
        json!({"categories": rows, "units": unit_options(app)}),
        flash,
        kept,
    ))
}

pub async fn categories(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Response> {
    categories_page(&app, &staff, None, None).await
}

/// Adds a category (under a parent, or at the top) with the unit its cases go to by default.
pub async fn create_category(
    State(app): State<Arc<App>>,
    staff: Staff,
    Form(f): Form<Fields>,
) -> WebResult<Response> {
    staff.check_csrf(&field(&f, "_csrf"))?;
    let outcome = async {
        let parent = optional_id(&f, "parent_id", "上级分类")?.map(CategoryId);
        let unit = optional_id(&f, "default_unit_id", "默认承办单位")?.map(UnitId);
        Ok::<_, WebError>(
            app.admin
                .create_category(
                    &staff.actor,
                    parent,
                    &field(&f, "name"),
                    unit,
                    f.contains_key("is_petition"),
                )
                .await?,
        )
    }
    .await;
    let flash = settle(outcome, |c| format!("已新增分类「{}」", c.name))?;
    categories_page(&app, &staff, Some(flash), Some(&f)).await
}

async fn category_page(
    app: &App,
    staff: &Staff,
    id: i64,
    flash: Option<(Value, StatusCode)>,
    kept: Option<&Fields>,
) -> WebResult<Response> {
    require(&staff.actor, Capability::ManageCategories)?;
    let categories = app.core.categories();
    let c = categories
        .iter()
        .find(|c| c.id.0 == id)
        .ok_or_else(|| WebError::NotFound("没有这个分类".into()))?;
    let questions: Vec<Value> = app
        .core
        .category_attributes(c.id)
        .iter()
        .map(|a| {
            json!({
                "order": a.order,
                "code": a.code,
                "description": a.description,
                "datatype": a.datatype.label(),
                "required": a.required,
                "variable": a.variable,
                "values": a.values.iter().map(|v| format!("{}（{}）", v.name, v.key)).collect::<Vec<_>>().join("、"),
            })
        })
        .collect();
    let next_order = questions.len() + 1;
    let types: Vec<Value> = AttrType::ALL
        .iter()
        .map(|t| json!({"value": t.as_str(), "label": t.label()}))
        .collect();
    Ok(admin_page(
        app,
        staff,
        "admin/category.html",
        &format!("分类：{}", c.name),
        json!({
            "category": {"id": c.id.0, "name": c.name, "unit": app.core.unit_name(c.default_unit_id), "petition": c.is_petition},
            "questions": questions,
            "next_order": next_order,
            "types": types,
        }),
        flash,
        kept,
    ))
}

pub async fn category(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    category_page(&app, &staff, id, None, None).await
}

/// The choices of a list question, one per line as `key=name` (or just a name, which is then
/// its own key).
fn parse_choices(text: &str) -> Vec<AttrChoice> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once(['=', '＝']) {
            Some((k, n)) => AttrChoice {
                key: k.trim().to_string(),
                name: n.trim().to_string(),
            },
            None => AttrChoice {
                key: l.to_string(),
                name: l.to_string(),
            },
        })
        .collect()
}

/// Adds a question the category asks when a case is reported through it.
pub async fn create_question(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> WebResult<Response> {
    staff.check_csrf(&field(&f, "_csrf"))?;
    let outcome = async {
        let datatype = AttrType::parse(&field(&f, "datatype"))
            .ok_or_else(|| WebError::Invalid("请选择回答方式".into()))?;
        let order = field(&f, "order")
            .parse::<u32>()
            .map_err(|_| WebError::Invalid("顺序须为正整数".into()))?;
        let hint = field(&f, "datatype_description");
        Ok::<_, WebError>(
            app.admin
                .create_category_attribute(
                    &staff.actor,
                    ServiceAttribute {
                        id: 0,
                        category_id: CategoryId(id),
                        code: field(&f, "code"),
                        datatype,
                        required: f.contains_key("required"),
                        variable: !f.contains_key("info_only"),
                        description: field(&f, "description"),
                        datatype_description: (!hint.is_empty()).then_some(hint),
                        order,
                        values: parse_choices(&field(&f, "values")),
                    },
                )
                .await?,
        )
    }
    .await;
    let flash = settle(outcome, |a| format!("已新增问题「{}」", a.description))?;
    category_page(&app, &staff, id, Some(flash), Some(&f)).await
}

fn limit_text(l: TimeLimit) -> String {
    format!("{}{}", l.amount, l.unit.label())
}

async fn policies_page(
    app: &App,
    staff: &Staff,
    flash: Option<(Value, StatusCode)>,
    kept: Option<&Fields>,
) -> WebResult<Response> {
    require(&staff.actor, Capability::SetTimeLimits)?;
    let policies = app.core.policies();
    let priorities = [Priority::Emergency, Priority::Urgent, Priority::Normal];
    // What applies to a case of no particular category, and where it comes from.
    let township: Vec<Value> = Stage::ALL
        .iter()
        .map(|&stage| {
            let cells: Vec<Value> = priorities
                .iter()
                .map(|&p| {
                    let limit = resolve_limit(&policies, &[], p, stage);
                    let set = policies.iter().any(|x| {
                        x.category_id.is_none()
                            && x.stage == stage
                            && x.priority.is_none_or(|q| q == p)
                    });
                    json!({"limit": limit_text(limit), "default": !set})
                })
                .collect();
            json!({"stage": stage.label(), "cells": cells})
        })
        .collect();
    let rows: Vec<Value> = policies
        .iter()
        .map(|p| {
            json!({
                "category": app.core.category_name(p.category_id),
                "priority": p.priority.map(|x| x.label()),
                "stage": p.stage.label(),
                "limit": limit_text(p.limit),
            })
        })
        .collect();
    let categories: Vec<Value> = tree(&app.core.categories())
        .into_iter()
        .map(
            |(c, depth)| json!({"id": c.id.0, "name": format!("{}{}", "　".repeat(depth), c.name)}),
        )
        .collect();
    let options = |items: Vec<(&str, &str)>| -> Vec<Value> {
        items
            .into_iter()
            .map(|(v, l)| json!({"value": v, "label": l}))
            .collect()
    };
    Ok(admin_page(
        app,
        staff,
        "admin/policies.html",
        "办理时限",
        json!({
            "priorities": priorities.iter().map(|p| p.label()).collect::<Vec<_>>(),
            "township": township,
            "policies": rows,
            "categories": categories,
            "priority_options": options(priorities.iter().map(|p| (p.as_str(), p.label())).collect()),
            "stages": options(Stage::ALL.iter().map(|s| (s.as_str(), s.label())).collect()),
            "units": options(LimitUnit::ALL.iter().map(|u| (u.as_str(), u.label())).collect()),
        }),
        flash,
        kept,
    ))
}

pub async fn policies(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Response> {
    policies_page(&app, &staff, None, None).await
}

/// Sets one time limit: for a step, optionally only for a category (and its subcategories)
/// and a priority. Setting the same combination again replaces it; cases already running
/// keep the deadline they were given.
pub async fn set_policy(
    State(app): State<Arc<App>>,
    staff: Staff,
    Form(f): Form<Fields>,
) -> WebResult<Response> {
    staff.check_csrf(&field(&f, "_csrf"))?;
    let outcome = async {
        let category = optional_id(&f, "category_id", "分类")?.map(CategoryId);
        let priority = match field(&f, "priority").as_str() {
            "" => None,
            p => Some(
                Priority::parse(p).ok_or_else(|| WebError::Invalid("请重新选择紧急程度".into()))?,
            ),
        };
        let stage = Stage::parse(&field(&f, "stage"))
            .ok_or_else(|| WebError::Invalid("请选择环节".into()))?;
        let unit = LimitUnit::parse(&field(&f, "unit"))
            .ok_or_else(|| WebError::Invalid("请选择时限单位".into()))?;
        let amount = field(&f, "amount")
            .parse::<u32>()
            .map_err(|_| WebError::Invalid("时限须为 1–10000 的整数".into()))?;
        Ok::<_, WebError>(
            app.admin
                .set_policy(
                    &staff.actor,
                    TimePolicy {
                        id: 0,
                        category_id: category,
                        priority,
                        stage,
                        limit: TimeLimit::new(amount, unit),
                    },
                )
                .await?,
        )
    }
    .await;
    let flash = settle(outcome, |p| {
        format!(
            "已设置：{}{}「{}」时限 {}（新工单起生效）",
            app.core
                .category_name(p.category_id)
                .unwrap_or_else(|| "全部分类".into()),
            p.priority
                .map(|x| format!("、{}", x.label()))
                .unwrap_or_default(),
            p.stage.label(),
            limit_text(p.limit)
        )
    })?;
    policies_page(&app, &staff, Some(flash), Some(&f)).await
}
