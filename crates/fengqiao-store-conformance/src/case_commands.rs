//! Writing cases: intake, accepted actions with their effects, amendments, bulk loads.

use crate::*;
use fengqiao_domain::case::{new_case as domain_case, Priority, Reporter};
use fengqiao_domain::ids::{CaseId, RegionId};
use fengqiao_domain::lifecycle::{ActionKind, Effect, EventDraft};
use fengqiao_domain::org::{RegionLevel, UnitKind};

pub async fn intake_is_idempotent(store: &dyn Store) {
    let a = store
        .intake(new_case("路灯坏了", Some("k-1"), None))
        .await
        .unwrap();
    assert!(a.created);
    assert_eq!(a.case.state, CaseState::Reported);
    let b = store
        .intake(new_case("路灯坏了（重复提交）", Some("k-1"), None))
        .await
        .unwrap();
    assert!(!b.created, "the same key must return the first case");
    assert_eq!(a.case.id, b.case.id);
    assert_eq!(b.case.text.body, "路灯坏了");
    let c = store
        .intake(new_case("另一件事", None, None))
        .await
        .unwrap();
    assert_ne!(c.case.id, a.case.id);
    let rec = store.case(a.case.id).await.unwrap().unwrap();
    assert_eq!(rec.reporters.len(), 1);
    assert_eq!(
        rec.reporters[0].phone.as_ref().unwrap().as_str(),
        "13800138000"
    );
    let events = store.events(a.case.id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, ActionKind::Intake);
    assert_eq!(
        store.case_id_by_no(&a.case.case_no).await.unwrap(),
        Some(a.case.id)
    );
}

pub async fn intake_with_unknown_region_is_refused(store: &dyn Store) {
    let err = store
        .intake(new_case("x", Some("k"), Some(RegionId(999))))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidReference(_)), "{err:?}");
    assert_eq!(store.case_id_by_idempotency_key("k").await.unwrap(), None);
    let listed = store.list_cases(&Scope::All, &all_cases()).await.unwrap();
    assert_eq!(listed.total, 0, "nothing half-written");
}

pub(crate) fn all_cases() -> CaseFilter {
    CaseFilter {
        page: 1,
        page_size: 500,
        ..Default::default()
    }
}

pub async fn commit_refuses_stale_versions(store: &dyn Store) {
    let case = store
        .intake(new_case("垃圾没人清运", None, None))
        .await
        .unwrap()
        .case;
    let stale = case.clone();
    let saved = store
        .commit(change(
            case,
            ActionKind::Register,
            CaseState::Registered,
            vec![],
        ))
        .await
        .unwrap();
    assert_eq!(saved.version, stale.version + 1);
    let err = store
        .commit(change(
            stale,
            ActionKind::Withdraw,
            CaseState::Withdrawn,
            vec![],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    let rec = store.case(saved.id).await.unwrap().unwrap();
    assert_eq!(
        rec.case.state,
        CaseState::Registered,
        "a refused commit changes nothing"
    );
    let events = store.events(saved.id).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["intake", "register"]
    );
}

/// Changes decided one after another on one load are stored together: each on the case as
/// the one before left it, in order, or — when any of them is stale — none of them.
pub async fn commit_all_stores_every_change_or_none(store: &dyn Store) {
    let case = store
        .intake(new_case("垃圾没人清运", None, None))
        .await
        .unwrap()
        .case;
    let register = change(
        case.clone(),
        ActionKind::Register,
        CaseState::Registered,
        vec![],
    );
    // The second change is stale: decided on the case as first read.
    let stale = change(
        case.clone(),
        ActionKind::Withdraw,
        CaseState::Withdrawn,
        vec![],
    );
    let err = store
        .commit_all(vec![register.clone(), stale])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    let rec = store.case(case.id).await.unwrap().unwrap();
    assert_eq!(rec.case.state, CaseState::Reported, "nothing was stored");
    assert_eq!(store.events(case.id).await.unwrap().len(), 1);

    let mut registered = register.case.clone();
    registered.version += 1;
    let withdraw = change(
        registered,
        ActionKind::Withdraw,
        CaseState::Withdrawn,
        vec![],
    );
    let saved = store.commit_all(vec![register, withdraw]).await.unwrap();
    assert_eq!(saved.state, CaseState::Withdrawn);
    assert_eq!(saved.version, case.version + 2);
    let events = store.events(case.id).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["intake", "register", "withdraw"]
    );
}

