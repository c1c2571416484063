//! The services without HTTP: intake, case actions, the scheduler and triage on the test
//! township, each behaviour its own test.

mod actions;
mod intake;
mod scheduler;
mod triage;

use fengqiao_app::IntakeInput;

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
