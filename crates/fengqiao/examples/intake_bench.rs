//! Intake benchmark: cases registered through the HTTP API by concurrent clients with durable
//! (group) commits, beside inserting the same rows straight into SQLite in the same run.
//!
//!     cargo run --release --example intake_bench -- [SECONDS] [CLIENTS]
//!
//! Prints a Markdown table for BENCHMARKS.md.

use fengqiao_app::{App, AppConfig, SystemClock};
use fengqiao_domain::org::{Actor, RegionLevel, Role};
use fengqiao_store_sqlite::SqliteStore;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn body(i: u64) -> serde_json::Value {
    json!({
        "title": format!("村口路灯不亮 {i}"),
        "body": "苍岩村村口的路灯坏了半个多月一直不亮，晚上出行很不方便，希望尽快处理。",
        "channel": "hotline",
        "reporter_name": "王建国",
        "reporter_phone": "13800138000",
        "idempotency_key": format!("bench-{i}"),
    })
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let clients: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(64);
    let dir = std::env::temp_dir().join(format!("fengqiao-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    let app = App::new(
        Arc::new(SqliteStore::open(dir.join("http.db")).unwrap()),
        Arc::new(SystemClock),
        AppConfig::default(),
    )
    .await
    .unwrap();
    let town = app
        .admin
        .create_region(&Actor::system(), None, "甘霖镇", RegionLevel::Town)
        .await
        .unwrap();
    app.admin
        .create_user(
            &Actor::system(),
            "op",
            "受理员",
            "bench-password",
            Role::Operator,
            town.id,
            None,
        )
        .await
        .unwrap();
    let (token, _) = app.auth.login("op", "bench-password", None).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v1/cases", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, fengqiao_api::router(app))
            .await
            .unwrap()
    });
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients * 2)
        .build()
        .unwrap();

    // 1. Closed loop: as many cases as `clients` concurrent clients can register.
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, url, token, counter) =
            (http.clone(), url.clone(), token.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let i = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let t = Instant::now();
                let r = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body(i))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
                let _ = r.bytes().await;
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    lat.sort();
    let closed_rate = lat.len() as f64 / elapsed;
    let (closed_p50, closed_p99) = (percentile(&lat, 0.5), percentile(&lat, 0.99));

    // 2. Open loop at 1,000 cases/s: latency when the load is what a busy county sends.
    let rate = 1000u64;
    let n = rate * seconds.min(10);
    let base = counter.load(std::sync::atomic::Ordering::Relaxed) + 1_000_000;
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let mut tasks = Vec::new();
    let started = Instant::now();
    for i in 0..n {
        ticker.tick().await;
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = http
                .post(&url)
                .bearer_auth(&token)
                .json(&body(base + i))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            let _ = r.bytes().await;
            t.elapsed()
        }));
    }
    let mut open = Vec::new();
    for t in tasks {
        open.push(t.await.unwrap());
    }
    let open_elapsed = started.elapsed().as_secs_f64();
    open.sort();

    // 3. Reference: the same rows straight into SQLite (WAL, synchronous=FULL), one transaction
    // per 512 cases (the writer's largest batch), then one transaction per case.
    let reference = |per_tx: usize, total: usize, file: &str| {
        drop(SqliteStore::open(dir.join(file)).unwrap()); // same schema
        let conn = rusqlite::Connection::open(dir.join(file)).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .unwrap();
        let t = Instant::now();
        let mut i = 0usize;
        while i < total {
            let tx = conn.unchecked_transaction().unwrap();
            for _ in 0..per_tx.min(total - i) {
                i += 1;
                tx.execute(
                    "INSERT INTO cases (id, case_no, title, body, channel, priority, state, is_petition, reopen_count, return_count, urge_count,
                       supervise_count, listed_supervision, overdue_level, extended_days, unit_at_fault, created_at, updated_at, version, idempotency_key)
                     VALUES (?1, ?2, ?3, '苍岩村村口的路灯坏了半个多月一直不亮，晚上出行很不方便，希望尽快处理。', 'hotline', 'normal', 'reported', 0, 0, 0, 0, 0, 0, 'green', 0, 0, 0, 0, 0, ?4)",
                    rusqlite::params![i as i64, format!("FQ20261128{i:06}"), format!("村口路灯不亮 {i}"), format!("bench-{i}")],
                )
                .unwrap();
                tx.execute("INSERT INTO reporters (case_id, original_case_id, name, phone, channel, reported_at) VALUES (?1, ?1, '王建国', '13800138000', 'hotline', 0)", [i as i64]).unwrap();
                tx.execute("INSERT INTO case_events (case_id, action, to_state, actor_name, remark, at) VALUES (?1, 'intake', 'reported', '受理员', '经「12345热线」登记', 0)", [i as i64]).unwrap();
            }
            tx.commit().unwrap();
        }
        total as f64 / t.elapsed().as_secs_f64()
    };
    let direct_batched = reference(512, 100_000, "direct-batched.db");
    let direct_single = reference(1, 2_000, "direct-single.db");
    let _ = std::fs::remove_dir_all(&dir);

    println!("| measure | figure |");
    println!("|---|---|");
    println!(
        "| HTTP intake, {clients} concurrent clients, {seconds} s: cases/s | {closed_rate:.0} |"
    );
    println!("| … p50 / p99 latency (ms) | {closed_p50:.1} / {closed_p99:.1} |");
    println!("| HTTP intake, open loop at {rate}/s for {:.0} s: p50 / p99 latency (ms) | {:.1} / {:.1} |", open_elapsed, percentile(&open, 0.5), percentile(&open, 0.99));
    println!("| reference: same rows straight into SQLite, 512 per transaction: cases/s | {direct_batched:.0} |");
    println!("| reference: same rows straight into SQLite, 1 per transaction (fsync each): cases/s | {direct_single:.0} |");
    println!(
        "| HTTP ÷ direct batched | {:.2} |",
        closed_rate / direct_batched
    );
    println!(
        "| HTTP ÷ direct one-per-transaction | {:.1} |",
        closed_rate / direct_single
    );
}
