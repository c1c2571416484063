//! Identifiers and values parsed at the edge ("parse, don't validate").

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($name:ident) => {
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}
id_type!(CaseId);
id_type!(RegionId);
id_type!(UnitId);
id_type!(UserId);
id_type!(CategoryId);
id_type!(TaskId);
id_type!(PlaceId);
id_type!(InspectionId);
id_type!(HazardId);
id_type!(TemplateId);
id_type!(CampaignId);
id_type!(PatrolScheduleId);

/// The ticket number a citizen is given: `FQ` + the China-time intake date + the case id, e.g.
/// `FQ20261128000123`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseNo(String);

impl CaseNo {
    pub fn new(date: chrono::NaiveDate, id: CaseId) -> Self {
        CaseNo(format!("FQ{}{:06}", date.format("%Y%m%d"), id.0))
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let ok = s.len() >= 16
            && s.starts_with("FQ")
            && s[2..].bytes().all(|b| b.is_ascii_digit())
            && chrono::NaiveDate::parse_from_str(&s[2..10], "%Y%m%d").is_ok();
        if ok {
            Ok(CaseNo(s.to_string()))
        } else {
            Err(format!(
                "「{s}」不是有效的工单编号（形如 FQ20261128000123）"
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for CaseNo {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        CaseNo::parse(&s)
    }
}
impl From<CaseNo> for String {
    fn from(c: CaseNo) -> String {
        c.0
    }
}
impl fmt::Display for CaseNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Chinese phone number: an 11-digit mobile number (1[3-9]xxxxxxxxx) or a landline with area
/// code (0 + 2-3 digit area code + 7-8 digits, optionally separated by '-'). Spaces, dashes and a
/// leading +86 / 0086 are accepted on input and normalised away.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut digits: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '\u{3000}'))
            .collect();
        if let Some(rest) = digits.strip_prefix("+86") {
            digits = rest.to_string();
        } else if let Some(rest) = digits.strip_prefix("0086") {
            digits = rest.to_string();
        }
        let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
        let mobile = all_digits
            && digits.len() == 11
            && digits.as_bytes()[0] == b'1'
            && (b'3'..=b'9').contains(&digits.as_bytes()[1]);
        let landline = all_digits
            && digits.starts_with('0')
            && !digits.starts_with("00")
            && (10..=12).contains(&digits.len());
        if mobile || landline {
            Ok(Phone(digits))
        } else {
            Err(format!(
                "「{}」不是有效的电话号码：请填写 11 位手机号或带区号的固定电话",
                input.trim()
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The number with its middle hidden, e.g. `138****5678`, for viewers without need to call.
    pub fn masked(&self) -> String {
        let s = &self.0;
        let n = s.len();
        format!("{}****{}", &s[..3], &s[n - 4..])
    }
}
impl TryFrom<String> for Phone {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Phone::parse(&s)
    }
}
impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_parse_and_mask() {
        assert_eq!(
            Phone::parse("138 0013 8000").unwrap().as_str(),
            "13800138000"
        );
        assert_eq!(
            Phone::parse("+86 13800138000").unwrap().as_str(),
            "13800138000"
        );
        assert_eq!(
            Phone::parse("0575-87654321").unwrap().as_str(),
            "057587654321"
        );
        assert_eq!(Phone::parse("13800138000").unwrap().masked(), "138****8000");
        for bad in [
            "",
            "12345",
            "12800138000",
            "1380013800x",
            "138001380001",
            "00575123",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn case_numbers_round_trip() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let no = CaseNo::new(d, CaseId(123));
        assert_eq!(no.as_str(), "FQ20261128000123");
        assert_eq!(CaseNo::parse(no.as_str()).unwrap(), no);
        assert!(CaseNo::parse("FQ2026").is_err());
        assert!(CaseNo::parse("FQ20261340000123").is_err());
    }
}
