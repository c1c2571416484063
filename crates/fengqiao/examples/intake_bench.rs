//! Intake benchmark: cases registered through the HTTP API by concurrent clients with durable
//! (group) commits, in two shapes, beside inserting the same rows straight into SQLite in the
//! same run.
//!
//! - **surge**: one report repeated (a burst main in 苍岩村: hundreds of people report one
//!   thing within the hour), every case placed in the village by its text, so it joins the
//!   village's duplicate search and hot spot;
//! - **varied**: real messages (`messages_unlabeled.csv`, cycled) spread over eight villages,
//!   with a classifier trained on `messages_train.csv` active (each label a category with a
//!   unit, so confident suggestions are dispatched), duplicate search and hot spots on.
//!
//!     cargo run --release --example intake_bench -- [SECONDS] [CLIENTS] [TRAIN.csv MESSAGES.csv]
//!
//! Without the two files only the surge runs; `INTAKE_SHAPES=varied` runs only the varied letters. Prints a Markdown table for BENCHMARKS.md.

#[path = "common/mod.rs"]
mod common;
use fengqiao_app::{App, AppConfig, SystemClock};
use fengqiao_domain::org::{Actor, RegionLevel, Role};
use fengqiao_store_sqlite::SqliteStore;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const VILLAGES: [&str; 8] = [
    "苍岩村",
    "河口村",
    "石门村",
    "青山村",
    "杨家村",
    "新塘村",
    "双溪村",
    "枫桥社区",
];

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// A township with its villages and an operator, served on a free port: the cases URL, the
/// operator's token and the village ids.
async fn serve(
    dir: &std::path::Path,
    file: &str,
    train: Option<Vec<(String, String, String)>>,
) -> (String, String, Vec<i64>) {
    // The shipped limits, unless the bench is told others to compare (`INTAKE_IN_FLIGHT`,
    // `INTAKE_QUEUE_WAIT_MS`).
    let mut config = AppConfig::default();
    if let Some(n) = std::env::var("INTAKE_IN_FLIGHT")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.intake_limits.in_flight = n;
    }
    if let Some(ms) = std::env::var("INTAKE_QUEUE_WAIT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.intake_limits.queue_wait = Duration::from_millis(ms);
    }
    let app = App::new(
        Arc::new(SqliteStore::open(dir.join(file)).unwrap()),
        Arc::new(SystemClock),
        config,
    )
    .await
    .unwrap();
    let sys = Actor::system();
    let town = app
        .admin
        .create_region(&sys, None, "甘霖镇", RegionLevel::Town)
        .await
        .unwrap();
    let mut villages = Vec::new();
    for v in VILLAGES {
        let level = if v.ends_with("社区") {
            RegionLevel::Community
        } else {
            RegionLevel::Village
        };
        let r = app
            .admin
            .create_region(&sys, Some(town.id), v, level)
            .await
            .unwrap();
        villages.push(r.id.0);
    }
    app.admin
        .create_user(
            &sys,
            "op",
            "受理员",
            "bench-password",
            Role::Operator,
            town.id,
            None,
        )
        .await
        .unwrap();
    if let Some(rows) = train {
        // A category per label with a unit of its own, as a township's tree has: confident
        // suggestions are registered and dispatched by triage (智能分拨), as they would be.
        let mut labels: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
        labels.sort_unstable();
        labels.dedup();
        for label in labels {
            let unit = app
                .admin
                .create_unit(
                    &sys,
                    &format!("{label}办公室"),
                    fengqiao_domain::org::UnitKind::Department,
                    None,
                    town.id,
                )
                .await
                .unwrap();
            app.admin
                .create_category(&sys, None, label, Some(unit.id), false)
                .await
                .unwrap();
        }
        app.triage
            .train_and_store(&sys, rows, "bench".into(), None)
            .await
            .unwrap();
    }
    app.triage.reload().await.unwrap();
    let (token, _) = app.auth.login("op", "bench-password", None).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v1/cases", listener.local_addr().unwrap());
    // Served as the binary serves: its connection cap and time limits.
    tokio::spawn(async move {
        fengqiao_api::serve(
            listener,
            fengqiao_api::router(app),
            fengqiao_api::Limits::default(),
            std::future::pending(),
        )
        .await
        .unwrap()
    });
    (url, token, villages)
}

type Body = Arc<dyn Fn(u64) -> Value + Send + Sync>;

struct Figures {
    /// Cases stored (201) per second.
    rate: f64,
    /// Reports turned away (503, Retry-After) in the open loop, and requests that failed
    /// otherwise (connection reset, any other status).
    open_busy: usize,
    open_failed: usize,
    p50: f64,
    p99: f64,
    open_p50: f64,
    open_p99: f64,
    open_seconds: f64,
}

/// What became of one report.
#[derive(Clone, Copy, PartialEq)]
enum Answer {
    Stored,
    Busy,
    Failed,
}

async fn post(http: &reqwest::Client, url: &str, token: &str, body: &Value) -> Answer {
    let r = match http.post(url).bearer_auth(token).json(body).send().await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("request failed: {e}");
            return Answer::Failed;
        }
    };
    match r.status().as_u16() {
        201 => {
            let _ = r.bytes().await;
            Answer::Stored
        }
        503 if r.headers().contains_key("retry-after") => Answer::Busy,
        s => {
            eprintln!("answered {s}: {:?}", r.text().await);
            Answer::Failed
        }
    }
}

