//! The conformance suite every backend passes: call [`run_all`] with a factory of fresh, empty
//! stores (see the SQLite crate's tests).

use crate::*;
use chrono::{TimeZone, Utc};
use fengqiao_domain::calendar::{CalendarDay, DayKind};
use fengqiao_domain::case::{CaseState, Channel, Priority};
use fengqiao_domain::deadline::{LimitUnit, Stage, TimeLimit, TimePolicy};
use fengqiao_domain::lifecycle::{ActionKind, Effect, EventDraft};
use fengqiao_domain::org::{RegionLevel, Role, UnitKind};
use std::future::Future;
use std::sync::Arc;

fn admin() -> Audit {
    Audit {
        actor_id: None,
        actor_name: "管理员".into(),
        at: t0(),
    }
}

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap()
}

fn new_case(body: &str, key: Option<&str>, region: Option<RegionId>) -> NewCase {
    NewCase {
        intake: Intake {
            region_id: region,
            ..Intake::text("标题", body, Channel::Hotline)
        },
        reporter_name: Some("王建国".into()),
        reporter_phone: Some(Phone::parse("13800138000").unwrap()),
        idempotency_key: key.map(str::to_string),
        actor_name: "受理员".into(),
        received_at: t0(),
        suggestion: None,
        duplicates: Vec::new(),
        client_id: None,
        attributes: Vec::new(),
        media: Vec::new(),
    }
}

async fn region(
    store: &dyn Store,
    parent: Option<&Region>,
    name: &str,
    level: RegionLevel,
) -> Region {
    store
        .insert_region(
            NewRegion {
                parent_id: parent.map(|p| p.id),
                name: name.into(),
                level,
            },
            admin(),
        )
        .await
        .unwrap()
}

fn change(case: Case, action: ActionKind, to: CaseState, effects: Vec<Effect>) -> Changeset {
    let from = case.state;
    let mut case = case;
    case.state = to;
    Changeset {
        case,
        event: EventDraft {
            action,
            from: Some(from),
            to,
            remark: None,
        },
        effects,
        actor_id: None,
        actor_name: "测试".into(),
        at: t0(),
        feedback: None,
        settles: Vec::new(),
        external: None,
    }
}

/// Runs every conformance check, each on a fresh store from `fresh`.
pub async fn run_all<S, F, Fut>(fresh: F)
where
    S: Store,
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<S>>,
{
    intake_is_idempotent(&*fresh().await).await;
    commit_refuses_stale_versions(&*fresh().await).await;
    effects_are_written_with_the_change(&*fresh().await).await;
    lists_respect_scope_filters_and_pages(&*fresh().await).await;
    organisation_round_trips(&*fresh().await).await;
    configuration_upserts(&*fresh().await).await;
    triage_round_trips(&*fresh().await).await;
    api_clients_round_trip(&*fresh().await).await;
    external_updates_apply_once(&*fresh().await).await;
    case_details_for_many_in_one_read(&*fresh().await).await;
}

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
    assert_eq!(b.case.body, "路灯坏了");
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
    assert_eq!(events[0].action, "intake");
    assert_eq!(
        store.case_id_by_no(&a.case.case_no).await.unwrap(),
        Some(a.case.id)
    );
    let err = store
        .intake(new_case("x", None, Some(RegionId(999))))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidReference(_)), "{err:?}");
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

pub async fn effects_are_written_with_the_change(store: &dyn Store) {
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
    merged.merged_into = Some(b.id);
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
        .any(|e| e.action == "merge_in"));
    assert_eq!(store.notifications(a.id).await.unwrap().len(), 1);
    // Sub-dispatch creates a child case, dispatched to the unit, with its own event.
    let mut parent = store.case(b.id).await.unwrap().unwrap().case;
    parent.state = CaseState::Accepted;
    parent.reply_due = Some(t0() + chrono::Duration::days(5));
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
    assert_eq!(child.parent_id, Some(b.id));
    assert_eq!(child.unit_id, Some(unit.id));
    assert_eq!(store.events(child_id).await.unwrap().len(), 1);
}

