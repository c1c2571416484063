//! KPIs and rankings on a large history, through the services the pages call, each beside the
//! same kind of figure computed by a plain SQL GROUP BY over the raw `cases` table in the same
//! run (what a platform without rollups does per request).
//!
//!     cargo run --release -- generate --database /tmp/k10m.db --cases 10000000 --years 5
//!     cargo run --release --example kpi_bench -- /tmp/k10m.db [ROUNDS] [REFERENCE_ROUNDS]
//!
//! Every figure is timed ROUNDS times (default 5) and its plain GROUP BY REFERENCE_ROUNDS times
//! (default 3; each scans the cases); the table gives the median and the slowest.

use chrono::{Datelike, Duration};
use fengqiao_app::{App, AppConfig, SystemClock};
use fengqiao_domain::kpi::ranking::RankedObject;
use fengqiao_domain::kpi::{Dim, Period, PeriodKind};
use fengqiao_domain::org::Actor;
use fengqiao_store_sqlite::SqliteStore;
use std::sync::Arc;
use std::time::Instant;

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn stats(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], *v.last().unwrap())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let db = args.first().expect("usage: kpi_bench DB [ROUNDS]");
    let rounds: usize = args.get(1).map_or(5, |r| r.parse().unwrap());
    let reference_rounds: usize = args.get(2).map_or(3, |r| r.parse().unwrap());
    let store = Arc::new(SqliteStore::open(db).unwrap());
    let app = App::new(store, Arc::new(SystemClock), AppConfig::default())
        .await
        .unwrap();
    let started = Instant::now();
    let counted = app.kpis.refresh().await.unwrap();
    println!(
        "catch-up pass: {counted} cases in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let actor = Actor::system();
    let raw = rusqlite::Connection::open(db).unwrap();
    let cases: i64 = raw
        .query_row("SELECT COUNT(*) FROM cases", [], |r| r.get(0))
        .unwrap();
    let today = fengqiao_domain::deadline::local_date(app.core.now());
    let last_year = today.year() - 1;
    let year = Period::parse(&last_year.to_string()).unwrap();
    let periods = [
        Period::containing(PeriodKind::Day, today - Duration::days(3)),
        Period::containing(PeriodKind::Week, today - Duration::days(7)),
        Period::containing(PeriodKind::Month, today - Duration::days(40)),
        Period::containing(PeriodKind::Quarter, today - Duration::days(100)),
        year,
        Period::range(
            year.first + Duration::days(17),
            year.last - Duration::days(12),
        )
        .unwrap(),
    ];
    println!("\n{cases} cases; ROUNDS = {rounds}\n");
    println!("| figure | period | rows | service median / max (ms) | plain GROUP BY median (ms) | GROUP BY ÷ service |");
    println!("|---|---|---|---|---|---|");
    for (dim, column) in [
        (Dim::Village, "region_id"),
        (Dim::Unit, "unit_id"),
        (Dim::Category, "category_id"),
        (Dim::Channel, "channel"),
    ] {
        for p in &periods {
            let mut times = vec![];
            let mut rows = 0;
            for _ in 0..rounds {
                let t = Instant::now();
                let table = app.kpis.table(&actor, dim, *p).await.unwrap();
                times.push(ms(t.elapsed()));
                rows = table.lines.len();
            }
            let (median, max) = stats(times);
            // The reference: the same kind of figures straight from the cases, per request.
            let (a, b) = (
                fengqiao_domain::deadline::end_of_local_day(p.first - Duration::days(1))
                    .timestamp_millis(),
                fengqiao_domain::deadline::end_of_local_day(p.last).timestamp_millis(),
            );
            let sql = format!(
                "SELECT {column}, COUNT(*), SUM(replied_at IS NOT NULL), SUM(replied_at <= reply_due),
                        SUM(satisfaction IN ('satisfied', 'basically_satisfied')), SUM(satisfaction IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
                        AVG(replied_at - dispatched_at)
                   FROM cases WHERE reply_due > ?1 AND reply_due <= ?2 AND state NOT IN ('withdrawn', 'merged')
                  GROUP BY {column}"
            );
            // The reference scans every case: measured for the month, the year and the range.
            let scans = matches!(
                p.kind,
                PeriodKind::Month | PeriodKind::Year | PeriodKind::Custom
            );
            let mut reference = vec![];
            for _ in 0..if scans { reference_rounds.max(1) } else { 0 } {
                let t = Instant::now();
                let mut st = raw.prepare_cached(&sql).unwrap();
                let n = st
                    .query_map([a, b], |r| r.get::<_, Option<i64>>(1))
                    .unwrap()
                    .count();
                reference.push(ms(t.elapsed()));
                std::hint::black_box(n);
            }
            if reference.is_empty() {
                println!(
                    "| KPIs by {} | {} | {rows} | {median:.1} / {max:.1} | — | — |",
                    dim.as_str(),
                    p.key()
                );
                continue;
            }
            let (ref_median, _) = stats(reference);
            println!(
                "| KPIs by {} | {} | {rows} | {median:.1} / {max:.1} | {ref_median:.1} | {:.0}× |",
                dim.as_str(),
                p.key(),
                ref_median / median.max(0.001)
            );
        }
    }
    // The annual report: every figure above for the year and the year before, the trend by
    // month beside the year before, hot spots and inspections; then its PDF.
    let mut times = vec![];
    let mut pdf_times = vec![];
    let mut pdf_size = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let report = app.reports.report(&actor, year).await.unwrap();
        times.push(ms(t.elapsed()));
        let t = Instant::now();
        match app.reports.pdf(&report).await {
            Ok(pdf) => {
                pdf_times.push(ms(t.elapsed()));
                pdf_size = pdf.len();
            }
            Err(e) => println!("(no PDF: {e})"),
        }
    }
    let (median, max) = stats(times);
    println!(
        "| annual report (figures) | {} | — | {median:.1} / {max:.1} | — | — |",
        year.key()
    );
    if !pdf_times.is_empty() {
        let (median, max) = stats(pdf_times);
        println!(
            "| annual report as PDF ({} KB) | {} | — | {median:.1} / {max:.1} | — | — |",
            pdf_size / 1024,
            year.key()
        );
    }
    for object in [RankedObject::Village, RankedObject::Unit] {
        for p in [periods[2], year] {
            let mut times = vec![];
            for _ in 0..rounds {
                let t = Instant::now();
                app.rankings.ranking(&actor, object, p).await.unwrap();
                times.push(ms(t.elapsed()));
            }
            let (median, max) = stats(times);
            println!(
                "| ranking of {} (this and the previous period) | {} | — | {median:.1} / {max:.1} | — | — |",
                object.as_str(),
                p.key()
            );
        }
    }
}
