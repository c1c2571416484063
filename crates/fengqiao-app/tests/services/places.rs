//! Places, inspections and the hazard loop through the services, as the township's people use
//! them: a grid worker registers and inspects, the centre assigns, the unit rectifies with
//! photos, the grid worker rechecks, the centre signs off — and the same failure a few weeks
//! later is a relapse that raises the place's colour.

use chrono::Duration;
use fengqiao_app::{AppError, Clock, InspectionInput, PlaceInput};
use fengqiao_domain::ids::{RegionId, UnitId};
use fengqiao_domain::places::CampaignTarget;
use fengqiao_domain::places::*;
use fengqiao_store::{HazardFilter, PlaceFilter};
use fengqiao_testkit::{township, Township};

/// The smallest PNG the photo check accepts: a rectification's evidence.
pub fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend_from_slice(&13u32.to_be_bytes());
    b.extend_from_slice(b"IHDR");
    b.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(&0u32.to_be_bytes());
    b.extend_from_slice(b"IEND");
    b.extend_from_slice(&[0; 4]);
    b
}

fn grid_id(t: &Township) -> i64 {
    t.grid()
}

pub(crate) fn shop(t: &Township) -> PlaceInput {
    PlaceInput {
        reg_no: "92330621MA2X001".into(),
        name: "苍岩村便民超市".into(),
        kind: "small_venue".into(),
        region_id: grid_id(t),
        address: Some("苍岩村村口 12 号".into()),
        owner_name: Some("周国强".into()),
        owner_phone: Some("138 5750 0001".into()),
        color: Some("blue".into()),
        ..Default::default()
    }
}

/// Answers to the place's checklist with the items in `failed` failing.
pub(crate) async fn answers(t: &Township, place: &Place, failed: &[&str]) -> Vec<Answer> {
    let (_, checklist) = t
        .app
        .places
        .checklist(&t.actor("op").await, place.id)
        .await
        .unwrap();
    checklist
        .items
        .iter()
        .map(|i| Answer {
            item_code: i.code.clone(),
            passed: !failed.contains(&i.code.as_str()),
            note: failed
                .contains(&i.code.as_str())
                .then(|| "灭火器过期两个月".to_string()),
        })
        .collect()
}

