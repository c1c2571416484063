//! Rules every backend keeps whatever its storage: who sees which cases in a list, what may be
//! published, what the model may learn from, and that history is only ever appended.

use crate::*;
use chrono::Duration;
use fengqiao_domain::ids::CategoryId;
use fengqiao_domain::lifecycle::ActionKind;
use fengqiao_domain::publication::may_publish;
use fengqiao_domain::training::{is_training_example, CategoryOrigin};

async fn category(store: &dyn Store, name: &str, is_petition: bool) -> CategoryId {
    store
        .insert_category(
            NewCategory {
                parent_id: None,
                name: name.into(),
                default_unit_id: None,
                is_petition,
            },
            admin(),
        )
        .await
        .unwrap()
        .id
}

async fn categorised(store: &dyn Store, body: &str, category: CategoryId, petition: bool) -> Case {
    let mut new = new_case(body, None, None);
    new.intake.category_id = Some(category);
    new.intake.is_petition = petition;
    store.intake(new).await.unwrap().case
}

pub async fn petitions_and_uncategorised_cases_are_never_published(store: &dyn Store) {
    let roads = category(store, "道路", false).await;
    let petitions = category(store, "信访", true).await;
    // Every combination of the facts the rule reads; the backend must agree with the domain.
    let mut cases = Vec::new();
    for (petition, category) in [
        (false, Some(roads)),
        (true, Some(petitions)),
        (true, Some(roads)),
        (false, None),
        (true, None),
    ] {
        let mut new = new_case("一件事", None, None);
        new.intake.category_id = category;
        new.intake.is_petition = petition;
        cases.push(store.intake(new).await.unwrap().case);
    }
    let expected: Vec<_> = cases
        .iter()
        .rev()
        .filter(|c| may_publish(c))
        .map(|c| c.id)
        .collect();
    assert_eq!(expected.len(), 1, "only the categorised non-petition");
    let filter = CaseFilter {
        public_only: true,
        page: 1,
        page_size: 50,
        ..Default::default()
    };
    let listed = store.list_cases(&Scope::All, &filter).await.unwrap();
    assert_eq!(
        listed.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        expected
    );
    let events = store
        .public_events_between(t0(), t0() + Duration::days(1), 100)
        .await
        .unwrap();
    assert_eq!(
        events.iter().map(|(e, _)| e.case_id).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(events[0].1, cases[0].case_no.as_str());
}

pub async fn public_events_are_windowed_and_limited(store: &dyn Store) {
    let roads = category(store, "道路", false).await;
    let a = categorised(store, "路灯坏了", roads, false).await;
    let mut later = change(
        a.clone(),
        ActionKind::Register,
        CaseState::Registered,
        vec![],
    );
    later.at = t0() + Duration::hours(2);
    store.commit(later).await.unwrap();
    let b = categorised(store, "井盖丢了", roads, false).await;
    let window = |from: i64, to: i64, limit| {
        store.public_events_between(
            t0() + Duration::hours(from),
            t0() + Duration::hours(to),
            limit,
        )
    };
    let all = window(0, 3, 100).await.unwrap();
    let steps: Vec<(fengqiao_domain::ids::CaseId, &str)> = all
        .iter()
        .map(|(e, _)| (e.case_id, e.action.as_str()))
        .collect();
    assert_eq!(
        steps,
        vec![(a.id, "intake"), (b.id, "intake"), (a.id, "register")],
        "oldest first"
    );
    assert_eq!(
        window(0, 2, 100).await.unwrap().len(),
        2,
        "the end is excluded"
    );
    assert_eq!(
        window(2, 3, 100).await.unwrap().len(),
        1,
        "the start is included"
    );
    assert_eq!(window(0, 3, 1).await.unwrap().len(), 1, "at most the limit");
    // Internal steps (an urge) are never public, and never use up the limit: two public steps
    // after it still come back with a limit of two.
    let a = store.case(a.id).await.unwrap().unwrap().case;
    let mut urge = change(a, ActionKind::Urge, CaseState::Registered, vec![]);
    urge.at = t0() + Duration::hours(4);
    store.commit(urge).await.unwrap();
    let steps: Vec<&str> = window(1, 5, 2)
        .await
        .unwrap()
        .iter()
        .map(|(e, _)| e.action.as_str())
        .collect();
    assert_eq!(steps, vec!["register"], "the urge is left out");
}

pub async fn the_model_never_learns_from_itself(store: &dyn Store) {
    let roads = category(store, "道路", false).await;
    let lights = category(store, "路灯", false).await;
    // A person categorised this one at intake: training data.
    let by_person = categorised(store, "路面塌陷", roads, false).await;
    // The system categorised and dispatched this one on its own suggestion: not training data.
    let model = store
        .insert_triage_model(
            NewTriageModel {
                trained_by: "管理员".into(),
                source: "测试".into(),
                examples: 2,
                labels: vec!["道路".into(), "路灯".into()],
                metrics: serde_json::json!({}),
                blob: vec![0],
                trained_at: t0(),
            },
            admin(),
        )
        .await
        .unwrap();
    let suggested = Suggestion {
        model_version: model.version,
        label: "道路".into(),
        category_id: Some(roads),
        unit_id: None,
        confidence: 0.95,
        words: vec!["路".into()],
        auto_dispatched: false,
    };
    let suggested_intake = |body: &str| NewCase {
        suggestion: Some(suggested.clone()),
        ..new_case(body, None, None)
    };
    let by_system = store
        .intake(suggested_intake("路灯不亮"))
        .await
        .unwrap()
        .case;
    let mut registered = by_system.clone();
    registered.category_id = Some(roads);
    store
        .commit(Changeset {
            auto_dispatched: true,
            ..change(
                registered,
                ActionKind::Register,
                CaseState::Registered,
                vec![],
            )
        })
        .await
        .unwrap();
    // Nobody categorised this one yet: not training data.
    store
        .intake(new_case("说不清的事", None, None))
        .await
        .unwrap();
    let labelled = store.labelled_cases().await.unwrap();
    assert_eq!(
        labelled
            .iter()
            .map(|l| (l.body.as_str(), l.category_id))
            .collect::<Vec<_>>(),
        vec![(by_person.text.body.as_str(), roads)]
    );
    // An operator registers a suggested case under another category: training data, with the
    // person's answer.
    let corrected = store
        .intake(suggested_intake("路灯一闪一闪"))
        .await
        .unwrap()
        .case;
    let mut registered = corrected.clone();
    registered.category_id = Some(lights);
    let mut ch = change(
        registered,
        ActionKind::Register,
        CaseState::Registered,
        vec![],
    );
    ch.feedback = Some(TriageFeedback {
        suggested_category_id: Some(roads),
        chosen_category_id: lights,
    });
    store.commit(ch).await.unwrap();
    let labelled = store.labelled_cases().await.unwrap();
    assert_eq!(
        labelled
            .iter()
            .map(|l| (l.body.as_str(), l.category_id))
            .collect::<Vec<_>>(),
        vec![
            (by_person.text.body.as_str(), roads),
            ("路灯一闪一闪", lights)
        ]
    );
    // The backend's choice is the domain's rule applied to each case's facts.
    let origin = |categorised, by_system, confirmed_by_person| CategoryOrigin {
        categorised,
        by_system,
        confirmed_by_person,
    };
    let facts = [
        (
            by_person.text.body.as_str(),
            roads,
            origin(true, false, false),
        ),
        ("路灯不亮", roads, origin(true, true, false)),
        ("说不清的事", roads, origin(false, false, false)),
        ("路灯一闪一闪", lights, origin(true, false, true)),
    ];
    let expected: Vec<(&str, CategoryId)> = facts
        .iter()
        .filter(|(_, _, o)| is_training_example(*o))
        .map(|(body, category, _)| (*body, *category))
        .collect();
    let stored: Vec<(&str, CategoryId)> = labelled
        .iter()
        .map(|l| (l.body.as_str(), l.category_id))
        .collect();
    assert_eq!(stored, expected);
}

pub async fn history_is_only_appended(store: &dyn Store) {
    let case = store
        .intake(new_case("路灯坏了", None, None))
        .await
        .unwrap()
        .case;
    let before = store.events(case.id).await.unwrap();
    let registered = store
        .commit(change(
            case.clone(),
            ActionKind::Register,
            CaseState::Registered,
            vec![],
        ))
        .await
        .unwrap();
    let mut stale = change(case, ActionKind::Withdraw, CaseState::Withdrawn, vec![]);
    stale.event.remark = Some("改写历史".into());
    assert!(store.commit(stale).await.is_err());
    store
        .commit(change(
            registered,
            ActionKind::Withdraw,
            CaseState::Withdrawn,
            vec![],
        ))
        .await
        .unwrap();
    let after = store.events(case_id(&before)).await.unwrap();
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "earlier events are unchanged"
    );
    assert_eq!(
        after.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["intake", "register", "withdraw"]
    );
    assert!(after.windows(2).all(|w| w[0].id < w[1].id));
    assert!(after
        .iter()
        .all(|e| e.remark.as_deref() != Some("改写历史")));
}

