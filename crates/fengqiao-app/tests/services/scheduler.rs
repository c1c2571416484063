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

/// An overdue inspection is escalated as an overdue case is: urged once past due, supervised
/// after three days, on the township's supervised list until the grid worker inspects it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_inspection_is_urged_then_supervised_until_inspected() {
    use fengqiao_app::{InspectionInput, PlaceInput};
    use fengqiao_domain::places::InspectionEscalation;
    let t = township(AppConfig::default()).await;
    let grid = t.actor("grid").await;
    let op = t.actor("op").await;
    let place = t
        .app
        .places
        .register(
            &grid,
            PlaceInput {
                reg_no: "JX-LATE-1".into(),
                name: "苍岩村阿强理发店".into(),
                kind: "small_venue".into(),
                region_id: t.grid(),
                color: Some("yellow".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(t.app.scheduler.tick().await.unwrap().places_urged, 0);
    t.clock.set(place.next_due_at + chrono::Duration::hours(2));
    let r = t.app.scheduler.tick().await.unwrap();
    assert_eq!((r.places_urged, r.places_supervised), (1, 0), "{r:?}");
    assert_eq!(
        t.app.scheduler.tick().await.unwrap().places_urged,
        0,
        "once"
    );
    t.clock
        .set(place.next_due_at + chrono::Duration::days(3) + chrono::Duration::hours(1));
    let r = t.app.scheduler.tick().await.unwrap();
    assert_eq!((r.places_urged, r.places_supervised), (0, 1), "{r:?}");
    // The centre sees it on its supervised list and the place's page says why.
    assert_eq!(t.app.places.summary(&op, None).await.unwrap().supervised, 1);
    let sheet = t.app.places.get(&op, place.id).await.unwrap();
    assert_eq!(
        sheet.place.escalation,
        Some(InspectionEscalation::Supervised)
    );
    assert_eq!(
        sheet
            .escalations
            .iter()
            .map(|e| e.level)
            .collect::<Vec<_>>(),
        [
            InspectionEscalation::Urged,
            InspectionEscalation::Supervised
        ]
    );
    // Inspected: off the list at once.
    t.app
        .places
        .inspect(
            &grid,
            place.id,
            InspectionInput {
                answers: crate::places::answers(&t, &place, &[]).await,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(t.app.places.summary(&op, None).await.unwrap().supervised, 0);
    assert_eq!(
        t.app
            .places
            .get(&op, place.id)
            .await
            .unwrap()
            .place
            .escalation,
        None
    );
}