#[tokio::test]
async fn a_hazard_goes_round_the_loop_and_its_relapse_raises_the_colour() {
    let t = township(Default::default()).await;
    let (grid, op, staff, leader) = (
        t.actor("grid").await,
        t.actor("op").await,
        t.actor("staff").await,
        t.actor("leader").await,
    );
    let place = t.app.places.register(&grid, shop(&t)).await.unwrap();
    assert_eq!(place.owner_phone.as_deref(), Some("13857500001"));
    assert_eq!(place.color, RiskColor::Blue);

    // The grid worker inspects: the extinguisher fails, a hazard is found, the grade confirmed.
    let found = t
        .app
        .places
        .inspect(
            &grid,
            place.id,
            InspectionInput {
                answers: answers(&t, &place, &["extinguisher"]).await,
                seen_color: Some(place.color),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.record.suggested, RiskColor::Blue);
    let hazard = found.hazards[0].clone();
    assert_eq!(hazard.state, HazardState::Found);

    // The centre assigns it (定时定人定责); the grid worker cannot rectify it, nor the unit
    // without photos.
    let due = t.clock.now() + Duration::days(3);
    let h = t
        .app
        .hazards
        .act(
            &op,
            hazard.id,
            Some(hazard.version),
            HazardAction::Assign {
                owner_unit_id: UnitId(t.unit),
                leader: "分管副镇长 王伟".into(),
                due_at: due,
                remark: Some("三日内更换".into()),
            },
            vec![],
        )
        .await
        .unwrap();
    let rectify = || HazardAction::Rectify {
        remark: "已更换两具灭火器".into(),
        evidence: 0,
    };
    let e = t
        .app
        .hazards
        .act(&grid, h.id, None, rectify(), vec![png()])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("责任单位"), "{e}");
    let e = t
        .app
        .hazards
        .act(&staff, h.id, None, rectify(), vec![])
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            AppError::Invalid {
                field: "evidence",
                ..
            }
        ),
        "{e:?}"
    );
    t.clock.advance(Duration::days(1));
    let h = t
        .app
        .hazards
        .act(&staff, h.id, None, rectify(), vec![png(), png()])
        .await
        .unwrap();
    assert_eq!((h.state, h.evidence), (HazardState::Rectified, 2));
    // A stale page's step is refused.
    let e = t
        .app
        .hazards
        .act(
            &grid,
            h.id,
            Some(h.version - 1),
            HazardAction::Recheck {
                passed: true,
                remark: None,
            },
            vec![],
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Conflict(_)), "{e:?}");
    let h = t
        .app
        .hazards
        .act(
            &grid,
            h.id,
            Some(h.version),
            HazardAction::Recheck {
                passed: true,
                remark: None,
            },
            vec![],
        )
        .await
        .unwrap();
    let sheet = t.app.hazards.get(&op, h.id).await.unwrap();
    assert_eq!(sheet.offered, vec![HazardActionKind::SignOff]);
    assert_eq!(sheet.photos.len(), 2);
    let h = t
        .app
        .hazards
        .act(
            &op,
            h.id,
            None,
            HazardAction::SignOff {
                remark: Some("复查合格，同意销号".into()),
            },
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(h.state, HazardState::SignedOff);
    let events = t.app.hazards.get(&op, h.id).await.unwrap().events;
    assert_eq!(
        events.iter().map(|e| e.action).collect::<Vec<_>>(),
        vec![
            HazardActionKind::Found,
            HazardActionKind::Assign,
            HazardActionKind::Rectify,
            HazardActionKind::Recheck,
            HazardActionKind::SignOff
        ]
    );
    assert_eq!(events[2].on_time, Some(true));

    // Three weeks later the same item fails again: a relapse, linked, and the colour rises.
    t.clock.advance(Duration::days(21));
    let before = t.app.places.get(&op, place.id).await.unwrap().place;
    let again = t
        .app
        .places
        .inspect(
            &grid,
            place.id,
            InspectionInput {
                answers: answers(&t, &place, &["extinguisher"]).await,
                seen_color: Some(before.color),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(again.hazards[0].relapse_of, Some(h.id));
    assert_eq!(before.color, RiskColor::Blue);
    assert_eq!(
        again.place.color,
        RiskColor::Yellow,
        "a relapse raises the colour"
    );
    let sheet = t.app.places.get(&leader, place.id).await.unwrap();
    assert_eq!(sheet.history.last().unwrap().reason, ColorReason::Relapse);
    assert_eq!(
        sheet.place.owner_phone.as_deref(),
        Some("138****0001"),
        "masked for leaders"
    );
    assert_eq!(sheet.place.owner_name.as_deref(), Some("周**"));
    let relapses = t
        .app
        .hazards
        .list(
            &leader,
            Some(RegionId(t.village)),
            HazardFilter {
                relapse: true,
                page: 1,
                page_size: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(relapses.total, 1);
}

#[tokio::test]
async fn bad_inspections_and_places_are_refused_in_words_and_change_nothing() {
    let t = township(Default::default()).await;
    let (grid, op, op_changan, leader) = (
        t.actor("grid").await,
        t.actor("op").await,
        t.actor("op_changan").await,
        t.actor("leader").await,
    );
    // A place must lie in a village or grid, with a valid kind and phone.
    let mut bad = shop(&t);
    bad.kind = "shop".into();
    let e = t.app.places.register(&op, bad).await.unwrap_err();
    assert!(e.to_string().contains("small_venue"), "{e}");
    let mut bad = shop(&t);
    bad.owner_phone = Some("12345".into());
    assert!(matches!(
        t.app.places.register(&op, bad).await.unwrap_err(),
        AppError::Invalid {
            field: "owner_phone",
            ..
        }
    ));
    let mut other = shop(&t);
    other.region_id = t.other_village;
    other.reg_no = "CA-1".into();
    let e = t
        .app
        .places
        .register(&grid, other.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::Forbidden(_)),
        "a grid worker registers only in their grid: {e:?}"
    );
    let place = t.app.places.register(&op, shop(&t)).await.unwrap();
    let e = t.app.places.register(&op, shop(&t)).await.unwrap_err();
    assert!(
        matches!(&e, AppError::Conflict(m) if m.contains("92330621MA2X001")),
        "{e:?}"
    );
    let far = t.app.places.register(&op, other).await.unwrap();

    // Outside one's grid, a leader, the future, an item the checklist lacks, a missing note.
    let full = answers(&t, &place, &[]).await;
    let input = |answers: Vec<Answer>| InspectionInput {
        answers,
        ..Default::default()
    };
    let e = t
        .app
        .places
        .inspect(&grid, far.id, input(full.clone()))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, AppError::NotFound(m) if m.contains("不在您负责的区域")),
        "{e:?}"
    );
    let e = t
        .app
        .places
        .inspect(&op_changan, place.id, input(full.clone()))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    let e = t
        .app
        .places
        .inspect(&leader, place.id, input(full.clone()))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    let mut future = input(full.clone());
    future.inspected_at = Some(t.clock.now() + Duration::hours(3));
    let e = t
        .app
        .places
        .inspect(&grid, place.id, future)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("晚于现在"), "{e}");
    let mut extra = full.clone();
    extra.push(Answer {
        item_code: "elevator".into(),
        passed: true,
        note: None,
    });
    let e = t
        .app
        .places
        .inspect(&grid, place.id, input(extra))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("elevator"), "{e}");
    let mut no_note = full.clone();
    no_note[0].passed = false;
    let e = t
        .app
        .places
        .inspect(&grid, place.id, input(no_note))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("写明"), "{e}");
    let listed = t.app.places.get(&op, place.id).await.unwrap();
    assert!(
        listed.inspections.is_empty() && listed.hazards.is_empty(),
        "nothing was stored"
    );

    // Sent twice from an offline phone: stored once. Made against an old colour: kept, flagged.
    let offline = || InspectionInput {
        answers: full.clone(),
        seen_color: Some(RiskColor::Blue),
        inspected_at: Some(t.clock.now() - Duration::hours(5)),
        client_key: Some("grid-phone-20261123-1".into()),
        ..Default::default()
    };
    t.app
        .places
        .regrade(
            &op,
            place.id,
            place.version,
            RiskColor::Red,
            "群众举报后门堆货",
        )
        .await
        .unwrap();
    let first = t
        .app
        .places
        .inspect(&grid, place.id, offline())
        .await
        .unwrap();
    let second = t
        .app
        .places
        .inspect(&grid, place.id, offline())
        .await
        .unwrap();
    assert!(!first.replayed && second.replayed);
    assert_eq!(first.record.id, second.record.id);
    assert!(first.record.conflict.as_deref().unwrap().contains("红色"));
    assert_eq!(
        first.place.color,
        RiskColor::Red,
        "the re-grade is not lost"
    );
    assert_eq!(
        t.app
            .places
            .get(&op, place.id)
            .await
            .unwrap()
            .inspections
            .len(),
        1
    );

    // The due list: a grid worker's covers their grid, most overdue first.
    let due = t
        .app
        .places
        .due(&grid, None, t.clock.now() + Duration::days(365), 1, 50)
        .await
        .unwrap();
    assert_eq!(
        due.items.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![place.id]
    );
    let all = t
        .app
        .places
        .list(
            &op,
            None,
            PlaceFilter {
                page: 1,
                page_size: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all.total, 2);
}

