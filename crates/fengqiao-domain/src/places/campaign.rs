//! Campaigns (专项行动): a named drive over a date range at some kinds of places, with target
//! numbers and a task force (专班), and the daily report (专班日报) computed from the records —
//! places checked, problems found, rectified, outstanding and overdue, by village and kind.

use super::PlaceKind;
use crate::error::DomainError;
use crate::ids::CampaignId;
use crate::Timestamp;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How many places of a kind the campaign means to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignTarget {
    pub kind: PlaceKind,
    pub places: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: CampaignId,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The kinds of places it covers, each with its target.
    pub targets: Vec<CampaignTarget>,
    /// The task force (专班): who leads and who is in it, as the township writes it.
    pub task_force: String,
    /// The region it covers (the township, or a village).
    pub region_path: String,
    pub created_at: Timestamp,
    pub created_by: String,
}

/// The longest a campaign may run.
pub const CAMPAIGN_MAX_DAYS: i64 = 366;

/// Checks a campaign before it is stored: a name, a date range of at most a year, at least one
/// kind of place, each kind once, targets above zero.
pub fn check_campaign(
    name: &str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    targets: &[CampaignTarget],
) -> Result<String, DomainError> {
    let name = crate::check_text("name", name, crate::limits::NAME_MAX_CHARS)?;
    let invalid = |field, message: String| DomainError::Invalid { field, message };
    if ends_on < starts_on {
        return Err(invalid("ends_on", "结束日期不能早于开始日期".into()));
    }
    if (ends_on - starts_on).num_days() >= CAMPAIGN_MAX_DAYS {
        return Err(invalid(
            "ends_on",
            format!("专项行动最长 {CAMPAIGN_MAX_DAYS} 天，请分期开展"),
        ));
    }
    if targets.is_empty() {
        return Err(invalid("targets", "请至少选择一类检查对象".into()));
    }
    for (i, t) in targets.iter().enumerate() {
        if targets[..i].iter().any(|o| o.kind == t.kind) {
            return Err(invalid(
                "targets",
                format!("「{}」重复设置了目标", t.kind.label()),
            ));
        }
        if t.places == 0 {
            return Err(invalid(
                "targets",
                format!("「{}」的目标数须大于 0", t.kind.label()),
            ));
        }
    }
    Ok(name)
}

/// Figures of one region and kind over a window, as counted from the records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Distinct places inspected.
    pub places_checked: u64,
    /// Inspections made.
    pub inspections: u64,
    /// Hazards found (问题).
    pub problems: u64,
    /// Of those, signed off (已整改销号).
    pub rectified: u64,
    /// Of those not signed off, past their deadline.
    pub overdue: u64,
}

impl Tally {
    /// Found and not yet signed off.
    pub fn outstanding(&self) -> u64 {
        self.problems - self.rectified
    }
    pub fn add(&mut self, o: &Tally) {
        self.places_checked += o.places_checked;
        self.inspections += o.inspections;
        self.problems += o.problems;
        self.rectified += o.rectified;
        self.overdue += o.overdue;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn a_campaign_needs_a_range_kinds_and_targets() {
        let t = |kind, places| CampaignTarget { kind, places };
        let ok = [
            t(PlaceKind::EmittingFirm, 150),
            t(PlaceKind::Restaurant, 100),
        ];
        assert_eq!(
            check_campaign(" 大气污染防治 ", d(9, 1), d(12, 31), &ok).unwrap(),
            "大气污染防治"
        );
        assert!(check_campaign("x", d(9, 2), d(9, 1), &ok)
            .unwrap_err()
            .to_string()
            .contains("早于"));
        assert!(check_campaign("x", d(1, 1), d(12, 31), &[])
            .unwrap_err()
            .to_string()
            .contains("至少"));
        let twice = [t(PlaceKind::Restaurant, 1), t(PlaceKind::Restaurant, 2)];
        assert!(check_campaign("x", d(1, 1), d(2, 1), &twice)
            .unwrap_err()
            .to_string()
            .contains("重复"));
        assert!(check_campaign("x", d(1, 1), d(2, 1), &[t(PlaceKind::Restaurant, 0)]).is_err());
        let mut tally = Tally {
            problems: 94,
            rectified: 90,
            ..Default::default()
        };
        assert_eq!(tally.outstanding(), 4);
        tally.add(&Tally {
            problems: 1,
            ..Default::default()
        });
        assert_eq!(tally.outstanding(), 5);
    }
}
