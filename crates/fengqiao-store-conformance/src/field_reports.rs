//! What field reports are counted from: a campaign's tallies as of two instants, and patrol days
//! and coverage from inspections.

use crate::places::{inspect, place, township};
use crate::*;
use chrono::Duration;
use fengqiao_domain::org::{Actor, ActorRole, Role};
use fengqiao_domain::places::*;

pub async fn campaign_tallies_count_the_records_of_their_window(store: &dyn Store) {
    let tw = township(store).await;
    let c = store
        .create_campaign(
            NewCampaign {
                name: "大气污染防治专项行动".into(),
                starts_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                ends_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                targets: vec![CampaignTarget {
                    kind: PlaceKind::EmittingFirm,
                    places: 10,
                }],
                task_force: "组长：镇长".into(),
                region_path: "/".into(),
            },
            admin(),
        )
        .await
        .unwrap();
    assert_eq!(store.campaign(c.id).await.unwrap().unwrap(), c);
    assert_eq!(store.campaigns().await.unwrap(), vec![c.clone()]);

    let firm = store
        .create_place(
            place(
                "QY-1",
                "印染厂",
                PlaceKind::EmittingFirm,
                &tw.village,
                RiskColor::Blue,
            ),
            admin(),
        )
        .await
        .unwrap();
    let shop = store
        .create_place(
            place(
                "JX-9",
                "小店",
                PlaceKind::SmallVenue,
                &tw.grid,
                RiskColor::Blue,
            ),
            admin(),
        )
        .await
        .unwrap();
    let (from, to) = (t0(), t0() + Duration::days(10));
    // In the window: two inspections of the firm (one place), one with two findings; the shop
    // is not a target kind; one inspection after the window.
    inspect(
        store,
        &firm,
        &[],
        RiskColor::Blue,
        from + Duration::days(1),
        None,
    )
    .await
    .unwrap();
    let out = inspect(
        store,
        &firm,
        &["treatment", "dust"],
        RiskColor::Red,
        from + Duration::days(2),
        None,
    )
    .await
    .unwrap();
    inspect(
        store,
        &shop,
        &["exit"],
        RiskColor::Red,
        from + Duration::days(2),
        None,
    )
    .await
    .unwrap();
    inspect(
        store,
        &firm,
        &["ledger"],
        RiskColor::Red,
        to + Duration::hours(1),
        None,
    )
    .await
    .unwrap();
    // One of the two is signed off within the window, the other assigned with a deadline that
    // passed before its end.
    let op = Actor {
        user_id: None,
        name: "受理员".into(),
        role: ActorRole::User(Role::Operator),
        region_path: "/".into(),
        unit_id: None,
    };
    let staff = Actor {
        role: ActorRole::User(Role::UnitStaff),
        unit_id: Some(tw.unit),
        ..op.clone()
    };
    let mut h = out.hazards[0].clone();
    let at = |d: i64| from + Duration::days(d);
    for (action, actor, now, photos) in [
        (
            HazardAction::Assign {
                owner_unit_id: tw.unit,
                leader: "王".into(),
                due_at: at(5),
                remark: None,
            },
            &op,
            at(3),
            0,
        ),
        (
            HazardAction::Rectify {
                remark: "已修复".into(),
                evidence: 1,
            },
            &staff,
            at(4),
            1,
        ),
        (
            HazardAction::Recheck {
                passed: true,
                remark: None,
            },
            &op,
            at(4),
            0,
        ),
        (HazardAction::SignOff { remark: None }, &op, at(6), 0),
    ] {
        let evidence = (0..photos)
            .map(|_| NewPhoto {
                content_type: "image/png".into(),
                bytes: vec![1],
                latitude: None,
                longitude: None,
            })
            .collect();
        h = store
            .commit_hazard(decide(&h, &action, actor, now).unwrap(), evidence)
            .await
            .unwrap();
    }
    let other = out.hazards[1].clone();
    let assign = HazardAction::Assign {
        owner_unit_id: tw.unit,
        leader: "王".into(),
        due_at: at(5),
        remark: None,
    };
    store
        .commit_hazard(decide(&other, &assign, &op, at(3)).unwrap(), vec![])
        .await
        .unwrap();

    let tallies = store
        .tallies(&[PlaceKind::EmittingFirm], "/", from, at(4), to)
        .await
        .unwrap();
    assert_eq!(tallies.len(), 1, "{tallies:?}");
    assert_eq!(
        (tallies[0].region_path.as_str(), tallies[0].kind),
        (tw.village.path.as_str(), PlaceKind::EmittingFirm)
    );
    assert_eq!(
        tallies[0].tally,
        Tally {
            places_checked: 1,
            inspections: 2,
            problems: 2,
            rectified: 1,
            overdue: 1
        }
    );
    // As of a day before the sign-off: nothing rectified yet, and the deadline not yet passed;
    // the same as a window ending there, whose own "before" is the start of day 2 (one
    // inspection, no problem yet).
    let earlier = store
        .tallies(&[PlaceKind::EmittingFirm], "/", from, at(2), at(4))
        .await
        .unwrap();
    assert_eq!(earlier[0].tally, tallies[0].before);
    assert_eq!(
        earlier[0].before,
        Tally {
            places_checked: 1,
            inspections: 1,
            ..Default::default()
        }
    );
    assert_eq!(
        earlier[0].tally,
        Tally {
            places_checked: 1,
            inspections: 2,
            problems: 2,
            rectified: 0,
            overdue: 0
        }
    );
    // Another village's scope sees none of it; both kinds see the shop too.
    assert!(store
        .tallies(
            &[PlaceKind::EmittingFirm],
            &tw.other_village.path,
            from,
            at(4),
            to
        )
        .await
        .unwrap()
        .is_empty());
    let both = store
        .tallies(
            &[PlaceKind::EmittingFirm, PlaceKind::SmallVenue],
            "/",
            from,
            at(4),
            to,
        )
        .await
        .unwrap();
    assert_eq!(both.len(), 2);
}