#[tokio::test]
async fn a_campaigns_daily_report_counts_the_days_records_by_village_and_kind() {
    use chrono::NaiveDate;
    use fengqiao_app::{CampaignInput, Campaigns};
    let t = township(Default::default()).await;
    let (op, grid, leader, staff) = (
        t.actor("op").await,
        t.actor("grid").await,
        t.actor("leader").await,
        t.actor("staff").await,
    );
    // The clock: Monday 23 November 2026, 09:00 China time.
    let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
    let input = CampaignInput {
        name: "大气污染防治专项行动".into(),
        starts_on: d(20),
        ends_on: d(30),
        targets: vec![
            CampaignTarget {
                kind: PlaceKind::EmittingFirm,
                places: 4,
            },
            CampaignTarget {
                kind: PlaceKind::Restaurant,
                places: 2,
            },
        ],
        task_force: "组长：镇长".into(),
        region_id: None,
    };
    let e = t
        .app
        .campaigns
        .create(&grid, input.clone())
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    let c = t.app.campaigns.create(&leader, input).await.unwrap();

    let firm = |reg: &str, region: i64| PlaceInput {
        reg_no: reg.into(),
        name: format!("企业{reg}"),
        kind: "emitting_firm".into(),
        region_id: region,
        ..Default::default()
    };
    let a = t
        .app
        .places
        .register(&op, firm("QY-A", t.village))
        .await
        .unwrap();
    let b = t
        .app
        .places
        .register(&op, firm("QY-B", t.other_village))
        .await
        .unwrap();
    let mut r = shop(&t);
    r.kind = "restaurant".into();
    let rest = t.app.places.register(&op, r).await.unwrap();
    let inspect = |p: &Place, failed: &'static [&'static str], hours_ago: i64| {
        let app = t.app.clone();
        let op = op.clone();
        let p = p.clone();
        let now = t.clock.now();
        async move {
            let (_, checklist) = app.places.checklist(&op, p.id).await.unwrap();
            let answers = checklist
                .items
                .iter()
                .map(|i| Answer {
                    item_code: i.code.clone(),
                    passed: !failed.contains(&i.code.as_str()),
                    note: failed
                        .contains(&i.code.as_str())
                        .then(|| "不合格".to_string()),
                })
                .collect();
            app.places
                .inspect(
                    &op,
                    p.id,
                    InspectionInput {
                        answers,
                        inspected_at: Some(now - Duration::hours(hours_ago)),
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
        }
    };
    // Sunday 22nd (48 h ago): firm A, two problems. Monday 23rd (this morning): firm A again
    // (clean), firm B one problem, the restaurant clean.
    let first = inspect(&a, &["treatment", "dust"], 48).await;
    inspect(&a, &[], 1).await;
    inspect(&b, &["ledger"], 1).await;
    inspect(&rest, &[], 1).await;
    // One of A's problems is put right and signed off this morning.
    let h = first.hazards[0].id;
    let step = |actor: fengqiao_domain::org::Actor, action: HazardAction, photos: Vec<Vec<u8>>| {
        let app = t.app.clone();
        async move {
            app.hazards
                .act(&actor, h, None, action, photos)
                .await
                .unwrap()
        }
    };
    step(
        op.clone(),
        HazardAction::Assign {
            owner_unit_id: UnitId(t.unit),
            leader: "王伟".into(),
            due_at: t.clock.now() + Duration::hours(8),
            remark: None,
        },
        vec![],
    )
    .await;
    step(
        staff.clone(),
        HazardAction::Rectify {
            remark: "已修复".into(),
            evidence: 0,
        },
        vec![png()],
    )
    .await;
    step(
        op.clone(),
        HazardAction::Recheck {
            passed: true,
            remark: None,
        },
        vec![],
    )
    .await;
    step(op.clone(), HazardAction::SignOff { remark: None }, vec![]).await;

    let today = t
        .app
        .campaigns
        .report(&leader, c.id, Some(d(23)))
        .await
        .unwrap();
    assert_eq!(today.day_number, 4);
    assert_eq!(
        (
            today.total.places_checked,
            today.total.inspections,
            today.total.problems,
            today.total.rectified
        ),
        (3, 4, 3, 1)
    );
    assert_eq!(
        (
            today.change.inspections,
            today.change.problems,
            today.change.rectified
        ),
        (3, 1, 1)
    );
    let firms = &today.kinds[0];
    assert_eq!(
        (firms.tally.places_checked, firms.target, firms.progress),
        (2, Some(4), Some(50.0))
    );
    assert_eq!(today.villages.len(), 2, "by village: {:?}", today.villages);
    let canyan = today.villages.iter().find(|v| v.name == "苍岩村").unwrap();
    assert_eq!(
        (canyan.total.tally.problems, canyan.total.tally.rectified),
        (2, 1)
    );
    assert_eq!(
        today.rectification_rate.map(|r| (r * 10.0).round()),
        Some(333.0)
    );
    // The morning's report, unasked, is yesterday's: two problems, nothing rectified.
    let yesterday = t.app.campaigns.report(&leader, c.id, None).await.unwrap();
    assert_eq!(
        (
            yesterday.date,
            yesterday.total.problems,
            yesterday.total.rectified
        ),
        (d(22), 2, 0)
    );
    // Another village's operator sees only their village's part.
    let changan = t
        .app
        .campaigns
        .report(&t.actor("op_changan").await, c.id, Some(d(23)))
        .await
        .unwrap();
    assert_eq!(
        (changan.total.places_checked, changan.total.problems),
        (1, 1)
    );
    // Days outside the campaign or still to come are refused in words; the workbook opens.
    for day in [d(19), d(24)] {
        let e = t
            .app
            .campaigns
            .report(&leader, c.id, Some(day))
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::Invalid { field: "date", .. }),
            "{e:?}"
        );
    }
    let xlsx = Campaigns::report_xlsx(&today).unwrap();
    assert!(xlsx.starts_with(b"PK"));
}

