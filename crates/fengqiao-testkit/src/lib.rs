//! What the tests share, so no test suite keeps its own copy: temporary databases, the test
//! township (a town, two villages, two units, a road category and a user per role), the served
//! app on a free port with a manual clock, HTTP helpers that check statuses, and a small
//! training corpus for triage. Dev-only: nothing here is compiled into the server.

pub mod recount;

use chrono::{TimeZone, Utc};
use fengqiao_app::{App, AppConfig, ManualClock};
use fengqiao_domain::org::{Actor, RegionLevel, Role, UnitKind};
use fengqiao_store_sqlite::SqliteStore;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// A fresh, empty directory for one test's database, unique within the run.
pub fn temp_dir(prefix: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub app: Arc<App>,
    /// The database under the app, for checks of what was stored.
    pub store: Arc<SqliteStore>,
    pub unit: i64,
    pub other_unit: i64,
    pub village: i64,
    pub other_village: i64,
    /// The category 道路破损 (default unit: `unit`).
    pub road: i64,
}

pub const PW: &str = "test-password";

pub async fn spawn() -> TestApp {
    spawn_with(AppConfig::default()).await
}

/// The test township on a fresh database, without HTTP: a town with two villages (苍岩村,
/// 长安村), the 农业农村办公室 and 苍岩村村委会, the category 道路破损 routed to the office, and
/// one user per role (password [`PW`]; `grid` works 苍岩村第一网格). The clock stands at Monday 23 November 2026, 09:00
/// China time, and moves only when told.
pub struct Township {
    pub app: Arc<App>,
    /// The database under the app, for checks of what was stored.
    pub store: Arc<SqliteStore>,
    pub clock: Arc<ManualClock>,
    pub unit: i64,
    pub other_unit: i64,
    pub village: i64,
    pub other_village: i64,
    /// The category 道路破损 (default unit: `unit`).
    pub road: i64,
}

/// The id of the grid the `grid` user works (苍岩村第一网格).
fn grid_of(app: &App) -> i64 {
    app.core
        .regions()
        .iter()
        .find(|r| r.name == "苍岩村第一网格")
        .expect("the test township's grid")
        .id
        .0
}

impl Township {
    /// The id of the grid the `grid` user works (苍岩村第一网格).
    pub fn grid(&self) -> i64 {
        grid_of(&self.app)
    }

    /// The actor a user of the township acts as.
    pub async fn actor(&self, username: &str) -> Actor {
        let users = self.app.admin.users(&Actor::system()).await.unwrap();
        let user = users
            .iter()
            .find(|u| u.username == username)
            .unwrap_or_else(|| panic!("no user {username}"));
        self.app.core.actor_for(user)
    }
}

pub async fn township(config: AppConfig) -> Township {
    let store = SqliteStore::open(temp_dir("fengqiao-api").join("t.db")).unwrap();
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
    let grid = app
        .admin
        .create_region(&sys, Some(village.id), "苍岩村第一网格", RegionLevel::Grid)
        .await
        .unwrap();
    for (name, role, region, u) in [
        ("admin", Role::Admin, town.id, None),
        ("op", Role::Operator, town.id, None),
        ("op_changan", Role::Operator, other_village.id, None),
        ("leader", Role::Leader, town.id, None),
        ("staff", Role::UnitStaff, town.id, Some(unit.id)),
        ("village", Role::UnitStaff, village.id, Some(other.id)),
        ("grid", Role::GridWorker, grid.id, Some(other.id)),
    ] {
        app.admin
            .create_user(&sys, name, name, PW, role, region, u)
            .await
            .unwrap();
    }
    Township {
        app,
        store,
        clock,
        unit: unit.id.0,
        other_unit: other.id.0,
        village: village.id.0,
        other_village: other_village.id.0,
        road: road.id.0,
    }
}

/// Serves `router` on a free port, with each connection's peer address (as the server does);
/// its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    format!("http://{addr}")
}

/// The test township served on a free port.
pub async fn spawn_with(config: AppConfig) -> TestApp {
    let t = township(config).await;
    TestApp {
        base: serve(fengqiao_api::router(t.app.clone())).await,
        http: reqwest::Client::new(),
        clock: t.clock,
        app: t.app,
        store: t.store,
        unit: t.unit,
        other_unit: t.other_unit,
        village: t.village,
        other_village: t.other_village,
        road: t.road,
    }
}

impl TestApp {
    /// The id of the grid the `grid` user works (苍岩村第一网格).
    pub fn grid(&self) -> i64 {
        grid_of(&self.app)
    }

    pub async fn login(&self, user: &str) -> String {
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
    pub async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
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
    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
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
    pub async fn step(&self, token: &str, id: i64, action: Value, state: &str) -> Value {
        let (s, v) = self.act(token, id, action.clone()).await;
        assert_eq!(s, 200, "{action} → {v}");
        assert_eq!(v["state"], state, "{action} → {v}");
        v
    }
    pub async fn act(&self, token: &str, id: i64, body: Value) -> (u16, Value) {
        self.post(token, &format!("/cases/{id}/actions"), body)
            .await
    }

    /// A GET that must succeed (2xx); returns the body.
    pub async fn get_ok(&self, token: &str, path: &str) -> Value {
        let (s, v) = self.get(token, path).await;
        assert!((200..300).contains(&s), "GET {path} → {s} {v}");
        v
    }
    /// A POST that must succeed (2xx); returns the body.
    pub async fn post_ok(&self, token: &str, path: &str, body: Value) -> Value {
        let (s, v) = self.post(token, path, body.clone()).await;
        assert!((200..300).contains(&s), "POST {path} {body} → {s} {v}");
        v
    }
    /// An action that must be accepted, whatever state it leads to.
    pub async fn act_ok(&self, token: &str, id: i64, body: Value) -> Value {
        let (s, v) = self.act(token, id, body.clone()).await;
        assert_eq!(s, 200, "{body} → {v}");
        v
    }
}

/// Road and river messages in many words: the two categories the triage test learns.
pub fn training_messages() -> Vec<(String, &'static str)> {
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
