//! The deadline scheduler over HTTP.

use crate::support::*;
use chrono::{TimeZone, Utc};
use fengqiao_testkit::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_marks_overdue_and_escalates() {
    let t = spawn().await;
    let op = t.login("op").await;
    let case = t.post_ok(&op, "/cases", intake_body()).await;
    let id = case["id"].as_i64().unwrap();
    t.act_ok(
        &op,
        id,
        json!({"action": "register", "category_id": t.app.core.categories()[0].id.0}),
    )
    .await;
    t.act_ok(&op, id, json!({"action": "dispatch", "unit_id": t.unit}))
        .await;
    // Accept is due at the end of Tuesday; Tuesday 22:00 is past 80% of the limit.
    t.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap());
    let r = t.app.scheduler.tick().await.unwrap();
    assert_eq!(r.level_changes, 1);
    let op = t.login("op").await; // the morning's token has expired (12 hours)
    let (s, v) = t.get(&op, &format!("/cases/{id}")).await;
    assert_eq!(v["overdue_level"], "yellow", "{s} {v}");
    // Two days late: red, urged and put under supervision.
    t.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 26, 16, 0, 0).unwrap());
    t.app.scheduler.tick().await.unwrap();
    t.app.scheduler.tick().await.unwrap();
    let op = t.login("op").await;
    let v = t.get_ok(&op, &format!("/cases/{id}")).await;
    assert_eq!(v["overdue_level"], "red");
    assert_eq!(v["supervise_count"], 1);
    assert_eq!(v["urge_count"], 1);
    let red = t.get_ok(&op, "/cases?overdue=red").await;
    assert_eq!(red["total"], 1);
    let again = t.app.scheduler.tick().await.unwrap();
    assert_eq!(
        again.level_changes + again.urged + again.supervised,
        0,
        "escalation happens once"
    );
}