pub async fn patrol_days_and_coverage_are_counted_from_inspections(store: &dyn Store) {
    let tw = township(store).await;
    let s = store
        .create_patrol_schedule(
            NewPatrolSchedule {
                region_id: tw.village.id,
                name: "下村日".into(),
                weekday: 2,
            },
            admin(),
        )
        .await
        .unwrap();
    assert_eq!(
        (s.region_path.as_str(), s.weekday, s.active),
        (tw.village.path.as_str(), 2, true)
    );
    let stopped = store
        .set_patrol_schedule_active(s.id, false, admin())
        .await
        .unwrap();
    assert!(!stopped.active);
    assert_eq!(store.patrol_schedules().await.unwrap(), vec![stopped]);
    let audit = store.audit_log(10).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "patrol.stop"));

    // A is inspected on time, C a day late, B never: by two days on, B is overdue.
    let new = |reg: &str| place(reg, reg, PlaceKind::SmallVenue, &tw.grid, RiskColor::Green);
    let a = store.create_place(new("A"), admin()).await.unwrap();
    store.create_place(new("B"), admin()).await.unwrap();
    let c = store.create_place(new("C"), admin()).await.unwrap();

    inspect(
        store,
        &a,
        &[],
        RiskColor::Green,
        t0() + Duration::hours(1),
        None,
    )
    .await
    .unwrap();
    inspect(
        store,
        &c,
        &[],
        RiskColor::Green,
        t0() + Duration::days(1),
        None,
    )
    .await
    .unwrap();
    let now = t0() + Duration::days(2);
    let (from, to) = (t0() - Duration::days(1), t0() + Duration::days(30));
    let cov = store.coverage("/", from, to, now).await.unwrap();
    assert_eq!(cov, vec![(tw.grid.id, Coverage { due: 3, on_time: 1 })]);
    // Before anything was due, nothing counts; another village has none.
    assert!(store
        .coverage("/", from, to, t0())
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .coverage(&tw.other_village.path, from, to, now)
        .await
        .unwrap()
        .is_empty());
    let days = store
        .inspections_by_day(&tw.village.path, from, to)
        .await
        .unwrap();
    let day = |t: Timestamp| {
        t.with_timezone(&fengqiao_domain::china_offset())
            .date_naive()
    };
    assert_eq!(
        days,
        vec![
            (tw.grid.id, day(t0() + Duration::hours(1)), 1),
            (tw.grid.id, day(t0() + Duration::days(1)), 1)
        ]
    );
}
