//! The wire form of a case action: `{"action": "<kind>", …fields}`. One table per action names
//! its fields; the same table checks a request (unknown, missing and mistyped fields refused in
//! Chinese with the field named), turns it into the domain's [`Action`], and describes it in the
//! OpenAPI document, so what the document says is what the server accepts.

use crate::error::ApiError;
use fengqiao_domain::case::{Priority, Satisfaction};
use fengqiao_domain::ids::{CaseId, CategoryId, RegionId, TaskId, UnitId};
use fengqiao_domain::lifecycle::{Action, ActionKind, CoUnit};
use fengqiao_domain::Timestamp;
use serde_json::{json, Map, Value};

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Text,
    Id,
    Count,
    Flag,
    Time,
    Priority,
    Satisfaction,
    CoUnits,
}

struct Field {
    name: &'static str,
    ty: Ty,
    required: bool,
    label: &'static str,
}

const fn req(name: &'static str, ty: Ty, label: &'static str) -> Field {
    Field {
        name,
        ty,
        required: true,
        label,
    }
}

const fn opt(name: &'static str, ty: Ty, label: &'static str) -> Field {
    Field {
        name,
        ty,
        required: false,
        label,
    }
}

const REMARK: Field = opt("remark", Ty::Text, "备注");

/// The fields of each action a person or client may ask for; `None` for the steps only the
/// system records.
fn fields(kind: ActionKind) -> Option<&'static [Field]> {
    use ActionKind as K;
    use Ty::*;
    Some(match kind {
        K::Register => {
            const F: &[Field] = &[
                opt("category_id", Id, "事项分类"),
                opt("priority", Priority, "紧急程度"),
                opt("region_id", Id, "所属区域"),
                REMARK,
            ];
            F
        }
        K::RejectIntake => {
            const F: &[Field] = &[req("reason", Text, "不予受理的理由")];
            F
        }
        K::AnswerDirectly => {
            const F: &[Field] = &[req("reply", Text, "答复内容")];
            F
        }
        K::Dispatch => {
            const F: &[Field] = &[
                req("unit_id", Id, "主办单位"),
                opt("co_units", CoUnits, "协办单位"),
                REMARK,
            ];
            F
        }
        K::Accept | K::Handle | K::ApproveExtension | K::ReviewPass | K::Close | K::Archive => {
            &[REMARK]
        }
        K::Urge | K::Supervise | K::ListedSupervision => {
            const F: &[Field] = &[REMARK];
            F
        }
        K::RequestReturn => {
            const F: &[Field] = &[req("reason", Text, "退单理由")];
            F
        }
        K::DenyReturn => {
            const F: &[Field] = &[req("reason", Text, "驳回退单的理由")];
            F
        }
        K::Reassign => {
            const F: &[Field] = &[req("unit_id", Id, "改派给的单位"), REMARK];
            F
        }
        K::SubDispatch => {
            const F: &[Field] = &[
                req("unit_id", Id, "下级承办单位"),
                req("instructions", Text, "办理要求"),
                opt("due_at", Time, "下级办理时限"),
            ];
            F
        }
        K::RequestExtension => {
            const F: &[Field] = &[
                req("days", Count, "延期天数"),
                req("reason", Text, "延期理由"),
            ];
            F
        }
        K::DenyExtension => {
            const F: &[Field] = &[req("reason", Text, "驳回延期的理由")];
            F
        }
        K::Reply => {
            const F: &[Field] = &[req("content", Text, "办结答复")];
            F
        }
        K::ReviewFail => {
            const F: &[Field] = &[req("reason", Text, "审核退回的理由")];
            F
        }
        K::FollowUp => {
            const F: &[Field] = &[
                req("satisfaction", Satisfaction, "满意度"),
                opt("unit_at_fault", Flag, "承办单位是否有责"),
                REMARK,
            ];
            F
        }
        K::Reopen => {
            const F: &[Field] = &[req("reason", Text, "重办理由")];
            F
        }
        K::Withdraw => {
            const F: &[Field] = &[req("reason", Text, "撤回理由")];
            F
        }
        K::Merge => {
            const F: &[Field] = &[req("into", Id, "并入的工单"), REMARK];
            F
        }
        K::Split => {
            const F: &[Field] = &[req("reason", Text, "拆分理由")];
            F
        }
        K::Supplement => {
            const F: &[Field] = &[
                req("content", Text, "补充内容"),
                opt("reopen_requested", Flag, "是否申请重办"),
            ];
            F
        }
        K::AcceptTask => {
            const F: &[Field] = &[req("task_id", Id, "协办任务")];
            F
        }
        K::ReplyTask => {
            const F: &[Field] = &[
                req("task_id", Id, "协办任务"),
                req("content", Text, "协办反馈"),
            ];
            F
        }
        // Recorded by the system, or (a rating) given by the reporter on their own page.
        K::Intake
        | K::MergeIn
        | K::SplitOut
        | K::MarkOverdue
        | K::ChildReplied
        | K::Rate
        | K::Amend => return None,
    })
}

