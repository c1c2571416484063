//! Places, inspections and hazards: the registry's rules, an inspection stored whole and once,
//! and the hazard loop with relapse.

use crate::*;
use chrono::Duration;
use fengqiao_domain::ids::{HazardId, UnitId};
use fengqiao_domain::org::{Actor, ActorRole, Role, UnitKind};
use fengqiao_domain::places::*;

struct Township {
    village: Region,
    grid: Region,
    other_village: Region,
    unit: UnitId,
}

async fn township(store: &dyn Store) -> Township {
    let town = region(store, None, "镇", RegionLevel::Town).await;
    let village = region(store, Some(&town), "苍岩村", RegionLevel::Village).await;
    let grid = region(store, Some(&village), "苍岩村第一网格", RegionLevel::Grid).await;
    let other_village = region(store, Some(&town), "溪口村", RegionLevel::Village).await;
    let unit = store
        .insert_unit(
            NewUnit {
                name: "应急管理站".into(),
                kind: UnitKind::Station,
                platform: None,
                region_id: town.id,
            },
            admin(),
        )
        .await
        .unwrap()
        .id;
    Township {
        village,
        grid,
        other_village,
        unit,
    }
}

fn place(reg_no: &str, name: &str, kind: PlaceKind, region: &Region, color: RiskColor) -> NewPlace {
    NewPlace {
        reg_no: reg_no.into(),
        name: name.into(),
        kind,
        region_id: region.id,
        address: Some(format!("{}{name}", region.name)),
        owner_name: Some("周老板".into()),
        owner_phone: Some("13857500001".into()),
        latitude: None,
        longitude: None,
        color,
    }
}

fn filter(region: &Region) -> PlaceFilter {
    PlaceFilter {
        region_path: region.path.clone(),
        page: 1,
        page_size: 50,
        ..Default::default()
    }
}

async fn inspect(
    store: &dyn Store,
    p: &Place,
    failed: &[&str],
    confirmed: RiskColor,
    at: Timestamp,
    key: Option<&str>,
) -> Result<InspectionOutcome> {
    let t = store.checklist(p.kind).await.unwrap();
    let answers: Vec<Answer> = t
        .items
        .iter()
        .map(|i| Answer {
            item_code: i.code.clone(),
            passed: !failed.contains(&i.code.as_str()),
            note: failed
                .contains(&i.code.as_str())
                .then(|| format!("{}：不合格", i.text)),
        })
        .collect();
    let findings = check_answers(&t, &answers).unwrap();
    store
        .record_inspection(NewInspection {
            place_id: p.id,
            template_id: t.id,
            inspector_id: None,
            inspector_name: "李网格".into(),
            inspected_at: at,
            recorded_at: at,
            suggested: suggest_color(&findings),
            answers,
            findings,
            confirmed,
            seen_color: Some(p.color),
            latitude: None,
            longitude: None,
            client_key: key.map(Into::into),
            fingerprint: format!("{failed:?}{confirmed:?}"),
            photos: vec![NewPhoto {
                content_type: "image/jpeg".into(),
                bytes: vec![0xff, 0xd8, 0xff, 1, 2, 3],
                latitude: None,
                longitude: None,
            }],
            relapse_window_days: DEFAULT_RELAPSE_WINDOW_DAYS,
        })
        .await
}

