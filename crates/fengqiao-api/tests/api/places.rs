//! Places, inspections and hazards over HTTP: the statuses and messages a client acts on.

use fengqiao_testkit::spawn;
use serde_json::{json, Value};

async fn grid_region(app: &fengqiao_testkit::TestApp, token: &str) -> i64 {
    let regions = app.get_ok(token, "/regions").await;
    regions["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "苍岩村第一网格")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

fn all_pass(checklist: &Value) -> Vec<Value> {
    checklist["checklist"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| json!({"item_code": i["code"], "passed": true}))
        .collect()
}

#[tokio::test]
async fn a_grid_worker_registers_inspects_and_the_centre_assigns_over_http() {
    let app = spawn().await;
    let (grid, op, leader) = (
        app.login("grid").await,
        app.login("op").await,
        app.login("leader").await,
    );
    let region = grid_region(&app, &grid).await;
    let place = app
        .post_ok(
            &grid,
            "/places",
            json!({"reg_no": "CY-RS-01", "name": "苍岩村小吃店", "kind": "restaurant", "region_id": region,
                   "owner_name": "陈师傅", "owner_phone": "13957511111", "color": "yellow"}),
        )
        .await;
    let id = place["id"].as_i64().unwrap();
    let (status, e) = app
        .post(&grid, "/places", json!({"reg_no": "CY-RS-01", "name": "又一家", "kind": "restaurant", "region_id": region}))
        .await;
    assert_eq!(status, 409, "{e}");
    let (status, e) = app
        .post(
            &grid,
            "/places",
            json!({"reg_no": "X", "name": "店", "kind": "shop", "region_id": region}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("kind")),
        "{e}"
    );

    // Due today, on the grid worker's due list.
    let due = app.get_ok(&grid, "/places/due").await;
    assert_eq!(due["items"][0]["id"], id);

    let checklist = app.get_ok(&grid, &format!("/places/{id}/checklist")).await;
    let mut answers = all_pass(&checklist);
    answers[2] =
        json!({"item_code": answers[2]["item_code"], "passed": false, "note": "燃气报警器不响"});
    let body = json!({"answers": answers, "seen_color": "yellow", "client_key": "k-1"});
    let (status, out) = app
        .post(&grid, &format!("/places/{id}/inspections"), body.clone())
        .await;
    assert_eq!(status, 201, "{out}");
    assert_eq!(out["place"]["color"], "red", "a major finding suggests red");
    let (status, again) = app
        .post(&grid, &format!("/places/{id}/inspections"), body)
        .await;
    assert_eq!((status, again["replayed"].as_bool()), (200, Some(true)));
    assert_eq!(again["inspection"]["id"], out["inspection"]["id"]);
    let hazard = out["hazards"][0]["id"].as_i64().unwrap();

    // A grid worker cannot assign; the centre can, naming the unit, leader and deadline.
    let assign = json!({"action": "assign", "owner_unit_id": app.unit, "leader": "王伟", "due_at": "2026-11-26", "version": 1});
    let (status, e) = app
        .post(&grid, &format!("/hazards/{hazard}/actions"), assign.clone())
        .await;
    assert_eq!(status, 403, "{e}");
    let h = app
        .post_ok(&op, &format!("/hazards/{hazard}/actions"), assign.clone())
        .await;
    assert_eq!(h["state"], "assigned");
    let (status, e) = app
        .post(&op, &format!("/hazards/{hazard}/actions"), assign)
        .await;
    assert_eq!(status, 409, "a stale version: {e}");
    let (status, e) = app
        .post(
            &op,
            &format!("/hazards/{hazard}/actions"),
            json!({"action": "sign_off"}),
        )
        .await;
    assert_eq!(status, 409, "not yet rechecked: {e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("整改中"),
        "{e}"
    );
    let (status, e) = app
        .post(
            &op,
            &format!("/hazards/{hazard}/actions"),
            json!({"action": "close"}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("action")),
        "{e}"
    );

    // Leaders read, masked; the open hazards and the colour summary agree.
    let sheet = app.get_ok(&leader, &format!("/places/{id}")).await;
    assert_eq!(sheet["place"]["owner_phone"], "139****1111");
    let open = app.get_ok(&leader, "/hazards?open=true").await;
    assert_eq!(open["total"], 1);
    let summary = app.get_ok(&leader, "/places/summary").await;
    assert_eq!(
        (summary["total"].as_u64(), summary["red"].as_u64()),
        (Some(1), Some(1))
    );
    let (status, _) = app
        .get(&app.login("op_changan").await, &format!("/places/{id}"))
        .await;
    assert_eq!(status, 404, "outside one's region");

    // The policy: admins of the township only, bad intervals refused.
    let admin = app.login("admin").await;
    let (status, _) = app
        .post(
            &op,
            "/inspection-policy",
            json!({"rules": [{"color": "red", "interval_days": 3}]}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, e) = app
        .post(
            &admin,
            "/inspection-policy",
            json!({"rules": [{"color": "red", "interval_days": 0}]}),
        )
        .await;
    assert_eq!(status, 422, "{e}");
    app.post_ok(
        &admin,
        "/inspection-policy",
        json!({"rules": [{"kind": "restaurant", "color": "red", "interval_days": 3}]}),
    )
    .await;
    let sheet = app.get_ok(&op, &format!("/places/{id}")).await;
    assert_eq!(sheet["interval_days"], 3);
}

#[tokio::test]
async fn a_campaign_is_launched_and_its_report_read_over_http() {
    let app = spawn().await;
    let (leader, grid) = (app.login("leader").await, app.login("grid").await);
    let body = json!({"name": "大气污染防治专项行动", "starts_on": "2026-11-20", "ends_on": "2026-12-31",
                      "targets": [{"kind": "emitting_firm", "places": 150}], "task_force": "组长：镇长"});
    let (status, _) = app.post(&grid, "/campaigns", body.clone()).await;
    assert_eq!(status, 403);
    let (status, e) = app
        .post(&leader, "/campaigns", json!({"name": "x", "starts_on": "2026-12-01", "ends_on": "2026-11-01", "targets": [{"kind": "restaurant", "places": 1}]}))
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("ends_on")),
        "{e}"
    );
    let c = app.post_ok(&leader, "/campaigns", body).await;
    let id = c["id"].as_i64().unwrap();
    let list = app.get_ok(&grid, "/campaigns").await;
    assert_eq!(
        list["items"][0]["id"], id,
        "a grid worker takes part in the town's campaign"
    );
    let r = app
        .get_ok(&leader, &format!("/campaigns/{id}/report?date=2026-11-22"))
        .await;
    assert_eq!(
        (r["day_number"].as_i64(), r["total"]["problems"].as_u64()),
        (Some(3), Some(0))
    );
    let (status, e) = app
        .get(&leader, &format!("/campaigns/{id}/report?date=2026-12-25"))
        .await;
    assert_eq!(status, 422, "a day still to come: {e}");
    let (status, _) = app
        .get(&leader, &format!("/campaigns/{id}/report?date=yesterday"))
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn patrol_days_and_coverage_over_http() {
    let app = spawn().await;
    let (op, grid) = (app.login("op").await, app.login("grid").await);
    let (status, _) = app
        .post(
            &grid,
            "/patrol-schedules",
            json!({"name": "下村日", "weekday": 2}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, e) = app
        .post(
            &op,
            "/patrol-schedules",
            json!({"name": "下村日", "weekday": 0}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("weekday")),
        "{e}"
    );
    let s = app
        .post_ok(
            &op,
            "/patrol-schedules",
            json!({"name": "下村日", "weekday": 2}),
        )
        .await;
    let listed = app.get_ok(&grid, "/patrol-schedules").await;
    assert_eq!(listed["items"][0]["id"], s["id"]);
    let week = app.get_ok(&grid, "/patrols/week?date=2026-11-24").await;
    assert_eq!(week["items"][0]["days"][1]["names"][0], "下村日");
    let stopped = app
        .post_ok(
            &op,
            &format!("/patrol-schedules/{}/active", s["id"]),
            json!({"active": false}),
        )
        .await;
    assert_eq!(stopped["active"], false);
    let cov = app.get_ok(&op, "/patrols/coverage?month=2026-11").await;
    assert_eq!(cov["month"], "2026-11");
    let (status, _) = app.get(&op, "/patrols/coverage?month=November").await;
    assert_eq!(status, 422);
}
