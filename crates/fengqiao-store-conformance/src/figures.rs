//! The dashboard's and the workbench's figures: grouped counts of open and recent cases, and
//! many lists' totals in one read.

use crate::case_queries::two_villages;
use crate::*;
use fengqiao_domain::lifecycle::ActionKind;
use fengqiao_domain::org::UnitKind;

/// The dashboard's figures: open cases (closed ones left out) per handling unit and per place,
/// with how many are yellow and red, within the viewer's scope.
pub async fn open_figures_group_by_unit_and_place(store: &dyn Store) {
    use fengqiao_domain::deadline::OverdueLevel as L;
    let (v1, v2) = two_villages(store).await;
    let unit = store
        .insert_unit(
            NewUnit {
                name: "农业农村办公室".into(),
                kind: UnitKind::Department,
                platform: None,
                region_id: v1.id,
            },
            admin(),
        )
        .await
        .unwrap()
        .id;
    let mut cases = store
        .list_cases(&Scope::All, &page(1, 100))
        .await
        .unwrap()
        .items;
    cases.sort_by_key(|c| c.id);
    // In 一村 (7 cases): 0–2 sent to the unit (1 yellow, 2 red), 3 closed; 二村 (3): 7 red.
    for (i, state, level) in [
        (0, CaseState::Dispatched, L::Green),
        (1, CaseState::Accepted, L::Yellow),
        (2, CaseState::Accepted, L::Red),
        (3, CaseState::Withdrawn, L::Red),
        (7, CaseState::Registered, L::Red),
    ] {
        let mut c = cases[i].clone();
        if i < 3 {
            c.handling.unit_id = Some(unit);
        }
        c.deadlines.overdue_level = level;
        store
            .commit(change(c, ActionKind::Dispatch, state, vec![]))
            .await
            .unwrap();
    }
    let by_unit = store.open_by_unit(&Scope::All).await.unwrap();
    let count = |open, yellow, red| OpenCount { open, yellow, red };
    assert!(
        by_unit.contains(&(Some(unit), count(3, 1, 1))),
        "{by_unit:?}"
    );
    assert!(by_unit.contains(&(None, count(6, 0, 1))), "{by_unit:?}");
    let by_place = store.open_by_region(&Scope::All).await.unwrap();
    assert!(
        by_place.contains(&(Some(v1.path.clone()), count(6, 1, 1))),
        "{by_place:?}"
    );
    assert!(
        by_place.contains(&(Some(v2.path.clone()), count(3, 0, 1))),
        "{by_place:?}"
    );
    // What came in since a time, by channel.
    assert_eq!(
        store.received_by_channel(&Scope::All, t0()).await.unwrap(),
        vec![("hotline".to_string(), 10)]
    );
    let later = t0() + chrono::Duration::days(1);
    assert!(store
        .received_by_channel(&Scope::All, later)
        .await
        .unwrap()
        .is_empty());
    // And by China-time day.
    assert_eq!(
        store.received_by_day(&Scope::All, t0()).await.unwrap(),
        vec![(fengqiao_domain::deadline::local_date(t0()), 10)]
    );
    assert!(store
        .received_by_day(&Scope::All, later)
        .await
        .unwrap()
        .is_empty());
    // And by category: two of them categorised, the rest not yet, most first.
    let cat = store
        .insert_category(
            NewCategory {
                parent_id: None,
                name: "道路破损".into(),
                default_unit_id: None,
                is_petition: false,
            },
            admin(),
        )
        .await
        .unwrap()
        .id;
    for i in [4, 5] {
        let mut c = cases[i].clone();
        c.category_id = Some(cat);
        store
            .commit(change(
                c,
                ActionKind::Register,
                CaseState::Registered,
                vec![],
            ))
            .await
            .unwrap();
    }
    assert_eq!(
        store.received_by_category(&Scope::All, t0()).await.unwrap(),
        vec![(None, 8), (Some(cat), 2)]
    );
    // Within a village's scope, only that village.
    let only_v2 = Scope::Region {
        path: v2.path.clone(),
        include_unplaced: false,
    };
    assert_eq!(
        store.open_by_region(&only_v2).await.unwrap(),
        vec![(Some(v2.path.clone()), count(3, 0, 1))]
    );
}

/// The counts on a workbench's tabs, read at once, are each what that list's total would be.
pub async fn counts_of_many_lists_at_once_match_each_list(store: &dyn Store) {
    use fengqiao_domain::deadline::OverdueLevel as L;
    let (v1, v2) = two_villages(store).await;
    let mut cases = store
        .list_cases(&Scope::All, &page(1, 100))
        .await
        .unwrap()
        .items;
    cases.sort_by_key(|c| c.id);
    for (i, state, level) in [
        (0, CaseState::Registered, L::Green),
        (1, CaseState::Dispatched, L::Red),
        (2, CaseState::Accepted, L::Yellow),
        (7, CaseState::Dispatched, L::Red),
        (8, CaseState::Withdrawn, L::Red),
    ] {
        let mut c = cases[i].clone();
        c.deadlines.overdue_level = level;
        store
            .commit(change(c, ActionKind::Dispatch, state, vec![]))
            .await
            .unwrap();
    }
    use CaseState as S;
    let open = vec![S::Reported, S::Registered, S::Dispatched, S::Accepted];
    let filters = vec![
        CaseFilter {
            states: vec![S::Reported],
            ..Default::default()
        },
        CaseFilter {
            states: vec![S::Registered],
            ..Default::default()
        },
        CaseFilter {
            states: open.clone(),
            overdue: Some(L::Red),
            ..Default::default()
        },
        CaseFilter {
            states: open.clone(),
            overdue: Some(L::Yellow),
            ..Default::default()
        },
        CaseFilter {
            states: open.clone(),
            q: Some("垃圾".into()),
            ..Default::default()
        },
        CaseFilter {
            states: open.clone(),
            region_id: Some(v2.id),
            ..Default::default()
        },
        CaseFilter {
            states: vec![S::Withdrawn],
            ..Default::default()
        },
        // No states named: counted on its own.
        CaseFilter {
            q: Some("垃圾".into()),
            ..Default::default()
        },
    ];
    for scope in [
        Scope::All,
        Scope::Region {
            path: v1.path.clone(),
            include_unplaced: false,
        },
    ] {
        let at_once = store.count_each(&scope, &filters).await.unwrap();
        let mut each = Vec::new();
        for f in &filters {
            each.push(
                store
                    .list_cases(
                        &scope,
                        &CaseFilter {
                            page_size: 1,
                            ..f.clone()
                        },
                    )
                    .await
                    .unwrap()
                    .total,
            );
        }
        assert_eq!(at_once, each, "{scope:?}");
    }
    assert_eq!(
        store.count_each(&Scope::All, &filters).await.unwrap(),
        vec![5, 1, 2, 1, 2, 2, 1, 3]
    );
    assert!(store.count_each(&Scope::All, &[]).await.unwrap().is_empty());
}
