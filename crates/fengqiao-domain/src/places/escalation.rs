//! Overdue inspections are escalated as overdue cases are: once a place is past its due time
//! its inspector is urged (催检); once it is past by the configured number of days the township
//! supervises it (督办), and it is on the centre's and the leaders' lists until inspected.
//! Each step is recorded (append-only) with the due time it was taken against.

use super::*;
use crate::org::str_enum;

/// How far an overdue inspection has been escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionEscalation {
    Urged,
    Supervised,
}
str_enum!(InspectionEscalation {
    Urged => "urged" / "已催检",
    Supervised => "supervised" / "已督办",
});

/// Days past due after which an overdue inspection is supervised, unless configured.
pub const DEFAULT_SUPERVISE_INSPECTION_AFTER_DAYS: u32 = 3;

/// One escalation step, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscalationStep {
    pub place_id: PlaceId,
    pub level: InspectionEscalation,
    pub at: Timestamp,
    /// The due time that was missed.
    pub due_at: Timestamp,
}

/// The due times before which places are escalated at `now`: urged once past due, supervised
/// once past due by `supervise_after_days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscalationCutoffs {
    pub urge_before: Timestamp,
    pub supervise_before: Timestamp,
}

pub fn escalation_cutoffs(now: Timestamp, supervise_after_days: u32) -> EscalationCutoffs {
    EscalationCutoffs {
        urge_before: now,
        supervise_before: now - Duration::days(supervise_after_days as i64),
    }
}

/// The level a place due at `due_at` should have reached at these cutoffs.
pub fn escalation_due(due_at: Timestamp, c: EscalationCutoffs) -> Option<InspectionEscalation> {
    if due_at < c.supervise_before {
        Some(InspectionEscalation::Supervised)
    } else if due_at < c.urge_before {
        Some(InspectionEscalation::Urged)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_overdue_inspection_is_urged_then_supervised_after_the_configured_days() {
        let due = chrono::Utc
            .with_ymd_and_hms(2026, 11, 20, 15, 59, 59)
            .unwrap();
        let at = |h: i64| escalation_cutoffs(due + Duration::hours(h), 3);
        assert_eq!(escalation_due(due, at(0)), None, "due, not late");
        assert_eq!(
            escalation_due(due, at(1)),
            Some(InspectionEscalation::Urged)
        );
        assert_eq!(
            escalation_due(due, at(72)),
            Some(InspectionEscalation::Urged),
            "three days exactly"
        );
        assert_eq!(
            escalation_due(due, at(73)),
            Some(InspectionEscalation::Supervised)
        );
    }
}
