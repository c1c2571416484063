use fengqiao_app::AppConfig;
use fengqiao_domain::deadline::OverdueLevel;
use fengqiao_domain::ids::UnitId;
use fengqiao_domain::lifecycle::Action;
use fengqiao_domain::org::Actor;
use fengqiao_testkit::township;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_past_its_accept_limit_turns_red_and_is_urged_once() {
    let t = township(AppConfig::default()).await;
    let op = t.actor("op").await;
    let case = crate::registered_in_the_village(&t).await;
    let dispatch = Action::Dispatch {
        unit_id: UnitId(t.unit),
        co_units: vec![],
        remark: None,
    };
    let dispatched = t.app.actions.act(&op, case.id, dispatch).await.unwrap();
    let quiet = t.app.scheduler.tick().await.unwrap();
    assert_eq!(
        (quiet.level_changes, quiet.urged),
        (0, 0),
        "nothing is due yet"
    );
    // Past the one-working-day accept limit, nobody having accepted.
    t.clock
        .set(dispatched.deadlines.accept_due.unwrap() + chrono::Duration::hours(1));
    let report = t.app.scheduler.tick().await.unwrap();
    assert_eq!((report.level_changes, report.urged), (1, 1), "{report:?}");
    let now = t
        .app
        .queries
        .case_view(&Actor::system(), case.id)
        .await
        .unwrap();
    assert_eq!(now.case.deadlines.overdue_level, OverdueLevel::Red);
    assert_eq!(now.case.oversight.urge_count, 1);
    let again = t.app.scheduler.tick().await.unwrap();
    assert_eq!(
        (again.level_changes, again.urged),
        (0, 0),
        "one urge per lapse"
    );
}