pub async fn merge_moves_reporters_and_notifies(store: &dyn Store) {
    let a = store
        .intake(new_case("同一个问题 A", None, None))
        .await
        .unwrap()
        .case;
    let b = store
        .intake(new_case("同一个问题 B", None, None))
        .await
        .unwrap()
        .case;
    // Merge A into B: B gains A's reporter and a merge_in event; A is merged.
    let mut merged = a.clone();
    merged.outcome.merged_into = Some(b.id);
    store
        .commit(change(
            merged,
            ActionKind::Merge,
            CaseState::Merged,
            vec![
                Effect::MergeInto { target: b.id },
                Effect::NotifyReporters {
                    message: "已合并".into(),
                },
            ],
        ))
        .await
        .unwrap();
    let rb = store.case(b.id).await.unwrap().unwrap();
    assert_eq!(rb.reporters.len(), 2);
    assert!(rb.reporters.iter().any(|r| r.original_case_id == a.id));
    assert_eq!(
        rb.case.version,
        b.version + 1,
        "the target's version moves too"
    );
    assert!(store
        .events(b.id)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == ActionKind::MergeIn));
    assert_eq!(store.notifications(a.id).await.unwrap().len(), 1);
}

pub async fn sub_dispatch_creates_a_child_case(store: &dyn Store) {
    let region = region(store, None, "甘霖镇", RegionLevel::Town).await;
    let unit = store
        .insert_unit(
            NewUnit {
                name: "村委会".into(),
                kind: UnitKind::VillageCommittee,
                platform: None,
                region_id: region.id,
            },
            admin(),
        )
        .await
        .unwrap();
    let b = store
        .intake(new_case("需要二次派单", None, None))
        .await
        .unwrap()
        .case;
    // Sub-dispatch creates a child case, dispatched to the unit, with its own event.
    let mut parent = store.case(b.id).await.unwrap().unwrap().case;
    parent.state = CaseState::Accepted;
    parent.deadlines.reply_due = Some(t0() + chrono::Duration::days(5));
    let child = fengqiao_domain::lifecycle::NewChild {
        unit_id: unit.id,
        instructions: "请核实".into(),
        accept_due: t0() + chrono::Duration::days(1),
        reply_due: t0() + chrono::Duration::days(4),
    };
    store
        .commit(change(
            parent,
            ActionKind::SubDispatch,
            CaseState::Accepted,
            vec![Effect::CreateChild(child)],
        ))
        .await
        .unwrap();
    let rb = store.case(b.id).await.unwrap().unwrap();
    assert_eq!(rb.children.len(), 1);
    let (child_id, child_state) = rb.children[0];
    assert_eq!(child_state, CaseState::Dispatched);
    let child = store.case(child_id).await.unwrap().unwrap().case;
    assert_eq!(child.handling.parent_id, Some(b.id));
    assert_eq!(child.handling.unit_id, Some(unit.id));
    assert_eq!(store.events(child_id).await.unwrap().len(), 1);
}

