//! Intake: where a case lands.

use fengqiao_testkit::*;
use serde_json::json;

#[tokio::test]
async fn an_address_that_names_a_village_puts_the_case_there() {
    let t = spawn().await;
    let op = t.login("op").await;
    let post = |address: &str| json!({"body": "路灯坏了一个多月，晚上出行不方便", "channel": "hotline", "address": address});
    let (s, case) = t
        .post(&op, "/cases", post("甘霖镇苍岩村三组祠堂前面"))
        .await;
    assert_eq!(s, 201, "{case}");
    assert_eq!(case["region_id"], t.village, "the deepest place named wins");
    let case = t.post_ok(&op, "/cases", post("甘霖镇老街菜市场门口")).await;
    let town = t
        .app
        .core
        .regions()
        .iter()
        .find(|r| r.name == "甘霖镇")
        .unwrap()
        .id
        .0;
    assert_eq!(case["region_id"], town);
    let case = t.post_ok(&op, "/cases", post("县城人民路")).await;
    assert!(case["region_id"].is_null(), "{case}");
    // A region chosen by the operator is kept, whatever the address says.
    let other = t
        .app
        .core
        .regions()
        .iter()
        .find(|r| r.name == "长安村")
        .unwrap()
        .id
        .0;
    let mut body = post("苍岩村三组");
    body["region_id"] = json!(other);
    let case = t.post_ok(&op, "/cases", body).await;
    assert_eq!(case["region_id"], other);
    // No address, but the words name the village (the README's own example): placed there,
    // and the case says so in its history.
    let case = t
        .post_ok(
            &op,
            "/cases",
            json!({"body": "苍岩村村口水泥路塌了一个大坑", "channel": "hotline"}),
        )
        .await;
    assert_eq!(case["region_id"], t.village, "{case}");
    let events = t
        .get_ok(&op, &format!("/cases/{}/events", case["id"]))
        .await;
    assert!(
        events["items"][0]["remark"]
            .as_str()
            .unwrap()
            .contains("村（社区）按诉求内容中的「苍岩村」确定"),
        "{events}"
    );
}

/// The reporter is told the case number at intake; the notice is queued for the sender and its
/// state is in the answer. The centre's list of notices that never got through is theirs only.
#[tokio::test]
async fn the_intake_notice_is_queued_with_the_case_number() {
    let t = spawn().await;
    let (op, staff) = (t.login("op").await, t.login("staff").await);
    let case = t
        .post_ok(
            &op,
            "/cases",
            json!({"body": "苍岩村村口路灯坏了", "channel": "hotline", "reporter_phone": "13800138000"}),
        )
        .await;
    let list = t
        .get_ok(&op, &format!("/cases/{}/notifications", case["id"]))
        .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["state"], "pending");
    assert!(items[0]["message"]
        .as_str()
        .unwrap()
        .contains(case["case_no"].as_str().unwrap()));
    assert_eq!(
        t.get_ok(&op, "/notifications/failed").await["items"],
        json!([])
    );
    let (s, _) = t.get(&staff, "/notifications/failed").await;
    assert_eq!(s, 403);
    let (s, v) = t.post(&op, "/notifications/999/resend", json!({})).await;
    assert_eq!(s, 404, "{v}");
}

