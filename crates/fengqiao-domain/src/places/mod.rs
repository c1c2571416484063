//! Places (场所/点位) the township inspects, their four-colour risk grade (四色管理), the
//! inspection frequency that follows the colour, checklists and inspections (`inspection`), and
//! the hazard loop 发现 → 交办 → 整改 → 复查 → 销号 with relapse (回潮) (`hazard`).
//!
//! A place lies in a village or a grid; whoever covers that region sees it, grid workers inspect
//! what lies in their grid. Its colour changes only with a reason: registration, an inspection's
//! confirmed grade, a relapse, or a person re-grading it by hand.

pub mod campaign;
pub mod escalation;
pub mod hazard;
pub mod inspection;
pub mod patrol;

pub use campaign::*;
pub use escalation::*;
pub use hazard::*;
pub use inspection::*;
pub use patrol::*;

use crate::error::DomainError;
use crate::ids::{HazardId, InspectionId, PlaceId, RegionId, UserId};
use crate::org::{str_enum, Actor, ActorRole, Role};
use crate::Timestamp;
use chrono::{Duration, NaiveTime, TimeZone};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// 九小场所: small shops, restaurants, hotels, workshops… under the size criteria.
    SmallVenue,
    /// Firms with air emissions (涉气企业), the air-pollution campaign's targets.
    EmittingFirm,
    BuildingSite,
    Restaurant,
    /// A river or lake segment under a 河长/湖长.
    RiverSegment,
    /// A village point kept clean under 人居环境 (a rubbish point, a pond, a lane).
    VillagePoint,
}
str_enum!(PlaceKind {
    SmallVenue => "small_venue" / "九小场所",
    EmittingFirm => "emitting_firm" / "涉气企业",
    BuildingSite => "building_site" / "建筑工地",
    Restaurant => "restaurant" / "餐饮单位",
    RiverSegment => "river_segment" / "河湖段",
    VillagePoint => "village_point" / "村庄点位",
});

impl PlaceKind {
    /// What makes a place one of this kind, as the registry form explains it.
    pub fn criteria(self) -> &'static str {
        match self {
            PlaceKind::SmallVenue => {
                "小商店≤300㎡、小餐饮≤100座、小旅馆≤50床、小作坊≤50人，以及小学校、小医疗、小歌舞娱乐、小网吧、小美容洗浴"
            }
            PlaceKind::EmittingFirm => "有废气排放的企业（锅炉、喷涂、熔炼、印染等）",
            PlaceKind::BuildingSite => "在建工程、拆迁工地、土方作业点",
            PlaceKind::Restaurant => "餐饮服务单位（油烟、燃气、食品安全）",
            PlaceKind::RiverSegment => "河道、湖塘的管护段（河长制）",
            PlaceKind::VillagePoint => "人居环境点位：垃圾收集点、沟渠、池塘、村道等",
        }
    }
}

/// The four-colour risk grade. Red is the highest risk and is inspected most often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskColor {
    Red,
    Yellow,
    Blue,
    Green,
}
str_enum!(RiskColor {
    Red => "red" / "红色",
    Yellow => "yellow" / "黄色",
    Blue => "blue" / "蓝色",
    Green => "green" / "绿色",
});

impl RiskColor {
    /// How risky: green 0 … red 3.
    pub fn rank(self) -> u8 {
        match self {
            RiskColor::Green => 0,
            RiskColor::Blue => 1,
            RiskColor::Yellow => 2,
            RiskColor::Red => 3,
        }
    }
    /// One step riskier (red stays red): what a relapse does to a place.
    pub fn raised(self) -> RiskColor {
        match self {
            RiskColor::Green => RiskColor::Blue,
            RiskColor::Blue => RiskColor::Yellow,
            RiskColor::Yellow | RiskColor::Red => RiskColor::Red,
        }
    }
    /// The riskier of two grades.
    pub fn max(self, other: RiskColor) -> RiskColor {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
    pub fn risk_label(self) -> &'static str {
        match self {
            RiskColor::Red => "高风险",
            RiskColor::Yellow => "较高风险",
            RiskColor::Blue => "一般风险",
            RiskColor::Green => "低风险",
        }
    }
}

/// How often a place of a colour (and optionally a kind) must be inspected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrequencyRule {
    /// `None`: every kind without a rule of its own.
    pub kind: Option<PlaceKind>,
    pub color: RiskColor,
    pub interval_days: u32,
}

/// The longest interval a rule may set: a year.
pub const MAX_INTERVAL_DAYS: u32 = 366;