/// One field of an action's form, for pages that build the form from the same table.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct FormField {
    pub name: &'static str,
    /// `text`, `id`, `count`, `flag`, `time`, `priority`, `satisfaction` or `co_units`.
    pub kind: &'static str,
    pub required: bool,
    pub label: &'static str,
}

/// The fields of an action's form, from the table the API checks requests with; `None` for
/// the steps only the system records.
pub fn form_fields(kind: ActionKind) -> Option<Vec<FormField>> {
    Some(
        fields(kind)?
            .iter()
            .map(|f| FormField {
                name: f.name,
                kind: match f.ty {
                    Ty::Text => "text",
                    Ty::Id => "id",
                    Ty::Count => "count",
                    Ty::Flag => "flag",
                    Ty::Time => "time",
                    Ty::Priority => "priority",
                    Ty::Satisfaction => "satisfaction",
                    Ty::CoUnits => "co_units",
                },
                required: f.required,
                label: f.label,
            })
            .collect(),
    )
}

/// The actions a request may name, in the lifecycle's order.
pub fn requestable() -> impl Iterator<Item = ActionKind> {
    ActionKind::ALL
        .iter()
        .copied()
        .filter(|k| fields(*k).is_some())
}

fn invalid(field: &'static str, message: String) -> ApiError {
    ApiError::invalid(field, message)
}

