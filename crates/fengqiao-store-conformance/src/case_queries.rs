//! Reading cases: single cases, lists by scope and filter, exports, histories in bulk.

use crate::*;
use fengqiao_domain::ids::{CaseId, UserId};
use fengqiao_domain::lifecycle::ActionKind;
use fengqiao_domain::org::{RegionLevel, UnitKind};

/// A town with two villages: 7 cases about street lights in the first, 3 about rubbish in the
/// second.
pub(crate) async fn two_villages(store: &dyn Store) -> (Region, Region) {
    let town = region(store, None, "镇", RegionLevel::Town).await;
    let v1 = region(store, Some(&town), "一村", RegionLevel::Village).await;
    let v2 = region(store, Some(&town), "二村", RegionLevel::Village).await;
    for i in 0..7 {
        store
            .intake(new_case(&format!("一村第{i}件 路灯"), None, Some(v1.id)))
            .await
            .unwrap();
    }
    for i in 0..3 {
        store
            .intake(new_case(&format!("二村第{i}件 垃圾"), None, Some(v2.id)))
            .await
            .unwrap();
    }
    (v1, v2)
}

pub async fn lists_page_in_newest_first_order(store: &dyn Store) {
    two_villages(store).await;
    let first = store.list_cases(&Scope::All, &page(1, 4)).await.unwrap();
    assert_eq!((first.total, first.items.len()), (10, 4));
    assert!(
        first.items.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    let last = store.list_cases(&Scope::All, &page(3, 4)).await.unwrap();
    assert_eq!(last.items.len(), 2);
    let skip = CaseFilter {
        skip_total: true,
        ..page(1, 4)
    };
    let fast = store.list_cases(&Scope::All, &skip).await.unwrap();
    assert_eq!(
        (fast.total, fast.items.len()),
        (0, 4),
        "no count when skipped"
    );
}

pub async fn lists_respect_region_scope(store: &dyn Store) {
    let (v1, v2) = two_villages(store).await;
    store.intake(new_case("没有村", None, None)).await.unwrap();
    let v1_scope = Scope::Region {
        path: v1.path.clone(),
        include_unplaced: false,
    };
    assert_eq!(
        store
            .list_cases(&v1_scope, &page(1, 50))
            .await
            .unwrap()
            .total,
        7
    );
    let with_unplaced = Scope::Region {
        path: v1.path.clone(),
        include_unplaced: true,
    };
    assert_eq!(
        store
            .list_cases(&with_unplaced, &page(1, 50))
            .await
            .unwrap()
            .total,
        8
    );
    let by_region = CaseFilter {
        region_id: Some(v2.id),
        ..page(1, 50)
    };
    assert_eq!(
        store
            .list_cases(&Scope::All, &by_region)
            .await
            .unwrap()
            .total,
        3
    );
    assert_eq!(
        store.list_cases(&v1_scope, &by_region).await.unwrap().total,
        0
    );
}

pub async fn unit_scope_sees_its_cases_and_its_reporters(store: &dyn Store) {
    let (v1, _) = two_villages(store).await;
    let unit = store
        .insert_unit(
            NewUnit {
                name: "城建办".into(),
                kind: UnitKind::Department,
                platform: None,
                region_id: v1.id,
            },
            admin(),
        )
        .await
        .unwrap();
    let mut case = store
        .intake(new_case("派给城建办", None, None))
        .await
        .unwrap()
        .case;
    case.handling.unit_id = Some(unit.id);
    store
        .commit(change(
            case.clone(),
            ActionKind::Dispatch,
            CaseState::Dispatched,
            vec![],
        ))
        .await
        .unwrap();
    let scope = Scope::Unit {
        unit_id: unit.id,
        user_id: UserId(999),
        region_path: None,
    };
    let seen = store.list_cases(&scope, &page(1, 50)).await.unwrap();
    assert_eq!(
        seen.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![case.id]
    );
    let grid_worker = Scope::Unit {
        unit_id: unit.id,
        user_id: UserId(999),
        region_path: Some(v1.path.clone()),
    };
    assert_eq!(
        store
            .list_cases(&grid_worker, &page(1, 50))
            .await
            .unwrap()
            .total,
        8,
        "its unit's case and its region's seven"
    );
}

pub async fn counts_follow_scope(store: &dyn Store) {
    let (v1, _) = two_villages(store).await;
    let v1_scope = Scope::Region {
        path: v1.path.clone(),
        include_unplaced: false,
    };
    let one = store
        .list_cases(&v1_scope, &page(1, 1))
        .await
        .unwrap()
        .items;
    let mut closed = one[0].clone();
    closed.deadlines.overdue_level = fengqiao_domain::deadline::OverdueLevel::Red;
    store
        .commit(change(
            closed,
            ActionKind::Withdraw,
            CaseState::Withdrawn,
            vec![],
        ))
        .await
        .unwrap();
    let counts = store.count_cases(&v1_scope).await.unwrap();
    assert_eq!((counts.total, counts.open), (7, 6));
    assert_eq!(counts.overdue_red, 0, "a closed case is not overdue");
    assert_eq!(store.count_cases(&Scope::All).await.unwrap().total, 10);
}

pub async fn export_pages_walk_every_case_once(store: &dyn Store) {
    for i in 0..5 {
        store
            .intake(new_case(&format!("第{i}件"), Some(&format!("k-{i}")), None))
            .await
            .unwrap();
    }
    let mut after = CaseId(0);
    let mut rows = Vec::new();
    loop {
        let page = store.export_page(after, 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        after = page.last().unwrap().case.id;
        rows.extend(page);
    }
    assert_eq!(rows.len(), 5);
    assert!(
        rows.windows(2).all(|w| w[0].case.id < w[1].case.id),
        "in id order"
    );
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(
            r.idempotency_key.as_deref(),
            Some(format!("k-{i}").as_str())
        );
        let rep = r.reporter.as_ref().expect("the first reporter");
        assert_eq!(rep.name.as_deref(), Some("王建国"));
        assert_eq!(rep.phone.as_ref().unwrap().as_str(), "13800138000");
    }
}

pub async fn idempotency_keys_find_their_case(store: &dyn Store) {
    let a = store
        .intake(new_case("一", Some("12345:A1"), None))
        .await
        .unwrap()
        .case;
    store.intake(new_case("二", None, None)).await.unwrap();
    assert_eq!(
        store.case_id_by_idempotency_key("12345:A1").await.unwrap(),
        Some(a.id)
    );
    assert_eq!(
        store.case_id_by_idempotency_key("12345:A2").await.unwrap(),
        None
    );
}

pub async fn open_timed_cases_are_those_on_a_clock(store: &dyn Store) {
    let mut ids = Vec::new();
    for i in 0..5 {
        let c = store
            .intake(new_case(&format!("第{i}件"), None, None))
            .await
            .unwrap()
            .case;
        ids.push(c);
    }
    // 0: still reported (no clock yet); 1, 2, 4: dispatched; 3: dispatched, then withdrawn.
    for c in [&ids[1], &ids[2], &ids[3], &ids[4]] {
        store
            .commit(change(
                c.clone(),
                ActionKind::Dispatch,
                CaseState::Dispatched,
                vec![],
            ))
            .await
            .unwrap();
    }
    let c3 = store.case(ids[3].id).await.unwrap().unwrap().case;
    store
        .commit(change(
            c3,
            ActionKind::Withdraw,
            CaseState::Withdrawn,
            vec![],
        ))
        .await
        .unwrap();
    let first = store.open_timed_cases(CaseId(0), 2).await.unwrap();
    assert_eq!(
        first.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ids[1].id, ids[2].id]
    );
    let rest = store.open_timed_cases(ids[2].id, 2).await.unwrap();
    assert_eq!(
        rest.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ids[4].id]
    );
}