pub async fn lists_respect_scope_filters_and_pages(store: &dyn Store) {
    let town = region(store, None, "镇", RegionLevel::Town).await;
    let v1 = region(store, Some(&town), "一村", RegionLevel::Village).await;
    let v2 = region(store, Some(&town), "二村", RegionLevel::Village).await;
    assert!(v1.path.starts_with(&town.path) && v1.path != v2.path);
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
    let f = |page, page_size| CaseFilter {
        page,
        page_size,
        ..Default::default()
    };
    let all = store.list_cases(&Scope::All, &f(1, 4)).await.unwrap();
    assert_eq!((all.total, all.items.len()), (10, 4));
    let last = store.list_cases(&Scope::All, &f(3, 4)).await.unwrap();
    assert_eq!(last.items.len(), 2);
    let v1_scope = Scope::Region {
        path: v1.path.clone(),
        include_unplaced: false,
    };
    assert_eq!(
        store.list_cases(&v1_scope, &f(1, 50)).await.unwrap().total,
        7
    );
    let q = CaseFilter {
        q: Some("垃圾".into()),
        page: 1,
        page_size: 50,
        ..Default::default()
    };
    assert_eq!(store.list_cases(&Scope::All, &q).await.unwrap().total, 3);
    assert_eq!(store.list_cases(&v1_scope, &q).await.unwrap().total, 0);
    let pct = CaseFilter {
        q: Some("%".into()),
        page: 1,
        page_size: 50,
        ..Default::default()
    };
    assert_eq!(
        store.list_cases(&Scope::All, &pct).await.unwrap().total,
        0,
        "% is a literal, not a wildcard"
    );
    let by_region = CaseFilter {
        region_id: Some(v2.id),
        page: 1,
        page_size: 50,
        ..Default::default()
    };
    assert_eq!(
        store
            .list_cases(&Scope::All, &by_region)
            .await
            .unwrap()
            .total,
        3
    );
    store.ping().await.unwrap();
    let counts = store.count_cases(&v1_scope).await.unwrap();
    assert_eq!((counts.total, counts.open), (7, 7));
}

pub async fn organisation_round_trips(store: &dyn Store) {
    let town = region(store, None, "镇", RegionLevel::Town).await;
    let err = store
        .insert_region(
            NewRegion {
                parent_id: Some(RegionId(999)),
                name: "x".into(),
                level: RegionLevel::Village,
            },
            admin(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidReference(_)));
    let unit = store
        .insert_unit(
            NewUnit {
                name: "司法所".into(),
                kind: UnitKind::Station,
                platform: Some(fengqiao_domain::org::Platform::SafetyLaw),
                region_id: town.id,
            },
            admin(),
        )
        .await
        .unwrap();
    assert_eq!(store.units().await.unwrap(), vec![unit.clone()]);
    let user = NewUser {
        username: "op".into(),
        display_name: "受理员".into(),
        role: Role::Operator,
        region_id: town.id,
        unit_id: None,
        password_hash: "h".into(),
        created_at: t0(),
    };
    let u = store.insert_user(user.clone(), admin()).await.unwrap();
    assert!(matches!(
        store.insert_user(user, admin()).await.unwrap_err(),
        StoreError::Duplicate(_)
    ));
    let (found, hash) = store.user_credentials("op").await.unwrap().unwrap();
    assert_eq!((found.id, hash.as_str()), (u.id, "h"));
    store
        .insert_token(u.id, "tok", t0(), t0() + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        store
            .user_by_token("tok", t0())
            .await
            .unwrap()
            .map(|x| x.id),
        Some(u.id)
    );
    assert!(
        store
            .user_by_token("tok", t0() + chrono::Duration::hours(2))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    store.revoke_token("tok", t0()).await.unwrap();
    assert!(
        store.user_by_token("tok", t0()).await.unwrap().is_none(),
        "revoked"
    );
    // Each change was written with its audit entry; the refused ones left none.
    let log = store.audit_log(10).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["user.create", "unit.create", "region.create"],
        "newest first"
    );
    assert_eq!(log[0].target, format!("user:{}", u.id));
    assert_eq!(log[0].actor_name, "管理员");
}

