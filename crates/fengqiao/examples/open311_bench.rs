//! Open311 `GET requests.{json,xml}` latency on a large database: the newest 1,000 requests (the
//! spec's default answer) and a filtered page, through the real router, beside the store's own
//! query for the same rows in the same run.
//!
//!     cargo run --release -- demo --cases 1000000 --no-serve --database /tmp/m1.db
//!     cargo run --release --example open311_bench -- /tmp/m1.db [ROUNDS]

use fengqiao_app::{App, AppConfig, SystemClock};
use fengqiao_store::{CaseFilter, CaseQueryStore, Scope};
use fengqiao_store_sqlite::SqliteStore;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    v[((v.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let db = args.get(1).expect("database path");
    let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let store = Arc::new(SqliteStore::open(db).unwrap());
    let app = App::new(store.clone(), Arc::new(SystemClock), AppConfig::default())
        .await
        .unwrap();
    let total = store.count_cases(&Scope::All).await.unwrap().total;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = fengqiao_api::router(app.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let http = reqwest::Client::new();
    let base = format!("http://{addr}/open311/v2");
    let services: serde_json::Value = http
        .get(format!("{base}/services.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = services[0]["service_code"].as_str().unwrap().to_string();
    println!("cases={total}");
    for (name, path) in [
        ("requests.json (newest 1,000)", "/requests.json".to_string()),
        ("requests.xml (newest 1,000)", "/requests.xml".to_string()),
        (
            "requests.json?extensions=true (newest 1,000, with history)",
            "/requests.json?extensions=true".to_string(),
        ),
        (
            "requests.json?status=open&service_code=…&page_size=100&page=3",
            format!("/requests.json?status=open&service_code={code}&page_size=100&page=3"),
        ),
    ] {
        let mut lat = Vec::with_capacity(rounds);
        let mut items = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            let body = http
                .get(format!("{base}{path}"))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            lat.push(t.elapsed());
            items = body.len();
        }
        println!(
            "{name}: p50_ms={:.2} p99_ms={:.2} bytes={items}",
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.99)
        );
    }
    // Reference: the store's query for the same 1,000 rows, no HTTP, no rendering.
    let mut lat = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        let page = store
            .list_cases(
                &Scope::All,
                &CaseFilter {
                    public_only: true,
                    skip_total: true,
                    created_from: Some(chrono::Utc::now() - chrono::Duration::days(90)),
                    page: 1,
                    page_size: 1000,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        lat.push(t.elapsed());
        assert!(!page.items.is_empty());
    }
    println!(
        "reference, store query for the same 1,000 rows: p50_ms={:.2} p99_ms={:.2}",
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99)
    );
}
