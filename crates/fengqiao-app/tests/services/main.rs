//! The services without HTTP: intake, case actions, the scheduler and triage on the test
//! township, each behaviour its own test.

mod actions;
mod checklists;
mod hazard_cases;
mod hotline;
mod intake;
mod kpis;
mod notify;
mod places;
mod places_io;
mod scheduler;
mod triage;

use fengqiao_app::IntakeInput;
use fengqiao_domain::ids::{CategoryId, RegionId};
use fengqiao_domain::lifecycle::Action;
use fengqiao_testkit::Township;

/// A resident's report of a broken road in 苍岩村, as the centre takes it down.
pub fn pothole(body: &str) -> IntakeInput {
    IntakeInput {
        body: body.into(),
        channel: Some("hotline".into()),
        reporter_name: Some("王建国".into()),
        reporter_phone: Some("13800138000".into()),
        ..Default::default()
    }
}

/// A pothole reported to the centre and registered as 道路破损 in 苍岩村.
pub async fn registered_in_the_village(t: &Township) -> fengqiao_domain::case::Case {
    let op = t.actor("op").await;
    let case = t
        .app
        .intake
        .submit(&op, pothole("苍岩村村口水泥路塌了"))
        .await
        .unwrap()
        .case;
    let register = Action::Register {
        category_id: Some(CategoryId(t.road)),
        priority: None,
        region_id: Some(RegionId(t.village)),
        remark: None,
    };
    t.app.actions.act(&op, case.id, register).await.unwrap()
}