pub async fn case_details_for_many_in_one_read(store: &dyn Store) {
    let photos = vec![
        "https://img.example.cn/1.jpg".to_string(),
        "https://img.example.cn/2.jpg".to_string(),
    ];
    let a = store
        .intake(NewCase {
            media: photos.clone(),
            attributes: vec![
                ("depth".into(), "0.3".into()),
                ("near".into(), "school".into()),
            ],
            ..new_case("路面塌陷", None, None)
        })
        .await
        .unwrap()
        .case;
    let b = store
        .intake(new_case("路灯坏了", None, None))
        .await
        .unwrap()
        .case;
    store
        .commit(change(
            b.clone(),
            ActionKind::Register,
            CaseState::Registered,
            vec![],
        ))
        .await
        .unwrap();
    let d = store
        .case_details(&[b.id, a.id, CaseId(999_999)])
        .await
        .unwrap();
    let steps: Vec<(CaseId, &str)> = d
        .events
        .iter()
        .map(|e| (e.case_id, e.action.as_str()))
        .collect();
    assert_eq!(
        steps,
        vec![(a.id, "intake"), (b.id, "intake"), (b.id, "register")],
        "by case, then in order"
    );
    assert_eq!(
        d.attributes,
        vec![
            (a.id, "depth".to_string(), "0.3".to_string()),
            (a.id, "near".to_string(), "school".to_string())
        ]
    );
    assert_eq!(
        d.media,
        vec![(a.id, photos[0].clone()), (a.id, photos[1].clone())]
    );
    assert_eq!(
        store.case_details(&[]).await.unwrap(),
        CaseDetails::default()
    );
}