pub async fn places_are_registered_graded_and_listed_by_due_time(store: &dyn Store) {
    let tw = township(store).await;
    let shop = store
        .create_place(
            place(
                "JX-001",
                "苍岩便利店",
                PlaceKind::SmallVenue,
                &tw.grid,
                RiskColor::Yellow,
            ),
            admin(),
        )
        .await
        .unwrap();
    assert_eq!(shop.region_path, tw.grid.path);
    assert_eq!(
        shop.next_due_at,
        end_of_china_day(t0()),
        "due by the end of its first day"
    );
    let err = store
        .create_place(
            place(
                "JX-001",
                "重名",
                PlaceKind::SmallVenue,
                &tw.grid,
                RiskColor::Green,
            ),
            admin(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Duplicate(m) if m.contains("JX-001")),
        "{err:?}"
    );
    assert_eq!(
        store.place_by_reg_no("JX-001").await.unwrap().map(|p| p.id),
        Some(shop.id)
    );
    assert!(store.place_by_reg_no("JX-404").await.unwrap().is_none());
    store
        .create_place(
            place(
                "HD-01",
                "溪口段",
                PlaceKind::RiverSegment,
                &tw.other_village,
                RiskColor::Green,
            ),
            admin(),
        )
        .await
        .unwrap();

    // Inspected: due again after the yellow interval; the other village is not in the list.
    let out = inspect(
        store,
        &shop,
        &[],
        RiskColor::Green,
        t0() + Duration::hours(1),
        None,
    )
    .await
    .unwrap();
    assert_eq!(out.place.color, RiskColor::Green);
    assert_eq!(
        out.place.next_due_at,
        end_of_china_day(t0() + Duration::days(90))
    );
    let listed = store.places(&filter(&tw.village)).await.unwrap();
    assert_eq!(listed.total, 1);
    let mut due = filter(&tw.village.clone());
    due.region_path = "/".into();
    due.due_by = Some(t0() + Duration::days(1));
    let due = store.places(&due).await.unwrap();
    assert_eq!(
        due.items
            .iter()
            .map(|p| p.reg_no.as_str())
            .collect::<Vec<_>>(),
        vec!["HD-01"]
    );

    let summary = store
        .place_summary("/", t0() + Duration::days(2))
        .await
        .unwrap();
    assert_eq!((summary.total, summary.green, summary.overdue), (2, 2, 1));

    // Re-grading by hand needs the version one saw, and is written in the history.
    let err = store
        .regrade(shop.id, shop.version, RiskColor::Red, "群众反映", admin())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    let red = store
        .regrade(
            shop.id,
            out.place.version,
            RiskColor::Red,
            "群众反映违规住人",
            admin(),
        )
        .await
        .unwrap();
    assert_eq!(
        red.next_due_at,
        end_of_china_day(t0() + Duration::hours(1) + Duration::days(7))
    );
    let history = store.color_history(shop.id).await.unwrap();
    assert_eq!(
        history.iter().map(|c| (c.reason, c.to)).collect::<Vec<_>>(),
        vec![
            (ColorReason::Registered, RiskColor::Yellow),
            (ColorReason::Inspection, RiskColor::Green),
            (ColorReason::Manual, RiskColor::Red),
        ]
    );

    // A new policy moves every due time.
    let mut policy = InspectionPolicy::default();
    policy.rules.push(FrequencyRule {
        kind: Some(PlaceKind::SmallVenue),
        color: RiskColor::Red,
        interval_days: 3,
    });
    store
        .set_inspection_policy(policy.clone(), admin())
        .await
        .unwrap();
    assert_eq!(store.inspection_policy().await.unwrap(), policy);
    let moved = store.place(shop.id).await.unwrap().unwrap();
    assert_eq!(
        moved.next_due_at,
        end_of_china_day(t0() + Duration::hours(1) + Duration::days(3))
    );
    let audit = store.audit_log(20).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "places.policy"),
        "policy changes are audited"
    );
}

