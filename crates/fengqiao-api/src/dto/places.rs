//! The wire form of inspections and hazard steps: read from a JSON object whose values may be
//! strings (as a web form sends them) or JSON numbers and booleans, with errors in Chinese that
//! name the field.

use crate::ApiError;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use fengqiao_domain::ids::{TemplateId, UnitId};
use fengqiao_domain::places::{Answer, HazardAction, RiskColor};
use fengqiao_domain::{china_offset, Timestamp};
use serde_json::{Map, Value};

fn text<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    match m.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim()),
        _ => None,
    }
}

fn integer(m: &Map<String, Value>, key: &'static str) -> Result<Option<i64>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| ApiError::invalid(key, format!("{key} 须为整数"))),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid(key, format!("{key} 须为整数，收到「{s}」"))),
        Some(_) => Err(ApiError::invalid(key, format!("{key} 须为整数"))),
    }
}

fn float(m: &Map<String, Value>, key: &'static str) -> Result<Option<f64>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid(key, format!("{key} 须为数字，收到「{s}」"))),
        Some(_) => Err(ApiError::invalid(key, format!("{key} 须为数字"))),
    }
}

fn boolean(m: &Map<String, Value>, key: &'static str) -> Result<Option<bool>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) => match s.trim() {
            "true" | "1" | "pass" | "yes" => Ok(Some(true)),
            "false" | "0" | "fail" | "no" => Ok(Some(false)),
            "" => Ok(None),
            other => Err(ApiError::invalid(
                key,
                format!("{key} 须为 true 或 false，收到「{other}」"),
            )),
        },
        Some(_) => Err(ApiError::invalid(key, format!("{key} 须为 true 或 false"))),
    }
}

/// An instant: RFC 3339 (`2026-12-01T17:00:00+08:00`), a form's local time in China time
/// (`2026-12-01T17:00`), or a date, meaning the end of that day in China time.
pub fn instant(key: &'static str, s: &str) -> Result<Timestamp, ApiError> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(23, 59, 59))
        });
    local
        .and_then(|l| china_offset().from_local_datetime(&l).single())
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok_or_else(|| {
            ApiError::invalid(
                key,
                format!(
                    "{key} 须为日期（2026-12-01）或时间（2026-12-01T17:00，北京时间），收到「{s}」"
                ),
            )
        })
}

pub fn color(key: &'static str, s: &str) -> Result<RiskColor, ApiError> {
    RiskColor::parse(s).ok_or_else(|| {
        ApiError::invalid(
            key,
            format!("{key} 须为 red、yellow、blue 或 green，收到「{s}」"),
        )
    })
}

/// A hazard step and the version of the hazard the person saw.
pub fn hazard_action(m: &Map<String, Value>) -> Result<(HazardAction, Option<i64>), ApiError> {
    let version = integer(m, "version")?;
    let remark = text(m, "remark").map(str::to_string);
    let action = match text(m, "action") {
        Some("assign") => HazardAction::Assign {
            owner_unit_id: UnitId(
                integer(m, "owner_unit_id")?
                    .ok_or_else(|| ApiError::invalid("owner_unit_id", "请选择整改责任单位"))?,
            ),
            leader: text(m, "leader").unwrap_or_default().to_string(),
            due_at: instant(
                "due_at",
                text(m, "due_at").ok_or_else(|| ApiError::invalid("due_at", "请填写整改期限"))?,
            )?,
            remark,
        },
        Some("rectify") => HazardAction::Rectify {
            remark: remark.unwrap_or_default(),
            evidence: 0,
        },
        Some("recheck") => HazardAction::Recheck {
            passed: boolean(m, "passed")?.ok_or_else(|| {
                ApiError::invalid("passed", "请选择复查结论：合格（true）或不合格（false）")
            })?,
            remark,
        },
        Some("sign_off") => HazardAction::SignOff { remark },
        // The case is opened by the service through the intake: a case named by the sender is
        // never linked.
        Some("open_case") => HazardAction::OpenCase {
            case_id: fengqiao_domain::ids::CaseId(0),
            case_no: String::new(),
            remark,
        },
        Some(other) => {
            return Err(ApiError::invalid(
                "action",
                format!("action「{other}」无效：可选 assign（交办）、rectify（整改）、recheck（复查）、sign_off（销号）、open_case（转为工单）"),
            ))
        }
        None => {
            return Err(ApiError::invalid(
                "action",
                "缺少 action：可选 assign（交办）、rectify（整改）、recheck（复查）、sign_off（销号）、open_case（转为工单）",
            ))
        }
    };
    Ok((action, version))
}

