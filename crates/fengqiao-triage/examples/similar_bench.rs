//! Duplicate-check latency with many open cases: fills the index with `N` open cases (real
//! message texts from the given CSVs, cycled with a serial so no two are identical) spread
//! over `P` places, then times searches for new messages.
//!
//! ```text
//! cargo run --release -p fengqiao-triage --example similar_bench -- N P FILE.csv [FILE.csv...]
//! ```

use fengqiao_triage::{Shingles, SimilarityIndex};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let places: i64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    let mut texts: Vec<String> = Vec::new();
    for path in &args[3..] {
        let mut r = csv::Reader::from_path(path).expect("open csv");
        let h = r.headers().expect("headers").clone();
        let cols: Vec<usize> = h
            .iter()
            .enumerate()
            .filter(|(_, x)| ["title", "body", "topic", "detail"].contains(x))
            .map(|(i, _)| i)
            .collect();
        for rec in r.records() {
            let rec = rec.expect("row");
            let t: Vec<&str> = cols.iter().filter_map(|&i| rec.get(i)).collect();
            texts.push(t.join(" "));
        }
    }
    assert!(!texts.is_empty(), "no texts");
    let mut ix = SimilarityIndex::new();
    let started = Instant::now();
    for i in 0..n {
        let text = format!("{} {}", texts[i % texts.len()], i / texts.len());
        ix.insert(i as i64, i as i64 % places, i as i64, &Shingles::of(&text));
    }
    let build = started.elapsed();
    // New messages: the texts again (each has near-duplicates in the index), in every place.
    let queries = 2000.min(texts.len());
    let mut lat: Vec<Duration> = Vec::with_capacity(queries);
    let mut found = 0usize;
    for q in 0..queries {
        let s = Shingles::of(&texts[(q * 7919) % texts.len()]);
        let t = Instant::now();
        found += ix.search(q as i64 % places, 0, &s, 0.3, 5).len();
        lat.push(t.elapsed());
    }
    lat.sort();
    let pct = |p: f64| lat[((lat.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3;
    println!("open_cases={n}");
    println!("places={places}");
    println!("index_build_s={:.1}", build.as_secs_f64());
    println!("queries={queries}");
    println!("found={found}");
    println!("search_p50_ms={:.3}", pct(0.5));
    println!("search_p99_ms={:.3}", pct(0.99));
    println!("search_max_ms={:.3}", pct(1.0));
}
