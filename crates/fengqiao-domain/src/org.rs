//! The organisation: the region tree (town → village/community → grid), handling units grouped
//! under the four platforms, users with roles scoped to a region and a unit, the category tree.

use crate::ids::{CategoryId, RegionId, UnitId, UserId};
use serde::{Deserialize, Serialize};

macro_rules! str_enum {
    ($name:ident { $($variant:ident => $s:literal / $label:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            /// The zh-CN label shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }
    };
}
pub(crate) use str_enum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Operator,
    UnitStaff,
    GridWorker,
    Leader,
}
str_enum!(Role {
    Admin => "admin" / "系统管理员",
    Operator => "operator" / "受理员",
    UnitStaff => "unit_staff" / "承办人员",
    GridWorker => "grid_worker" / "网格员",
    Leader => "leader" / "领导",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Town,
    Village,
    Community,
    Grid,
}
str_enum!(RegionLevel {
    Town => "town" / "乡镇",
    Village => "village" / "行政村",
    Community => "community" / "社区",
    Grid => "grid" / "网格",
});

impl RegionLevel {
    /// How deep in the tree the level sits: a region's children sit deeper than it.
    pub fn depth(self) -> u8 {
        match self {
            RegionLevel::Town => 0,
            RegionLevel::Village | RegionLevel::Community => 1,
            RegionLevel::Grid => 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub id: RegionId,
    pub parent_id: Option<RegionId>,
    pub name: String,
    pub level: RegionLevel,
    /// Materialised path of ids, e.g. `/1/4/12/`: a region's subtree is every path with its prefix.
    pub path: String,
}

impl Region {
    pub fn contains_path(&self, other_path: &str) -> bool {
        other_path.starts_with(&self.path)
    }
}

/// The four platforms (四平台) that group the township's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    PartyBuilding,
    EconomyEcology,
    SafetyLaw,
    PublicService,
}
str_enum!(Platform {
    PartyBuilding => "party_building" / "党建统领",
    EconomyEcology => "economy_ecology" / "经济生态",
    SafetyLaw => "safety_law" / "平安法治",
    PublicService => "public_service" / "公共服务",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 社会治理中心: the one door, where intake operators sit.
    Centre,
    /// A township office or department under a platform.
    Department,
    /// A station (站所) of a county bureau in the township.
    Station,
    /// A village or community committee (村委会/居委会).
    VillageCommittee,
}
str_enum!(UnitKind {
    Centre => "centre" / "社会治理中心",
    Department => "department" / "部门",
    Station => "station" / "站所",
    VillageCommittee => "village_committee" / "村（社区）",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: UnitId,
    pub name: String,
    pub kind: UnitKind,
    pub platform: Option<Platform>,
    pub region_id: RegionId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region_id: RegionId,
    pub unit_id: Option<UnitId>,
    pub active: bool,
}

/// Who is acting, with the scope their role is exercised in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub name: String,
    pub role: ActorRole,
    /// Path of the region the actor's scope covers (a subtree).
    pub region_path: String,
    pub unit_id: Option<UnitId>,
}

/// A user role, or the system itself (the scheduler) or an anonymous citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorRole {
    User(Role),
    System,
    Citizen,
}

impl Actor {
    pub fn system() -> Self {
        Actor {
            user_id: None,
            name: "系统".into(),
            role: ActorRole::System,
            region_path: "/".into(),
            unit_id: None,
        }
    }
    pub fn citizen(name: &str) -> Self {
        Actor {
            user_id: None,
            name: name.into(),
            role: ActorRole::Citizen,
            region_path: "/".into(),
            unit_id: None,
        }
    }
    pub fn from_user(user: &User, region_path: &str) -> Self {
        Actor {
            user_id: Some(user.id),
            name: user.display_name.clone(),
            role: ActorRole::User(user.role),
            region_path: region_path.to_string(),
            unit_id: user.unit_id,
        }
    }
    pub fn role(&self) -> Option<Role> {
        match self.role {
            ActorRole::User(r) => Some(r),
            _ => None,
        }
    }
    pub fn covers(&self, region_path: Option<&str>) -> bool {
        match region_path {
            Some(p) => p.starts_with(&self.region_path),
            // A case not yet placed in a region belongs to the whole township.
            None => self.region_path.matches('/').count() <= 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: CategoryId,
    pub parent_id: Option<CategoryId>,
    pub name: String,
    pub default_unit_id: Option<UnitId>,
    /// Petition (信访) categories count limits in calendar days.
    pub is_petition: bool,
}

/// The category and its ancestors, nearest first (used to resolve time-limit policies).
pub fn category_chain(categories: &[Category], id: CategoryId) -> Vec<CategoryId> {
    let mut chain = Vec::new();
    let mut cur = Some(id);
    while let Some(c) = cur {
        if chain.contains(&c) {
            break; // a cycle in bad data must not hang us
        }
        chain.push(c);
        cur = categories
            .iter()
            .find(|x| x.id == c)
            .and_then(|x| x.parent_id);
    }
    chain
}
