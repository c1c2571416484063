//! Patrol schedules (巡查安排): recurring days such as every Tuesday's 下村日 or every Saturday's
//! 整治日, for the grids of a region; each occurrence is a patrol task for every grid in it, done
//! when the grid's places are inspected that day. Coverage is the share of places whose due
//! inspections in a month were all made on time.

use crate::error::DomainError;
use crate::ids::{PatrolScheduleId, RegionId};
use crate::Timestamp;
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatrolSchedule {
    pub id: PatrolScheduleId,
    /// The region whose grids patrol (the township, a village or one grid).
    pub region_id: RegionId,
    pub region_path: String,
    pub name: String,
    /// Day of the week, Monday = 1 … Sunday = 7.
    pub weekday: u8,
    pub active: bool,
    pub created_by: String,
    pub created_at: Timestamp,
}

pub const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

impl PatrolSchedule {
    pub fn occurs_on(&self, date: NaiveDate) -> bool {
        self.active && date.weekday().number_from_monday() as u8 == self.weekday
    }
    pub fn weekday_label(&self) -> &'static str {
        WEEKDAYS[(self.weekday.clamp(1, 7) - 1) as usize]
    }
}

/// Checks a schedule before it is stored: a name, a day of the week 1–7.
pub fn check_schedule(name: &str, weekday: u8) -> Result<String, DomainError> {
    let name = crate::check_text("name", name, 30)?;
    if !(1..=7).contains(&weekday) {
        return Err(DomainError::Invalid {
            field: "weekday",
            message: format!("weekday 须为 1（周一）到 7（周日），收到 {weekday}"),
        });
    }
    Ok(name)
}

/// The days of the week containing `date`, Monday first.
pub fn week_of(date: NaiveDate) -> Vec<NaiveDate> {
    let monday = date - chrono::Duration::days(date.weekday().num_days_from_monday() as i64);
    (0..7).map(|i| monday + chrono::Duration::days(i)).collect()
}

/// Weekday of a date as schedules count it.
pub fn weekday_number(date: NaiveDate) -> u8 {
    date.weekday().number_from_monday() as u8
}

/// Monday = 1 … Sunday = 7.
pub fn weekday_of(n: u8) -> Option<Weekday> {
    Weekday::try_from(n.checked_sub(1)?).ok()
}

/// A grid's (or a village's) coverage in a month: of the places with an inspection due in the
/// month (by now), how many had every one of them made by its due time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub due: u64,
    pub on_time: u64,
}

impl Coverage {
    /// In percent; `None` when nothing was due.
    pub fn share(&self) -> Option<f64> {
        (self.due > 0).then(|| self.on_time as f64 * 100.0 / self.due as f64)
    }
    pub fn add(&mut self, o: &Coverage) {
        self.due += o.due;
        self.on_time += o.on_time;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tuesday_schedule_occurs_on_tuesdays_only_while_active() {
        let mut s = PatrolSchedule {
            id: PatrolScheduleId(1),
            region_id: RegionId(1),
            region_path: "/1/".into(),
            name: "下村日".into(),
            weekday: 2,
            active: true,
            created_by: "受理员".into(),
            created_at: chrono::Utc::now(),
        };
        let tue = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert!(s.occurs_on(tue));
        assert!(!s.occurs_on(tue + chrono::Duration::days(1)));
        assert_eq!(s.weekday_label(), "周二");
        s.active = false;
        assert!(!s.occurs_on(tue));
        assert_eq!(
            week_of(tue)[0],
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        assert!(check_schedule("整治日", 8).is_err());
        assert_eq!(Coverage { due: 4, on_time: 3 }.share(), Some(75.0));
        assert_eq!(Coverage::default().share(), None);
        assert_eq!(weekday_of(6), Some(Weekday::Sat));
    }
}