pub async fn only_reported_cases_are_amended(store: &dyn Store) {
    let case = store
        .intake(new_case("路灯坏了", Some("12345:W1"), None))
        .await
        .unwrap()
        .case;
    let amend = |id| CaseAmendment {
        id,
        title: "新标题".into(),
        body: "路灯坏了三盏".into(),
        address: Some("村口".into()),
        priority: Priority::Urgent,
    };
    assert!(store
        .amend_reported_case(amend(case.id), admin())
        .await
        .unwrap());
    let stored = store.case(case.id).await.unwrap().unwrap().case;
    assert_eq!(
        (
            stored.text.title.as_str(),
            stored.text.body.as_str(),
            stored.location.address.as_deref()
        ),
        ("新标题", "路灯坏了三盏", Some("村口"))
    );
    assert_eq!(stored.priority, Priority::Urgent);
    assert_eq!(stored.version, case.version + 1, "an amendment is a change");
    let log = store.audit_log(10).await.unwrap();
    assert_eq!(log[0].action, "case.amend");
    // Once registered, the text is the case's record: no more amendments.
    store
        .commit(change(
            stored,
            ActionKind::Register,
            CaseState::Registered,
            vec![],
        ))
        .await
        .unwrap();
    assert!(!store
        .amend_reported_case(amend(case.id), admin())
        .await
        .unwrap());
    assert_eq!(
        store.case(case.id).await.unwrap().unwrap().case.priority,
        Priority::Urgent
    );
    assert_eq!(
        store.audit_log(10).await.unwrap().len(),
        1,
        "no audit entry"
    );
    assert!(!store
        .amend_reported_case(amend(CaseId(999)), admin())
        .await
        .unwrap());
}

fn bundle(id: i64, key: Option<&str>) -> CaseBundle {
    let case = domain_case(
        CaseId(id),
        Intake::text("历史工单", "去年的路灯", Channel::Hotline),
        t0(),
    );
    let event = fengqiao_domain::case::Event::intake(&case, None, "导入");
    CaseBundle {
        reporters: vec![Reporter {
            name: Some("李四".into()),
            phone: None,
            phone_unread: None,
            channel: Channel::Hotline,
            reported_at: t0(),
            original_case_id: case.id,
        }],
        tasks: Vec::new(),
        events: vec![event],
        idempotency_key: key.map(str::to_string),
        case,
    }
}

