//! A case's whole life over HTTP, and bad input refused with nothing changed.

use crate::support::*;
use chrono::Duration;
use fengqiao_testkit::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_lives_its_whole_life_over_http() {
    let t = spawn().await;
    let (op, staff, leader) = (
        t.login("op").await,
        t.login("staff").await,
        t.login("leader").await,
    );
    let (s, case) = t.post(&op, "/cases", intake_body()).await;
    assert_eq!(s, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    assert_eq!(case["state"], "reported");
    assert!(case["case_no"].as_str().unwrap().starts_with("FQ20261123"));
    let cat = t.app.core.categories()[0].id.0;
    t.step(
        &op,
        id,
        json!({"action": "register", "category_id": cat, "region_id": t.village}),
        "registered",
    )
    .await;
    let v = t
        .step(
            &op,
            id,
            json!({"action": "dispatch", "unit_id": t.unit}),
            "dispatched",
        )
        .await;
    // Dispatched Monday 09:00: accept within 1 working day (end of Tuesday 24th), reply within 5
    // (end of Monday 30th).
    assert_eq!(v["accept_due"], "2026-11-24T15:59:59Z");
    assert_eq!(v["reply_due"], "2026-11-30T15:59:59Z");
    // Beside each UTC time, the same instant in China time: the day's end a person means.
    assert_eq!(v["reply_due_china"], "2026-11-30T23:59:59+08:00");
    let list = t.get_ok(&op, "/cases").await;
    assert!(list["items"][0]["created_at_china"]
        .as_str()
        .is_some_and(|s| s.ends_with("+08:00")));
    t.clock.advance(Duration::hours(1));
    t.step(&staff, id, json!({"action": "accept"}), "accepted")
        .await;
    t.step(
        &staff,
        id,
        json!({"action": "handle", "remark": "已到现场"}),
        "in_progress",
    )
    .await;
    let v = t
        .step(
            &staff,
            id,
            json!({"action": "request_extension", "days": 2, "reason": "需等水泥养护"}),
            "in_progress",
        )
        .await;
    assert_eq!(v["extension"]["days"], 2);
    let v = t
        .step(
            &leader,
            id,
            json!({"action": "approve_extension"}),
            "in_progress",
        )
        .await;
    assert_eq!(v["reply_due"], "2026-12-02T15:59:59Z");
    // The reporter is told in working days, with the new day.
    let notes = t.get_ok(&op, &format!("/cases/{id}/notifications")).await;
    assert!(
        notes["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["message"]
                .as_str()
                .is_some_and(|m| m.contains("已延长 2个工作日") && m.contains("2026年12月2日"))),
        "{notes}"
    );
    t.step(
        &staff,
        id,
        json!({"action": "reply", "content": "已修复路面"}),
        "replied",
    )
    .await;
    t.step(&op, id, json!({"action": "review_pass"}), "reviewed")
        .await;
    // The follow-up call comes from the day after the reply, not the same day.
    let (s, v) = t
        .act(
            &op,
            id,
            json!({"action": "follow_up", "satisfaction": "satisfied"}),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert!(v.to_string().contains("回访从办结次日起进行"), "{v}");
    t.clock.advance(Duration::days(1));
    // A day later the logins of yesterday have ended (12 hours).
    let (op, staff) = (t.login("op").await, t.login("staff").await);
    t.step(
        &op,
        id,
        json!({"action": "follow_up", "satisfaction": "unsatisfied", "unit_at_fault": true}),
        "followed_up",
    )
    .await;
    let v = t
        .step(
            &op,
            id,
            json!({"action": "reopen", "reason": "修补后又裂开"}),
            "dispatched",
        )
        .await;
    assert_eq!(v["reopen_count"], 1);
    t.step(&staff, id, json!({"action": "accept"}), "accepted")
        .await;
    t.step(&staff, id, json!({"action": "handle"}), "in_progress")
        .await;
    t.step(
        &staff,
        id,
        json!({"action": "reply", "content": "已重新浇筑"}),
        "replied",
    )
    .await;
    t.step(&op, id, json!({"action": "review_pass"}), "reviewed")
        .await;
    t.clock.advance(Duration::days(1));
    let op = t.login("op").await;
    t.step(
        &op,
        id,
        json!({"action": "follow_up", "satisfaction": "satisfied"}),
        "followed_up",
    )
    .await;
    t.step(&op, id, json!({"action": "close"}), "closed").await;
    t.step(&op, id, json!({"action": "archive"}), "archived")
        .await;
    let (s, events) = t.get(&op, &format!("/cases/{id}/events")).await;
    assert_eq!(s, 200);
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.len(), 18, "{actions:?}");
    assert_eq!(actions[0], "intake");
    assert_eq!(*actions.last().unwrap(), "archive");
    let notes = t.get_ok(&op, &format!("/cases/{id}/notifications")).await;
    assert!(notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["message"].as_str().unwrap().contains("已办结")));
    // The citizen follows progress with the ticket number and phone tail.
    let no = case["case_no"].as_str().unwrap();
    let r = t
        .http
        .get(format!(
            "{}/api/v1/public/cases/{no}?phone_tail=8000",
            t.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["state_label"], "已归档");
    let r = t
        .http
        .get(format!(
            "{}/api/v1/public/cases/{no}?phone_tail=1111",
            t.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let t = spawn().await;
    let op = t.login("op").await;
    let url = format!("{}/api/v1/cases", t.base);
    let raw = |body: &'static str| {
        t.http
            .post(&url)
            .bearer_auth(&op)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = raw("{not json").await.unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "bad_request");
    assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    assert_eq!(
        raw(r#"{"body": "x", "colour": "red"}"#)
            .await
            .unwrap()
            .status(),
        422,
        "unknown fields are refused"
    );
    let (s, v) = t
        .post(
            &op,
            "/cases",
            json!({"body": "路灯坏了", "reporter_phone": "12345"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (422, Some("reporter_phone")),
        "{v}"
    );
    let (s, v) = t
        .post(&op, "/cases", json!({"body": "长".repeat(10_001)}))
        .await;
    assert_eq!(s, 422, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("10000"));
    let (s, _) = t.post(&op, "/cases", json!({"body": "   "})).await;
    assert_eq!(s, 422);
    let (s, _) = t
        .post(&op, "/cases", json!({"body": "x", "region_id": 999}))
        .await;
    assert_eq!(s, 422);
    let page = t.get_ok(&op, "/cases").await;
    assert_eq!(page["total"], 0, "nothing half-written");
    // Unknown ids, wrong state, wrong role, no token.
    assert_eq!(t.get(&op, "/cases/4242").await.0, 404);
    let case = t.post_ok(&op, "/cases", intake_body()).await;
    let id = case["id"].as_i64().unwrap();
    let (s, v) = t.act(&op, id, json!({"action": "close"})).await;
    assert_eq!(s, 409);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("待受理"),
        "{v}"
    );
    let staff = t.login("staff").await;
    let (s, _) = t.act(&staff, id, json!({"action": "register"})).await;
    assert_eq!(
        s, 404,
        "a case not sent to one's unit is not acknowledged to exist"
    );
    let leader = t.login("leader").await;
    let (s, v) = t.act(&leader, id, json!({"action": "register"})).await;
    assert_eq!(s, 403, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("受理"),
        "{v}"
    );
    assert_eq!(t.act(&op, id, json!({"action": "fly"})).await.0, 422);
    assert_eq!(
        t.act(&op, id, json!({"action": "dispatch", "unit_id": 9999}))
            .await
            .0,
        409,
        "dispatch before register names the state"
    );
    t.act_ok(
        &op,
        id,
        json!({"action": "register", "category_id": t.app.core.categories()[0].id.0}),
    )
    .await;
    let (s, v) = t
        .act(&op, id, json!({"action": "dispatch", "unit_id": 9999}))
        .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (422, Some("unit_id")),
        "{v}"
    );
    let events = t.get_ok(&op, &format!("/cases/{id}/events")).await;
    assert_eq!(
        events["items"].as_array().unwrap().len(),
        2,
        "refusals append no events"
    );
    let r = t
        .http
        .get(format!("{}/api/v1/cases", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = t
        .http
        .get(format!("{}/api/v1/cases", t.base))
        .bearer_auth("forged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(t.get(&op, "/cases?page_size=100000").await.0, 400);
    assert_eq!(t.get(&op, "/cases?state=flying").await.0, 400);
    let r = t
        .http
        .post(format!("{}/api/v1/auth/login", t.base))
        .json(&json!({"username": "op", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
