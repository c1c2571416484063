//! Time-limit policies and the working-day calendar.

use crate::*;
use fengqiao_domain::calendar::{CalendarDay, DayKind};
use fengqiao_domain::case::Priority;
use fengqiao_domain::deadline::{LimitUnit, Stage, TimeLimit, TimePolicy};

pub async fn one_policy_per_category_priority_and_stage(store: &dyn Store) {
    let p = |stage, amount| TimePolicy {
        id: 0,
        category_id: None,
        priority: Some(Priority::Urgent),
        stage,
        limit: TimeLimit::new(amount, LimitUnit::Minutes),
    };
    let a = store
        .upsert_policy(p(Stage::Accept, 30), admin())
        .await
        .unwrap();
    assert!(a.id > 0);
    store
        .upsert_policy(p(Stage::Accept, 20), admin())
        .await
        .unwrap();
    store
        .upsert_policy(p(Stage::Reply, 600), admin())
        .await
        .unwrap();
    let all = store.policies().await.unwrap();
    assert_eq!(all.len(), 2, "one rule per (category, priority, stage)");
    let accept = all.iter().find(|x| x.stage == Stage::Accept).unwrap();
    assert_eq!(
        accept.limit.amount, 20,
        "the later rule replaced the earlier"
    );
    let log = store.audit_log(10).await.unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "policy.set").count(), 3);
}

pub async fn calendar_days_upsert(store: &dyn Store) {
    let d = |date: &str, kind| CalendarDay {
        date: date.parse().unwrap(),
        kind,
        name: "测试".into(),
    };
    let n = store
        .upsert_calendar_days(
            vec![
                d("2027-02-06", DayKind::Workday),
                d("2027-01-01", DayKind::Holiday),
            ],
            admin(),
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    store
        .upsert_calendar_days(vec![d("2027-01-01", DayKind::Workday)], admin())
        .await
        .unwrap();
    let days = store.calendar_days().await.unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0].date.to_string(), "2027-01-01", "in date order");
    assert_eq!(days[0].kind, DayKind::Workday, "the later import wins");
    let log = store.audit_log(10).await.unwrap();
    assert_eq!(
        log.iter().filter(|e| e.action == "calendar.import").count(),
        2
    );
}
