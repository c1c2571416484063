use fengqiao_app::{AppConfig, AppError};
use fengqiao_domain::case::CaseState;
use fengqiao_domain::ids::UnitId;
use fengqiao_domain::lifecycle::{Action, ActionKind};
use fengqiao_domain::org::Actor;
use fengqiao_testkit::township;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_outside_ones_scope_is_not_found_and_left_alone() {
    let t = township(AppConfig::default()).await;
    let case = crate::registered_in_the_village(&t).await;
    let far = t.actor("op_changan").await;
    let before = t
        .app
        .queries
        .events(&Actor::system(), case.id)
        .await
        .unwrap();
    for action in [
        Action::Withdraw { reason: "x".into() },
        Action::Dispatch {
            unit_id: UnitId(t.unit),
            co_units: vec![],
            remark: None,
        },
    ] {
        let err = t.app.actions.act(&far, case.id, action).await.unwrap_err();
        assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
    }
    let after = t
        .app
        .queries
        .events(&Actor::system(), case.id)
        .await
        .unwrap();
    assert_eq!(after.len(), before.len(), "nothing was recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unit_responsible_is_on_every_step_it_takes() {
    let t = township(AppConfig::default()).await;
    let case = crate::registered_in_the_village(&t).await;
    let op = t.actor("op").await;
    let staff = t.actor("staff").await;
    let dispatch = Action::Dispatch {
        unit_id: UnitId(t.unit),
        co_units: vec![],
        remark: None,
    };
    t.app.actions.act(&op, case.id, dispatch).await.unwrap();
    let accepted = t
        .app
        .actions
        .act(&staff, case.id, Action::Accept { remark: None })
        .await
        .unwrap();
    assert_eq!(accepted.state, CaseState::Accepted);
    let events = t.app.queries.events(&op, case.id).await.unwrap();
    let accept = events
        .iter()
        .find(|e| e.event.action == ActionKind::Accept)
        .unwrap();
    assert_eq!(accept.event.unit_id, Some(UnitId(t.unit)));
    assert_eq!(
        accept.event.due_at, accepted.deadlines.accept_due,
        "the accept limit in force"
    );
    assert_eq!(accept.event.on_time, Some(true));
}