/// An inspection without its photos: what the form or phone sends.
pub struct InspectionForm {
    pub template_id: Option<TemplateId>,
    pub answers: Vec<Answer>,
    pub confirmed: Option<RiskColor>,
    pub seen_color: Option<RiskColor>,
    pub inspected_at: Option<Timestamp>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub client_key: Option<String>,
    /// The place's own code, scanned on site.
    pub checkin: Option<String>,
}

/// Reads an inspection. Answers come as a JSON array `answers: [{item_code, passed, note}]`,
/// or, from a web form, as `item.<code>` = `pass`/`fail` with `note.<code>`.
pub fn inspection(m: &Map<String, Value>) -> Result<InspectionForm, ApiError> {
    let answers = match m.get("answers") {
        Some(v @ Value::Array(_)) => {
            serde_json::from_value::<Vec<Answer>>(v.clone()).map_err(|e| {
                ApiError::invalid(
                    "answers",
                    format!("answers 须为 [{{item_code, passed, note}}] 的列表：{e}"),
                )
            })?
        }
        Some(_) => return Err(ApiError::invalid("answers", "answers 须为列表")),
        None => {
            let mut answers = Vec::new();
            for (k, v) in m {
                if let Some(code) = k.strip_prefix("item.") {
                    let passed = match (v.as_bool(), v.as_str().map(str::trim)) {
                        (Some(b), _) => Some(b),
                        (_, Some("pass" | "true")) => Some(true),
                        (_, Some("fail" | "false")) => Some(false),
                        _ => None,
                    }
                    .ok_or_else(|| {
                        ApiError::invalid("answers", format!("检查项「{code}」须选择合格或不合格"))
                    })?;
                    answers.push(Answer {
                        item_code: code.to_string(),
                        passed,
                        note: text(m, &format!("note.{code}")).map(str::to_string),
                    });
                }
            }
            answers
        }
    };
    Ok(InspectionForm {
        template_id: integer(m, "template_id")?.map(TemplateId),
        answers,
        confirmed: text(m, "confirmed")
            .map(|s| color("confirmed", s))
            .transpose()?,
        seen_color: text(m, "seen_color")
            .map(|s| color("seen_color", s))
            .transpose()?,
        inspected_at: text(m, "inspected_at")
            .map(|s| instant("inspected_at", s))
            .transpose()?,
        latitude: float(m, "latitude")?,
        longitude: float(m, "longitude")?,
        client_key: text(m, "client_key").map(str::to_string),
        checkin: text(m, "checkin").map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn steps_read_from_json_and_from_form_strings_alike() {
        let (a, v) = hazard_action(&map(json!({"action": "assign", "owner_unit_id": "4", "leader": "王伟", "due_at": "2026-12-01", "version": 2}))).unwrap();
        assert_eq!(v, Some(2));
        match a {
            HazardAction::Assign {
                owner_unit_id,
                due_at,
                ..
            } => {
                assert_eq!(owner_unit_id, UnitId(4));
                assert_eq!(due_at.to_rfc3339(), "2026-12-01T15:59:59+00:00");
            }
            other => panic!("{other:?}"),
        }
        let (a, _) = hazard_action(&map(
            json!({"action": "recheck", "passed": "false", "remark": "仍有堆物"}),
        ))
        .unwrap();
        assert_eq!(
            a,
            HazardAction::Recheck {
                passed: false,
                remark: Some("仍有堆物".into())
            }
        );
        let e = hazard_action(&map(json!({"action": "close"}))).unwrap_err();
        assert!(e.message.contains("sign_off"), "{e:?}");
        let e = hazard_action(&map(json!({"action": "assign", "owner_unit_id": 4}))).unwrap_err();
        assert!(e.message.contains("期限"), "{e:?}");
    }

    #[test]
    fn a_web_forms_items_become_answers() {
        let f = inspection(&map(json!({"item.exit": "fail", "note.exit": "后门堆货", "item.gas": "pass", "inspected_at": "2026-11-23T08:30", "seen_color": "blue"}))).unwrap();
        let mut answers = f.answers;
        answers.sort_by(|a, b| a.item_code.cmp(&b.item_code));
        assert_eq!(
            answers[0],
            Answer {
                item_code: "exit".into(),
                passed: false,
                note: Some("后门堆货".into())
            }
        );
        assert!(answers[1].passed);
        assert_eq!(
            f.inspected_at.unwrap().to_rfc3339(),
            "2026-11-23T00:30:00+00:00"
        );
        assert_eq!(f.seen_color, Some(RiskColor::Blue));
        assert!(inspection(&map(json!({"item.exit": "maybe"}))).is_err());
    }
}
