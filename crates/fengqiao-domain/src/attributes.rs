//! Service attributes: the extra questions a category asks when a case is reported through it
//! (Open311 "service definitions"), and the check of submitted answers.

use crate::ids::CategoryId;
use crate::org::str_enum;
use crate::DomainError;
use serde::{Deserialize, Serialize};

/// The kind of answer an attribute takes (Open311 datatypes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttrType {
    String,
    Number,
    Datetime,
    Text,
    SingleValueList,
    MultiValueList,
}
str_enum!(AttrType {
    String => "string" / "短文本",
    Number => "number" / "数字",
    Datetime => "datetime" / "日期时间",
    Text => "text" / "长文本",
    SingleValueList => "singlevaluelist" / "单选",
    MultiValueList => "multivaluelist" / "多选",
});

/// One choice of a list attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttrChoice {
    pub key: String,
    pub name: String,
}

/// A question a category asks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceAttribute {
    pub id: i64,
    pub category_id: CategoryId,
    pub code: String,
    pub datatype: AttrType,
    pub required: bool,
    /// False: shown as information only, no answer expected.
    pub variable: bool,
    pub description: String,
    pub datatype_description: Option<String>,
    /// Position in the form, unique within the category, from 1.
    pub order: u32,
    pub values: Vec<AttrChoice>,
}

/// Longest answer accepted for `string` and `text` attributes.
pub const ANSWER_MAX_CHARS: usize = 4_000;

fn invalid(message: String) -> DomainError {
    DomainError::Invalid {
        field: "attribute",
        message,
    }
}

/// Checks a new attribute's definition.
pub fn check_definition(a: &ServiceAttribute) -> Result<(), DomainError> {
    let ok_code = !a.code.is_empty()
        && a.code.len() <= 64
        && a.code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok_code {
        return Err(invalid(
            "属性代码须为 1–64 个字母、数字、下划线或连字符".into(),
        ));
    }
    if a.order == 0 {
        return Err(invalid("属性顺序从 1 开始".into()));
    }
    if a.description.trim().is_empty() {
        return Err(invalid("请填写属性说明（向群众显示的问题）".into()));
    }
    let lists = matches!(
        a.datatype,
        AttrType::SingleValueList | AttrType::MultiValueList
    );
    if lists && a.values.is_empty() {
        return Err(invalid("单选、多选属性须列出可选值".into()));
    }
    if !lists && !a.values.is_empty() {
        return Err(invalid("只有单选、多选属性可以列出可选值".into()));
    }
    let mut keys: Vec<&str> = a.values.iter().map(|v| v.key.as_str()).collect();
    keys.sort_unstable();
    if keys.iter().any(|k| k.trim().is_empty()) || keys.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid("可选值的 key 不能为空，也不能重复".into()));
    }
    Ok(())
}

/// Checks the answers submitted for a category's attributes: every required question of the
/// form answered, no unknown codes, each answer of its type (numbers, W3C datetimes, keys of the
/// list). Returns the answers to store, one row per value.
pub fn check_answers(
    defs: &[ServiceAttribute],
    submitted: &[(String, String)],
) -> Result<Vec<(String, String)>, DomainError> {
    let mut out = Vec::new();
    for (code, value) in submitted {
        let def = defs
            .iter()
            .find(|d| &d.code == code)
            .ok_or_else(|| invalid(format!("没有代码为 {code} 的属性")))?;
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let fine = match def.datatype {
            AttrType::String | AttrType::Text => value.chars().count() <= ANSWER_MAX_CHARS,
            AttrType::Number => value.parse::<f64>().is_ok_and(f64::is_finite),
            AttrType::Datetime => chrono::DateTime::parse_from_rfc3339(value).is_ok(),
            AttrType::SingleValueList | AttrType::MultiValueList => {
                def.values.iter().any(|v| v.key == value)
            }
        };
        if !fine {
            return Err(invalid(format!(
                "属性 {code}（{}）的值「{value}」不是有效的{}",
                def.description,
                def.datatype.label()
            )));
        }
        if def.datatype != AttrType::MultiValueList && out.iter().any(|(c, _)| c == code) {
            return Err(invalid(format!("属性 {code} 只能有一个值")));
        }
        out.push((code.clone(), value.to_string()));
    }
    for d in defs.iter().filter(|d| d.required && d.variable) {
        if !out.iter().any(|(c, _)| c == &d.code) {
            return Err(invalid(format!(
                "缺少必填属性 {}（{}）",
                d.code, d.description
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(code: &str, datatype: AttrType, required: bool, values: &[&str]) -> ServiceAttribute {
        ServiceAttribute {
            id: 0,
            category_id: CategoryId(1),
            code: code.into(),
            datatype,
            required,
            variable: true,
            description: format!("{code}?"),
            datatype_description: None,
            order: 1,
            values: values
                .iter()
                .map(|k| AttrChoice {
                    key: k.to_string(),
                    name: k.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn answers_are_checked_by_type() {
        let defs = vec![
            def("depth", AttrType::Number, true, &[]),
            def("when", AttrType::Datetime, false, &[]),
            def("kind", AttrType::SingleValueList, false, &["hole", "crack"]),
            def(
                "near",
                AttrType::MultiValueList,
                false,
                &["school", "market"],
            ),
        ];
        let ok = check_answers(
            &defs,
            &[
                ("depth".into(), "0.5".into()),
                ("when".into(), "2026-11-28T08:00:00+08:00".into()),
                ("kind".into(), "hole".into()),
                ("near".into(), "school".into()),
                ("near".into(), "market".into()),
            ],
        )
        .unwrap();
        assert_eq!(ok.len(), 5);
        for bad in [
            vec![("depth".to_string(), "deep".to_string())],
            vec![("depth".into(), "1".into()), ("when".into(), "昨天".into())],
            vec![("depth".into(), "1".into()), ("kind".into(), "tree".into())],
            vec![
                ("depth".into(), "1".into()),
                ("kind".into(), "hole".into()),
                ("kind".into(), "crack".into()),
            ],
            vec![("depth".into(), "1".into()), ("color".into(), "red".into())],
            vec![("kind".into(), "hole".into())],
        ] {
            assert!(check_answers(&defs, &bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn definitions_are_checked() {
        assert!(check_definition(&def("ok_code-1", AttrType::String, false, &[])).is_ok());
        assert!(check_definition(&def("bad code", AttrType::String, false, &[])).is_err());
        assert!(check_definition(&def("list", AttrType::SingleValueList, false, &[])).is_err());
        assert!(check_definition(&def("text", AttrType::Text, false, &["a"])).is_err());
        assert!(
            check_definition(&def("dup", AttrType::MultiValueList, false, &["a", "a"])).is_err()
        );
    }
}
