//! Triage: classifier models, suggestions, duplicate proposals and hot spots.

use crate::*;
use fengqiao_domain::lifecycle::ActionKind;
use fengqiao_domain::org::RegionLevel;

/// Two reports of the same rubbish heap, the second proposed as a duplicate of the first.
async fn two_alike(store: &dyn Store) -> (Case, Case) {
    let first = store
        .intake(new_case("河口村垃圾成堆", None, None))
        .await
        .unwrap()
        .case;
    let second = store
        .intake(NewCase {
            duplicates: vec![(first.id, 0.9)],
            ..new_case("河口村垃圾没人清理", None, None)
        })
        .await
        .unwrap()
        .case;
    (first, second)
}

pub async fn newest_model_is_active_until_switched(store: &dyn Store) {
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
}

pub async fn suggestions_and_proposals_are_written_with_the_case(store: &dyn Store) {
    let v1 = store
        .insert_triage_model(
            NewTriageModel {
                trained_by: "管理员".into(),
                source: "a".into(),
                examples: 120,
                labels: vec!["1".into(), "2".into()],
                metrics: serde_json::json!({"macro_f1": 0.93}),
                blob: vec![1, 2, 3],
                trained_at: t0(),
            },
            admin(),
        )
        .await
        .unwrap();
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
    // Marked with the change that dispatched it, in its transaction.
    store
        .commit(Changeset {
            auto_dispatched: true,
            ..change(
                second.clone(),
                ActionKind::Register,
                CaseState::Registered,
                vec![],
            )
        })
        .await
        .unwrap();
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
}

