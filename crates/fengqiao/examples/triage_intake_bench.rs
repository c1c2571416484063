//! What a triage suggestion adds to an intake: the same messages through `App::intake` one at
//! a time, on a township without a model and on one with the model trained on a labelled CSV,
//! in the same run.
//!
//!     cargo run --release --example triage_intake_bench -- TRAIN.csv MESSAGES.csv [N]
//!
//! Prints `key=value` lines; `bench/triage.sh` puts them in BENCHMARKS.md.

#[path = "common/mod.rs"]
mod common;
use common::column_texts;
use fengqiao_app::{App, AppConfig, IntakeInput, SystemClock};
use fengqiao_domain::org::{Actor, RegionLevel};
use fengqiao_store_sqlite::SqliteStore;
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn township(dir: &std::path::Path, name: &str, hotspots: bool) -> (Arc<App>, i64) {
    let mut config = AppConfig::default();
    if !hotspots {
        config.triage.hotspot_min_cases = usize::MAX;
    }
    let app = App::new(
        Arc::new(SqliteStore::open(dir.join(name)).unwrap()),
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
    let village = app
        .admin
        .create_region(&sys, Some(town.id), "苍岩村", RegionLevel::Village)
        .await
        .unwrap();
    (app, village.id.0)
}

async fn run(app: &App, village: i64, messages: &[Vec<String>]) -> Vec<Duration> {
    let sys = Actor::system();
    let mut lat = Vec::with_capacity(messages.len());
    for m in messages {
        let input = IntakeInput {
            title: Some(m[0].chars().take(60).collect()),
            body: m[1].chars().take(5000).collect(),
            channel: Some("hotline".into()),
            region_id: Some(village),
            ..Default::default()
        };
        let t = Instant::now();
        app.intake.submit(&sys, input).await.unwrap();
        lat.push(t.elapsed());
    }
    lat.sort();
    lat
}

fn pct(lat: &[Duration], p: f64) -> f64 {
    lat[((lat.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (train, msgs) = (&args[1], &args[2]);
    let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let dir = std::env::temp_dir().join(format!("fengqiao-triage-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let messages: Vec<Vec<String>> = column_texts(msgs, &["topic", "detail"])
        .into_iter()
        .filter(|m| !m[1].trim().is_empty())
        .take(n)
        .collect();

    // Hot spots off unless asked: a thousand city-wide messages landing in one village within
    // seconds is not a township's day, and raising a hot spot (loading its members, picking
    // key words) is a rare, separate cost.
    let hotspots = std::env::var("FQ_BENCH_HOTSPOTS").is_ok();
    let (plain, v1) = township(&dir, "plain.db", hotspots).await;
    let (triaged, v2) = township(&dir, "triaged.db", hotspots).await;
    let rows: Vec<(String, String, String)> = column_texts(train, &["title", "body", "label"])
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
        .collect();
    triaged
        .triage
        .train_and_store(&Actor::system(), rows, "bench".into(), None)
        .await
        .unwrap();
    // Warm both (segmenter dictionary, statement caches), then measure alternately.
    run(&plain, v1, &messages[..20.min(messages.len())]).await;
    run(&triaged, v2, &messages[..20.min(messages.len())]).await;
    let without = run(&plain, v1, &messages).await;
    let with = run(&triaged, v2, &messages).await;
    println!("intakes={}", messages.len());
    println!("without_p50_ms={:.3}", pct(&without, 0.5));
    println!("without_p99_ms={:.3}", pct(&without, 0.99));
    println!("with_p50_ms={:.3}", pct(&with, 0.5));
    println!("with_p99_ms={:.3}", pct(&with, 0.99));
    println!("without_p90_ms={:.3}", pct(&without, 0.9));
    println!("with_p90_ms={:.3}", pct(&with, 0.9));
    println!("added_p50_ms={:.3}", pct(&with, 0.5) - pct(&without, 0.5));
    let _ = std::fs::remove_dir_all(&dir);
}