pub async fn case_numbers_of_existing_cases(store: &dyn Store) {
    let a = store.intake(new_case("一", None, None)).await.unwrap().case;
    let b = store.intake(new_case("二", None, None)).await.unwrap().case;
    let mut numbers = store
        .case_numbers(&[b.id, a.id, CaseId(999_999)])
        .await
        .unwrap();
    numbers.sort_by_key(|(id, _)| *id);
    assert_eq!(
        numbers,
        vec![(a.id, a.case_no.clone()), (b.id, b.case_no.clone())]
    );
}

pub async fn media_and_attributes_keep_their_order(store: &dyn Store) {
    let photos = vec![
        "https://img.example.cn/b.jpg".to_string(),
        "https://img.example.cn/a.jpg".to_string(),
    ];
    let with = store
        .intake(NewCase {
            media: photos.clone(),
            attributes: vec![("z".into(), "1".into()), ("a".into(), "2".into())],
            ..new_case("路面塌陷", None, None)
        })
        .await
        .unwrap()
        .case;
    let without = store
        .intake(new_case("路灯", None, None))
        .await
        .unwrap()
        .case;
    assert_eq!(store.case_media(with.id).await.unwrap(), photos, "as given");
    assert!(store.case_media(without.id).await.unwrap().is_empty());
    assert_eq!(
        store.case_attributes(with.id).await.unwrap(),
        vec![
            ("z".to_string(), "1".to_string()),
            ("a".to_string(), "2".to_string())
        ]
    );
    assert_eq!(
        store.first_media(&[without.id, with.id]).await.unwrap(),
        vec![(with.id, photos[0].clone())],
        "lists show the first photo of the cases that have one"
    );
    assert!(store.first_media(&[]).await.unwrap().is_empty());
}