/// Reads one action from a request body.
pub fn parse(body: Value) -> Result<Action, ApiError> {
    let Value::Object(obj) = body else {
        return Err(invalid(
            "action",
            "请求体须为 JSON 对象，如 {\"action\": \"accept\"}".into(),
        ));
    };
    let names = || {
        requestable()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    let name = match obj.get("action") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(invalid("action", "字段 action 须为文字".into())),
        None => {
            return Err(invalid(
                "action",
                format!("缺少字段 action（要执行的操作），可选：{}", names()),
            ))
        }
    };
    let kind = ActionKind::parse(name)
        .ok_or_else(|| invalid("action", format!("未知的操作「{name}」，可选：{}", names())))?;
    let Some(spec) = fields(kind) else {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            format!("「{}」只能由系统记录", kind.label()),
        ));
    };
    for key in obj.keys().filter(|k| *k != "action") {
        if !spec.iter().any(|f| f.name == key) {
            let allowed = spec
                .iter()
                .map(|f| format!("{}（{}）", f.name, f.label))
                .collect::<Vec<_>>();
            let allowed = if allowed.is_empty() {
                "无".to_string()
            } else {
                allowed.join("、")
            };
            return Err(invalid(
                "action",
                format!(
                    "操作「{}」不接受字段 {key}；可用字段：{allowed}",
                    kind.label()
                ),
            ));
        }
    }
    let r = Reader {
        obj: &obj,
        spec,
        kind,
    };
    use ActionKind as K;
    Ok(match kind {
        K::Register => Action::Register {
            category_id: r.id("category_id")?.map(CategoryId),
            priority: r.priority("priority")?,
            region_id: r.id("region_id")?.map(RegionId),
            remark: r.text("remark")?,
        },
        K::RejectIntake => Action::RejectIntake {
            reason: r.need_text("reason")?,
        },
        K::AnswerDirectly => Action::AnswerDirectly {
            reply: r.need_text("reply")?,
        },
        K::Dispatch => Action::Dispatch {
            unit_id: UnitId(r.need_id("unit_id")?),
            co_units: r.co_units("co_units")?,
            remark: r.text("remark")?,
        },
        K::Accept => Action::Accept {
            remark: r.text("remark")?,
        },
        K::RequestReturn => Action::RequestReturn {
            reason: r.need_text("reason")?,
        },
        K::DenyReturn => Action::DenyReturn {
            reason: r.need_text("reason")?,
        },
        K::Reassign => Action::Reassign {
            unit_id: UnitId(r.need_id("unit_id")?),
            remark: r.text("remark")?,
        },
        K::Handle => Action::Handle {
            remark: r.text("remark")?,
        },
        K::SubDispatch => Action::SubDispatch {
            unit_id: UnitId(r.need_id("unit_id")?),
            instructions: r.need_text("instructions")?,
            due_at: r.time("due_at")?,
        },
        K::RequestExtension => Action::RequestExtension {
            days: r.count("days")?,
            reason: r.need_text("reason")?,
        },
        K::ApproveExtension => Action::ApproveExtension {
            remark: r.text("remark")?,
        },
        K::DenyExtension => Action::DenyExtension {
            reason: r.need_text("reason")?,
        },
        K::Reply => Action::Reply {
            content: r.need_text("content")?,
        },
        K::ReviewPass => Action::ReviewPass {
            remark: r.text("remark")?,
        },
        K::ReviewFail => Action::ReviewFail {
            reason: r.need_text("reason")?,
        },
        K::FollowUp => Action::FollowUp {
            satisfaction: r.satisfaction("satisfaction")?,
            unit_at_fault: r.flag("unit_at_fault")?,
            remark: r.text("remark")?,
        },
        K::Reopen => Action::Reopen {
            reason: r.need_text("reason")?,
        },
        K::Close => Action::Close {
            remark: r.text("remark")?,
        },
        K::Archive => Action::Archive {
            remark: r.text("remark")?,
        },
        K::Withdraw => Action::Withdraw {
            reason: r.need_text("reason")?,
        },
        K::Merge => Action::Merge {
            into: CaseId(r.need_id("into")?),
            remark: r.text("remark")?,
        },
        K::Split => Action::Split {
            reason: r.need_text("reason")?,
        },
        K::Supplement => Action::Supplement {
            content: r.need_text("content")?,
            reopen_requested: r.flag("reopen_requested")?,
        },
        K::Urge => Action::Urge {
            remark: r.text("remark")?,
        },
        K::Supervise => Action::Supervise {
            remark: r.text("remark")?,
        },
        K::ListedSupervision => Action::ListedSupervision {
            remark: r.text("remark")?,
        },
        K::AcceptTask => Action::AcceptTask {
            task_id: TaskId(r.need_id("task_id")?),
        },
        K::ReplyTask => Action::ReplyTask {
            task_id: TaskId(r.need_id("task_id")?),
            content: r.need_text("content")?,
        },
        K::Intake
        | K::MergeIn
        | K::SplitOut
        | K::MarkOverdue
        | K::ChildReplied
        | K::Rate
        | K::Amend => {
            unreachable!("refused above: no fields")
        }
    })
}

/// Typed reads of one action's fields, each refusal naming the field and what it is.
struct Reader<'a> {
    obj: &'a Map<String, Value>,
    spec: &'static [Field],
    kind: ActionKind,
}

