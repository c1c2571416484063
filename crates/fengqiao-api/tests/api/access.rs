//! Idempotent intake, scope and masking of personal data.

use crate::support::*;
use fengqiao_store::CaseQueryStore;
use fengqiao_testkit::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_is_idempotent_scope_is_enforced_and_personal_data_masked() {
    let t = spawn().await;
    let (op, leader, village, far_op) = (
        t.login("op").await,
        t.login("leader").await,
        t.login("village").await,
        t.login("op_changan").await,
    );
    let r1 = t
        .http
        .post(format!("{}/api/v1/cases", t.base))
        .bearer_auth(&op)
        .header("Idempotency-Key", "hotline-001")
        .json(&intake_body())
        .send()
        .await
        .unwrap();
    assert_eq!(r1.status(), 201);
    let r2 = t
        .http
        .post(format!("{}/api/v1/cases", t.base))
        .bearer_auth(&op)
        .header("Idempotency-Key", "hotline-001")
        .json(&intake_body())
        .send()
        .await
        .unwrap();
    assert_eq!(r2.status(), 200);
    let (a, b): (Value, Value) = (r1.json().await.unwrap(), r2.json().await.unwrap());
    assert_eq!(a["id"], b["id"]);
    let id = a["id"].as_i64().unwrap();
    assert_eq!(
        a["reporters"][0]["phone"], "13800138000",
        "the centre sees the number"
    );
    let (s, v) = t.get(&leader, &format!("/cases/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(
        v["reporters"][0]["phone"], "138****8000",
        "leaders see it masked"
    );
    assert_eq!(v["reporters"][0]["name"], "王**");
    // Its words place it in 苍岩村: that village's committee sees it (a village sees every
    // case in the village); another village's operator does not (404, not 403).
    assert_eq!(t.get(&village, &format!("/cases/{id}")).await.0, 200);
    let list = t.get_ok(&village, "/cases").await;
    assert_eq!(list["total"], 1);
    let changan = t.login("op_changan").await;
    assert_eq!(t.get(&changan, &format!("/cases/{id}")).await.0, 404);
    t.act_ok(&op, id, json!({"action": "register", "category_id": t.app.core.categories()[0].id.0, "region_id": t.village})).await;
    // An operator scoped to another village cannot touch a case in 苍岩村.
    assert_eq!(
        t.act(&far_op, id, json!({"action": "withdraw", "reason": "x"}))
            .await
            .0,
        404
    );
    t.act_ok(
        &op,
        id,
        json!({"action": "dispatch", "unit_id": t.other_unit}),
    )
    .await;
    let (s, v) = t.get(&village, &format!("/cases/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(
        v["reporters"][0]["phone"], "13800138000",
        "the handling unit must be able to call back"
    );
    // Public intake needs a phone and only citizen channels.
    let r = t
        .http
        .post(format!("{}/api/v1/public/cases", t.base))
        .json(&json!({"body": "垃圾没人清运"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = t
        .http
        .post(format!("{}/api/v1/public/cases", t.base))
        .json(
            &json!({"body": "垃圾没人清运", "reporter_phone": "13912345678", "channel": "hotline"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = t.http.post(format!("{}/api/v1/public/cases", t.base)).json(&json!({"body": "垃圾没人清运", "reporter_phone": "13912345678", "channel": "citizen_qr"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    // Admin-only surfaces.
    assert_eq!(t.get(&op, "/users").await.0, 403);
    let admin = t.login("admin").await;
    let (s, v) = t.get(&admin, "/audit").await;
    assert_eq!(s, 200);
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "user.create"));
    // It pages like every other list: page and page_size, newest first, with the total.
    let total = v["total"].as_u64().unwrap();
    assert!(total > 3, "{v}");
    let first = t.get_ok(&admin, "/audit?page=1&page_size=2").await;
    let second = t.get_ok(&admin, "/audit?page=2&page_size=2").await;
    assert_eq!(
        (first["total"].as_u64(), first["page"].as_u64()),
        (Some(total), Some(1))
    );
    let ids = |p: &serde_json::Value| -> Vec<i64> {
        p["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect()
    };
    let (a, b) = (ids(&first), ids(&second));
    assert_eq!((a.len(), b.len()), (2, 2));
    assert!(a[0] > a[1] && a[1] > b[0] && b[0] > b[1], "{a:?} {b:?}");
    assert_eq!(t.get(&admin, "/audit?page=0").await.0, 422);
    assert_eq!(t.get(&admin, "/audit?page_size=501").await.0, 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_in_text_is_masked_for_those_without_the_right() {
    let t = spawn().await;
    let (op, leader) = (t.login("op").await, t.login("leader").await);
    let body = "我叫王建国，电话13912345678，身份证11010519491231002X，低保一直没发";
    let (s, v) = t
        .post(
            &op,
            "/cases",
            json!({"title": "低保没发，联系13912345678", "body": body, "channel": "hotline"}),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(v["body"], body, "the operator sees the original");
    let id = v["id"].as_i64().unwrap();
    let l = t.get_ok(&leader, &format!("/cases/{id}")).await;
    assert_eq!(
        l["body"],
        "我叫王**，电话139****5678，身份证110105********002X，低保一直没发"
    );
    assert_eq!(l["title"], "低保没发，联系139****5678");
    let list = t.get_ok(&leader, "/cases").await;
    let row = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(row["title"], "低保没发，联系139****5678");
    let stored = t
        .store
        .case(fengqiao_domain::ids::CaseId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.case.text.body, body,
        "the stored text is never changed"
    );
}

/// While next year's holidays are missing, every answer says so (a `Warning` header) and `/me`
/// says it in words; once they are imported, nothing does.
#[tokio::test]
async fn answers_warn_while_next_years_holidays_are_missing() {
    let t = spawn().await;
    let op = t.login("op").await;
    let r = t
        .http
        .get(format!("{}/api/v1/cases", t.base))
        .bearer_auth(&op)
        .send()
        .await
        .unwrap();
    let warning = r.headers()["warning"].to_str().unwrap().to_string();
    assert!(
        warning.starts_with("299 ") && warning.contains("2027"),
        "{warning}"
    );
    let me = t.get_ok(&op, "/me").await;
    assert!(me["warnings"][0].as_str().unwrap().contains("2027"), "{me}");
    let admin = t.login("admin").await;
    t.post_ok(
        &admin,
        "/calendar",
        json!({"days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]}),
    )
    .await;
    let r = t
        .http
        .get(format!("{}/api/v1/cases", t.base))
        .bearer_auth(&op)
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("warning").is_none());
    assert_eq!(t.get_ok(&op, "/me").await["warnings"], json!([]));
}