/// Inspection frequency by colour and kind. A kind's own rule wins over the general one; the
/// general defaults are PRODUCT.md's: red weekly, yellow fortnightly, blue monthly, green
/// quarterly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionPolicy {
    pub rules: Vec<FrequencyRule>,
}

impl InspectionPolicy {
    pub fn default_interval_days(color: RiskColor) -> u32 {
        match color {
            RiskColor::Red => 7,
            RiskColor::Yellow => 14,
            RiskColor::Blue => 30,
            RiskColor::Green => 90,
        }
    }

    pub fn interval_days(&self, kind: PlaceKind, color: RiskColor) -> u32 {
        let rule = |k: Option<PlaceKind>| {
            self.rules
                .iter()
                .find(|r| r.kind == k && r.color == color)
                .map(|r| r.interval_days)
        };
        rule(Some(kind))
            .or_else(|| rule(None))
            .unwrap_or_else(|| Self::default_interval_days(color))
    }

    /// When the next inspection is due: the end (23:59:59 China time) of the day `interval`
    /// days after the last one. A place never inspected is due by the end of the day it was
    /// registered.
    pub fn next_due(
        &self,
        kind: PlaceKind,
        color: RiskColor,
        last_inspected: Option<Timestamp>,
        registered_at: Timestamp,
    ) -> Timestamp {
        let (from, days) = match last_inspected {
            Some(t) => (t, self.interval_days(kind, color)),
            None => (registered_at, 0),
        };
        end_of_china_day(from + Duration::days(days as i64))
    }

    /// Checks a policy before it is stored: intervals of 1 to 366 days, one rule per
    /// (kind, colour).
    pub fn check(&self) -> Result<(), DomainError> {
        for (i, r) in self.rules.iter().enumerate() {
            if r.interval_days == 0 || r.interval_days > MAX_INTERVAL_DAYS {
                return Err(DomainError::Invalid {
                    field: "interval_days",
                    message: format!(
                        "{}{}的检查周期须在 1 到 {MAX_INTERVAL_DAYS} 天之间，收到 {}",
                        r.kind.map(|k| k.label()).unwrap_or("各类场所"),
                        r.color.label(),
                        r.interval_days
                    ),
                });
            }
            if self.rules[..i]
                .iter()
                .any(|o| o.kind == r.kind && o.color == r.color)
            {
                return Err(DomainError::Invalid {
                    field: "rules",
                    message: format!(
                        "{}{}的检查周期重复设置了",
                        r.kind.map(|k| k.label()).unwrap_or("各类场所"),
                        r.color.label()
                    ),
                });
            }
        }
        Ok(())
    }
}

/// 00:00 China time on `date`: where a China-time day begins.
pub fn start_of_china_day(date: chrono::NaiveDate) -> Timestamp {
    crate::china_offset()
        .from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("valid time"))
        .single()
        .expect("fixed offset")
        .with_timezone(&chrono::Utc)
}

/// 23:59:59.999 China time on the China-time day of `t`.
pub fn end_of_china_day(t: Timestamp) -> Timestamp {
    let local = t.with_timezone(&crate::china_offset());
    let end = local
        .date_naive()
        .and_time(NaiveTime::from_hms_milli_opt(23, 59, 59, 999).expect("valid time"));
    crate::china_offset()
        .from_local_datetime(&end)
        .single()
        .expect("fixed offset")
        .with_timezone(&chrono::Utc)
}

/// A registered place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub id: PlaceId,
    /// The registration number it is known by (营业执照号, 河段编码, or the township's own):
    /// imports are idempotent by it.
    pub reg_no: String,
    pub name: String,
    pub kind: PlaceKind,
    /// The village or grid it lies in.
    pub region_id: RegionId,
    pub region_path: String,
    pub address: Option<String>,
    pub owner_name: Option<String>,
    pub owner_phone: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub color: RiskColor,
    pub last_inspected_at: Option<Timestamp>,
    pub next_due_at: Timestamp,
    pub registered_at: Timestamp,
    /// Bumped by every change; an inspection made offline says which version it saw.
    pub version: i64,
    /// Its own 民情码 (`/m/<code>`, on the plate at its door): citizens report about the place
    /// from it, inspectors check in by scanning it.
    pub code: String,
    /// How far its overdue inspection has been escalated; cleared when it is inspected.
    pub escalation: Option<InspectionEscalation>,
}

impl Place {
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.next_due_at < now
    }
}

