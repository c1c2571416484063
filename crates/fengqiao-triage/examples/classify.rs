//! Classification throughput on one core: train on a labelled CSV (`title`, `body`, `label`),
//! then classify every message of another CSV (`topic`/`title` and `detail`/`body` columns) one
//! at a time, as intake does.
//!
//! ```text
//! cargo run --release -p fengqiao-triage --example classify -- TRAIN.csv MESSAGES.csv
//! ```
//!
//! Prints `key=value` lines; `bench/triage.sh` turns them into the BENCHMARKS.md table.

use fengqiao_triage::{Example, Model, Segmenter, TrainParams};
use std::time::{Duration, Instant};

fn read(
    path: &str,
    title: &[&str],
    body: &[&str],
    label: Option<&str>,
) -> Vec<(String, String, String)> {
    let mut r = csv::Reader::from_path(path).expect("open csv");
    let h = r.headers().expect("headers").clone();
    let find = |names: &[&str]| h.iter().position(|x| names.contains(&x));
    let (t, b) = (find(title), find(body).expect("body column"));
    let l = label.map(|n| find(&[n]).expect("label column"));
    r.records()
        .map(|rec| {
            let rec = rec.expect("row");
            let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or_default().to_string();
            (get(t), get(Some(b)), get(l))
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(train), Some(msgs)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: classify TRAIN.csv MESSAGES.csv");
        std::process::exit(2);
    };
    let started = Instant::now();
    let seg = Segmenter::new();
    println!(
        "segmenter_load_ms={:.0}",
        started.elapsed().as_secs_f64() * 1e3
    );
    let rows = read(train, &["title"], &["body"], Some("label"));
    let examples = Example::from_rows(&rows);
    let started = Instant::now();
    // FQ_MODEL_CACHE=FILE keeps the trained model between runs (profiling prediction alone);
    // the benchmark trains every time.
    let cache = std::env::var("FQ_MODEL_CACHE").ok();
    let model = match cache.as_deref().and_then(|f| std::fs::read(f).ok()) {
        Some(bytes) => Model::from_bytes(&bytes).expect("the cached model"),
        None => {
            let m = Model::train(&seg, &examples, TrainParams::default()).expect("train");
            if let Some(f) = &cache {
                std::fs::write(f, m.to_bytes()).expect("write the model cache");
            }
            m
        }
    };
    println!("train_s={:.1}", started.elapsed().as_secs_f64());
    println!("model_bytes={}", model.to_bytes().len());
    let messages = read(msgs, &["topic", "title"], &["detail", "body"], None);

    // Segmentation alone, then the whole suggestion (normalise, segment, n-grams, score,
    // explain), one message at a time on this thread.
    let started = Instant::now();
    let mut words = 0usize;
    for (t, b, _) in &messages {
        let text = fengqiao_triage::normalize(&format!("{t} {b}"));
        words += seg.words(&text).len();
    }
    let seg_s = started.elapsed().as_secs_f64();
    let mut latencies: Vec<Duration> = Vec::with_capacity(messages.len());
    let mut suggested = 0usize;
    let started = Instant::now();
    for (t, b, _) in &messages {
        let one = Instant::now();
        if model.predict(&seg, t, b).is_some() {
            suggested += 1;
        }
        latencies.push(one.elapsed());
    }
    let total = started.elapsed().as_secs_f64();
    // FQ_PROFILE_REPEAT=N repeats the classification pass, so a profiler sees prediction
    // rather than training.
    let repeat: usize = std::env::var("FQ_PROFILE_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for _ in 0..repeat {
        for (t, b, _) in &messages {
            std::hint::black_box(model.predict(&seg, t, b));
        }
    }
    latencies.sort();
    let pct =
        |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3;
    println!("messages={}", messages.len());
    println!("words={words}");
    println!("segment_msgs_per_s={:.0}", messages.len() as f64 / seg_s);
    println!("classify_msgs_per_s={:.0}", messages.len() as f64 / total);
    println!("suggested={suggested}");
    println!("latency_p50_ms={:.3}", pct(0.5));
    println!("latency_p99_ms={:.3}", pct(0.99));
    println!("latency_max_ms={:.3}", pct(1.0));
}
