//! Which cases an actor sees, and whether they see the reporters' personal data.

use crate::case::Case;
use crate::ids::{UnitId, UserId};
use crate::org::{Actor, ActorRole, Role};

/// Which cases a viewer may list. Built from the actor ([`scope_of`]), never from the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Cases in a region subtree; `include_unplaced` adds cases with no region yet.
    Region {
        path: String,
        include_unplaced: bool,
    },
    /// Cases of a unit (lead, co-unit task or parent of a child), plus those the user reported,
    /// plus, for grid workers, a region subtree.
    Unit {
        unit_id: UnitId,
        user_id: UserId,
        region_path: Option<String>,
    },
}

/// The cases an actor's lists show: the same rule as [`can_view`], as a filter.
pub fn scope_of(actor: &Actor) -> Scope {
    match actor.role {
        ActorRole::System => Scope::All,
        ActorRole::Citizen => Scope::Region {
            path: "/nothing/".into(),
            include_unplaced: false,
        },
        ActorRole::User(Role::Operator | Role::Admin | Role::Leader) => Scope::Region {
            path: actor.region_path.clone(),
            include_unplaced: actor.covers(None),
        },
        ActorRole::User(role @ (Role::UnitStaff | Role::GridWorker)) => Scope::Unit {
            unit_id: actor.unit_id.unwrap_or(UnitId(-1)),
            user_id: actor.user_id.unwrap_or(UserId(-1)),
            region_path: (role == Role::GridWorker || sees_own_village(actor))
                .then(|| actor.region_path.clone()),
        },
    }
}

/// Staff of a unit placed in a village or community (its committee) see every case of that
/// village — the village view — and act only on those sent to their own unit (the lifecycle's
/// duties decide that). Staff of township units see their unit's cases.
pub fn sees_own_village(actor: &Actor) -> bool {
    actor.role == ActorRole::User(Role::UnitStaff) && !actor.covers(None)
}

/// May this actor see the case at all?
pub fn can_view(
    actor: &Actor,
    case: &Case,
    task_units: &[UnitId],
    parent_unit: Option<UnitId>,
) -> bool {
    match actor.role {
        ActorRole::System => true,
        ActorRole::Citizen => false,
        ActorRole::User(Role::Operator | Role::Admin | Role::Leader) => {
            actor.covers(case.location.region_path.as_deref())
        }
        ActorRole::User(Role::UnitStaff | Role::GridWorker) => {
            let Some(unit) = actor.unit_id else {
                return false;
            };
            case.handling.unit_id == Some(unit)
                || task_units.contains(&unit)
                || parent_unit == Some(unit)
                || (actor.role == ActorRole::User(Role::GridWorker)
                    && (case.created_by == actor.user_id
                        || actor.covers(case.location.region_path.as_deref())))
                || (sees_own_village(actor) && actor.covers(case.location.region_path.as_deref()))
        }
    }
}

/// May this actor search cases by personal data (a phone, ID or bank number)? Only those who may
/// see it on every case in their scope: the centre. Others would recover a masked number by
/// searching for it.
pub fn may_search_personal_data(actor: &Actor) -> bool {
    matches!(
        actor.role,
        ActorRole::System | ActorRole::User(Role::Operator | Role::Admin)
    )
}

/// Does a search look for personal data: a run of four or more digits (spaces and dashes
/// ignored) that is not a case number?
pub fn searches_personal_data(q: &str) -> bool {
    let q = q.trim();
    if crate::ids::CaseNo::parse(q).is_ok() {
        return false;
    }
    let mut run = 0;
    for c in q.chars().filter(|c| !matches!(c, ' ' | '-' | '.')) {
        if c.is_ascii_digit() {
            run += 1;
            if run >= 4 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// May this actor see reporters' phone numbers and ID numbers unmasked? The centre (which calls
/// citizens back) and the unit handling the case (which must contact them) may; leaders and
/// everyone else see them masked.
pub fn can_see_personal_data(actor: &Actor, case: &Case) -> bool {
    match actor.role {
        ActorRole::User(Role::Operator | Role::Admin) => true,
        ActorRole::User(Role::UnitStaff | Role::GridWorker) => {
            actor.unit_id.is_some() && actor.unit_id == case.handling.unit_id
        }
        _ => false,
    }
}