/// Closed loop with `clients` concurrent clients for `seconds`, then an open loop at 1,000/s.
async fn measure(url: &str, token: &str, body: Body, seconds: u64, clients: usize) -> Figures {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients * 2)
        .build()
        .unwrap();
    let counter = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, url, token, counter, body) = (
            http.clone(),
            url.to_string(),
            token.to_string(),
            counter.clone(),
            body.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                let b = body(i);
                let t = Instant::now();
                assert!(
                    post(&http, &url, &token, &b).await == Answer::Stored,
                    "64 clients are within what intake takes"
                );
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

    // Open loop at 1,000 cases/s: latency when the load is what a busy county sends.
    let rate = 1000u64;
    let n = rate * seconds.min(10);
    let base = counter.load(Ordering::Relaxed) + 1_000_000;
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let mut tasks = Vec::new();
    let open_started = Instant::now();
    for i in 0..n {
        ticker.tick().await;
        let (http, url, token, b) = (
            http.clone(),
            url.to_string(),
            token.to_string(),
            body(base + i),
        );
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let answer = post(&http, &url, &token, &b).await;
            (answer, t.elapsed())
        }));
    }
    let mut open = Vec::new();
    let (mut open_busy, mut open_failed) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            (Answer::Stored, d) => open.push(d),
            (Answer::Busy, _) => open_busy += 1,
            (Answer::Failed, _) => open_failed += 1,
        }
    }
    let open_seconds = open_started.elapsed().as_secs_f64();
    open.sort();
    Figures {
        rate: lat.len() as f64 / elapsed,
        p50: percentile(&lat, 0.5),
        p99: percentile(&lat, 0.99),
        open_p50: percentile(&open, 0.5),
        open_p99: percentile(&open, 0.99),
        open_seconds,
        open_busy,
        open_failed,
    }
}

/// The same rows straight into SQLite (WAL, synchronous=FULL), `per_tx` cases per transaction.
fn reference(dir: &std::path::Path, per_tx: usize, total: usize, file: &str) -> f64 {
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
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // The server's errors, so a failed request says why.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter("warn")
        .try_init();
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let clients: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(64);
    let files = args.get(3).zip(args.get(4));
    let dir = std::env::temp_dir().join(format!("fengqiao-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    // `INTAKE_SHAPES=varied` runs the varied letters alone (for a profile of them).
    let only_varied = std::env::var("INTAKE_SHAPES").is_ok_and(|s| s == "varied");
    let mut runs = Vec::new();
    if !only_varied {
        let (url, token, _) = serve(&dir, "surge.db", None).await;
        let surge: Body = Arc::new(|i| {
            json!({
                "title": format!("村口路灯不亮 {i}"),
                "body": "苍岩村村口的路灯坏了半个多月一直不亮，晚上出行很不方便，希望尽快处理。",
                "channel": "hotline",
                "reporter_name": "王建国",
                "reporter_phone": "13800138000",
                "idempotency_key": format!("bench-{i}"),
            })
        });
        runs.push((
            "surge",
            measure(&url, &token, surge, seconds, clients).await,
        ));
    }

    if let Some((train, messages)) = files {
        let rows: Vec<(String, String, String)> =
            common::column_texts(train, &["title", "body", "label"])
                .into_iter()
                .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
                .collect();
        let texts: Arc<Vec<(String, String)>> = Arc::new(
            common::column_texts(messages, &["topic", "detail"])
                .into_iter()
                .filter(|m| !m[1].trim().is_empty())
                .map(|m| (m[0].chars().take(60).collect(), m[1].clone()))
                .collect(),
        );
        let (url, token, villages) = serve(&dir, "varied.db", Some(rows)).await;
        let varied: Body = Arc::new(move |i| {
            let (title, body) = &texts[i as usize % texts.len()];
            json!({
                "title": title,
                "body": body,
                "channel": "hotline",
                "region_id": villages[i as usize % villages.len()],
                "reporter_name": "王建国",
                "reporter_phone": "13800138000",
                "idempotency_key": format!("bench-{i}"),
            })
        });
        runs.push((
            "varied",
            measure(&url, &token, varied, seconds, clients).await,
        ));
    }

    // The references, after the HTTP runs so they do not compete with them.
    let direct_batched = reference(&dir, 512, 100_000, "direct-batched.db");
    let direct_single = reference(&dir, 1, 2_000, "direct-single.db");
    let _ = std::fs::remove_dir_all(&dir);

    let names: Vec<&str> = runs.iter().map(|(n, _)| *n).collect();
    println!("| measure | {} |", names.join(" | "));
    println!("|---|{}", "---|".repeat(runs.len()));
    let row = |label: String, f: &dyn Fn(&Figures) -> String| {
        let cells: Vec<String> = runs.iter().map(|(_, r)| f(r)).collect();
        println!("| {label} | {} |", cells.join(" | "));
    };
    row(
        format!("HTTP intake, {clients} concurrent clients, {seconds} s: cases/s"),
        &|r| format!("{:.0}", r.rate),
    );
    row("… p50 / p99 latency (ms)".into(), &|r| {
        format!("{:.1} / {:.1}", r.p50, r.p99)
    });
    row(
        "HTTP intake, open loop at 1000/s: p50 / p99 latency (ms)".into(),
        &|r| {
            format!(
                "{:.1} / {:.1} ({:.0} s)",
                r.open_p50, r.open_p99, r.open_seconds
            )
        },
    );
    row(
        "… open loop: turned away (503, Retry-After) / failed".into(),
        &|r| format!("{} / {}", r.open_busy, r.open_failed),
    );
    row(
        format!("reference: SQLite, 1 case per transaction (fsync each): {direct_single:.0} cases/s; HTTP ÷ it"),
        &|r| format!("{:.2}", r.rate / direct_single),
    );
    row(
        format!(
            "reference: SQLite, 512 cases per transaction: {direct_batched:.0} cases/s; HTTP ÷ it"
        ),
        &|r| format!("{:.3}", r.rate / direct_batched),
    );
}