pub async fn proposals_are_dismissed_once(store: &dyn Store) {
    let (first, second) = two_alike(store).await;
    let props = store.duplicate_proposals(second.id).await.unwrap();
    assert_eq!(props.len(), 1, "a proposal is listed under both cases");
    let dismissed = store.dismiss_proposal(props[0].id, admin()).await.unwrap();
    assert_eq!(dismissed.status, ProposalStatus::Dismissed);
    assert!(matches!(
        store.dismiss_proposal(props[0].id, admin()).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store.duplicate_proposals(first.id).await.unwrap()[0].status,
        ProposalStatus::Dismissed
    );
    assert_eq!(
        store.audit_log(10).await.unwrap()[0].action.as_str(),
        "duplicate.dismiss"
    );
}

/// A look-alike found after a case was stored (it was being stored at the same time) is
/// proposed then, once, beside what intake proposed.
pub async fn late_proposals_are_added_once(store: &dyn Store) {
    let (first, second) = two_alike(store).await;
    let third = store
        .intake(new_case("河口村垃圾堆了一周", None, None))
        .await
        .unwrap()
        .case;
    let at = third.created_at;
    let made = store
        .propose_duplicates(third.id, vec![(first.id, 0.7), (second.id, 0.8)], at)
        .await
        .unwrap();
    let pairs: Vec<_> = made.iter().map(|p| (p.case_id, p.candidate_id)).collect();
    assert_eq!(
        pairs,
        vec![(third.id, second.id), (third.id, first.id)],
        "most similar first"
    );
    let again = store
        .propose_duplicates(third.id, vec![(second.id, 0.8)], at)
        .await
        .unwrap();
    assert!(again.is_empty(), "a pair is proposed once: {again:?}");
    assert_eq!(store.duplicate_proposals(third.id).await.unwrap().len(), 2);
    assert_eq!(
        store.duplicate_proposals(second.id).await.unwrap().len(),
        2,
        "the second case's own proposal and the third's"
    );
    assert!(
        store
            .propose_duplicates(
                third.id,
                vec![(fengqiao_domain::ids::CaseId(999_999), 0.9)],
                at
            )
            .await
            .is_err(),
        "no proposal against a case that does not exist"
    );
}

pub async fn hotspots_gain_members_without_duplicates(store: &dyn Store) {
    let (first, second) = two_alike(store).await;
    // Hot spots gain members without duplicating them.
    let town = region(store, None, "测试镇", RegionLevel::Town).await;
    let h = store
        .upsert_hotspot(
            HotspotUpdate {
                id: None,
                region_id: town.id,
                keywords: Some(vec!["垃圾".into()]),
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
                id: Some(h),
                members: vec![second.id, third.id],
                ..HotspotUpdate {
                    id: None,
                    region_id: town.id,
                    keywords: None,
                    members: vec![],
                    first_at: t0(),
                    last_at: t0() + chrono::Duration::hours(1),
                }
            },
            admin(),
        )
        .await
        .unwrap();
    assert_eq!(h2, h);
    let stored = store.hotspots(t0()).await.unwrap();
    assert_eq!(stored[0].members, vec![first.id, second.id, third.id]);
    assert_eq!(
        stored[0].keywords,
        vec!["垃圾".to_string()],
        "no new key words keeps the old"
    );
    assert_eq!(stored[0].last_at, t0() + chrono::Duration::hours(1));
    store
        .upsert_hotspot(
            HotspotUpdate {
                id: Some(h),
                region_id: town.id,
                keywords: Some(vec!["清理".into()]),
                members: vec![],
                first_at: t0(),
                last_at: t0(),
            },
            admin(),
        )
        .await
        .unwrap();
    let stored = store.hotspots(t0()).await.unwrap();
    assert_eq!(stored[0].keywords, vec!["清理".to_string()]);
    assert_eq!(
        stored[0].last_at,
        t0() + chrono::Duration::hours(1),
        "the last report's time only moves forward"
    );
    // Key words can be people's names: the audit trail holds ids and counts, not words.
    let log = store.audit_log(20).await.unwrap();
    let raised = log.iter().find(|e| e.action == "hotspot.raise").unwrap();
    assert!(
        !raised.detail.as_deref().unwrap_or("").contains("垃圾"),
        "{:?}",
        raised.detail
    );
    assert_eq!(store.hotspots(t0()).await.unwrap().len(), 1);
    assert!(store
        .hotspots(t0() + chrono::Duration::hours(2))
        .await
        .unwrap()
        .is_empty());

    // A report joins a hot spot with its own intake: member and last report in one write.
    let later = t0() + chrono::Duration::hours(3);
    let fourth = store
        .intake(NewCase {
            hotspot: Some(h),
            received_at: later,
            ..new_case("垃圾还是没人清理", None, None)
        })
        .await
        .unwrap()
        .case;
    let stored = store.hotspots(t0()).await.unwrap();
    assert_eq!(
        stored[0].members,
        vec![first.id, second.id, third.id, fourth.id]
    );
    assert_eq!(stored[0].last_at, later);
    // A hot spot that is not there is no reason to refuse a report.
    let fifth = store
        .intake(NewCase {
            hotspot: Some(h + 1000),
            ..new_case("垃圾", None, None)
        })
        .await
        .unwrap()
        .case;
    assert!(store.case(fifth.id).await.unwrap().is_some());
    assert_eq!(store.hotspots(t0()).await.unwrap()[0].members.len(), 4);
}
pub async fn open_texts_leave_out_closed_cases(store: &dyn Store) {
    let (first, second) = two_alike(store).await;
    let open = store.open_texts(t0()).await.unwrap();
    assert_eq!(
        open.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![first.id, second.id]
    );

    store
        .commit(change(
            second.clone(),
            ActionKind::Withdraw,
            CaseState::Withdrawn,
            vec![],
        ))
        .await
        .unwrap();
    let open = store.open_texts(t0()).await.unwrap();
    assert_eq!(
        open.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![first.id]
    );
    assert_eq!(open[0].body, "河口村垃圾成堆");
    assert!(store
        .open_texts(t0() + chrono::Duration::seconds(1))
        .await
        .unwrap()
        .is_empty());
}
