//! 12345 import throughput on realistic work orders: real citizen messages (the `detail` of
//! the unlabelled, voted and replied files, cycled with fresh work-order numbers) written as a
//! 12345 export in CSV and XLSX, imported into a township whose classifier was trained on the
//! labelled file — so every row pays for triage and the duplicate check, as in production.
//! Half the rows name their 诉求类型 (a category of ours), half leave it to triage.
//!
//!     cargo run --release --example hotline_bench -- TRAIN.csv N MESSAGES.csv...
//!
//! Prints `key=value` lines: parse and import time per format, and rows per second.

#[path = "common/mod.rs"]
mod common;
use common::column_texts;
use fengqiao_app::hotline::{read_csv, read_workbook, Mapping};
use fengqiao_app::{App, AppConfig, SystemClock};
use fengqiao_domain::org::{Actor, RegionLevel, UnitKind};
use fengqiao_store_sqlite::SqliteStore;
use std::sync::Arc;
use std::time::Instant;

const LABELS: [&str; 7] = [
    "城乡建设",
    "环境保护",
    "交通运输",
    "教育文体",
    "劳动和社会保障",
    "商贸旅游",
    "卫生计生",
];

const VILLAGES: [&str; 6] = ["苍岩村", "施家岙村", "下王村", "后山村", "溪口村", "新桥村"];

fn rows(texts: &[String], n: usize) -> Vec<[String; 9]> {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 10, 1)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap();
    (0..n)
        .map(|i| {
            let at = start + chrono::Duration::seconds(i as i64 * 97 % (60 * 86_400));
            [
                format!("GD2026{i:08}"),
                at.format("%Y-%m-%d %H:%M:%S").to_string(),
                format!("市民{}", i % 997),
                format!("139{:08}", (i * 7_919) % 100_000_000),
                texts[i % texts.len()].chars().take(2_000).collect(),
                format!("甘霖镇{}{}号", VILLAGES[i % VILLAGES.len()], i % 300),
                if i % 2 == 0 {
                    LABELS[i % LABELS.len()].to_string()
                } else {
                    String::new()
                },
                ["一般", "一般", "一般", "紧急"][i % 4].to_string(),
                String::new(),
            ]
        })
        .collect()
}

fn write_csv(path: &std::path::Path, rows: &[[String; 9]]) {
    let m = Mapping::default();
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(m.headers()).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

fn write_xlsx(path: &std::path::Path, rows: &[[String; 9]]) {
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut sheet = fengqiao_app::xlsx::SheetWriter::new(file, "工单", 1).unwrap();
    sheet.row(&Mapping::default().headers()).unwrap();
    for r in rows {
        sheet.row(r).unwrap();
    }
    sheet.finish().unwrap();
}

async fn township(path: std::path::PathBuf, train: &[(String, String, String)]) -> Arc<App> {
    let app = App::new(
        Arc::new(SqliteStore::open(path).unwrap()),
        Arc::new(SystemClock),
        AppConfig::default(),
    )
    .await
    .unwrap();
    let sys = Actor::system();
    let town = app
        .admin
        .create_region(&sys, None, "甘霖镇", RegionLevel::Town)
        .await
        .unwrap();
    for v in VILLAGES {
        app.admin
            .create_region(&sys, Some(town.id), v, RegionLevel::Village)
            .await
            .unwrap();
    }
    for (i, label) in LABELS.iter().enumerate() {
        let unit = app
            .admin
            .create_unit(
                &sys,
                &format!("第{i}办"),
                UnitKind::Department,
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
    if !train.is_empty() {
        app.triage
            .train_and_store(&sys, train.to_vec(), "bench".into(), None)
            .await
            .unwrap();
    }
    app
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let train: Vec<(String, String, String)> = column_texts(&args[1], &["title", "body", "label"])
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
        .collect();
    // FQ_BENCH_NO_MODEL=1 measures the same import without a classifier, for comparison.
    let train = if std::env::var("FQ_BENCH_NO_MODEL").is_ok() {
        Vec::new()
    } else {
        train
    };
    let n: usize = args[2].parse().expect("N");
    let texts: Vec<String> = args[3..]
        .iter()
        .flat_map(|f| column_texts(f, &["detail"]))
        .map(|r| r[0].trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let dir = std::env::temp_dir().join(format!("fengqiao-hotline-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let rows = rows(&texts, n);
    let (csv_path, xlsx_path) = (dir.join("in.csv"), dir.join("in.xlsx"));
    write_csv(&csv_path, &rows);
    write_xlsx(&xlsx_path, &rows);
    println!("rows={n}");
    println!("distinct_texts={}", texts.len().min(n));
    for (name, path) in [("csv", &csv_path), ("xlsx", &xlsx_path)] {
        let app = township(dir.join(format!("{name}.db")), &train).await;
        let m = Mapping::default();
        let cpu = cpu_seconds();
        let t = Instant::now();
        let bytes = std::fs::read(path).unwrap();
        let (orders, errors) = if name == "xlsx" {
            read_workbook(&bytes, &m)
        } else {
            read_csv(bytes.as_slice(), &m)
        };
        let parsed = t.elapsed();
        let report = app
            .hotline
            .import(&Actor::system(), orders, errors, &m, false)
            .await
            .unwrap();
        let total = t.elapsed();
        let cpu = cpu_seconds() - cpu;
        assert_eq!(
            report.created,
            n,
            "{:?}",
            &report.errors[..report.errors.len().min(3)]
        );
        println!("{name}_parse_s={:.2}", parsed.as_secs_f64());
        println!("{name}_total_s={:.2}", total.as_secs_f64());
        println!("{name}_rows_per_s={:.0}", n as f64 / total.as_secs_f64());
        // How many of the machine's cores the import kept busy, on average.
        println!("{name}_cores_used={:.2}", cpu / total.as_secs_f64());
        // What triage found among the file's rows: look-alike work orders proposed as
        // duplicates, and hot spots raised.
        let db = rusqlite::Connection::open(dir.join(format!("{name}.db"))).unwrap();
        for table in ["duplicate_proposals", "hotspots"] {
            let count: i64 = db
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap();
            println!("{name}_{table}={count}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// CPU time (user and system) this process has used, from `/proc/self/stat` (Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // USER_HZ is 100 on every Linux this runs on.
    (ticks(11) + ticks(12)) / 100.0
}