/// A surge beyond what the server can take: the report that cannot start in time is answered
/// 503 with Retry-After, in the API's error format and in Open311's, and stores nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_the_server_cannot_take_now_is_answered_503_with_retry_after() {
    let t = spawn_with(fengqiao_app::AppConfig {
        intake_limits: fengqiao_app::IntakeLimits {
            in_flight: 1,
            queue_wait: std::time::Duration::from_millis(200),
        },
        ..fengqiao_app::AppConfig::default()
    })
    .await;
    let (op, admin) = (t.login("op").await, t.login("admin").await);
    let (_, client) = t
        .post(&admin, "/clients", json!({"name": "市12345平台"}))
        .await;
    let key = client["api_key"].as_str().unwrap().to_string();
    let report = json!({"body": "苍岩村村口路灯坏了一个多月", "channel": "hotline"});
    let before = t.store.writer_stats().sent;
    let hold = t.store.hold_writer();
    let first = {
        let (http, url, op, report) = (
            t.http.clone(),
            format!("{}/api/v1/cases", t.base),
            op.clone(),
            report.clone(),
        );
        tokio::spawn(async move {
            let r = http.post(url).bearer_auth(op).json(&report).send().await;
            r.unwrap().status().as_u16()
        })
    };
    for _ in 0..500 {
        if t.store.writer_stats().sent > before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    let r = t
        .http
        .post(format!("{}/api/v1/cases", t.base))
        .bearer_auth(&op)
        .json(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "busy", "{e}");
    assert!(e["error"]["message"]
        .as_str()
        .unwrap()
        .contains("秒后重新提交"));

    let services: serde_json::Value = t
        .http
        .get(format!("{}/open311/v2/services.json", t.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = services[0]["service_code"].as_str().unwrap().to_string();
    let r = t
        .http
        .post(format!("{}/open311/v2/requests.xml", t.base))
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", code.as_str()),
            ("address_string", "甘霖镇苍岩村村口"),
            ("description", "苍岩村村口路灯坏了一个多月"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    let x = r.text().await.unwrap();
    assert!(x.contains("<error><code>503</code><description>"), "{x}");
    assert_eq!(
        t.store.writer_stats().sent,
        before + 1,
        "nothing else stored"
    );

    drop(hold);
    assert_eq!(first.await.unwrap(), 201);
    let (s, _) = t.post(&op, "/cases", report).await;
    assert_eq!(s, 201, "taken once the surge has passed");
}

/// The answer to a report is the case exactly as a read right after it finds it: whoever files
/// it, with duplicate proposals, links to photos and personal data. (The answer is built from
/// what the intake's transaction wrote, not read back.)
#[tokio::test]
async fn the_answer_to_a_report_is_the_case_as_a_read_finds_it() {
    let t = spawn().await;
    let (op, grid) = (t.login("op").await, t.login("grid").await);
    let answered_as_read = |token: String, body: serde_json::Value| {
        let t = &t;
        async move {
            let answer = t.post_ok(&token, "/cases", body).await;
            let id = answer["id"].as_i64().expect("an id");
            let read = t.get_ok(&token, &format!("/cases/{id}")).await;
            assert_eq!(answer, read, "case {id}: the answer differs from a read");
            answer
        }
    };
    let report = |body: &str| {
        json!({"body": body, "channel": "hotline", "region_id": t.village,
               "reporter_name": "王建国", "reporter_phone": "13800138000",
               "address": "苍岩村三组祠堂前面", "priority": "urgent"})
    };
    answered_as_read(
        op.clone(),
        report("苍岩村三组祠堂前的路灯坏了一个多月，晚上出行很不方便"),
    )
    .await;
    // The same problem again: proposed as a duplicate of the first, in the answer too.
    let again = answered_as_read(
        op.clone(),
        report("苍岩村三组祠堂前路灯坏了一个多月了，晚上黑漆漆的出行不方便"),
    )
    .await;
    assert_eq!(
        again["duplicate_proposals"].as_array().map(Vec::len),
        Some(1),
        "{again}"
    );
    let mut with_media = report("村口的垃圾堆了好几天没人清运，气味难闻");
    with_media["media_urls"] = json!(["https://example.org/a.jpg", "https://example.org/b.jpg"]);
    with_media["title"] = json!("村口垃圾无人清运");
    answered_as_read(op.clone(), with_media).await;
    // A grid worker's own report, in their grid, without a name.
    let grid_id = t.grid();
    answered_as_read(
        grid,
        json!({"body": "第一网格的井盖破了，有人差点踩空", "reporter_phone": "13900139000",
               "region_id": grid_id}),
    )
    .await;
}