/// Why a place's colour changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColorReason {
    Registered,
    Inspection,
    Relapse,
    Manual,
}
str_enum!(ColorReason {
    Registered => "registered" / "登记定级",
    Inspection => "inspection" / "检查定级",
    Relapse => "relapse" / "回潮升级",
    Manual => "manual" / "人工调整",
});

/// One entry of a place's colour history (append-only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColorChange {
    pub place_id: PlaceId,
    pub from: Option<RiskColor>,
    pub to: RiskColor,
    pub reason: ColorReason,
    /// In words: the findings, the relapsed item, or what the person wrote.
    pub remark: String,
    pub inspection_id: Option<InspectionId>,
    pub hazard_id: Option<HazardId>,
    pub actor_id: Option<UserId>,
    pub actor_name: String,
    pub at: Timestamp,
}

/// Who sees a place's owner and contact unmasked: those who work with the place in its region
/// (operators, admins, its grid's workers, the village's staff); leaders and staff elsewhere
/// see them masked.
pub fn can_see_owner_contact(actor: &Actor, place_region_path: &str) -> bool {
    match actor.role {
        ActorRole::System => true,
        ActorRole::User(Role::Operator | Role::Admin | Role::GridWorker | Role::UnitStaff) => {
            actor.covers(Some(place_region_path))
        }
        _ => false,
    }
}

/// Whether the actor sees the place at all: staff whose region covers it (a case-handling
/// unit's staff see the township's places, as their region is the township).
pub fn can_view_place(actor: &Actor, place_region_path: &str) -> bool {
    match actor.role {
        ActorRole::System => true,
        ActorRole::User(_) => actor.covers(Some(place_region_path)),
        ActorRole::Citizen => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> Timestamp {
        crate::china_offset()
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .with_timezone(&chrono::Utc)
    }

    #[test]
    fn next_due_follows_colour_and_kind_rules() {
        let mut p = InspectionPolicy::default();
        let last = at(2026, 11, 2, 10);
        let reg = at(2026, 1, 1, 9);
        let due = |p: &InspectionPolicy, k, c| p.next_due(k, c, Some(last), reg);
        assert_eq!(
            due(&p, PlaceKind::SmallVenue, RiskColor::Red),
            at(2026, 11, 9, 23) + Duration::milliseconds(59 * 60_000 + 59_999)
        );
        assert_eq!(
            due(&p, PlaceKind::Restaurant, RiskColor::Green).date_naive(),
            at(2027, 1, 31, 23).date_naive()
        );
        p.rules.push(FrequencyRule {
            kind: None,
            color: RiskColor::Red,
            interval_days: 3,
        });
        p.rules.push(FrequencyRule {
            kind: Some(PlaceKind::BuildingSite),
            color: RiskColor::Red,
            interval_days: 1,
        });
        assert_eq!(p.interval_days(PlaceKind::SmallVenue, RiskColor::Red), 3);
        assert_eq!(p.interval_days(PlaceKind::BuildingSite, RiskColor::Red), 1);
        assert_eq!(
            p.interval_days(PlaceKind::BuildingSite, RiskColor::Blue),
            30
        );
        // Never inspected: due by the end of the day it was registered.
        let never = p.next_due(
            PlaceKind::SmallVenue,
            RiskColor::Green,
            None,
            at(2026, 11, 2, 23),
        );
        assert_eq!(never, end_of_china_day(at(2026, 11, 2, 8)));
    }

    #[test]
    fn a_policy_with_a_zero_interval_or_a_repeated_rule_is_refused() {
        let mut p = InspectionPolicy::default();
        p.rules.push(FrequencyRule {
            kind: None,
            color: RiskColor::Red,
            interval_days: 0,
        });
        assert!(p.check().unwrap_err().to_string().contains("1 到 366"));
        p.rules[0].interval_days = 5;
        p.rules.push(FrequencyRule {
            kind: None,
            color: RiskColor::Red,
            interval_days: 6,
        });
        assert!(p.check().unwrap_err().to_string().contains("重复"));
    }

    #[test]
    fn colours_rise_one_step_and_red_stays_red() {
        assert_eq!(RiskColor::Green.raised(), RiskColor::Blue);
        assert_eq!(RiskColor::Blue.raised(), RiskColor::Yellow);
        assert_eq!(RiskColor::Yellow.raised(), RiskColor::Red);
        assert_eq!(RiskColor::Red.raised(), RiskColor::Red);
        assert_eq!(RiskColor::Blue.max(RiskColor::Yellow), RiskColor::Yellow);
    }
}
