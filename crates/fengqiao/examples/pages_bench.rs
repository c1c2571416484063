//! Server-side time and size of every main page on a large database, through the real
//! router, beside the JSON API answering the same question in the same run (the reference:
//! the same services and store reads without the template).
//!
//!     cargo run --release -- demo --cases 100000 --no-serve --database /tmp/p100k.db
//!     cargo run --release --example pages_bench -- /tmp/p100k.db [ROUNDS]

use fengqiao_app::{App, AppConfig, SystemClock};
use fengqiao_store_sqlite::SqliteStore;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    v[((v.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3
}

/// A page and the JSON API call answering the same question.
struct Row<'a> {
    name: &'a str,
    path: String,
    header: (&'a str, &'a str),
    reference: &'a str,
    ref_path: String,
    ref_header: (&'a str, &'a str),
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// A staff session cookie from the login form.
    async fn cookie(&self, user: &str) -> String {
        let r = self
            .http
            .post(format!("{}/login", self.base))
            .form(&[("username", user), ("password", "fengqiao2026")])
            .send()
            .await
            .unwrap();
        let c = r.headers()["set-cookie"].to_str().unwrap();
        c.split(';').next().unwrap().to_string()
    }

    async fn token(&self, user: &str) -> String {
        let r: serde_json::Value = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&serde_json::json!({"username": user, "password": "fengqiao2026"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["token"].as_str().unwrap().to_string()
    }

    /// `rounds` sequential GETs: p50 and p99 in ms, and the size of the answer.
    async fn measure(&self, path: &str, header: (&str, &str), rounds: usize) -> (f64, f64, usize) {
        let mut times = Vec::with_capacity(rounds);
        let mut size = 0;
        for _ in 0..rounds {
            let started = Instant::now();
            let r = self
                .http
                .get(format!("{}{path}", self.base))
                .header(header.0, header.1)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{path}: {}", r.status());
            size = r.bytes().await.unwrap().len();
            times.push(started.elapsed());
        }
        (pct(&mut times, 0.5), pct(&mut times, 0.99), size)
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let db = args.get(1).expect("database path (a demo database)");
    let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let store = Arc::new(SqliteStore::open(db).unwrap());
    let app = App::new(store, Arc::new(SystemClock), AppConfig::default())
        .await
        .unwrap();
    let total = app
        .queries
        .overview(&fengqiao_domain::org::Actor::system())
        .await
        .map(|c| c.total)
        .unwrap_or(0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let site = fengqiao_web::site(app.clone())
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, site).await.unwrap() });
    let c = Client {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: format!("http://{addr}"),
    };
    let (op, leader) = (c.cookie("zhongxin").await, c.cookie("lingdao").await);
    let bearer = format!("Bearer {}", c.token("zhongxin").await);
    let lead_bearer = format!("Bearer {}", c.token("lingdao").await);
    // A case with a long history: the first of the follow-up queue.
    let list: serde_json::Value = c
        .http
        .get(format!(
            "{}/api/v1/cases?state=reviewed&page_size=1",
            c.base
        ))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = list["items"][0]["id"].as_i64().unwrap_or(1);
    let village = app
        .core
        .regions()
        .iter()
        .find(|r| r.level == fengqiao_domain::org::RegionLevel::Village)
        .map(|r| r.id.0)
        .unwrap();
    println!("{total} cases, {rounds} sequential requests per row\n");
    println!("| page | p50 ms | p99 ms | bytes | JSON API reference | ref p50 ms | ref p99 ms | p99 ratio |");
    println!("|---|---|---|---|---|---|---|---|");
    let page = |name, path: String, header, reference, ref_path: String, ref_header| Row {
        name,
        path,
        header,
        reference,
        ref_path,
        ref_header,
    };
    let (op_c, lead_c) = (("cookie", op.as_str()), ("cookie", leader.as_str()));
    let (op_b, lead_b) = (
        ("authorization", bearer.as_str()),
        ("authorization", lead_bearer.as_str()),
    );
    let (html, any) = (("accept", "text/html"), ("accept", "*/*"));
    let rows = vec![
        page(
            "workbench 待受理 (operator)",
            "/workbench?queue=reported".into(),
            op_c,
            "cases?state=reported",
            "/api/v1/cases?state=reported&page_size=50".into(),
            op_b,
        ),
        page(
            "workbench 已超期 (operator)",
            "/workbench?queue=red".into(),
            op_c,
            "cases?overdue=red",
            "/api/v1/cases?overdue=red&page_size=50".into(),
            op_b,
        ),
        page(
            "workbench search 路灯",
            "/workbench?q=%E8%B7%AF%E7%81%AF".into(),
            op_c,
            "cases?q=路灯",
            "/api/v1/cases?q=%E8%B7%AF%E7%81%AF&page_size=50".into(),
            op_b,
        ),
        page(
            "case page",
            format!("/cases/{case}"),
            op_c,
            "cases/{id}",
            format!("/api/v1/cases/{case}"),
            op_b,
        ),
        page(
            "dashboard (leader)",
            "/dashboard".into(),
            lead_c,
            "overview",
            "/api/v1/overview".into(),
            lead_b,
        ),
        page(
            "民情码 landing",
            format!("/m/{village}"),
            html,
            "healthz",
            "/healthz".into(),
            any,
        ),
        page(
            "report form",
            format!("/m/{village}/report"),
            html,
            "healthz",
            "/healthz".into(),
            any,
        ),
    ];
    for r in rows {
        let (p50, p99, bytes) = c.measure(&r.path, r.header, rounds).await;
        let (r50, r99, _) = c.measure(&r.ref_path, r.ref_header, rounds).await;
        println!(
            "| {} | {p50:.1} | {p99:.1} | {bytes} | {} | {r50:.1} | {r99:.1} | {:.2} |",
            r.name,
            r.reference,
            p99 / r99.max(0.001)
        );
    }
    let css = c.measure("/static/app.css", ("accept", "*/*"), 1).await.2;
    let js = c.measure("/static/app.js", ("accept", "*/*"), 1).await.2;
    println!("\nassets (cached a day): app.css {css} bytes, app.js {js} bytes");
}
