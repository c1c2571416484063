//! End-to-end: the real router on port 0, a fresh database per test, a manual clock, and a case
//! driven through its whole life over HTTP.

use chrono::{Duration, TimeZone, Utc};
use fengqiao_app::{App, AppConfig, ManualClock};
use fengqiao_domain::org::{Actor, RegionLevel, Role, UnitKind};
use fengqiao_store::CaseQueryStore;
use fengqiao_store_sqlite::SqliteStore;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

struct TestApp {
    base: String,
    http: reqwest::Client,
    clock: Arc<ManualClock>,
    app: Arc<App>,
    /// The database under the app, for checks of what was stored.
    store: Arc<SqliteStore>,
    unit: i64,
    other_unit: i64,
    village: i64,
    /// The category 道路破损 (default unit: `unit`).
    road: i64,
}

const PW: &str = "test-password";

async fn spawn() -> TestApp {
    spawn_with(AppConfig::default()).await
}

async fn spawn_with(config: AppConfig) -> TestApp {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "fengqiao-api-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let store = SqliteStore::open(dir.join("t.db")).unwrap();
    // Monday 23 November 2026, 09:00 China time.
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap(),
    ));
    let store = Arc::new(store);
    let app = App::new(store.clone(), clock.clone(), config)
        .await
        .unwrap();
    let sys = Actor::system();
    let town = app
        .admin
        .create_region(&sys, None, "甘霖镇", RegionLevel::Town)
        .await
        .unwrap();
    let village = app
        .admin
        .create_region(&sys, Some(town.id), "苍岩村", RegionLevel::Village)
        .await
        .unwrap();
    let other_village = app
        .admin
        .create_region(&sys, Some(town.id), "长安村", RegionLevel::Village)
        .await
        .unwrap();
    let unit = app
        .admin
        .create_unit(&sys, "农业农村办公室", UnitKind::Department, None, town.id)
        .await
        .unwrap();
    let other = app
        .admin
        .create_unit(
            &sys,
            "苍岩村村委会",
            UnitKind::VillageCommittee,
            None,
            village.id,
        )
        .await
        .unwrap();
    let road = app
        .admin
        .create_category(&sys, None, "道路破损", Some(unit.id), false)
        .await
        .unwrap();
    for (name, role, region, u) in [
        ("admin", Role::Admin, town.id, None),
        ("op", Role::Operator, town.id, None),
        ("op_changan", Role::Operator, other_village.id, None),
        ("leader", Role::Leader, town.id, None),
        ("staff", Role::UnitStaff, town.id, Some(unit.id)),
        ("village", Role::UnitStaff, village.id, Some(other.id)),
    ] {
        app.admin
            .create_user(&sys, name, name, PW, role, region, u)
            .await
            .unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = fengqiao_api::router(app.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    TestApp {
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        clock,
        app,
        store,
        unit: unit.id.0,
        other_unit: other.id.0,
        village: village.id.0,
        road: road.id.0,
    }
}

impl TestApp {
    async fn login(&self, user: &str) -> String {
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": user, "password": PW}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login {user}");
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }
    async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/api/v1{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }
    async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}/api/v1{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }
    /// An action that must succeed and leave the case in `state`.
    async fn step(&self, token: &str, id: i64, action: Value, state: &str) -> Value {
        let (s, v) = self.act(token, id, action.clone()).await;
        assert_eq!(s, 200, "{action} → {v}");
        assert_eq!(v["state"], state, "{action} → {v}");
        v
    }
    async fn act(&self, token: &str, id: i64, body: Value) -> (u16, Value) {
        self.post(token, &format!("/cases/{id}/actions"), body)
            .await
    }
}

