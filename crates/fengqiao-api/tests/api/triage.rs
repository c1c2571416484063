//! Triage: suggestions, automatic dispatch, learning, merges, hot spots.

use chrono::Duration;
use fengqiao_app::AppConfig;
use fengqiao_domain::org::Actor;
use fengqiao_testkit::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triage_suggests_dispatches_learns_merges_and_raises_hot_spots() {
    let mut config = AppConfig::default();
    config.triage.auto_dispatch_threshold = Some(0.6);
    let t = spawn_with(config).await;
    let sys = Actor::system();
    let river_cat = t
        .app
        .admin
        .create_category(
            &sys,
            None,
            "河道污染",
            Some(fengqiao_domain::ids::UnitId(t.other_unit)),
            false,
        )
        .await
        .unwrap();
    let (op, admin, leader, staff) = (
        t.login("op").await,
        t.login("admin").await,
        t.login("leader").await,
        t.login("staff").await,
    );
    let road_cat = t.road;

    // No model yet: cases wait for an operator with no suggestion. Operators categorise them;
    // that is the training data.
    for (body, label) in training_messages() {
        let (s, v) = t
            .post(&op, "/cases", json!({"body": body, "channel": "hotline"}))
            .await;
        assert_eq!(s, 201, "{v}");
        assert!(v["suggestion"].is_null());
        let cat = if label == "道路破损" {
            road_cat
        } else {
            river_cat.id.0
        };
        t.step(
            &op,
            v["id"].as_i64().unwrap(),
            json!({"action": "register", "category_id": cat}),
            "registered",
        )
        .await;
    }
    let (s, _) = t.post(&op, "/triage/models/train", json!({})).await;
    assert_eq!(s, 403, "only admins train models");
    let (s, v) = t
        .post(&admin, "/triage/models/train", json!({"folds": 1}))
        .await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = t
        .post(&admin, "/triage/models/train", json!({"folds": 3}))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["model"]["version"], 1);
    assert_eq!(v["model"]["examples"], 40);
    assert!(v["macro_f1"].as_f64().unwrap() > 0.8, "{v}");

    // A confident suggestion registers and dispatches the case to the category's unit, with
    // the words that drove it: stored with the report, then registered, dispatched and marked
    // in one more transaction.
    let writes = t.store.writer_stats().sent;
    let (s, v) = t
        .post(&op, "/cases", json!({"body": "苍岩村老街的水泥路面塌了个大坑，电瓶车差点摔倒", "channel": "hotline", "region_id": t.village}))
        .await;
    assert_eq!(s, 201, "{v}");
    let first = v["id"].as_i64().unwrap();
    let sug = &v["suggestion"];
    assert_eq!(sug["category_name"], "道路破损", "{v}");
    assert_eq!(sug["unit_id"], t.unit);
    assert!(sug["confidence"].as_f64().unwrap() >= 0.6, "{v}");
    assert!(
        sug["words"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == "路面" || w == "水泥" || w == "大坑" || w == "摔倒"),
        "{v}"
    );
    assert_eq!(v["state"], "dispatched", "{v}");
    assert_eq!(v["unit_id"], t.unit);
    assert_eq!(sug["auto_dispatched"], true);
    assert_eq!(t.store.writer_stats().sent - writes, 2, "two transactions");
    assert_eq!(
        t.get_ok(&op, &format!("/cases/{first}")).await,
        v,
        "the answer is the dispatched case as a read finds it"
    );
    let ev = t.get_ok(&op, &format!("/cases/{first}/events")).await;
    assert!(
        ev["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "dispatch" && e["actor_name"] == "智能分拨"),
        "{ev}"
    );

    // The same problem through another channel: proposed as a duplicate, left for the operator,
    // who merges it; the surviving case gains the reporter.
    let (s, v) = t
        .post(&op, "/cases", json!({"body": "苍岩村老街水泥路面塌了一个大坑，电瓶车经过差点摔倒，快来修", "channel": "citizen_web", "region_id": t.village, "reporter_phone": "13900139000"}))
        .await;
    assert_eq!(s, 201, "{v}");
    let dup = v["id"].as_i64().unwrap();
    assert_eq!(
        t.get_ok(&op, &format!("/cases/{dup}")).await,
        v,
        "the answer, with its suggestion and proposal, is the case as a read finds it"
    );
    assert_eq!(
        v["state"], "reported",
        "a proposed duplicate waits for a person: {v}"
    );
    let props = v["duplicate_proposals"].as_array().unwrap();
    assert_eq!(props.len(), 1, "{v}");
    assert_eq!(props[0]["candidate_id"], first);
    assert!(props[0]["similarity"].as_f64().unwrap() >= 0.5);
    t.step(&op, dup, json!({"action": "register"}), "registered")
        .await;
    t.step(
        &op,
        dup,
        json!({"action": "merge", "into": first}),
        "merged",
    )
    .await;
    let d = t.get_ok(&op, &format!("/cases/{first}/duplicates")).await;
    assert_eq!(d["items"][0]["status"], "merged", "{d}");
    let f = t.get_ok(&op, &format!("/cases/{first}")).await;
    assert_eq!(f["reporters"].as_array().unwrap().len(), 2, "{f}");
    // "Not the same problem after all": split back out, the reporter leaves, the proposal is
    // dismissed, and the case is registered again for dispatch on its own.
    let (s, v) = t.act(&op, dup, json!({"action": "split"})).await;
    assert_eq!(s, 422, "a split needs a reason: {v}");
    t.step(
        &op,
        dup,
        json!({"action": "split", "reason": "是另一段路面"}),
        "registered",
    )
    .await;
    let f = t.get_ok(&op, &format!("/cases/{first}")).await;
    assert_eq!(f["reporters"].as_array().unwrap().len(), 1, "{f}");
    let d = t.get_ok(&op, &format!("/cases/{dup}/duplicates")).await;
    assert_eq!(d["items"][0]["status"], "dismissed", "{d}");
    let ev = t.get_ok(&op, &format!("/cases/{first}/events")).await;
    assert!(
        ev["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "split_out"),
        "{ev}"
    );
    let (s, _) = t
        .act(&op, dup, json!({"action": "split", "reason": "again"}))
        .await;
    assert_eq!(s, 409, "only a merged case can be split");

    // An operator's correction is kept as training data. The caller's category keeps the
    // case with an operator; registering it under another category is the correction.
    let (s, v) = t
        .post(
            &op,
            "/cases",
            json!({"body": "桥头路边的排水沟堵了，污水漫到河里", "channel": "hotline", "category_id": road_cat}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        v["state"], "reported",
        "a given category is never auto-dispatched: {v}"
    );
    assert!(v["suggestion"].is_object(), "{v}");
    let corrected = v["id"].as_i64().unwrap();
    t.step(
        &op,
        corrected,
        json!({"action": "register", "category_id": river_cat.id.0}),
        "registered",
    )
    .await;
    let labelled = t.app.triage.labelled_cases(&Actor::system()).await.unwrap();
    assert!(labelled
        .iter()
        .any(|c| c.body.starts_with("桥头路边") && c.category_id == river_cat.id));
    assert!(
        !labelled
            .iter()
            .any(|c| c.body.starts_with("苍岩村老街的水泥")),
        "the model must not learn from its own dispatch"
    );

    // Junk gets an explicit "no suggestion", never an error.
    for body in ["😀😀😀", "？？？！！！", "hello world"] {
        let (s, v) = t
            .post(&op, "/cases", json!({"body": body, "channel": "hotline"}))
            .await;
        assert_eq!(s, 201, "{body}: {v}");
        assert!(v["suggestion"].is_null(), "{body}: {v}");
        assert_eq!(v["state"], "reported");
    }

    // Five reports of one river problem in one village within hours: a hot spot, with its
    // key words and members, for the centre and leaders only.
    let bodies = [
        "苍岩村溪里漂着好多死鱼，溪水发黑发臭",
        "今天早上苍岩村那条溪里全是死鱼，水又黑又臭",
        "苍岩村溪水发黑发臭，死鱼漂了一大片",
        "反映苍岩村溪里死鱼的问题，水很臭，颜色发黑",
        "苍岩村的溪水突然变黑，岸边都是死鱼，臭味很大",
    ];
    let h = t.get_ok(&op, "/hotspots").await;
    assert!(h["items"].as_array().unwrap().is_empty());
    let channels = [
        "hotline",
        "citizen_web",
        "grid_patrol",
        "citizen_qr",
        "hotline",
    ];
    for (body, channel) in bodies.iter().zip(channels) {
        t.clock.advance(Duration::minutes(20));
        let (s, _) = t
            .post(
                &op,
                "/cases",
                json!({"body": body, "channel": channel, "region_id": t.village}),
            )
            .await;
        assert_eq!(s, 201);
    }
    let (s, h) = t.get(&leader, "/hotspots").await;
    assert_eq!(s, 200);
    let items = h["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{h}");
    assert!(items[0]["size"].as_u64().unwrap() >= 5, "{h}");
    let kw = items[0]["keywords"].as_array().unwrap();
    assert!(
        kw.iter().any(|w| w == "死鱼" || w == "发臭" || w == "溪水"),
        "{h}"
    );
    let (s, _) = t.get(&staff, "/hotspots").await;
    assert_eq!(s, 403);
    t.clock.advance(Duration::hours(80));
    let (op, admin) = (t.login("op").await, t.login("admin").await);
    let h = t.get_ok(&op, "/hotspots").await;
    assert!(
        h["items"].as_array().unwrap().is_empty(),
        "hot spots age out of the window"
    );

    // Models: retrain, switch back, list.
    let (s, v) = t.post(&admin, "/triage/models/train", json!({})).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["model"]["version"], 2);
    let (s, _) = t.post(&admin, "/triage/models/1/activate", json!({})).await;
    assert_eq!(s, 200);
    let m = t.get_ok(&admin, "/triage/models").await;
    let active: Vec<i64> = m["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["active"] == true)
        .map(|x| x["version"].as_i64().unwrap())
        .collect();
    assert_eq!(active, vec![1]);
    let (s, _) = t
        .post(&admin, "/triage/models/99/activate", json!({}))
        .await;
    assert_eq!(s, 404);
}

/// A category with no unit of its own (路灯, 垃圾清运, 邻里纠纷 in the demo) is the business
/// of the case's own village: triage suggests that village's committee.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_category_without_a_unit_goes_to_the_cases_own_village_committee() {
    let t = spawn().await;
    let sys = Actor::system();
    let litter = t
        .app
        .admin
        .create_category(&sys, None, "垃圾清运", None, false)
        .await
        .unwrap();
    let rows: Vec<(String, String, String)> = training_messages()
        .into_iter()
        .map(|(body, label)| {
            let cat = if label == "道路破损" {
                t.road
            } else {
                litter.id.0
            };
            (String::new(), body, cat.to_string())
        })
        .collect();
    t.app
        .triage
        .train_and_store(&sys, rows, "test".into(), None)
        .await
        .unwrap();
    let op = t.login("op").await;
    let v = t
        .post_ok(
            &op,
            "/cases",
            json!({"body": "河道里漂满了垃圾和水葫芦，河水发臭", "channel": "hotline", "region_id": t.village}),
        )
        .await;
    assert_eq!(v["suggestion"]["category_id"], litter.id.0, "{v}");
    assert_eq!(
        v["suggestion"]["unit_id"], t.other_unit,
        "苍岩村村委会: {v}"
    );
    // Unplaced, there is no village to send it to.
    let v = t
        .post_ok(
            &op,
            "/cases",
            json!({"body": "溪水发黑发臭，岸边有死鱼，有人倒垃圾", "channel": "hotline"}),
        )
        .await;
    assert!(v["suggestion"]["unit_id"].is_null(), "{v}");
}

/// Eight people report one problem at the same moment, as in a surge's first minute: every
/// report but one is proposed as a duplicate of another, though the others were still being
/// stored when each was analysed, and each answer carries its proposals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_of_one_problem_sent_at_once_are_proposed_as_duplicates() {
    let t = spawn_with(AppConfig::default()).await;
    let op = t.login("op").await;
    let mut sent = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (http, url, op) = (
            t.http.clone(),
            format!("{}/api/v1/cases", t.base),
            op.clone(),
        );
        let body = json!({
            "body": "苍岩村老街自来水总管爆了，水漫到路上，好几户家里停水了",
            "channel": "hotline",
            "region_id": t.village,
            "reporter_phone": format!("1390013900{i}"),
        });
        sent.spawn(async move {
            let r = http
                .post(url)
                .bearer_auth(op)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            r.json::<serde_json::Value>().await.unwrap()
        });
    }
    let answers = sent.join_all().await;
    let proposed: Vec<&serde_json::Value> = answers
        .iter()
        .filter(|v| !v["duplicate_proposals"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(proposed.len(), 7, "{answers:?}");
    for v in proposed {
        let d = t
            .get_ok(&op, &format!("/cases/{}/duplicates", v["id"]))
            .await;
        assert!(
            d["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["case_id"] == v["id"]),
            "the proposal in the answer is stored: {d}"
        );
    }
}