pub async fn an_inspection_is_stored_whole_and_once(store: &dyn Store) {
    let tw = township(store).await;
    let shop = store
        .create_place(
            place(
                "JX-002",
                "老街小吃店",
                PlaceKind::SmallVenue,
                &tw.grid,
                RiskColor::Blue,
            ),
            admin(),
        )
        .await
        .unwrap();
    let at = t0() + Duration::hours(2);
    let first = inspect(
        store,
        &shop,
        &["exit", "wiring"],
        RiskColor::Red,
        at,
        Some("phone-1"),
    )
    .await
    .unwrap();
    assert!(!first.replayed);
    assert_eq!(first.record.suggested, RiskColor::Red);
    assert_eq!(first.record.applied, Some(RiskColor::Red));
    assert_eq!(first.hazards.len(), 2);
    assert!(first
        .hazards
        .iter()
        .all(|h| h.state == HazardState::Found && h.region_path == tw.grid.path));
    assert_eq!(first.record.photos.len(), 1);
    let photo = store
        .field_photo(first.record.photos[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(photo.region_path, tw.grid.path);
    let events = store.hazard_events(first.hazards[0].id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, HazardActionKind::Found);

    // Sent again from the phone: the same record, nothing new.
    let again = inspect(
        store,
        &shop,
        &["exit", "wiring"],
        RiskColor::Red,
        at,
        Some("phone-1"),
    )
    .await
    .unwrap();
    assert!(again.replayed);
    assert_eq!(again.record.id, first.record.id);
    let all = store
        .hazards(&HazardFilter {
            region_path: "/".into(),
            page: 1,
            page_size: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.total, 2);
    let err = inspect(store, &shop, &[], RiskColor::Green, at, Some("phone-1"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::KeyReused(_)), "{err:?}");

    // Made offline against the colour the place had before: not applied, and said why.
    let stale = inspect(
        store,
        &shop,
        &[],
        RiskColor::Green,
        at + Duration::hours(1),
        Some("phone-2"),
    )
    .await
    .unwrap();
    assert_eq!(stale.record.applied, None);
    assert!(
        stale.record.conflict.as_deref().unwrap().contains("蓝色"),
        "{:?}",
        stale.record.conflict
    );
    assert_eq!(stale.place.color, RiskColor::Red);
    assert_eq!(stale.place.last_inspected_at, Some(at + Duration::hours(1)));
    let listed = store.inspections_of(shop.id, 10).await.unwrap();
    assert_eq!(
        listed.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![stale.record.id, first.record.id]
    );
    assert_eq!(listed[1].hazards.len(), 2);
}

pub async fn a_relapse_links_the_signed_off_hazard_and_raises_the_colour(store: &dyn Store) {
    let tw = township(store).await;
    let p = store
        .create_place(
            place(
                "CY-07",
                "苍岩村垃圾收集点",
                PlaceKind::VillagePoint,
                &tw.village,
                RiskColor::Green,
            ),
            admin(),
        )
        .await
        .unwrap();
    let out = inspect(store, &p, &["rubbish"], RiskColor::Blue, t0(), None)
        .await
        .unwrap();
    let mut h = out.hazards[0].clone();
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
        name: "站员".into(),
        ..op.clone()
    };
    let grid = Actor {
        role: ActorRole::User(Role::GridWorker),
        name: "李网格".into(),
        ..op.clone()
    };
    let steps = [
        (
            HazardAction::Assign {
                owner_unit_id: tw.unit,
                leader: "王副镇长".into(),
                due_at: t0() + Duration::days(3),
                remark: None,
            },
            &op,
            0,
        ),
        (
            HazardAction::Rectify {
                remark: "已清运".into(),
                evidence: 2,
            },
            &staff,
            2,
        ),
        (
            HazardAction::Recheck {
                passed: true,
                remark: None,
            },
            &grid,
            0,
        ),
        (HazardAction::SignOff { remark: None }, &op, 0),
    ];
    for (i, (action, actor, photos)) in steps.iter().enumerate() {
        let now = t0() + Duration::hours(i as i64 + 1);
        let d = decide(&h, action, actor, now).unwrap();
        let evidence = (0..*photos)
            .map(|_| NewPhoto {
                content_type: "image/png".into(),
                bytes: vec![0x89, b'P', b'N', b'G'],
                latitude: None,
                longitude: None,
            })
            .collect();
        h = store.commit_hazard(d, evidence).await.unwrap();
    }
    assert_eq!(h.state, HazardState::SignedOff);
    assert_eq!(store.hazard_photos(h.id).await.unwrap().len(), 2);
    assert_eq!(store.hazard_events(h.id).await.unwrap().len(), 5);
    // A decision on a stale copy is refused.
    let stale = HazardDecision {
        hazard: Hazard {
            version: 3,
            ..h.clone()
        },
        event: store.hazard_events(h.id).await.unwrap()[1].clone(),
    };
    assert!(matches!(
        store.commit_hazard(stale, vec![]).await.unwrap_err(),
        StoreError::Conflict
    ));
    let missing = HazardDecision {
        hazard: Hazard {
            id: HazardId(999_999),
            ..h.clone()
        },
        event: store.hazard_events(h.id).await.unwrap()[1].clone(),
    };
    assert!(matches!(
        store.commit_hazard(missing, vec![]).await.unwrap_err(),
        StoreError::NotFound(_)
    ));

    // The same item fails again a month later: a relapse, and the colour rises above blue.
    let p = store.place(p.id).await.unwrap().unwrap();
    assert_eq!(p.color, RiskColor::Blue);
    let again = inspect(
        store,
        &p,
        &["rubbish", "ditch"],
        RiskColor::Blue,
        t0() + Duration::days(30),
        None,
    )
    .await
    .unwrap();
    let relapse = again
        .hazards
        .iter()
        .find(|x| x.item_code == "rubbish")
        .unwrap();
    assert_eq!(relapse.relapse_of, Some(h.id));
    assert_eq!(
        again
            .hazards
            .iter()
            .find(|x| x.item_code == "ditch")
            .unwrap()
            .relapse_of,
        None
    );
    assert_eq!(again.place.color, RiskColor::Yellow);
    let last = store.color_history(p.id).await.unwrap().pop().unwrap();
    assert_eq!(
        (last.reason, last.hazard_id),
        (ColorReason::Relapse, Some(relapse.id))
    );
    let relapses = store
        .hazards(&HazardFilter {
            region_path: tw.village.path.clone(),
            relapse: true,
            page: 1,
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(relapses.total, 1);
    let open = store
        .hazards(&HazardFilter {
            region_path: "/".into(),
            open: true,
            page: 1,
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.total, 2);
}

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
