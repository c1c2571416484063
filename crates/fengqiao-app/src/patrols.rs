//! Patrol days (巡查日) and coverage (`Patrols`): the week's patrol tasks per grid, each done
//! when the grid's places were inspected that day, and the month's share of places inspected on
//! time, per grid and village. Tasks are derived from the schedules and the inspections, so
//! nothing is kept that could disagree with them.

use crate::core::Core;
use crate::{AppError, Result};
use chrono::{Datelike, Duration, NaiveDate};
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::ids::{PatrolScheduleId, RegionId};
use fengqiao_domain::org::{Actor, RegionLevel};
use fengqiao_domain::places::{
    check_schedule, start_of_china_day, week_of, Coverage, PatrolSchedule,
};
use fengqiao_store::NewPatrolSchedule;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// One day of one grid in the week's table.
#[derive(Debug, Clone, Serialize)]
pub struct PatrolCell {
    pub date: NaiveDate,
    /// The schedules falling on the day (empty: no patrol that day).
    pub names: Vec<String>,
    pub inspections: u64,
    /// A patrol day whose grid had inspections.
    pub done: bool,
    /// A patrol day already past with nothing inspected.
    pub missed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct GridWeek {
    pub grid_id: RegionId,
    pub name: String,
    pub village: String,
    pub days: Vec<PatrolCell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CoverageLine {
    pub region_id: RegionId,
    pub name: String,
    pub coverage: Coverage,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VillageCoverage {
    pub village: CoverageLine,
    pub grids: Vec<CoverageLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CoverageReport {
    pub month: String,
    pub villages: Vec<VillageCoverage>,
    pub total: CoverageLine,
}

pub struct Patrols {
    core: Arc<Core>,
}

fn line(region_id: RegionId, name: String, coverage: Coverage) -> CoverageLine {
    CoverageLine {
        region_id,
        name,
        share: coverage.share(),
        coverage,
    }
}

impl Patrols {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        Patrols { core }
    }

    pub fn today(&self) -> NaiveDate {
        self.core.today()
    }

    pub async fn create(
        &self,
        actor: &Actor,
        region_id: Option<RegionId>,
        name: &str,
        weekday: u8,
    ) -> Result<PatrolSchedule> {
        let region = match region_id {
            Some(id) => self.core.region_exists(id)?,
            None => self
                .core
                .regions()
                .iter()
                .find(|r| r.path == actor.region_path)
                .cloned()
                .ok_or_else(|| AppError::Forbidden("请选择巡查的区域".into()))?,
        };
        access::require_within(actor, Capability::ManagePatrols, Some(&region.path))?;
        let name = check_schedule(name, weekday)?;
        let s = NewPatrolSchedule {
            region_id: region.id,
            name,
            weekday,
        };
        Ok(self
            .core
            .store
            .create_patrol_schedule(s, self.core.audit(actor))
            .await?)
    }

    /// Schedules that reach the actor's region (covering it or within it).
    pub async fn schedules(&self, actor: &Actor) -> Result<Vec<PatrolSchedule>> {
        Ok(self
            .core
            .store
            .patrol_schedules()
            .await?
            .into_iter()
            .filter(|s| {
                actor.covers(Some(&s.region_path)) || actor.region_path.starts_with(&s.region_path)
            })
            .collect())
    }

    pub async fn set_active(
        &self,
        actor: &Actor,
        id: PatrolScheduleId,
        active: bool,
    ) -> Result<PatrolSchedule> {
        let s = self
            .core
            .store
            .patrol_schedules()
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| AppError::NotFound(format!("巡查安排 {id} 不存在")))?;
        access::require_within(actor, Capability::ManagePatrols, Some(&s.region_path))?;
        Ok(self
            .core
            .store
            .set_patrol_schedule_active(id, active, self.core.audit(actor))
            .await?)
    }

    /// The patrol days of the week containing `date`, per grid within the actor's region.
    pub async fn week(&self, actor: &Actor, date: NaiveDate) -> Result<Vec<GridWeek>> {
        let days = week_of(date);
        let schedules: Vec<PatrolSchedule> = self
            .schedules(actor)
            .await?
            .into_iter()
            .filter(|s| s.active)
            .collect();
        let from = start_of_china_day(days[0]);
        let counts = self
            .core
            .store
            .inspections_by_day(&actor.region_path, from, from + Duration::days(7))
            .await?;
        let counts: HashMap<(RegionId, NaiveDate), u64> =
            counts.into_iter().map(|(r, d, n)| ((r, d), n)).collect();
        let regions = self.core.regions();
        let today = self.today();
        let mut out = Vec::new();
        for grid in regions
            .iter()
            .filter(|r| r.level == RegionLevel::Grid && actor.covers(Some(&r.path)))
        {
            let village = regions
                .iter()
                .find(|r| Some(r.id) == grid.parent_id)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            let cells = days
                .iter()
                .map(|d| {
                    let names: Vec<String> = schedules
                        .iter()
                        .filter(|s| grid.path.starts_with(&s.region_path) && s.occurs_on(*d))
                        .map(|s| s.name.clone())
                        .collect();
                    let n = counts.get(&(grid.id, *d)).copied().unwrap_or(0);
                    PatrolCell {
                        date: *d,
                        done: !names.is_empty() && n > 0,
                        missed: !names.is_empty() && n == 0 && *d < today,
                        names,
                        inspections: n,
                    }
                })
                .collect();
            out.push(GridWeek {
                grid_id: grid.id,
                name: grid.name.clone(),
                village,
                days: cells,
            });
        }
        Ok(out)
    }

    /// The schedules that fall today on the actor's grid (a grid worker's patrol today).
    pub async fn today_for(&self, actor: &Actor) -> Result<Vec<String>> {
        let today = self.today();
        Ok(self
            .schedules(actor)
            .await?
            .into_iter()
            .filter(|s| actor.region_path.starts_with(&s.region_path) && s.occurs_on(today))
            .map(|s| s.name)
            .collect())
    }

    /// Coverage in the month containing `month`, per grid and village within the actor's
    /// region.
    pub async fn coverage(&self, actor: &Actor, month: NaiveDate) -> Result<CoverageReport> {
        let first = month.with_day(1).expect("day 1");
        let next = if first.month() == 12 {
            NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
        }
        .expect("a month");
        let rows = self
            .core
            .store
            .coverage(
                &actor.region_path,
                start_of_china_day(first),
                start_of_china_day(next),
                self.core.now(),
            )
            .await?;
        let regions = self.core.regions();
        let mut villages: Vec<VillageCoverage> = Vec::new();
        let mut total = Coverage::default();
        for (region_id, c) in rows {
            let Some(r) = regions.iter().find(|r| r.id == region_id) else {
                continue;
            };
            // Places hang off grids or villages: a grid's line goes under its village.
            let (village, grid) = match r.level {
                RegionLevel::Grid => (
                    regions.iter().find(|v| Some(v.id) == r.parent_id).cloned(),
                    Some(r),
                ),
                _ => (Some(r.clone()), None),
            };
            let Some(village) = village else { continue };
            total.add(&c);
            let i = match villages
                .iter()
                .position(|v| v.village.region_id == village.id)
            {
                Some(i) => i,
                None => {
                    villages.push(VillageCoverage {
                        village: line(village.id, village.name.clone(), Coverage::default()),
                        grids: Vec::new(),
                    });
                    villages.len() - 1
                }
            };
            let v = &mut villages[i];
            v.village.coverage.add(&c);
            v.village.share = v.village.coverage.share();
            match grid {
                Some(g) => v.grids.push(line(g.id, g.name.clone(), c)),
                None => v
                    .grids
                    .push(line(village.id, format!("{}（村级场所）", village.name), c)),
            }
        }
        villages.sort_by(|a, b| a.village.name.cmp(&b.village.name));
        for v in &mut villages {
            v.grids.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Ok(CoverageReport {
            month: first.format("%Y-%m").to_string(),
            villages,
            total: line(RegionId(0), "合计".into(), total),
        })
    }
}