fn case_id(events: &[fengqiao_domain::case::Event]) -> fengqiao_domain::ids::CaseId {
    events[0].case_id
}

/// A list shows a person exactly the cases the domain lets them open: the backend's scope
/// filter is checked against `access::can_view` for every role — the township's staff, a
/// village's operator, a township office, a village committee (which sees its whole village),
/// a grid worker.
pub async fn lists_show_exactly_the_cases_each_person_may_open(store: &dyn Store) {
    use fengqiao_domain::access::{can_view, scope_of};
    use fengqiao_domain::ids::UserId;
    use fengqiao_domain::org::{Actor, ActorRole, Role, UnitKind};
    let town = region(store, None, "镇", RegionLevel::Town).await;
    let v1 = region(store, Some(&town), "一村", RegionLevel::Village).await;
    let v2 = region(store, Some(&town), "二村", RegionLevel::Village).await;
    let grid = region(store, Some(&v1), "一村一网格", RegionLevel::Grid).await;
    let unit = |name: &str, kind, region: &Region| NewUnit {
        name: name.into(),
        kind,
        platform: None,
        region_id: region.id,
    };
    let office = store
        .insert_unit(unit("农业农村办公室", UnitKind::Department, &town), admin())
        .await
        .unwrap()
        .id;
    let committee = store
        .insert_unit(unit("一村村委会", UnitKind::VillageCommittee, &v1), admin())
        .await
        .unwrap()
        .id;
    // Cases in each place, some sent to the office, some to the committee, one unplaced.
    let mut cases = Vec::new();
    for (i, (place, handler)) in [
        (Some(&v1), None),
        (Some(&v1), Some(office)),
        (Some(&v1), Some(committee)),
        (Some(&grid), None),
        (Some(&v2), Some(office)),
        (Some(&v2), None),
        (None, Some(office)),
        (None, None),
    ]
    .into_iter()
    .enumerate()
    {
        let mut c = store
            .intake(new_case(&format!("第{i}件"), None, place.map(|r| r.id)))
            .await
            .unwrap()
            .case;
        if let Some(u) = handler {
            c.handling.unit_id = Some(u);
            c = store
                .commit(change(
                    c,
                    ActionKind::Dispatch,
                    CaseState::Dispatched,
                    vec![],
                ))
                .await
                .unwrap();
        }
        cases.push(c);
    }
    let person = |role, region: &Region, unit| Actor {
        user_id: Some(UserId(900)),
        name: "测试".into(),
        role: ActorRole::User(role),
        region_path: region.path.clone(),
        unit_id: unit,
    };
    let people = [
        person(Role::Operator, &town, None),
        person(Role::Leader, &town, None),
        person(Role::Operator, &v1, None),
        person(Role::UnitStaff, &town, Some(office)),
        person(Role::UnitStaff, &v1, Some(committee)),
        person(Role::GridWorker, &grid, Some(committee)),
    ];
    for actor in &people {
        let listed: std::collections::BTreeSet<i64> = store
            .list_cases(&scope_of(actor), &page(1, 100))
            .await
            .unwrap()
            .items
            .iter()
            .map(|c| c.id.0)
            .collect();
        let allowed: std::collections::BTreeSet<i64> = cases
            .iter()
            .filter(|c| can_view(actor, c, &[], None))
            .map(|c| c.id.0)
            .collect();
        assert_eq!(listed, allowed, "{:?} in {}", actor.role, actor.region_path);
    }
    // The village committee sees its village (four cases), not the other village's.
    let cadre = &people[4];
    assert_eq!(
        cases
            .iter()
            .filter(|c| can_view(cadre, c, &[], None))
            .count(),
        4
    );
}