impl Reader<'_> {
    fn field(&self, name: &str) -> &'static Field {
        self.spec
            .iter()
            .find(|f| f.name == name)
            .expect("a field of the action's own table")
    }

    /// The value, or `None` when absent or null; refuses a missing required field.
    fn value(&self, name: &str) -> Result<Option<&Value>, ApiError> {
        let f = self.field(name);
        match self.obj.get(name).filter(|v| !v.is_null()) {
            Some(v) => Ok(Some(v)),
            None if f.required => Err(invalid(
                f.name,
                format!(
                    "操作「{}」须填写字段 {}（{}）",
                    self.kind.label(),
                    f.name,
                    f.label
                ),
            )),
            None => Ok(None),
        }
    }

    fn wrong(&self, name: &str, expected: &str) -> ApiError {
        let f = self.field(name);
        invalid(
            f.name,
            format!("字段 {}（{}）须为{expected}", f.name, f.label),
        )
    }

    fn text(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.value(name)? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.wrong(name, "文字")),
        }
    }

    fn need_text(&self, name: &str) -> Result<String, ApiError> {
        Ok(self.text(name)?.unwrap_or_default())
    }

    fn id(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.value(name)? {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .filter(|n| *n > 0)
                .map(Some)
                .ok_or_else(|| self.wrong(name, "正整数编号")),
        }
    }

    fn need_id(&self, name: &str) -> Result<i64, ApiError> {
        Ok(self.id(name)?.unwrap_or_default())
    }

    fn count(&self, name: &str) -> Result<u32, ApiError> {
        match self.value(name)? {
            None => Ok(0),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| self.wrong(name, "非负整数")),
        }
    }

    fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.value(name)? {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.wrong(name, "true 或 false")),
        }
    }

    fn time(&self, name: &str) -> Result<Option<Timestamp>, ApiError> {
        match self.value(name)? {
            None => Ok(None),
            Some(Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| Some(t.with_timezone(&chrono::Utc)))
                .map_err(|_| self.wrong(name, "带时区的时间，如 2026-12-01T17:00:00+08:00")),
            Some(_) => Err(self.wrong(name, "带时区的时间，如 2026-12-01T17:00:00+08:00")),
        }
    }

    fn priority(&self, name: &str) -> Result<Option<Priority>, ApiError> {
        match self.value(name)? {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(Priority::parse)
                .map(Some)
                .ok_or_else(|| self.wrong(name, "emergency、urgent 或 normal")),
        }
    }

    fn satisfaction(&self, name: &str) -> Result<Satisfaction, ApiError> {
        let v = self.value(name)?.unwrap_or(&Value::Null);
        v.as_str().and_then(Satisfaction::parse).ok_or_else(|| {
            self.wrong(
                name,
                "satisfied、basically_satisfied、unsatisfied 或 no_rating",
            )
        })
    }

    fn co_units(&self, name: &str) -> Result<Vec<CoUnit>, ApiError> {
        let Some(v) = self.value(name)? else {
            return Ok(Vec::new());
        };
        let bad = || self.wrong(name, "数组，每项含 unit_id、instructions，可选 due_at");
        let items = v.as_array().ok_or_else(bad)?;
        items
            .iter()
            .map(|item| {
                let o = item.as_object().ok_or_else(bad)?;
                if o.keys()
                    .any(|k| !matches!(k.as_str(), "unit_id" | "instructions" | "due_at"))
                {
                    return Err(bad());
                }
                let unit_id = o
                    .get("unit_id")
                    .and_then(Value::as_i64)
                    .filter(|n| *n > 0)
                    .ok_or_else(bad)?;
                let instructions = o
                    .get("instructions")
                    .and_then(Value::as_str)
                    .ok_or_else(bad)?
                    .to_string();
                let due_at = match o.get("due_at").filter(|v| !v.is_null()) {
                    None => None,
                    Some(t) => Some(
                        t.as_str()
                            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                            .map(|t| t.with_timezone(&chrono::Utc))
                            .ok_or_else(bad)?,
                    ),
                };
                Ok(CoUnit {
                    unit_id: UnitId(unit_id),
                    instructions,
                    due_at,
                })
            })
            .collect()
    }
}

fn schema_of(ty: Ty) -> Value {
    match ty {
        Ty::Text => json!({ "type": "string" }),
        Ty::Id => json!({ "type": "integer", "minimum": 1 }),
        Ty::Count => json!({ "type": "integer", "minimum": 0 }),
        Ty::Flag => json!({ "type": "boolean" }),
        Ty::Time => json!({ "type": "string", "format": "date-time" }),
        Ty::Priority => json!({ "type": "string", "enum": ["emergency", "urgent", "normal"] }),
        Ty::Satisfaction => {
            json!({ "type": "string", "enum": Satisfaction::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>() })
        }
        Ty::CoUnits => {
            json!({ "type": "array", "items": { "type": "object", "additionalProperties": false,
            "required": ["unit_id", "instructions"], "properties": {
                "unit_id": { "type": "integer", "minimum": 1 }, "instructions": { "type": "string" },
                "due_at": { "type": "string", "format": "date-time" } } } })
        }
    }
}