/// A work queue's order: red, then yellow, then the nearest deadline in force (acceptance while
/// dispatched, the reply after), cases without a deadline last, newest first among equals.
pub async fn queues_list_the_most_urgent_first(store: &dyn Store) {
    let mut cases = Vec::new();
    for i in 0..5 {
        cases.push(
            store
                .intake(new_case(&format!("第{i}件"), None, None))
                .await
                .unwrap()
                .case,
        );
    }
    let day = chrono::Duration::days(1);
    let now = cases[0].created_at;
    // 0: reported, no deadline. 1: dispatched, accept due in 3 days (reply in 1 — not in force).
    // 2: accepted, reply due in 2 days. 3: yellow. 4: red.
    let set = |c: &Case, state, accept: i32, reply: i32, level| {
        let mut c = c.clone();
        c.deadlines.accept_due = Some(now + day * accept);
        c.deadlines.reply_due = Some(now + day * reply);
        c.deadlines.overdue_level = level;
        (c, state)
    };
    use fengqiao_domain::deadline::OverdueLevel as L;
    for (c, state) in [
        set(&cases[1], CaseState::Dispatched, 3, 1, L::Green),
        set(&cases[2], CaseState::Accepted, 1, 2, L::Green),
        set(&cases[3], CaseState::Accepted, 1, 9, L::Yellow),
        set(&cases[4], CaseState::Accepted, 1, 9, L::Red),
    ] {
        store
            .commit(change(c, ActionKind::Dispatch, state, vec![]))
            .await
            .unwrap();
    }
    let filter = CaseFilter {
        urgent_first: true,
        ..page(1, 10)
    };
    let order: Vec<CaseId> = store
        .list_cases(&Scope::All, &filter)
        .await
        .unwrap()
        .items
        .iter()
        .map(|c| c.id)
        .collect();
    let want: Vec<CaseId> = [4, 3, 2, 1, 0].iter().map(|&i| cases[i].id).collect();
    assert_eq!(order, want);
}

