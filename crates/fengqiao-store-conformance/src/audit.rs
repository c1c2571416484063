//! The audit trail and the health check.

use crate::*;
use fengqiao_domain::org::{RegionLevel, UnitKind};

pub async fn changes_are_audited_newest_first(store: &dyn Store) {
    let town = region(store, None, "镇", RegionLevel::Town).await;
    let unit = store
        .insert_unit(
            NewUnit {
                name: "综治中心".into(),
                kind: UnitKind::Centre,
                platform: None,
                region_id: town.id,
            },
            admin(),
        )
        .await
        .unwrap();
    let log = store.audit_log(10).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["unit.create", "region.create"], "newest first");
    assert_eq!(log[0].target, format!("unit:{}", unit.id));
    assert_eq!(log[0].actor_name, "管理员");
    assert_eq!(log[0].at, t0());
    assert!(log[0].id > log[1].id);
    assert_eq!(store.audit_log(1).await.unwrap().len(), 1, "limited");
}

pub async fn health_check_answers(store: &dyn Store) {
    store.ping().await.unwrap();
}

pub async fn refusals_are_recorded_without_a_change(store: &dyn Store) {
    store
        .record_audit(
            admin(),
            "auth.login_failed",
            "user:zhangsan",
            "from 192.0.2.7",
        )
        .await
        .unwrap();
    let log = store.audit_log(10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (
            log[0].action.as_str(),
            log[0].target.as_str(),
            log[0].detail.as_deref()
        ),
        ("auth.login_failed", "user:zhangsan", Some("from 192.0.2.7"))
    );
}