pub async fn bundles_are_written_whole(store: &dyn Store) {
    store
        .insert_bundles(vec![bundle(10, Some("old-10")), bundle(11, None)])
        .await
        .unwrap();
    let rec = store.case(CaseId(10)).await.unwrap().unwrap();
    assert_eq!(rec.reporters.len(), 1);
    assert_eq!(store.events(CaseId(10)).await.unwrap().len(), 1);
    assert_eq!(
        store.case_id_by_idempotency_key("old-10").await.unwrap(),
        Some(CaseId(10))
    );
    // A batch with a collision is refused whole: case 12 is not kept.
    let err = store
        .insert_bundles(vec![bundle(12, None), bundle(10, None)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    assert!(store.case(CaseId(12)).await.unwrap().is_none());
    // New intakes continue after the loaded ids.
    let next = store
        .intake(new_case("新的", None, None))
        .await
        .unwrap()
        .case;
    assert!(next.id.0 > 11, "{next:?}");
}

pub async fn ids_and_numbers_are_distinct(store: &dyn Store) {
    let mut seen = std::collections::HashSet::new();
    for i in 0..20 {
        let c = store
            .intake(new_case(&format!("第{i}件"), None, None))
            .await
            .unwrap()
            .case;
        assert!(seen.insert((c.id, c.case_no.clone())));
        assert_eq!(store.case_id_by_no(&c.case_no).await.unwrap(), Some(c.id));
        assert!(c.case_no.as_str().ends_with(&format!("{:06}", c.id.0)));
    }
}

pub async fn external_updates_apply_once(store: &dyn Store) {
    let client = store
        .insert_api_client(
            NewApiClient {
                name: "随手拍".into(),
                key_hash: "h".into(),
                key_prefix: "fq_123456".into(),
            },
            admin(),
        )
        .await
        .unwrap();
    let case = store
        .intake(new_case("路灯坏了", None, None))
        .await
        .unwrap()
        .case;
    let r = ExternalRef {
        client_id: client.id,
        external_id: "fms-77".into(),
    };
    assert!(store.external_update(&r).await.unwrap().is_none());
    let supplement = |case: Case| Changeset {
        external: Some(r.clone()),
        event: EventDraft {
            remark: Some("又不亮了".into()),
            ..change(case.clone(), ActionKind::Supplement, case.state, vec![]).event
        },
        ..change(case.clone(), ActionKind::Supplement, case.state, vec![])
    };
    let saved = store.commit(supplement(case.clone())).await.unwrap();
    let u = store.external_update(&r).await.unwrap().unwrap();
    assert_eq!((u.case_id, u.client_id), (case.id, client.id));
    let events = store.events(case.id).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!((last.id, last.action.as_str()), (u.event_id, "supplement"));
    assert_eq!(
        store.external_update_by_event(u.event_id).await.unwrap(),
        Some(u.clone())
    );
    assert!(store
        .external_update_by_event(events[0].id)
        .await
        .unwrap()
        .is_none());
    // The same update again changes nothing: no second event, the case as it was.
    let err = store.commit(supplement(saved.clone())).await.unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    assert_eq!(store.events(case.id).await.unwrap().len(), events.len());
    assert_eq!(
        store.case(case.id).await.unwrap().unwrap().case.version,
        saved.version
    );
}

pub async fn events_record_the_unit_and_the_deadline_in_force(store: &dyn Store) {
    let town = region(store, None, "镇", RegionLevel::Town).await;
    let unit = store
        .insert_unit(
            NewUnit {
                name: "城建办".into(),
                kind: UnitKind::Department,
                platform: None,
                region_id: town.id,
            },
            admin(),
        )
        .await
        .unwrap();
    let case = store
        .intake(new_case("路灯坏了", None, None))
        .await
        .unwrap()
        .case;
    let mut dispatched = case.clone();
    dispatched.handling.unit_id = Some(unit.id);
    let dispatched = store
        .commit(change(
            dispatched,
            ActionKind::Dispatch,
            CaseState::Dispatched,
            vec![],
        ))
        .await
        .unwrap();
    // Accepted an hour after a deadline that passed: late, and the unit is on record.
    let due = t0() - chrono::Duration::hours(1);
    let mut accept = change(dispatched, ActionKind::Accept, CaseState::Accepted, vec![]);
    accept.event.due_at = Some(due);
    store.commit(accept).await.unwrap();
    let events = store.events(case.id).await.unwrap();
    let facts: Vec<_> = events
        .iter()
        .map(|e| (e.action, e.unit_id, e.due_at, e.on_time))
        .collect();
    assert_eq!(
        facts,
        vec![
            (ActionKind::Intake, None, None, None),
            (ActionKind::Dispatch, Some(unit.id), None, None),
            (ActionKind::Accept, Some(unit.id), Some(due), Some(false)),
        ]
    );
}

pub async fn a_key_replayed_with_other_content_is_refused(store: &dyn Store) {
    let first = store
        .intake(new_case("路灯坏了", Some("u7:k-1"), None))
        .await
        .unwrap();
    assert!(first.created);
    let retry = store
        .intake(new_case("路灯坏了", Some("u7:k-1"), None))
        .await
        .unwrap();
    assert!(!retry.created, "the same content again is a retry");
    assert_eq!(retry.case.id, first.case.id);
    let other = NewCase {
        fingerprint: Some("another request".into()),
        ..new_case("井盖丢了", Some("u7:k-1"), None)
    };
    let err = store.intake(other).await.unwrap_err();
    assert!(
        matches!(err, StoreError::KeyReused(ref k) if k == "u7:k-1"),
        "{err:?}"
    );
    assert_eq!(store.count_cases(&Scope::All).await.unwrap().total, 1);
}
