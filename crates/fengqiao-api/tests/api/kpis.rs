//! KPIs and rankings over HTTP, on a hand-computed example: two cases of 苍岩村 (one replied in
//! time and rated, one never replied) and one of 长安村 (replied late), all due Monday 30
//! November.

use chrono::{TimeZone, Utc};
use fengqiao_testkit::*;
use serde_json::{json, Value};

async fn case_in(t: &TestApp, op: &str, village: i64, text: &str) -> i64 {
    let body =
        json!({"title": text, "body": text, "channel": "hotline", "reporter_phone": "13800138000"});
    let id = t.post_ok(op, "/cases", body).await["id"].as_i64().unwrap();
    t.act_ok(
        op,
        id,
        json!({"action": "register", "category_id": t.road, "region_id": village}),
    )
    .await;
    t.act_ok(op, id, json!({"action": "dispatch", "unit_id": t.unit}))
        .await;
    id
}

fn line<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("no line {name} in {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kpis_and_rankings_count_cases_in_their_deadlines_period() {
    let t = spawn().await;
    let op = t.login("op").await;
    let staff = t.login("staff").await;
    let a = case_in(&t, &op, t.village, "苍岩村村口路灯不亮").await;
    let b = case_in(&t, &op, t.village, "苍岩村桥头护栏断了").await;
    let c = case_in(&t, &op, t.other_village, "长安村水渠堵塞").await;
    for id in [a, b, c] {
        t.act_ok(&staff, id, json!({"action": "accept"})).await;
        t.act_ok(&staff, id, json!({"action": "handle"})).await;
    }
    t.act_ok(&staff, a, json!({"action": "reply", "content": "已修复"}))
        .await;
    t.act_ok(&op, a, json!({"action": "review_pass"})).await;
    // The follow-up call comes the next day.
    t.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap());
    let op = t.login("op").await;
    t.act_ok(
        &op,
        a,
        json!({"action": "follow_up", "satisfaction": "satisfied"}),
    )
    .await;
    t.act_ok(&op, a, json!({"action": "close"})).await;
    // Tuesday 1 December: c is replied a day late, b never.
    t.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap());
    let first = t.app.scheduler.tick().await.unwrap();
    assert_eq!(
        first.rankings_kept, 2,
        "November's village and unit rankings"
    );
    let again = t.app.scheduler.tick().await.unwrap();
    assert_eq!(again.rankings_kept, 0, "kept once");
    let op = t.login("op").await;
    let staff = t.login("staff").await;
    t.act_ok(&staff, c, json!({"action": "reply", "content": "已疏通"}))
        .await;

    let v = t.get_ok(&op, "/kpis?dim=village&period=2026-11").await;
    assert_eq!(v["period_label"], "2026年11月");
    let cangyan = line(&v, "苍岩村");
    assert_eq!(cangyan["figures"]["measures"]["due"], 2, "{v}");
    assert_eq!(cangyan["figures"]["measures"]["replied"], 1);
    assert_eq!(cangyan["figures"]["on_time"]["value"], 0.5);
    assert_eq!(cangyan["figures"]["satisfaction"]["value"], 1.0);
    assert_eq!(cangyan["figures"]["measures"]["overdue_red"], 1);
    let changan = line(&v, "长安村");
    assert_eq!(changan["figures"]["completion"]["value"], 1.0);
    assert_eq!(changan["figures"]["on_time"]["value"], 0.0);
    assert_eq!(
        changan["figures"]["satisfaction"]["value"],
        Value::Null,
        "no rating is no rate, not 0%"
    );
    assert_eq!(v["total"]["measures"]["received"], 3);
    assert_eq!(v["total"]["measures"]["due"], 3);

    // The week of Monday 30 November holds the deadlines; the week before only the receipts.
    let w48 = t.get_ok(&staff, "/kpis?dim=unit&period=2026-W48").await;
    assert_eq!(w48["total"]["measures"]["received"], 3);
    assert_eq!(w48["total"]["measures"]["due"], 0);
    let by_unit = t.get_ok(&staff, "/kpis?dim=unit&period=2026-W49").await;
    let office = line(&by_unit, "农业农村办公室");
    assert_eq!(office["figures"]["measures"]["due"], 3);
    assert_eq!(office["figures"]["measures"]["replied_on_time"], 1);
    assert_eq!(office["figures"]["measures"]["accepted_on_time"], 3);
    let dec = t.get_ok(&op, "/kpis?dim=village&period=2026-12").await;
    assert!(dec["lines"].as_array().unwrap().is_empty(), "{dec}");

    for (q, field) in [
        ("/kpis?period=2026-13", "period"),
        ("/kpis?dim=street", "dim"),
        ("/rankings?object=person", "object"),
    ] {
        let (s, e) = t.get(&op, q).await;
        assert_eq!(s, 422, "{q}: {e}");
        assert_eq!(e["error"]["field"], field, "{e}");
    }

    // Ranking by the default village weights (办结 30, 按时 40, 满意 20, 重办 10):
    // 苍岩村 (50×30 + 50×40 + 100×20 + 100×10) / 100 = 65.00, grade C;
    // 长安村 (100×30 + 0×40) / 70 = 42.86 (no rating, nothing closed), grade D.
    let r = t
        .get_ok(&op, "/rankings?object=village&period=2026-11")
        .await;
    let cangyan = line(&r, "苍岩村");
    assert_eq!(
        (
            cangyan["rank"].clone(),
            cangyan["score"]["total"].clone(),
            cangyan["grade"].clone()
        ),
        (json!(1), json!(65.0), json!("C"))
    );
    let changan = line(&r, "长安村");
    assert_eq!(
        (
            changan["rank"].clone(),
            changan["score"]["total"].clone(),
            changan["grade"].clone()
        ),
        (json!(2), json!(42.86), json!("D"))
    );

    // Posted as it stands, then the weights change: the live ranking moves, the posted one not.
    let posted = t
        .post_ok(
            &op,
            "/rankings/published",
            json!({"object": "village", "period": "2026-11"}),
        )
        .await;
    let (s, e) = t
        .post(
            &staff,
            "/rankings/schemes/village",
            json!({"weights": "on_time=100"}),
        )
        .await;
    assert_eq!(s, 403, "{e}");
    let leader = t.login("leader").await;
    let (s, e) = t
        .post(
            &leader,
            "/rankings/schemes/village",
            json!({"weights": "on_time=60\nreopen=30"}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].clone()),
        (422, json!("weights")),
        "{e}"
    );
    assert!(
        e["error"]["message"].as_str().unwrap().contains("90"),
        "{e}"
    );
    t.post_ok(
        &leader,
        "/rankings/schemes/village",
        json!({"weights": "按时办结率=100"}),
    )
    .await;
    let r = t
        .get_ok(&op, "/rankings?object=village&period=2026-11")
        .await;
    assert_eq!(line(&r, "长安村")["score"]["total"], 0.0);
    assert_eq!(line(&r, "苍岩村")["score"]["total"], 50.0);
    let kept = t
        .get_ok(&op, &format!("/rankings/published/{}", posted["id"]))
        .await;
    assert_eq!(line(&kept, "长安村")["score"]["total"], 42.86);
    assert_eq!(kept["published_by"], "op");
    // November's rankings were kept by the first scheduler pass of December; op's came after.
    let list = t.get_ok(&op, "/rankings/published?object=village").await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    assert_eq!(
        (
            items[0]["period_key"].clone(),
            items[0]["published_by"].clone()
        ),
        (json!("2026-11"), json!("op"))
    );
    assert_eq!(
        (
            items[1]["period_key"].clone(),
            items[1]["published_by"].clone()
        ),
        (json!("2026-11"), json!("系统"))
    );
    let audit = t.get_ok(&t.login("admin").await, "/audit").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"ranking.publish") && actions.contains(&"ranking.scheme"),
        "{actions:?}"
    );
}
