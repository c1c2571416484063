//! Checklists and inspections: a versioned checklist per place kind (old records keep the
//! questions they were asked), an inspection's answers checked against its template, the
//! findings that open hazards, and the colour the findings suggest for a person to confirm.

use super::{PlaceKind, RiskColor};
use crate::error::DomainError;
use crate::ids::TemplateId;
use crate::org::{str_enum, Actor, ActorRole, Role};
use crate::Timestamp;
use chrono::Duration;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 一般: a finding to put right.
    Minor,
    /// 重大: a finding that makes the place high-risk until put right.
    Major,
}
str_enum!(Severity {
    Minor => "minor" / "一般",
    Major => "major" / "重大",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Stable within a kind across versions (e.g. `fire-exit`): relapse is the same item failing
    /// again.
    pub code: String,
    pub text: String,
    pub severity: Severity,
}

/// A kind's checklist at one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistTemplate {
    pub id: TemplateId,
    pub kind: PlaceKind,
    pub version: u32,
    pub name: String,
    pub items: Vec<ChecklistItem>,
}

/// Most items one checklist holds.
pub const CHECKLIST_MAX_ITEMS: usize = 60;

/// A new version of a kind's checklist, as an admin writes it: a name and at least one item,
/// each with a code (letters, digits, `-` or `_`; kept across versions, so a relapse is the same
/// code failing again), a question and a severity; codes unique.
pub fn check_checklist(name: &str, items: &[ChecklistItem]) -> Result<(), DomainError> {
    let invalid = |field: &'static str, message: String| DomainError::Invalid { field, message };
    crate::check_text("name", name, crate::limits::NAME_MAX_CHARS)?;
    if items.is_empty() || items.len() > CHECKLIST_MAX_ITEMS {
        return Err(invalid(
            "items",
            format!("检查表须有 1–{CHECKLIST_MAX_ITEMS} 个检查项"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (n, i) in items.iter().enumerate() {
        let n = n + 1;
        if i.code.is_empty()
            || i.code.len() > 40
            || !i
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(invalid(
                "items",
                format!(
                    "第 {n} 项的编码「{}」无效：用字母、数字、- 或 _，不超过 40 个字符",
                    i.code
                ),
            ));
        }
        if !seen.insert(i.code.as_str()) {
            return Err(invalid(
                "items",
                format!("第 {n} 项的编码「{}」重复", i.code),
            ));
        }
        let text = i.text.trim();
        if text.is_empty() || text.chars().count() > 200 {
            return Err(invalid(
                "items",
                format!("第 {n} 项须写明检查内容（不超过 200 字）"),
            ));
        }
    }
    Ok(())
}

/// One answer of an inspection: the item passed, or failed with what was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub item_code: String,
    pub passed: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// A failed item: what a hazard is opened for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub item: ChecklistItem,
    pub note: Option<String>,
}

/// How far in the past an inspection may be dated: a grid worker offline for a week still
/// sends what they did.
pub const INSPECTION_MAX_AGE_DAYS: i64 = 30;
/// Phones' clocks drift: a time this far ahead of the server is still "now".
const CLOCK_SKEW_MINUTES: i64 = 10;

/// Checks the answers against the template: every item answered exactly once, nothing the
/// template lacks, a note for each failure. Returns the findings in the template's order.
pub fn check_answers(
    template: &ChecklistTemplate,
    answers: &[Answer],
) -> Result<Vec<Finding>, DomainError> {
    let invalid = |message: String| DomainError::Invalid {
        field: "answers",
        message,
    };
    for (i, a) in answers.iter().enumerate() {
        if !template.items.iter().any(|it| it.code == a.item_code) {
            return Err(invalid(format!(
                "检查表「{}」（第 {} 版）没有检查项「{}」",
                template.name, template.version, a.item_code
            )));
        }
        if answers[..i].iter().any(|o| o.item_code == a.item_code) {
            return Err(invalid(format!("检查项「{}」回答了两次", a.item_code)));
        }
        if let Some(note) = &a.note {
            crate::check_len("answers", note, crate::limits::REMARK_MAX_CHARS)?;
        }
    }
    let mut findings = Vec::new();
    for item in &template.items {
        let a = answers
            .iter()
            .find(|a| a.item_code == item.code)
            .ok_or_else(|| invalid(format!("检查项「{}」还没有填写", item.text)))?;
        if !a.passed {
            let note = a
                .note
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .ok_or_else(|| {
                    invalid(format!("检查项「{}」不合格，请写明发现的问题", item.text))
                })?;
            findings.push(Finding {
                item: item.clone(),
                note: Some(note.to_string()),
            });
        }
    }
    Ok(findings)
}

/// The grade the findings suggest: a major finding makes a place red; three or more minor ones
/// yellow; one or two blue; none green.
pub fn suggest_color(findings: &[Finding]) -> RiskColor {
    let major = findings.iter().any(|f| f.item.severity == Severity::Major);
    match (major, findings.len()) {
        (true, _) => RiskColor::Red,
        (false, n) if n >= 3 => RiskColor::Yellow,
        (false, 0) => RiskColor::Green,
        _ => RiskColor::Blue,
    }
}

/// Refuses an inspection dated in the future or more than [`INSPECTION_MAX_AGE_DAYS`] ago.
pub fn check_inspection_time(at: Timestamp, now: Timestamp) -> Result<(), DomainError> {
    if at > now + Duration::minutes(CLOCK_SKEW_MINUTES) {
        return Err(DomainError::Invalid {
            field: "inspected_at",
            message: "检查时间晚于现在：请核对手机的日期和时间".into(),
        });
    }
    if at < now - Duration::days(INSPECTION_MAX_AGE_DAYS) {
        return Err(DomainError::Invalid {
            field: "inspected_at",
            message: format!(
                "检查时间早于 {INSPECTION_MAX_AGE_DAYS} 天前：过期的检查记录请由管理员补录"
            ),
        });
    }
    Ok(())
}

/// Who may inspect a place: grid workers within their grid, village and unit staff, operators
/// and admins within their region. Leaders read; they do not inspect.
pub fn may_inspect(actor: &Actor, place_region_path: &str) -> Result<(), DomainError> {
    match actor.role {
        ActorRole::System => Ok(()),
        ActorRole::User(Role::GridWorker | Role::UnitStaff | Role::Operator | Role::Admin) => {
            if actor.covers(Some(place_region_path)) {
                Ok(())
            } else if actor.role == ActorRole::User(Role::GridWorker) {
                Err(DomainError::NotPermittedBecause(
                    "该场所不在您负责的网格内，不能检查".into(),
                ))
            } else {
                Err(DomainError::NotPermittedBecause(
                    "该场所不在您负责的区域内，不能检查".into(),
                ))
            }
        }
        _ => Err(DomainError::NotPermitted {
            what: "检查场所"
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> ChecklistTemplate {
        let item = |code: &str, text: &str, severity| ChecklistItem {
            code: code.into(),
            text: text.into(),
            severity,
        };
        ChecklistTemplate {
            id: TemplateId(1),
            kind: PlaceKind::SmallVenue,
            version: 2,
            name: "九小场所消防安全检查".into(),
            items: vec![
                item("exit", "安全出口畅通", Severity::Major),
                item("extinguisher", "灭火器在有效期内", Severity::Minor),
                item("wiring", "无私拉乱接电线", Severity::Minor),
                item("sleeping", "无“三合一”住人", Severity::Minor),
            ],
        }
    }

    fn answer(code: &str, passed: bool, note: Option<&str>) -> Answer {
        Answer {
            item_code: code.into(),
            passed,
            note: note.map(Into::into),
        }
    }

    #[test]
    fn findings_suggest_a_colour() {
        let t = template();
        let all_pass: Vec<Answer> = t
            .items
            .iter()
            .map(|i| answer(&i.code, true, None))
            .collect();
        let f = check_answers(&t, &all_pass).unwrap();
        assert_eq!(suggest_color(&f), RiskColor::Green);

        let mut one = all_pass.clone();
        one[1] = answer("extinguisher", false, Some("两具灭火器过期"));
        let f = check_answers(&t, &one).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(suggest_color(&f), RiskColor::Blue);

        let mut three = one.clone();
        three[2] = answer("wiring", false, Some("插线板串接"));
        three[3] = answer("sleeping", false, Some("阁楼住人"));
        assert_eq!(
            suggest_color(&check_answers(&t, &three).unwrap()),
            RiskColor::Yellow
        );

        let mut major = all_pass.clone();
        major[0] = answer("exit", false, Some("后门堆放货物"));
        assert_eq!(
            suggest_color(&check_answers(&t, &major).unwrap()),
            RiskColor::Red
        );
    }

    #[test]
    fn answers_must_match_the_template() {
        let t = template();
        let mut a: Vec<Answer> = t
            .items
            .iter()
            .map(|i| answer(&i.code, true, None))
            .collect();
        a.push(answer("gas", true, None));
        assert!(check_answers(&t, &a)
            .unwrap_err()
            .to_string()
            .contains("没有检查项「gas」"));
        a.pop();
        a.pop();
        assert!(check_answers(&t, &a)
            .unwrap_err()
            .to_string()
            .contains("还没有填写"));
        a.push(answer("exit", true, None));
        assert!(check_answers(&t, &a)
            .unwrap_err()
            .to_string()
            .contains("两次"));
        let mut failed: Vec<Answer> = t
            .items
            .iter()
            .map(|i| answer(&i.code, true, None))
            .collect();
        failed[0] = answer("exit", false, Some("  "));
        assert!(check_answers(&t, &failed)
            .unwrap_err()
            .to_string()
            .contains("写明"));
    }

    #[test]
    fn inspection_times_may_be_late_but_not_in_the_future() {
        let now = chrono::Utc::now();
        assert!(check_inspection_time(now - Duration::days(3), now).is_ok());
        assert!(check_inspection_time(now + Duration::minutes(5), now).is_ok());
        assert!(check_inspection_time(now + Duration::hours(2), now).is_err());
        assert!(check_inspection_time(now - Duration::days(31), now).is_err());
    }
}
