//! Places, inspections and hazards: the registry's rules, an inspection stored whole and once,
//! and the hazard loop with relapse.

use crate::*;
use chrono::Duration;
use fengqiao_domain::ids::{HazardId, UnitId};
use fengqiao_domain::org::{Actor, ActorRole, Role, UnitKind};
use fengqiao_domain::places::*;

pub(crate) struct Township {
    pub(crate) village: Region,
    pub(crate) grid: Region,
    pub(crate) other_village: Region,
    pub(crate) unit: UnitId,
}

pub(crate) async fn township(store: &dyn Store) -> Township {
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

pub(crate) fn place(
    reg_no: &str,
    name: &str,
    kind: PlaceKind,
    region: &Region,
    color: RiskColor,
) -> NewPlace {
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

pub(crate) async fn inspect(
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
            // Sent from a phone: scanned on site.
            checked_in: key.is_some(),
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
    // Its own 民情码: a code of its own, found by it, not made from its number.
    assert!(
        shop.code.starts_with('p') && shop.code.len() >= 10,
        "{}",
        shop.code
    );
    assert_eq!(
        store.place_by_code(&shop.code).await.unwrap().map(|p| p.id),
        Some(shop.id)
    );
    assert!(store
        .place_by_code("p000000000000")
        .await
        .unwrap()
        .is_none());
    let river = store
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
    assert_ne!(river.code, shop.code);

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
    assert!(!out.record.checked_in);
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

    // Corrected from the registry: renamed, moved to the other village, now a restaurant (its
    // due time follows the kind); its number, code and colour stay; a stale copy is refused.
    let mut fix = place(
        "JX-001",
        "苍岩便利店（新址）",
        PlaceKind::Restaurant,
        &tw.other_village,
        RiskColor::Green,
    );
    fix.owner_phone = None;
    let fixed = store
        .update_place(
            moved.id,
            moved.version,
            fix.clone(),
            "导入更正".into(),
            admin(),
        )
        .await
        .unwrap();
    assert_eq!(
        (fixed.name.as_str(), fixed.kind, fixed.region_path.as_str()),
        (
            "苍岩便利店（新址）",
            PlaceKind::Restaurant,
            tw.other_village.path.as_str()
        )
    );
    assert_eq!(
        (fixed.reg_no.as_str(), fixed.color, &fixed.code),
        ("JX-001", RiskColor::Red, &moved.code)
    );
    assert_eq!(fixed.owner_phone, None);
    assert_eq!(fixed.version, moved.version + 1);
    assert_eq!(
        fixed.next_due_at,
        end_of_china_day(t0() + Duration::hours(1) + Duration::days(7)),
        "a red restaurant: the default 7 days"
    );
    assert!(matches!(
        store
            .update_place(moved.id, moved.version, fix, "again".into(), admin())
            .await
            .unwrap_err(),
        StoreError::Conflict
    ));
    assert!(store
        .audit_log(5)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == "place.update"));
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
    assert!(first.record.checked_in && again.record.checked_in);
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

    // The tabs' counts in one read are what each list totals.
    let now = t0() + Duration::days(30);
    let c = store.hazard_counts("/", now).await.unwrap();
    let total = |f: HazardFilter| async move {
        store
            .hazards(&HazardFilter {
                region_path: "/".into(),
                page: 1,
                page_size: 1,
                ..f
            })
            .await
            .unwrap()
            .total
    };
    for (state, n) in [
        (HazardState::Found, c.found),
        (HazardState::Assigned, c.assigned),
        (HazardState::Rectified, c.rectified),
        (HazardState::Rechecked, c.rechecked),
        (HazardState::SignedOff, c.signed_off),
    ] {
        assert_eq!(
            total(HazardFilter {
                state: Some(state),
                ..Default::default()
            })
            .await,
            n,
            "{state:?}"
        );
    }
    assert_eq!(
        total(HazardFilter {
            open: true,
            ..Default::default()
        })
        .await,
        c.open()
    );
    assert_eq!(
        total(HazardFilter {
            relapse: true,
            ..Default::default()
        })
        .await,
        c.relapse
    );
    assert_eq!(c.relapse, 1);
    assert_eq!(
        total(HazardFilter {
            overdue_at: Some(now),
            ..Default::default()
        })
        .await,
        c.overdue
    );
    assert_eq!(
        store
            .hazard_counts(&tw.other_village.path, now)
            .await
            .unwrap()
            .open(),
        0
    );

    // The relapse needs another unit's work: a case is opened for it and the hazard points at
    // it, keeping its own state.
    let case = store
        .intake(new_case("苍岩村垃圾点反复堆放，需要清运", None, None))
        .await
        .unwrap()
        .case;
    let opened = decide(
        relapse,
        &HazardAction::OpenCase {
            case_id: case.id,
            case_no: case.case_no.to_string(),
            remark: None,
        },
        &Actor::system(),
        t0() + Duration::days(30),
    )
    .unwrap();
    let stored = store.commit_hazard(opened, vec![]).await.unwrap();
    assert_eq!(stored.case_id, Some(case.id));
    assert_eq!(stored.state, relapse.state);
    assert_eq!(
        store.hazard(relapse.id).await.unwrap().unwrap().case_id,
        Some(case.id)
    );
}