fn intake_body() -> Value {
    json!({"title": "村口道路塌陷", "body": "苍岩村村口水泥路塌了一个大坑", "channel": "hotline", "reporter_name": "王建国", "reporter_phone": "13800138000"})
}

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
    t.step(
        &staff,
        id,
        json!({"action": "reply", "content": "已修复路面"}),
        "replied",
    )
    .await;
    t.step(&op, id, json!({"action": "review_pass"}), "reviewed")
        .await;
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
    let (_, notes) = t.get(&op, &format!("/cases/{id}/notifications")).await;
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
    let (_, page) = t.get(&op, "/cases").await;
    assert_eq!(page["total"], 0, "nothing half-written");
    // Unknown ids, wrong state, wrong role, no token.
    assert_eq!(t.get(&op, "/cases/4242").await.0, 404);
    let (_, case) = t.post(&op, "/cases", intake_body()).await;
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
    t.act(
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
    let (_, events) = t.get(&op, &format!("/cases/{id}/events")).await;
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
    // Not yet dispatched to the village: invisible to it (404, not 403).
    assert_eq!(t.get(&village, &format!("/cases/{id}")).await.0, 404);
    let (_, list) = t.get(&village, "/cases").await;
    assert_eq!(list["total"], 0);
    t.act(&op, id, json!({"action": "register", "category_id": t.app.core.categories()[0].id.0, "region_id": t.village})).await;
    // An operator scoped to another village cannot touch a case in 苍岩村.
    assert_eq!(
        t.act(&far_op, id, json!({"action": "withdraw", "reason": "x"}))
            .await
            .0,
        404
    );
    t.act(
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_marks_overdue_and_escalates() {
    let t = spawn().await;
    let op = t.login("op").await;
    let (_, case) = t.post(&op, "/cases", intake_body()).await;
    let id = case["id"].as_i64().unwrap();
    t.act(
        &op,
        id,
        json!({"action": "register", "category_id": t.app.core.categories()[0].id.0}),
    )
    .await;
    t.act(&op, id, json!({"action": "dispatch", "unit_id": t.unit}))
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
    let (_, v) = t.get(&op, &format!("/cases/{id}")).await;
    assert_eq!(v["overdue_level"], "red");
    assert_eq!(v["supervise_count"], 1);
    assert_eq!(v["urge_count"], 1);
    let (_, red) = t.get(&op, "/cases?overdue=red").await;
    assert_eq!(red["total"], 1);
    let again = t.app.scheduler.tick().await.unwrap();
    assert_eq!(
        again.level_changes + again.urged + again.supervised,
        0,
        "escalation happens once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_describes_every_route() {
    let t = spawn().await;
    let r = t
        .http
        .get(format!("{}/api/v1/openapi.json", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    let src = include_str!("../../fengqiao-api/src/lib.rs");
    let routes: Vec<&str> = src
        .lines()
        .filter_map(|l| l.trim().strip_prefix(".route(\""))
        .map(|l| l.split('"').next().unwrap())
        .filter(|p| *p != "/healthz")
        .collect();
    assert!(routes.len() > 15);
    for route in routes {
        assert!(
            doc["paths"].get(route).is_some(),
            "{route} is served but not described"
        );
    }
    let r = t
        .http
        .get(format!("{}/healthz", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = t
        .http
        .get(format!("{}/api/v1/nothing-here", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
}

/// An XML element, parsed: for checking Open311 XML by element rather than by text.
#[derive(Debug, Default)]
struct Xml {
    name: String,
    text: String,
    children: Vec<Xml>,
}

impl Xml {
    /// Parses a whole document; panics on anything that is not well-formed XML.
    fn parse(doc: &str) -> Xml {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(doc);
        let mut stack = vec![Xml::default()];
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) => stack.push(Xml {
                    name: e.name().as_ref().to_string(),
                    ..Xml::default()
                }),
                Event::End(_) => {
                    let done = stack.pop().unwrap();
                    stack.last_mut().unwrap().children.push(done);
                }
                Event::Text(t) => {
                    let text = t.xml10_content();
                    stack.last_mut().unwrap().text.push_str(&text);
                }
                Event::GeneralRef(r) => {
                    let s = match r.as_ref() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unexpected entity {other:?}"),
                    };
                    stack.last_mut().unwrap().text.push_str(s);
                }
                Event::Eof => break,
                Event::Decl(_) => {}
                other => panic!("unexpected XML event {other:?}"),
            }
        }
        assert_eq!(stack.len(), 1, "unclosed elements");
        let mut root = stack.pop().unwrap();
        assert_eq!(root.children.len(), 1, "one root element");
        root.children.pop().unwrap()
    }

    fn all(&self, name: &str) -> Vec<&Xml> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    fn one(&self, name: &str) -> &Xml {
        let found = self.all(name);
        assert_eq!(found.len(), 1, "exactly one <{name}> in <{}>", self.name);
        found[0]
    }

    fn get(&self, name: &str) -> &str {
        &self.one(name).text
    }
}

/// Checks Open311 JSON payloads against `../shared/open311/schema-validation` with Python's
/// jsonschema (`.ci/run` installs it and sets FENGQIAO_PYTHON). Skipped with a note when
/// neither is there outside CI.
fn assert_open311_schemas(payloads: &[(&str, &Value)]) {
    let schemas = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/open311/schema-validation");
    let python = std::env::var("FENGQIAO_PYTHON").ok();
    let (Some(python), true) = (python, schemas.is_dir()) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI must validate Open311 payloads: set FENGQIAO_PYTHON and provide ../shared"
        );
        eprintln!(
            "skipped: Open311 schema validation (set FENGQIAO_PYTHON to a python with jsonschema)"
        );
        return;
    };
    let dir = std::env::temp_dir().join(format!("fengqiao-o311-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut args = vec![
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/open311_schemas.py")
            .display()
            .to_string(),
        schemas.display().to_string(),
    ];
    for (i, (schema, payload)) in payloads.iter().enumerate() {
        let file = dir.join(format!("{i}.json"));
        std::fs::write(&file, payload.to_string()).unwrap();
        args.push(schema.to_string());
        args.push(file.display().to_string());
    }
    let out = std::process::Command::new(python)
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Road and river messages in many words: the two categories the triage test learns.
fn training_messages() -> Vec<(String, &'static str)> {
    let places = ["村口", "桥头", "老街", "小学门口", "祠堂前面"];
    let road = [
        "水泥路面塌了一个大坑，电瓶车经过差点摔倒",
        "机耕路被工程车压坏，下雨天全是泥浆",
        "路边排水沟盖板缺失，晚上看不清很危险",
        "道路坑坑洼洼，车子开过去底盘都刮了",
    ];
    let river = [
        "河道里漂满了垃圾和水葫芦，河水发臭",
        "有人往溪里倾倒建筑垃圾，水都变浑了",
        "河边养殖场的污水直接排进河里，气味难闻",
        "溪水发黑发臭，岸边有死鱼",
    ];
    let mut out = Vec::new();
    for (i, p) in places.iter().enumerate() {
        for k in 0..4 {
            out.push((
                format!("{p}{}，希望尽快处理", road[(i + k) % 4]),
                "道路破损",
            ));
            out.push((
                format!("反映{p}附近{}，请派人来看看", river[(i + k) % 4]),
                "河道污染",
            ));
        }
    }
    out
}

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
    // the words that drove it.
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
    let (_, ev) = t.get(&op, &format!("/cases/{first}/events")).await;
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
    let (_, d) = t.get(&op, &format!("/cases/{first}/duplicates")).await;
    assert_eq!(d["items"][0]["status"], "merged", "{d}");
    let (_, f) = t.get(&op, &format!("/cases/{first}")).await;
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
    let (_, f) = t.get(&op, &format!("/cases/{first}")).await;
    assert_eq!(f["reporters"].as_array().unwrap().len(), 1, "{f}");
    let (_, d) = t.get(&op, &format!("/cases/{dup}/duplicates")).await;
    assert_eq!(d["items"][0]["status"], "dismissed", "{d}");
    let (_, ev) = t.get(&op, &format!("/cases/{first}/events")).await;
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
    let (_, h) = t.get(&op, "/hotspots").await;
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
    let (_, h) = t.get(&op, "/hotspots").await;
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
    let (_, m) = t.get(&admin, "/triage/models").await;
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
    let (_, l) = t.get(&leader, &format!("/cases/{id}")).await;
    assert_eq!(
        l["body"],
        "我叫王建国，电话139****5678，身份证110105********002X，低保一直没发"
    );
    assert_eq!(l["title"], "低保没发，联系139****5678");
    let (_, list) = t.get(&leader, "/cases").await;
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
    assert_eq!(stored.case.body, body, "the stored text is never changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open311_client_lists_posts_resolves_and_reads_requests() {
    let t = spawn().await;
    let admin = t.login("admin").await;
    let (s, v) = t
        .post(&admin, "/clients", json!({"name": "市12345平台"}))
        .await;
    assert_eq!(s, 201, "{v}");
    let key = v["api_key"].as_str().unwrap().to_string();
    let client_id = v["client"]["id"].as_i64().unwrap();
    // The road category asks how deep the hole is (required), what it is, and what is near.
    let road_id = t.road;
    for (body, status) in [
        (
            json!({"code": "depth", "datatype": "number", "required": true, "description": "坑有多深（米）", "order": 1}),
            201,
        ),
        (
            json!({"code": "kind", "datatype": "singlevaluelist", "description": "损坏类型", "order": 2,
                "values": [{"key": "hole", "name": "坑洞"}, {"key": "crack", "name": "裂缝"}]}),
            201,
        ),
        (
            json!({"code": "near", "datatype": "multivaluelist", "description": "附近有", "order": 3,
                "values": [{"key": "school", "name": "学校"}, {"key": "market", "name": "集市"}]}),
            201,
        ),
        (
            json!({"code": "depth", "datatype": "string", "description": "重复", "order": 4}),
            409,
        ),
        (
            json!({"code": "bad code", "datatype": "string", "description": "x", "order": 5}),
            422,
        ),
        (
            json!({"code": "pick", "datatype": "singlevaluelist", "description": "x", "order": 6}),
            422,
        ),
    ] {
        let (s, v) = t
            .post(
                &admin,
                &format!("/categories/{road_id}/attributes"),
                body.clone(),
            )
            .await;
        assert_eq!(s, status, "{body} → {v}");
    }
    let o = |path: &str| format!("{}/open311/v2{path}", t.base);
    let json_of = |path: &str| {
        let req = t.http.get(o(path));
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let text_of = |path: &str| {
        let req = t.http.get(o(path));
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let status_of = |path: &str| {
        let req = t.http.get(o(path));
        async move { req.send().await.unwrap().status().as_u16() }
    };

    // Discovery and services, in both formats.
    let r = t.http.get(o("/discovery.json")).send().await.unwrap();
    assert_eq!(
        r.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let d: Value = r.json().await.unwrap();
    assert_eq!(
        d["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    let r = t.http.get(o("/discovery.xml")).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/xml; charset=utf-8");
    let x = r.text().await.unwrap();
    assert!(
        x.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><discovery>"),
        "{x}"
    );
    assert!(
        x.contains("<formats><format>text/xml</format><format>application/json</format></formats>"),
        "{x}"
    );
    let services: Value = json_of("/services.json").await;
    let road = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_name"] == "道路破损")
        .unwrap()
        .clone();
    let code = road["service_code"].as_str().unwrap().to_string();
    assert_eq!(road["metadata"], true);
    let x = text_of("/services.xml").await;
    assert!(
        x.contains(&format!(
            "<service><service_code>{code}</service_code><service_name>道路破损</service_name>"
        )),
        "{x}"
    );
    let def: Value = json_of(&format!("/services/{code}.json")).await;
    assert_eq!(def["service_code"], code.as_str());
    let attrs = def["attributes"].as_array().unwrap();
    assert_eq!(attrs.len(), 3);
    assert_eq!(
        (
            attrs[0]["code"].as_str(),
            attrs[0]["required"].as_bool(),
            attrs[0]["order"].as_u64()
        ),
        (Some("depth"), Some(true), Some(1))
    );
    assert_eq!(attrs[1]["values"][1]["key"], "crack");
    let services_xml = Xml::parse(&text_of("/services.xml").await);
    assert_eq!(services_xml.name, "services");
    let road_xml = services_xml
        .all("service")
        .into_iter()
        .find(|s| s.get("service_name") == "道路破损")
        .unwrap();
    assert_eq!(road_xml.get("service_code"), code);
    assert_eq!(road_xml.get("metadata"), "true");
    let def_xml = Xml::parse(&text_of(&format!("/services/{code}.xml")).await);
    assert_eq!(def_xml.name, "service_definition");
    let attrs_xml = def_xml.one("attributes").all("attribute");
    assert_eq!(attrs_xml.len(), 3);
    assert_eq!(
        attrs_xml[1].one("values").all("value")[0].get("name"),
        "坑洞"
    );
    let x = text_of(&format!("/services/{code}.xml")).await;
    assert!(
        x.contains("<attributes><attribute><variable>true</variable><code>depth</code>"),
        "{x}"
    );
    assert!(
        x.contains("<values><value><key>hole</key><name>坑洞</name></value>"),
        "{x}"
    );
    let r = t.http.get(o("/services/999.json")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e[0]["code"], 404);
    let r = t.http.get(o("/services/999.xml")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("<errors><error><code>404</code><description>"));

    // Posting: the key, the service and a location are required, in the spec's statuses.
    let post = |form: Vec<(&'static str, String)>| {
        let http = t.http.clone();
        let url = o("/requests.json");
        async move {
            let r = http.post(url).form(&form).send().await.unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let good = |k: &str| -> Vec<(&'static str, String)> {
        vec![
            ("api_key", k.to_string()),
            ("service_code", code.clone()),
            ("lat", "29.58".to_string()),
            ("long", "120.76".to_string()),
            (
                "description",
                "苍岩村村口水泥路塌了一个大坑，电话13912345678".to_string(),
            ),
            ("first_name", "建国".to_string()),
            ("last_name", "王".to_string()),
            ("phone", "13912345678".to_string()),
            ("attribute[depth]", "0.3".to_string()),
            ("attribute[near][]", "school".to_string()),
            ("attribute[near][]", "market".to_string()),
        ]
    };
    let (s, e) = post(good("")).await;
    assert_eq!(s, 403, "{e}");
    let (s, _) = post(good("fq_wrong")).await;
    assert_eq!(s, 403);
    let mut no_place = good(&key);
    no_place.retain(|(k, _)| *k != "lat" && *k != "long");
    let (s, e) = post(no_place).await;
    assert_eq!(s, 400, "{e}");
    assert!(e[0]["description"].as_str().unwrap().contains("location"));
    let mut not_pinned = good(&key);
    not_pinned.retain(|(k, _)| *k != "lat" && *k != "long");
    not_pinned.push(("address_id", "#NOTPINPOINTED#".into()));
    let (s, e) = post(not_pinned).await;
    assert_eq!(s, 400, "FixMyStreet's unpinned marker is no location: {e}");
    let mut unknown = good(&key);
    unknown[1].1 = "999".into();
    assert_eq!(post(unknown).await.0, 404);
    let mut bad_phone = good(&key);
    bad_phone[7].1 = "12".into();
    assert_eq!(post(bad_phone).await.0, 400);
    let mut no_depth = good(&key);
    no_depth.retain(|(k, _)| *k != "attribute[depth]");
    let (s, e) = post(no_depth).await;
    assert_eq!(s, 400, "a required attribute is missing: {e}");
    let mut bad_kind = good(&key);
    bad_kind.push(("attribute[kind]", "tree".into()));
    assert_eq!(post(bad_kind).await.0, 400, "not one of the list's keys");
    let (s, v) = post(good(&key)).await;
    assert_eq!(s, 201, "{v}");
    let id = v[0]["service_request_id"].as_str().unwrap().to_string();
    assert!(v[0].get("token").is_none(), "id XOR token");

    // The case went through the one intake: open311 channel, the client recorded.
    let op = t.login("op").await;
    let (_, list) = t.get(&op, &format!("/cases?q={id}")).await;
    let case = &list["items"][0];
    assert_eq!(case["channel"], "open311");
    let (_, full) = t.get(&op, &format!("/cases/{}", case["id"])).await;
    assert_eq!(full["reporters"][0]["name"], "王建国");
    assert_eq!(
        full["client_name"], "市12345平台",
        "the case records its client"
    );
    let rec = t
        .store
        .case(fengqiao_domain::ids::CaseId(case["id"].as_i64().unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rec.case.channel, fengqiao_domain::Channel::Open311);
    let answers = t
        .store
        .case_attributes(fengqiao_domain::ids::CaseId(case["id"].as_i64().unwrap()))
        .await
        .unwrap();
    assert_eq!(
        answers,
        vec![
            ("depth".to_string(), "0.3".to_string()),
            ("near".to_string(), "school".to_string()),
            ("near".to_string(), "market".to_string())
        ]
    );

    // Token, one request, the list with filters, in both formats; personal data masked.
    let tok: Value = json_of(&format!("/tokens/{id}.json")).await;
    assert_eq!(tok[0]["service_request_id"], id.as_str());
    let one: Value = json_of(&format!("/requests/{id}.json")).await;
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["status"], "open");
    assert_eq!(one[0]["service_code"], code.as_str());
    assert_eq!(
        one[0]["description"],
        "苍岩村村口水泥路塌了一个大坑，电话139****5678"
    );
    assert!(one[0].get("status_notes").is_none(), "absent, not null");
    assert!(one[0]["requested_datetime"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    let x = text_of(&format!("/requests/{id}.xml")).await;
    let req_xml = Xml::parse(&x);
    assert_eq!(req_xml.name, "service_requests");
    let r = req_xml.one("request");
    assert_eq!(
        (r.get("service_request_id"), r.get("status")),
        (id.as_str(), "open")
    );
    assert_eq!(
        r.get("description"),
        "苍岩村村口水泥路塌了一个大坑，电话139****5678"
    );
    assert!(r.all("status_notes").is_empty(), "absent, not empty");
    let mut markup = good(&key);
    markup[4].1 = "路面塌陷 <注意> & \"危险\" 'R'".into();
    let (s, v) = post(markup).await;
    assert_eq!(s, 201, "{v}");
    let mid = v[0]["service_request_id"].as_str().unwrap().to_string();
    let m = Xml::parse(&text_of(&format!("/requests/{mid}.xml")).await);
    assert_eq!(
        m.one("request").get("description"),
        "路面塌陷 <注意> & \"危险\" 'R'",
        "escaped and back"
    );
    assert!(x.contains(&format!("<service_requests><request><service_request_id>{id}</service_request_id><status>open</status>")), "{x}");
    // Photos: `media_url` (repeatable, also `media_url[]`); lists show the first, extensions all.
    assert!(one[0].get("media_url").is_none(), "absent without photos");
    let mut photos = good(&key);
    photos.push(("media_url[]", "https://img.example.cn/p/1.jpg".into()));
    photos.push(("media_url[]", "https://img.example.cn/p/2.jpg".into()));
    let (s, v) = post(photos).await;
    assert_eq!(s, 201, "{v}");
    let pid = v[0]["service_request_id"].as_str().unwrap().to_string();
    let p1: Value = json_of(&format!("/requests/{pid}.json")).await;
    assert_eq!(p1[0]["media_url"], "https://img.example.cn/p/1.jpg");
    let px: Value = json_of(&format!(
        "/requests.json?service_request_id={pid}&extensions=true"
    ))
    .await;
    assert_eq!(
        px[0]["extended_attributes"]["photos"],
        json!([
            "https://img.example.cn/p/1.jpg",
            "https://img.example.cn/p/2.jpg"
        ])
    );
    let mut bad_media = good(&key);
    bad_media.push(("media_url", "javascript:alert(1)".into()));
    let (s, e) = post(bad_media).await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e[0]["description"].as_str().unwrap().contains("media_url"),
        "{e}"
    );
    assert_eq!(status_of("/requests/FQ20200101000001.json").await, 404);
    let all: Value = json_of("/requests.json").await;
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["service_request_id"] == id.as_str()));
    let closed: Value = json_of("/requests.json?status=closed").await;
    assert!(closed.as_array().unwrap().is_empty());
    let by_id: Value = json_of(&format!(
        "/requests.json?service_request_id={id}&status=closed"
    ))
    .await;
    assert_eq!(
        by_id.as_array().unwrap().len(),
        1,
        "service_request_id overrides other filters"
    );
    for bad in [
        "status=pending",
        "start_date=2026-11-01",
        "page=0",
        "page_size=1001",
    ] {
        let r = t
            .http
            .get(o(&format!("/requests.json?{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
    let r = t
        .http
        .get(o(
            "/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-11-01T00:00:00Z",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "more than 90 days");
    assert_eq!(status_of("/nothing.json").await, 404);

    assert_open311_schemas(&[
        ("services.json", &services),
        ("service-definition.json", &def),
        ("requests.json", &one),
        ("requests.json", &all),
    ]);

    // Updates (mySociety): the reporter's words join the history, once per update_id.
    let post_update = |form: Vec<(&'static str, String)>, fmt: &'static str| {
        let http = t.http.clone();
        let url = o(&format!("/servicerequestupdates.{fmt}"));
        async move {
            let r = http.post(url).form(&form).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let update = |uid: &str, request: &str, status: &str| -> Vec<(&'static str, String)> {
        vec![
            ("api_key", key.clone()),
            ("update_id", uid.to_string()),
            ("service_request_id", request.to_string()),
            ("status", status.to_string()),
            ("updated_datetime", "2026-11-23T02:00:00Z".to_string()),
            ("description", "坑越来越大了，电话13912345678".to_string()),
        ]
    };
    let (s, v) = post_update(update("fms-1", &id, "OPEN"), "json").await;
    assert_eq!(s, 200, "{v}");
    let first: Value = serde_json::from_str(&v).unwrap();
    let u1 = first[0]["update_id"].as_str().unwrap().to_string();
    let (s, again) = post_update(update("fms-1", &id, "OPEN"), "json").await;
    assert_eq!((s, again), (200, v), "a retried update_id answers the same");
    let (s, x) = post_update(update("fms-2", &id, "FIXED"), "xml").await;
    assert_eq!(s, 200, "{x}");
    let doc = Xml::parse(&x);
    assert_eq!(doc.name, "service_request_updates");
    let u2 = doc.one("request_update").get("update_id").to_string();
    assert_ne!(u1, u2);
    let mut long = update("fms-3", &id, "OPEN");
    long[5].1 = "坑".repeat(2_001);
    let (s, body) = post_update(long, "json").await;
    assert_eq!(s, 400, "{body}");
    assert!(body.contains("2000"), "the limit is named: {body}");
    for (form, status) in [
        (update("fms-3", &id, "WHATEVER"), 400),
        (update("fms-1", &mid, "OPEN"), 400),
        (update("fms-3", "FQ20200101000001", "OPEN"), 404),
        (update("fms-3", &id, "OPEN")[..5].to_vec(), 400),
        (update("fms-3", &id, "OPEN")[1..].to_vec(), 403),
    ] {
        let (s, body) = post_update(form.clone(), "json").await;
        assert_eq!(s, status, "{form:?} → {body}");
    }
    let case_id = fengqiao_domain::ids::CaseId(case["id"].as_i64().unwrap());
    let supplements: Vec<_> = t
        .store
        .events(case_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == fengqiao_domain::lifecycle::ActionKind::Supplement)
        .collect();
    assert_eq!(supplements.len(), 2, "two updates, each once");
    assert_eq!(supplements[0].actor_name, "市12345平台");
    assert_eq!(
        supplements[1].remark.as_deref(),
        Some("报告人反馈问题已解决：坑越来越大了，电话13912345678")
    );
    let tok: Value = json_of(&format!("/update_tokens/{u1}.json")).await;
    assert_eq!(
        (tok[0]["update_id"].as_str(), tok[0]["token"].as_str()),
        (Some(u1.as_str()), Some(u1.as_str()))
    );
    assert_eq!(status_of("/update_tokens/99999999.json").await, 404);
    let updates: Value = json_of("/servicerequestupdates.json").await;
    let mine = updates
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["update_id"] == u1.as_str())
        .expect("the posted update is listed");
    assert_eq!(mine["service_request_id"], id.as_str());
    assert_eq!(
        mine["description"], "补充诉求：坑越来越大了，电话139****5678",
        "public, with personal data masked"
    );

    // A revoked key no longer posts.
    let (s, _) = t
        .post(&admin, &format!("/clients/{client_id}/revoke"), json!({}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(post(good(&key)).await.0, 403);
}

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
    let (_, case) = t.post(&op, "/cases", post("甘霖镇老街菜市场门口")).await;
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
    let (_, case) = t.post(&op, "/cases", post("县城人民路")).await;
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
    let (_, case) = t.post(&op, "/cases", body).await;
    assert_eq!(case["region_id"], other);
}