pub async fn configuration_upserts(store: &dyn Store) {
    let p = |amount| TimePolicy {
        id: 0,
        category_id: None,
        priority: Some(Priority::Urgent),
        stage: Stage::Accept,
        limit: TimeLimit::new(amount, LimitUnit::Minutes),
    };
    store.upsert_policy(p(30), admin()).await.unwrap();
    store.upsert_policy(p(20), admin()).await.unwrap();
    let all = store.policies().await.unwrap();
    assert_eq!(all.len(), 1, "one rule per (category, priority, stage)");
    assert_eq!(all[0].limit.amount, 20);
    let d = |date: &str, kind| CalendarDay {
        date: date.parse().unwrap(),
        kind,
        name: "测试".into(),
    };
    store
        .upsert_calendar_days(
            vec![
                d("2027-01-01", DayKind::Holiday),
                d("2027-02-06", DayKind::Workday),
            ],
            admin(),
        )
        .await
        .unwrap();
    store
        .upsert_calendar_days(vec![d("2027-01-01", DayKind::Workday)], admin())
        .await
        .unwrap();
    let days = store.calendar_days().await.unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0].kind, DayKind::Workday);
    let log = store.audit_log(10).await.unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "policy.set").count(), 2);
    assert_eq!(
        log.iter().filter(|e| e.action == "calendar.import").count(),
        2
    );
}

pub async fn triage_round_trips(store: &dyn Store) {
    // Models: the newest is active; an older one can be switched back.
    let model = |source: &str| NewTriageModel {
        trained_by: "管理员".into(),
        source: source.into(),
        examples: 120,
        labels: vec!["1".into(), "2".into()],
        metrics: serde_json::json!({"macro_f1": 0.93}),
        blob: vec![1, 2, 3],
        trained_at: t0(),
    };
    let v1 = store
        .insert_triage_model(model("a"), admin())
        .await
        .unwrap();
    let v2 = store
        .insert_triage_model(model("b"), admin())
        .await
        .unwrap();
    assert!(v2.active && v2.version > v1.version);
    assert_eq!(
        store.active_triage_model().await.unwrap().unwrap().0,
        v2.version
    );
    store
        .activate_triage_model(v1.version, admin())
        .await
        .unwrap();
    let models = store.triage_models().await.unwrap();
    assert_eq!(models.iter().filter(|m| m.active).count(), 1);
    assert!(models.iter().any(|m| m.version == v1.version && m.active));
    assert_eq!(models[0].metrics["macro_f1"], 0.93);
    assert!(store.activate_triage_model(9999, admin()).await.is_err());

    // A suggestion and duplicate proposals are written with the case.
    let first = store
        .intake(new_case("河口村垃圾成堆", None, None))
        .await
        .unwrap()
        .case;
    let suggestion = Suggestion {
        model_version: v1.version,
        label: "1".into(),
        category_id: None,
        unit_id: None,
        confidence: 0.8,
        words: vec!["垃圾".into()],
        auto_dispatched: false,
    };
    let second = store
        .intake(NewCase {
            suggestion: Some(suggestion.clone()),
            duplicates: vec![(first.id, 0.9)],
            ..new_case("河口村垃圾没人清理", None, None)
        })
        .await
        .unwrap()
        .case;
    assert_eq!(
        store.case_suggestion(second.id).await.unwrap(),
        Some(suggestion)
    );
    assert_eq!(store.case_suggestion(first.id).await.unwrap(), None);
    store.mark_auto_dispatched(second.id).await.unwrap();
    assert!(
        store
            .case_suggestion(second.id)
            .await
            .unwrap()
            .unwrap()
            .auto_dispatched
    );
    let props = store.duplicate_proposals(first.id).await.unwrap();
    assert_eq!(props.len(), 1);
    assert_eq!(
        (props[0].case_id, props[0].candidate_id),
        (second.id, first.id)
    );
    assert_eq!(props[0].status, ProposalStatus::Open);
    let dismissed = store.dismiss_proposal(props[0].id, admin()).await.unwrap();
    assert_eq!(dismissed.status, ProposalStatus::Dismissed);
    assert!(matches!(
        store.dismiss_proposal(props[0].id, admin()).await,
        Err(StoreError::Conflict)
    ));
    let open = store.open_texts(t0()).await.unwrap();
    assert_eq!(
        open.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![first.id, second.id]
    );

    // Hot spots gain members without duplicating them.
    let town = region(store, None, "测试镇", RegionLevel::Town).await;
    let h = store
        .upsert_hotspot(
            HotspotUpdate {
                id: None,
                region_id: town.id,
                keywords: vec!["垃圾".into()],
                members: vec![first.id, second.id],
                first_at: t0(),
                last_at: t0(),
            },
            admin(),
        )
        .await
        .unwrap();
    let third = store
        .intake(new_case("垃圾", None, None))
        .await
        .unwrap()
        .case;
    let h2 = store
        .upsert_hotspot(
            HotspotUpdate {
                id: Some(h.id),
                members: vec![second.id, third.id],
                ..HotspotUpdate {
                    id: None,
                    region_id: town.id,
                    keywords: vec!["垃圾".into(), "清理".into()],
                    members: vec![],
                    first_at: t0(),
                    last_at: t0() + chrono::Duration::hours(1),
                }
            },
            admin(),
        )
        .await
        .unwrap();
    assert_eq!(h2.members, vec![first.id, second.id, third.id]);
    assert_eq!(store.hotspots(t0()).await.unwrap().len(), 1);
    assert!(store
        .hotspots(t0() + chrono::Duration::hours(2))
        .await
        .unwrap()
        .is_empty());
}

