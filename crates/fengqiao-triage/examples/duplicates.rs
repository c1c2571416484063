//! Measures the duplicate finder on a CSV of messages (`message_id`, `topic`, `time`, `detail`
//! columns, e.g. `../shared/data/messages/messages_with_votes.csv`).
//!
//! ```text
//! cargo run --release -p fengqiao-triage --example duplicates -- FILE.csv pairs > pairs.tsv
//! cargo run --release -p fengqiao-triage --example duplicates -- FILE.csv score LABELS.tsv
//! ```
//!
//! `pairs` replays the messages in time order through the index (30-day window, one place) and
//! prints every candidate pair at similarity ≥ 0.15: `similarity, new_id, earlier_id`.
//! `score` reads hand labels (`new_id, earlier_id, 1|0` per line, `#` comments; pairs sampled
//! per similarity band with the band's sampling weight in a `# band LO HI total sampled` line)
//! and prints the estimated precision and recall per threshold.

use fengqiao_triage::{normalize, Shingles, SimilarityIndex};
use std::collections::HashMap;

const DAY_MS: i64 = 86_400_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(file), Some(mode)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: duplicates FILE.csv pairs | score LABELS.tsv");
        std::process::exit(2);
    };
    let mut reader = csv::Reader::from_path(file).expect("open csv");
    let headers = reader.headers().expect("headers").clone();
    let col = |n: &str| headers.iter().position(|h| h == n).expect(n);
    let (cid, ctopic, ctime, cdetail) =
        (col("message_id"), col("topic"), col("time"), col("detail"));
    let mut rows: Vec<(i64, i64, String)> = Vec::new();
    for rec in reader.records() {
        let rec = rec.expect("row");
        let id: i64 = rec[cid].trim().parse().unwrap_or(0);
        let at = parse_time(&rec[ctime]);
        rows.push((at, id, format!("{} {}", &rec[ctopic], &rec[cdetail])));
    }
    rows.sort();
    let mut ix = SimilarityIndex::new();
    let mut pairs: Vec<(f32, i64, i64)> = Vec::new();
    let started = std::time::Instant::now();
    for (k, (at, id, text)) in rows.iter().enumerate() {
        if k % 256 == 0 {
            ix.prune(at - 30 * DAY_MS);
        }
        let s = Shingles::of(text);
        for m in ix.search(0, at - 30 * DAY_MS, &s, 0.15, 5) {
            pairs.push((m.similarity, *id, m.id));
        }
        ix.insert(*id, 0, *at, &s);
    }
    let elapsed = started.elapsed();
    match mode.as_str() {
        "pairs" => {
            let texts: HashMap<i64, &str> =
                rows.iter().map(|(_, id, t)| (*id, t.as_str())).collect();
            for (sim, a, b) in &pairs {
                let exact = normalize(texts[a]) == normalize(texts[b]);
                println!("{sim:.4}\t{a}\t{b}\t{}", u8::from(exact));
            }
            eprintln!(
                "{} messages, {} candidate pairs, {:.1} µs per search-and-insert",
                rows.len(),
                pairs.len(),
                elapsed.as_secs_f64() * 1e6 / rows.len() as f64
            );
        }
        "score" => {
            let exact: Vec<bool> = {
                let texts: HashMap<i64, String> =
                    rows.iter().map(|(_, id, t)| (*id, normalize(t))).collect();
                pairs.iter().map(|(_, a, b)| texts[a] == texts[b]).collect()
            };
            score(&pairs, &exact, args.get(3).expect("labels file"));
            eprintln!(
                "{:.1} µs per search-and-insert over {} messages",
                elapsed.as_secs_f64() * 1e6 / rows.len() as f64,
                rows.len()
            );
        }
        _ => {
            eprintln!("unknown mode {mode}");
            std::process::exit(2);
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS` (or with `/`) to milliseconds; unknown formats sort first.
fn parse_time(s: &str) -> i64 {
    let d: Vec<i64> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().unwrap_or(0))
        .collect();
    if d.len() < 3 {
        return 0;
    }
    let days = days_from_civil(d[0], d[1], d[2]);
    let secs = d.get(3).unwrap_or(&0) * 3600 + d.get(4).unwrap_or(&0) * 60 + d.get(5).unwrap_or(&0);
    (days * 86_400 + secs) * 1000
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn score(pairs: &[(f32, i64, i64)], exact: &[bool], labels_path: &str) {
    let text = std::fs::read_to_string(labels_path).expect("labels");
    // Band weights: how many candidate pairs each labelled pair stands for.
    let mut bands: Vec<(f32, f32, f64)> = Vec::new();
    let mut labels: HashMap<(i64, i64), bool> = HashMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.first() == Some(&"#") && f.get(1) == Some(&"band") && f.len() == 6 {
            let (lo, hi): (f32, f32) = (f[2].parse().unwrap(), f[3].parse().unwrap());
            let (total, sampled): (f64, f64) = (f[4].parse().unwrap(), f[5].parse().unwrap());
            bands.push((lo, hi, total / sampled.max(1.0)));
        } else if f.len() >= 3 && !line.starts_with('#') {
            labels.insert((f[0].parse().unwrap(), f[1].parse().unwrap()), f[2] == "1");
        }
    }
    let weight = |sim: f32| {
        bands
            .iter()
            .find(|(lo, hi, _)| sim >= *lo && sim < *hi)
            .map_or(1.0, |b| b.2)
    };
    // Exact normalised repeats are duplicates by construction (weight 1 each); sampled pairs
    // stand for their band.
    let labelled: Vec<(f32, bool, f64)> = pairs
        .iter()
        .zip(exact)
        .filter_map(|((s, a, b), &ex)| {
            if ex {
                Some((*s, true, 1.0))
            } else {
                labels.get(&(*a, *b)).map(|&l| (*s, l, weight(*s)))
            }
        })
        .collect();
    let true_total: f64 = labelled.iter().filter(|x| x.1).map(|x| x.2).sum();
    println!(
        "pairs scored: {} exact repeats + {} hand-labelled (of {} labels)",
        exact.iter().filter(|&&e| e).count(),
        labelled.len() - exact.iter().filter(|&&e| e).count(),
        labels.len()
    );
    println!(
        "{:>9} {:>9} {:>9} {:>9}",
        "threshold", "precision", "recall", "f1"
    );
    for t in [0.2f32, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8] {
        let above: Vec<&(f32, bool, f64)> = labelled.iter().filter(|x| x.0 >= t).collect();
        let tp: f64 = above.iter().filter(|x| x.1).map(|x| x.2).sum();
        let all: f64 = above.iter().map(|x| x.2).sum();
        let p = if all > 0.0 { tp / all } else { 0.0 };
        let r = if true_total > 0.0 {
            tp / true_total
        } else {
            0.0
        };
        let f1 = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        println!("{t:>9.2} {p:>9.3} {r:>9.3} {f1:>9.3}");
    }
}