#[tokio::test]
async fn patrol_days_become_each_grids_tasks_and_coverage_counts_places_inspected_on_time() {
    let t = township(Default::default()).await;
    let (op, grid) = (t.actor("op").await, t.actor("grid").await);
    let e = t
        .app
        .patrols
        .create(&grid, None, "下村日", 2)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    let e = t
        .app
        .patrols
        .create(&op, None, "下村日", 9)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            AppError::Invalid {
                field: "weekday",
                ..
            }
        ),
        "{e:?}"
    );
    // Monday 23 November: Monday's 整治日 and Tuesday's 下村日 for the whole township.
    let monday = t.app.patrols.create(&op, None, "整治日", 1).await.unwrap();
    t.app.patrols.create(&op, None, "下村日", 2).await.unwrap();
    assert_eq!(
        t.app.patrols.today_for(&grid).await.unwrap(),
        vec!["整治日".to_string()]
    );

    let place = t.app.places.register(&op, shop(&t)).await.unwrap();
    let week = t
        .app
        .patrols
        .week(&grid, t.app.patrols.today())
        .await
        .unwrap();
    assert_eq!(week.len(), 1, "a grid worker's week is their grid's");
    let (mon, tue) = (&week[0].days[0], &week[0].days[1]);
    assert_eq!(
        (mon.names.clone(), mon.done, tue.names.clone()),
        (
            vec!["整治日".to_string()],
            false,
            vec!["下村日".to_string()]
        )
    );
    t.app
        .places
        .inspect(
            &grid,
            place.id,
            InspectionInput {
                answers: answers(&t, &place, &[]).await,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let week = t
        .app
        .patrols
        .week(&op, t.app.patrols.today())
        .await
        .unwrap();
    let g = week.iter().find(|g| g.name == "苍岩村第一网格").unwrap();
    assert!(g.days[0].done && g.days[0].inspections == 1);
    // Stopped, the day is no longer a patrol day.
    t.app
        .patrols
        .set_active(&op, monday.id, false)
        .await
        .unwrap();
    assert!(t.app.patrols.today_for(&grid).await.unwrap().is_empty());

    // Coverage: the shop was due today and inspected by then; a second place registered and
    // left past its due time misses.
    let mut other = shop(&t);
    other.reg_no = "CY-2".into();
    t.app.places.register(&op, other).await.unwrap();
    t.clock.advance(Duration::days(2));
    let c = t
        .app
        .patrols
        .coverage(&op, t.app.patrols.today())
        .await
        .unwrap();
    assert_eq!((c.total.coverage.due, c.total.coverage.on_time), (2, 1));
    assert_eq!(c.villages[0].village.name, "苍岩村");
    assert_eq!(c.villages[0].grids[0].share, Some(50.0));
}
