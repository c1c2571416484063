//! The pages over a slow link, in headless Chromium with its network throttled by
//! chromedriver: how long each page takes to load (navigation start to the load event) and how
//! many bytes it moved, first with an empty cache and then with the stylesheet and script
//! cached, on DevTools' "Fast 3G" and "Slow 3G" presets, beside the same pages unthrottled in
//! the same run.
//!
//!     cargo run --release -- demo --cases 100000 --no-serve --database /tmp/p100k.db
//!     cargo run --release -p fengqiao-web --example throttled_pages -- /tmp/p100k.db

#[allow(dead_code)] // the browser tests use the rest of it
#[path = "../tests/browser/webdriver.rs"]
mod webdriver;

use fengqiao_app::{App, AppConfig, SystemClock};
use fengqiao_store_sqlite::SqliteStore;
use std::sync::Arc;
use webdriver::{Browser, Driver};

/// A link: name, round trip (ms), download and upload (bytes per second), as DevTools has them.
const LINKS: &[(&str, u32, u32, u32)] = &[
    ("无限速", 0, 0, 0),
    ("Fast 3G", 563, 180_000, 84_375),
    ("Slow 3G", 2_000, 50_000, 50_000),
];

async fn login(b: &Browser, base: &str, user: &str) {
    b.login(base, user, "fengqiao2026").await;
}

/// Loads a page and reads the browser's own timing: milliseconds to the load event, and the
/// bytes moved for the page and everything it loaded.
async fn load(b: &Browser, url: &str) -> (f64, u64) {
    b.goto(url).await;
    let v = b
        .execute(
            "const n = performance.getEntriesByType('navigation')[0];
             const r = performance.getEntriesByType('resource');
             return [n.loadEventEnd - n.startTime,
                     n.transferSize + r.reduce((s, e) => s + e.transferSize, 0)];",
        )
        .await;
    (v[0].as_f64().unwrap_or(0.0), v[1].as_u64().unwrap_or(0))
}

#[tokio::main]
async fn main() {
    let db = std::env::args()
        .nth(1)
        .expect("usage: throttled_pages DATABASE");
    let store = Arc::new(SqliteStore::open(&db).expect("the demo database"));
    let app = App::new(store, Arc::new(SystemClock), AppConfig::default())
        .await
        .expect("the app");
    let base = fengqiao_testkit::serve(fengqiao_web::site(app.clone())).await;
    let case = app
        .queries
        .list_cases(
            &fengqiao_domain::org::Actor::system(),
            fengqiao_store::CaseFilter {
                page_size: 1,
                skip_total: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items[0]
        .id;
    let village = app
        .core
        .regions()
        .iter()
        .find(|r| r.parent_id.is_some())
        .expect("a village")
        .id
        .0;
    let pages = [
        ("工作台（受理员）", format!("{base}/workbench")),
        ("工单详情", format!("{base}/cases/{case}")),
        ("驾驶舱", format!("{base}/dashboard")),
        ("民情码上报页（群众）", format!("{base}/m/{village}/report")),
    ];
    let driver = Driver::start().await;
    println!("| page | link | first load ms | bytes | cached load ms | bytes |");
    println!("|---|---|---:|---:|---:|---:|");
    for &(link, latency, down, up) in LINKS {
        // A new window per link: its cache starts empty.
        let b = driver.phone(390, 844).await;
        login(&b, &base, "zhongxin").await;
        if latency > 0 {
            b.throttle(latency, down, up).await;
        }
        for (name, url) in &pages {
            // First with nothing cached (the stylesheet and script come too), then again.
            b.clear_cache().await;
            let first = load(&b, url).await;
            let cached = load(&b, url).await;
            println!(
                "| {name} | {link} | {:.0} | {} | {:.0} | {} |",
                first.0, first.1, cached.0, cached.1
            );
        }
        b.close().await;
    }
}