/// The queues of decisions waiting: cases with an extension request pending, and cases with an
/// open proposal that they repeat another.
pub async fn queues_of_pending_extensions_and_merge_proposals(store: &dyn Store) {
    let first = store
        .intake(new_case("路灯不亮", None, None))
        .await
        .unwrap()
        .case;
    let repeat = store
        .intake(NewCase {
            duplicates: vec![(first.id, 0.9)],
            ..new_case("路灯又不亮了", None, None)
        })
        .await
        .unwrap()
        .case;
    let mut asking = store
        .intake(new_case("排水沟堵塞", None, None))
        .await
        .unwrap()
        .case;
    asking.deadlines.extension = Some(fengqiao_domain::case::ExtensionRequest {
        days: 3,
        reason: "需协调".into(),
        requested_at: t0(),
    });
    store
        .commit(change(
            asking.clone(),
            ActionKind::RequestExtension,
            CaseState::Accepted,
            vec![],
        ))
        .await
        .unwrap();
    let ids = |f: CaseFilter| async move {
        store
            .list_cases(&Scope::All, &f)
            .await
            .unwrap()
            .items
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    let extensions = CaseFilter {
        extension_pending: true,
        ..page(1, 10)
    };
    assert_eq!(ids(extensions).await, vec![asking.id]);
    let merges = CaseFilter {
        merge_proposed: true,
        ..page(1, 10)
    };
    assert_eq!(ids(merges.clone()).await, vec![repeat.id]);
    // What reporters added lately.
    let state = first.state;
    store
        .commit(change(first.clone(), ActionKind::Supplement, state, vec![]))
        .await
        .unwrap();
    let added = |since| CaseFilter {
        supplemented_since: Some(since),
        ..page(1, 10)
    };
    assert_eq!(
        ids(added(t0() - chrono::Duration::days(7))).await,
        vec![first.id]
    );
    assert!(ids(added(t0() + chrono::Duration::days(1)))
        .await
        .is_empty());
    // Settled, the proposal leaves the queue.
    let proposal = store.duplicate_proposals(repeat.id).await.unwrap()[0].id;
    store.dismiss_proposal(proposal, admin()).await.unwrap();
    assert!(ids(merges).await.is_empty());
}

/// A case's sheet holds exactly what the separate reads return, and nothing for a case that
/// does not exist.
pub async fn a_case_sheet_is_its_parts_in_one_read(store: &dyn Store) {
    let first = store
        .intake(new_case("河口村垃圾成堆", None, None))
        .await
        .unwrap()
        .case;
    let case = store
        .intake(NewCase {
            duplicates: vec![(first.id, 0.8)],
            media: vec!["https://img.example.cn/a.jpg".into()],
            photos: vec![NewPhoto {
                content_type: "image/jpeg".into(),
                bytes: vec![0xFF, 0xD8, 0xFF, 1, 0, 0xFF, 0xD9],
                latitude: Some(29.7),
                longitude: Some(120.2),
            }],
            attributes: vec![("depth".into(), "0.3".into())],
            ..new_case("河口村垃圾没人清理", None, None)
        })
        .await
        .unwrap()
        .case;
    let sheet = store.case_sheet(case.id).await.unwrap().unwrap();
    let record = store.case(case.id).await.unwrap().unwrap();
    assert_eq!(sheet.record.case, record.case);
    assert_eq!(sheet.record.reporters, record.reporters);
    assert_eq!(sheet.parent_unit, None);
    assert_eq!(
        sheet.suggestion,
        store.case_suggestion(case.id).await.unwrap()
    );
    let proposals = store.duplicate_proposals(case.id).await.unwrap();
    assert_eq!(sheet.duplicate_proposals.len(), 1);
    assert_eq!(
        sheet.duplicate_proposals[0].candidate_id,
        proposals[0].candidate_id
    );
    assert_eq!(sheet.client_name, None);
    assert_eq!(
        sheet.attributes,
        store.case_attributes(case.id).await.unwrap()
    );
    assert_eq!(sheet.media, store.case_media(case.id).await.unwrap());
    assert_eq!(sheet.media.len(), 2, "the link and the photo");
    assert_eq!(
        sheet.photo_places,
        store.photo_places(case.id).await.unwrap()
    );
    assert_eq!(sheet.photo_places.len(), 1);
    assert!(store.case_sheet(CaseId(999_999)).await.unwrap().is_none());
}

/// The sheet an intake returns is the one a read of the new case finds: its reporter, its
/// proposals with their ids, its client, answers, links and photos, at the stored time (a
/// received time finer than a millisecond is stored to the millisecond). A repeated key
/// returns no sheet.
pub async fn the_intake_returns_the_sheet_a_read_finds(store: &dyn Store) {
    let client = store
        .insert_api_client(
            NewApiClient {
                name: "便民APP".into(),
                key_hash: "sheet".into(),
                key_prefix: "fq_sheet".into(),
            },
            admin(),
        )
        .await
        .unwrap();
    let (first, other) = (
        store
            .intake(new_case("路面塌陷", None, None))
            .await
            .unwrap(),
        store
            .intake(new_case("路面塌了", None, None))
            .await
            .unwrap(),
    );
    let at = t0() + chrono::Duration::nanoseconds(1_234_567);
    let out = store
        .intake(NewCase {
            client_id: Some(client.id),
            duplicates: vec![(first.case.id, 0.41), (other.case.id, 0.83)],
            attributes: vec![
                ("depth".into(), "0.3".into()),
                ("near".into(), "school".into()),
            ],
            media: vec!["https://img.example.cn/1.jpg".into()],
            photos: vec![NewPhoto {
                content_type: "image/jpeg".into(),
                bytes: vec![0xFF, 0xD8, 0xFF, 1, 0, 0xFF, 0xD9],
                latitude: Some(29.1),
                longitude: Some(120.2),
            }],
            received_at: at,
            ..new_case("村口路面塌了一个大坑", Some("sheet-key"), None)
        })
        .await
        .unwrap();
    let sheet = out.sheet.expect("a new case's sheet");
    let read = store.case_sheet(out.case.id).await.unwrap().unwrap();
    assert_eq!(format!("{sheet:?}"), format!("{read:?}"));
    assert_eq!(sheet.duplicate_proposals.len(), 2);
    assert_eq!(sheet.client_name.as_deref(), Some("便民APP"));
    assert_eq!(sheet.photo_places.len(), 1);
    let again = store
        .intake(new_case("村口路面塌了一个大坑", Some("sheet-key"), None))
        .await
        .unwrap();
    assert!(!again.created);
    assert!(again.sheet.is_none());
}
