//! Attacks and careless use that must fail (issue 11), each reproduced as a request.

use crate::support::*;
use fengqiao_testkit::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizens_idempotency_key_cannot_claim_an_operators_intake() {
    let t = spawn().await;
    let op = t.login("op").await;
    let key = "12345-20261129-007";
    let citizen = t
        .http
        .post(format!("{}/api/v1/public/cases", t.base))
        .header("Idempotency-Key", key)
        .json(&json!({"body": "路灯坏了", "reporter_phone": "13900139000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(citizen.status(), 201);
    let citizens_no = citizen.json::<serde_json::Value>().await.unwrap()["case_no"].clone();
    let r = t
        .http
        .post(format!("{}/api/v1/cases", t.base))
        .bearer_auth(&op)
        .header("Idempotency-Key", key)
        .json(&intake_body())
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        201,
        "the operator's emergency intake is recorded"
    );
    let case = r.json::<serde_json::Value>().await.unwrap();
    assert_ne!(case["case_no"], citizens_no);
    assert_eq!(case["body"], intake_body()["body"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_replayed_with_another_body_is_refused() {
    let t = spawn().await;
    let op = t.login("op").await;
    let send = |body: serde_json::Value| {
        t.http
            .post(format!("{}/api/v1/cases", t.base))
            .bearer_auth(&op)
            .header("Idempotency-Key", "retry-1")
            .json(&body)
            .send()
    };
    assert_eq!(send(intake_body()).await.unwrap().status(), 201);
    assert_eq!(send(intake_body()).await.unwrap().status(), 200, "a retry");
    let mut other = intake_body();
    other["body"] = json!("长安村桥头的护栏断了");
    let r = send(other).await.unwrap();
    assert_eq!(r.status(), 422);
    let e = r.json::<serde_json::Value>().await.unwrap();
    assert_eq!(e["error"]["field"], "idempotency_key");
    // Another operator's same key is theirs alone.
    let other_op = t.login("op_changan").await;
    let r = t
        .http
        .post(format!("{}/api/v1/cases", t.base))
        .bearer_auth(&other_op)
        .header("Idempotency-Key", "retry-1")
        .json(&json!({"body": "长安村桥头的护栏断了", "channel": "hotline", "region_id": t.other_village}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_written_that_its_author_could_not_see() {
    let t = spawn().await;
    let op = t.login("op").await;
    let far = t.login("op_changan").await;
    let staff = t.login("staff").await;
    let before = t.get_ok(&op, "/cases").await["total"].as_i64().unwrap();
    // A village operator's case with no place, or placed in another village: refused first.
    let (s, e) = t
        .post(
            &far,
            "/cases",
            json!({"body": "路灯坏了", "channel": "hotline"}),
        )
        .await;
    assert_eq!(s, 403, "{e}");
    let (s, _) = t
        .post(
            &far,
            "/cases",
            json!({"body": "路灯坏了", "channel": "hotline", "region_id": t.village}),
        )
        .await;
    assert_eq!(s, 403);
    // A handling unit does not register cases.
    let (s, e) = t.post(&staff, "/cases", intake_body()).await;
    assert_eq!(s, 403, "{e}");
    let after = t.get_ok(&op, "/cases").await["total"].as_i64().unwrap();
    assert_eq!(after, before, "nothing was written");
    // Registering a case into a region outside one's own: refused, the case unchanged.
    let own = t
        .post_ok(
            &far,
            "/cases",
            json!({"body": "长安村路灯坏了", "channel": "hotline", "region_id": t.other_village}),
        )
        .await;
    let id = own["id"].as_i64().unwrap();
    let (s, e) = t
        .act(
            &far,
            id,
            json!({"action": "register", "region_id": t.village}),
        )
        .await;
    assert_eq!(s, 403, "{e}");
    assert_eq!(
        t.get_ok(&far, &format!("/cases/{id}")).await["state"],
        "reported"
    );
}