/// The OpenAPI schemas: one per action (`Action_<kind>`), and `Action`, one of them by `action`.
pub fn schemas() -> Map<String, Value> {
    let mut out = Map::new();
    let mut one_of = Vec::new();
    let mut mapping = Map::new();
    for kind in requestable() {
        let spec = fields(kind).unwrap_or(&[]);
        let mut props = Map::new();
        props.insert(
            "action".into(),
            json!({ "type": "string", "enum": [kind.as_str()] }),
        );
        let mut required = vec![json!("action")];
        for f in spec {
            let mut s = schema_of(f.ty);
            s["description"] = json!(f.label);
            props.insert(f.name.into(), s);
            if f.required {
                required.push(json!(f.name));
            }
        }
        let name = format!("Action_{}", kind.as_str());
        out.insert(
            name.clone(),
            json!({ "type": "object", "title": kind.label(), "additionalProperties": false,
                "required": required, "properties": props }),
        );
        let reference = format!("#/components/schemas/{name}");
        one_of.push(json!({ "$ref": reference }));
        mapping.insert(kind.as_str().into(), json!(reference));
    }
    out.insert(
        "Action".into(),
        json!({ "description": "工单操作：action 指明操作，其余字段随操作而定。",
            "oneOf": one_of, "discriminator": { "propertyName": "action", "mapping": mapping } }),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_becomes_the_domain_action() {
        let a = parse(json!({"action": "dispatch", "unit_id": 3, "co_units": [{"unit_id": 4, "instructions": "配合"}]})).unwrap();
        assert_eq!(
            a,
            Action::Dispatch {
                unit_id: UnitId(3),
                co_units: vec![CoUnit {
                    unit_id: UnitId(4),
                    instructions: "配合".into(),
                    due_at: None
                }],
                remark: None
            }
        );
    }

    #[test]
    fn refusals_name_the_field_in_chinese() {
        let msg = |v: Value| parse(v).unwrap_err().message;
        let m = msg(json!({"action": "deny_return", "remark": "x"}));
        assert!(
            m.contains("不接受字段 remark") && m.contains("reason（驳回退单的理由）"),
            "{m}"
        );
        let m = msg(json!({"action": "reject_intake"}));
        assert!(m.contains("须填写字段 reason"), "{m}");
        let m = msg(json!({"action": "dispatch", "unit_id": "三"}));
        assert!(m.contains("unit_id（主办单位）须为正整数编号"), "{m}");
        let m = msg(json!({"action": "fly"}));
        assert!(
            m.contains("未知的操作「fly」") && m.contains("accept"),
            "{m}"
        );
        let m = msg(json!({"unit_id": 1}));
        assert!(m.contains("缺少字段 action"), "{m}");
    }

    #[test]
    fn system_steps_are_refused() {
        let e = parse(json!({"action": "mark_overdue", "level": "red"})).unwrap_err();
        assert_eq!(e.status, axum::http::StatusCode::FORBIDDEN);
    }

    #[test]
    fn every_requestable_action_has_a_schema_and_parses_from_its_example() {
        let schemas = schemas();
        for kind in requestable() {
            let s = &schemas[&format!("Action_{}", kind.as_str())];
            // Build the smallest valid request from the schema itself.
            let mut req = json!({"action": kind.as_str()});
            for f in s["required"].as_array().unwrap().iter().skip(1) {
                let name = f.as_str().unwrap();
                let ty = &s["properties"][name];
                req[name] = match (ty["type"].as_str(), ty.get("enum")) {
                    (_, Some(e)) => e[0].clone(),
                    (Some("integer"), _) => json!(1),
                    (Some("boolean"), _) => json!(false),
                    _ => json!("说明"),
                };
            }
            let a = parse(req.clone()).unwrap_or_else(|e| panic!("{req}: {}", e.message));
            assert_eq!(a.kind(), kind);
        }
    }
}
