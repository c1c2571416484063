//! 转为工单: a hazard that needs another unit's work opens an ordinary case through the one
//! intake — once, whoever asks and however often — and keeps its own loop.

use crate::places::{answers, shop};
use fengqiao_app::{AppError, InspectionInput};
use fengqiao_domain::case::Channel;
use fengqiao_domain::ids::CaseId;
use fengqiao_domain::places::{HazardAction, HazardActionKind, HazardState};
use fengqiao_store::CaseFilter;
use fengqiao_testkit::township;

#[tokio::test]
async fn a_hazard_opens_one_ordinary_case_in_its_places_grid() {
    let t = township(Default::default()).await;
    let (grid, op, leader) = (
        t.actor("grid").await,
        t.actor("op").await,
        t.actor("leader").await,
    );
    let place = t.app.places.register(&grid, shop(&t)).await.unwrap();
    let found = t
        .app
        .places
        .inspect(
            &grid,
            place.id,
            InspectionInput {
                answers: answers(&t, &place, &["wiring"]).await,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let hazard = found.hazards[0].clone();
    let sheet = t.app.hazards.get(&op, hazard.id).await.unwrap();
    assert!(sheet.offered.contains(&HazardActionKind::OpenCase));
    assert!(!t
        .app
        .hazards
        .get(&grid, hazard.id)
        .await
        .unwrap()
        .offered
        .contains(&HazardActionKind::OpenCase));

    // Neither the grid worker nor a leader opens cases; nothing is written for them.
    for who in [&grid, &leader] {
        let err = t
            .app
            .hazards
            .open_case(who, hazard.id, None, None)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    }
    let cases = |t: &fengqiao_testkit::Township| {
        let op = op.clone();
        let app = t.app.clone();
        async move {
            app.queries
                .list_cases(
                    &op,
                    CaseFilter {
                        page_size: 50,
                        ..CaseFilter::default()
                    },
                )
                .await
                .unwrap()
                .total
        }
    };
    let before = cases(&t).await;

    let h = t
        .app
        .hazards
        .open_case(
            &op,
            hazard.id,
            Some(hazard.version),
            Some("需供电所更换线路".into()),
        )
        .await
        .unwrap();
    let case_id = h.case_id.expect("linked");
    assert_eq!(h.state, HazardState::Found, "the hazard keeps its own loop");
    let view = t.app.queries.case_view(&op, case_id).await.unwrap();
    assert_eq!(view.case.channel, Channel::Inspection);
    assert_eq!(view.case.location.region_id.map(|r| r.0), Some(t.grid()));
    assert!(
        view.case.text.body.contains("苍岩村便民超市") && view.case.text.body.contains("私拉乱接"),
        "{}",
        view.case.text.body
    );
    assert_eq!(cases(&t).await, before + 1);

    // Again — by the same API action naming another case, or a retry — the same one case.
    let again = t
        .app
        .hazards
        .act(
            &op,
            hazard.id,
            None,
            HazardAction::OpenCase {
                case_id: CaseId(999_999),
                case_no: "FQ-FORGED".into(),
                remark: None,
            },
            Vec::new(),
        )
        .await;
    assert!(
        matches!(&again, Err(AppError::Conflict(m)) if m.contains(view.case.case_no.as_str())),
        "{again:?}"
    );
    let sheet = t.app.hazards.get(&op, hazard.id).await.unwrap();
    assert_eq!(sheet.hazard.case_id, Some(case_id));
    assert_eq!(sheet.case.as_ref().map(|c| c.id), Some(case_id));
    assert!(!sheet.offered.contains(&HazardActionKind::OpenCase));
    assert_eq!(cases(&t).await, before + 1, "never a second case");
    let events = t.app.hazards.get(&op, hazard.id).await.unwrap().events;
    let opened: Vec<_> = events
        .iter()
        .filter(|e| e.action == HazardActionKind::OpenCase)
        .collect();
    assert_eq!(opened.len(), 1);
    assert!(opened[0]
        .remark
        .as_deref()
        .unwrap()
        .contains("需供电所更换线路"));
}
