//! Screenshots of a running demo's main pages, as its users see them, on a desktop window
//! and a phone: to look at the pages with real data before calling them done.
//!
//!     cargo run --release -- demo --addr 127.0.0.1:8080 &
//!     cargo run --release -p fengqiao-web --example demo_screenshots -- http://127.0.0.1:8080 \
//!         [USER:PATH:NAME …]
//!
//! Each extra `USER:PATH:NAME` adds a page (a case's, say, whose id only the running demo knows);
//! `PATH` may end in `@SELECTOR` to scroll that element into view first.
//!
//! Writes `target/screenshots/demo-*.png`.

#[allow(dead_code)] // the browser tests use the rest of it
#[path = "../tests/browser/webdriver.rs"]
mod webdriver;

use webdriver::{Browser, Driver};

async fn login(b: &Browser, base: &str, user: &str) {
    b.login(base, user, "fengqiao2026").await;
}

#[tokio::main]
async fn main() {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let driver = Driver::start().await;
    let desk = driver.session(1366, 900).await;
    let phone = driver.phone(390, 844).await;
    let shots: &[(&str, &[(&str, &str)])] = &[
        (
            "lingdao",
            &[
                ("/dashboard", "dashboard"),
                ("/workbench?queue=red", "workbench-red"),
                ("/campaigns", "campaigns"),
                ("/campaigns/1", "campaign-report"),
            ],
        ),
        (
            "zhongxin",
            &[
                ("/workbench", "workbench"),
                (
                    "/workbench?q=%E8%B7%AF%E7%81%AF&from=2026-11-01",
                    "workbench-search",
                ),
            ],
        ),
        (
            "admin",
            &[
                ("/admin", "admin"),
                ("/admin/regions", "admin-regions"),
                ("/admin/units", "admin-units"),
                ("/admin/categories", "admin-categories"),
                ("/admin/policies", "admin-policies"),
                ("/admin/models", "admin-models"),
                ("/admin/clients", "admin-clients"),
                ("/admin/hotline", "admin-hotline"),
                ("/admin/notifications", "admin-notifications"),
                ("/places", "places"),
                ("/hazards", "hazards"),
                ("/hazards?tab=relapse", "hazards-relapse"),
                ("/patrols", "patrols"),
            ],
        ),
        (
            "wg011",
            &[
                ("/field", "field"),
                ("/places?view=due", "places-due"),
                ("/workbench", "workbench-grid"),
            ],
        ),
    ];
    let extra: Vec<(String, String, String)> = std::env::args()
        .skip(2)
        .filter_map(|a| {
            let mut p = a.splitn(3, ':');
            Some((p.next()?.into(), p.next()?.into(), p.next()?.into()))
        })
        .collect();
    for (user, path, name) in &extra {
        for (b, kind) in [(&desk, "desktop"), (&phone, "phone")] {
            login(b, &base, user).await;
            let (path, selector) = path.split_once('@').unwrap_or((path, ""));
            b.goto(&format!("{base}{path}")).await;
            if !selector.is_empty() {
                b.execute(&format!(
                    "document.querySelector('{selector}').scrollIntoView(); return 0;"
                ))
                .await;
            }
            b.screenshot(&format!("demo-{kind}-{name}")).await;
        }
    }
    for (user, pages) in shots {
        for (b, kind) in [(&desk, "desktop"), (&phone, "phone")] {
            login(b, &base, user).await;
            for (path, name) in pages.iter() {
                b.goto(&format!("{base}{path}")).await;
                b.screenshot(&format!("demo-{kind}-{name}")).await;
                if *name == "dashboard" {
                    b.execute("document.querySelector('svg.map').scrollIntoView(); return 0;")
                        .await;
                    b.screenshot(&format!("demo-{kind}-dashboard-map")).await;
                }
            }
        }
    }
    phone.close().await;
    desk.close().await;
}
