//! Overdue inspections escalated: urged once past due, supervised once past the configured
//! days, each step recorded once, cleared when the place is inspected or no longer due.

use crate::places::{inspect, place, township};
use crate::*;
use chrono::Duration;
use fengqiao_domain::places::*;

pub async fn overdue_inspections_are_urged_then_supervised_and_cleared(store: &dyn Store) {
    let tw = township(store).await;
    let shop = store
        .create_place(
            place(
                "JX-ESC",
                "苍岩小卖部",
                PlaceKind::SmallVenue,
                &tw.grid,
                RiskColor::Blue,
            ),
            admin(),
        )
        .await
        .unwrap();
    let late = store
        .create_place(
            place(
                "JX-LATE",
                "溪口小吃",
                PlaceKind::SmallVenue,
                &tw.other_village,
                RiskColor::Blue,
            ),
            admin(),
        )
        .await
        .unwrap();
    let due = shop.next_due_at;
    let pass = |h: i64| async move {
        let now = due + Duration::hours(h);
        store
            .escalate_overdue_places(escalation_cutoffs(now, 3), now)
            .await
            .unwrap()
    };
    assert_eq!(pass(0).await, EscalationTally::default(), "due is not late");
    let t = pass(1).await;
    assert_eq!((t.urged, t.supervised), (2, 0));
    assert_eq!(pass(2).await, EscalationTally::default(), "once per level");
    let now = store.place(shop.id).await.unwrap().unwrap();
    assert_eq!(now.escalation, Some(InspectionEscalation::Urged));
    assert_eq!(
        now.version, shop.version,
        "a re-grade made meanwhile is not refused for it"
    );

    // Inspected late: cleared at once; the other stays late and is supervised after 3 days.
    inspect(
        store,
        &shop,
        &[],
        RiskColor::Blue,
        due + Duration::hours(5),
        None,
    )
    .await
    .unwrap();
    let inspected = store.place(shop.id).await.unwrap().unwrap();
    assert_eq!(inspected.escalation, None);
    let t = pass(3 * 24 + 1).await;
    assert_eq!((t.urged, t.supervised, t.cleared), (0, 1, 0));
    assert_eq!(
        store.place(late.id).await.unwrap().unwrap().escalation,
        Some(InspectionEscalation::Supervised)
    );
    let steps = store.place_escalations(late.id).await.unwrap();
    assert_eq!(
        steps.iter().map(|s| s.level).collect::<Vec<_>>(),
        [
            InspectionEscalation::Urged,
            InspectionEscalation::Supervised
        ]
    );
    assert!(steps.iter().all(|s| s.due_at == late.next_due_at));
    assert_eq!(store.place_escalations(shop.id).await.unwrap().len(), 1);

    // Late again after its interval (urged); then a new policy moves its due time past now:
    // no longer overdue, its level cleared. The never-inspected one stays supervised.
    let month = 31 * 24 + 6;
    let t = pass(month).await;
    assert_eq!((t.urged, t.supervised, t.cleared), (1, 0, 0));
    let mut policy = store.inspection_policy().await.unwrap();
    policy.rules.push(FrequencyRule {
        kind: Some(PlaceKind::SmallVenue),
        color: RiskColor::Blue,
        interval_days: 365,
    });
    store.set_inspection_policy(policy, admin()).await.unwrap();
    let t = pass(month + 1).await;
    assert_eq!((t.urged, t.supervised, t.cleared), (0, 0, 1));
    assert_eq!(
        store.place(shop.id).await.unwrap().unwrap().escalation,
        None
    );
    assert_eq!(
        store.place(late.id).await.unwrap().unwrap().escalation,
        Some(InspectionEscalation::Supervised)
    );
    // The same pass again changes nothing, and the steps are never rewritten.
    assert_eq!(pass(month + 1).await, EscalationTally::default());
    assert_eq!(store.place_escalations(late.id).await.unwrap().len(), 2);
    assert_eq!(store.place_escalations(shop.id).await.unwrap().len(), 2);
}