pub async fn api_clients_round_trip(store: &dyn Store) {
    let new = |name: &str, hash: &str| NewApiClient {
        name: name.into(),
        key_hash: hash.into(),
        key_prefix: "fq_abcdef".into(),
    };
    let a = store
        .insert_api_client(new("市12345平台", "h1"), admin())
        .await
        .unwrap();
    assert!(matches!(
        store
            .insert_api_client(new("市12345平台", "h2"), admin())
            .await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store
            .api_client_by_key_hash("h1")
            .await
            .unwrap()
            .unwrap()
            .id,
        a.id
    );
    assert!(store
        .api_client_by_key_hash("nope")
        .await
        .unwrap()
        .is_none());
    // A case records the client that sent it.
    let case = store
        .intake(NewCase {
            client_id: Some(a.id),
            ..new_case("路灯坏了", None, None)
        })
        .await
        .unwrap();
    assert!(case.created);
    assert_eq!(
        store.case_client(case.case.id).await.unwrap().map(|c| c.id),
        Some(a.id)
    );
    let photos = vec![
        "https://img.example.cn/a.jpg".to_string(),
        "https://img.example.cn/b.jpg".to_string(),
    ];
    let with_photos = store
        .intake(NewCase {
            client_id: Some(a.id),
            media: photos.clone(),
            ..new_case("路面塌陷", None, None)
        })
        .await
        .unwrap()
        .case;
    assert_eq!(
        store.case_media(with_photos.id).await.unwrap(),
        photos,
        "in order"
    );
    assert!(store.case_media(case.case.id).await.unwrap().is_empty());
    assert_eq!(
        store
            .first_media(&[case.case.id, with_photos.id])
            .await
            .unwrap(),
        vec![(with_photos.id, photos[0].clone())],
        "lists show the first photo of the cases that have one"
    );
    let plain = store
        .intake(new_case("路灯", None, None))
        .await
        .unwrap()
        .case;
    assert!(store.case_client(plain.id).await.unwrap().is_none());
    let revoked = store.revoke_api_client(a.id, admin()).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(store.api_client_by_key_hash("h1").await.unwrap().is_none());
    assert!(matches!(
        store.revoke_api_client(a.id, admin()).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        store.revoke_api_client(999, admin()).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.api_clients().await.unwrap().len(), 1);
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
