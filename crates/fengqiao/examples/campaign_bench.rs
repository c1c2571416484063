//! A campaign's daily report over a million inspections, through the service the report page
//! calls, beside a plain SQL GROUP BY of the same figures over the raw tables in the same run.
//!
//!     cargo run --release --example campaign_bench -- [INSPECTIONS] [ROUNDS]
//!
//! The database is filled with plain SQL in one transaction (a fixture, not what is measured):
//! 20,000 places in 40 grids of 10 villages, INSPECTIONS inspections spread over 120 days, a
//! hazard for one inspection in ten, three in four of them signed off.

use chrono::{Duration, NaiveDate};
use fengqiao_app::CampaignInput;
use fengqiao_domain::org::Actor;
use fengqiao_domain::places::{CampaignTarget, PlaceKind};
use std::time::Instant;

#[path = "common/township.rs"]
mod township;
use township::pct;

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let n = args.first().copied().unwrap_or(1_000_000);
    let rounds = args.get(1).copied().unwrap_or(7);
    let township::Township {
        app,
        dir,
        db: path,
        grids,
    } = township::township("campaign").await;
    let sys = Actor::system();
    let now = app.core.now();
    let today = app.campaigns.today();
    let started = Instant::now();
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        let kinds = [
            "emitting_firm",
            "restaurant",
            "building_site",
            "small_venue",
            "village_point",
        ];
        {
            let mut st = tx
                .prepare("INSERT INTO places (id, reg_no, name, kind, region_id, region_path, color, next_due_at, registered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'blue', ?7, ?7)")
                .unwrap();
            for i in 0..20_000i64 {
                let g = &grids[i as usize % grids.len()];
                st.execute(rusqlite::params![
                    i + 1,
                    format!("B-{i}"),
                    format!("场所{i}"),
                    kinds[i as usize % 5],
                    g.id.0,
                    g.path,
                    (now - Duration::days(200)).timestamp_millis()
                ])
                .unwrap();
            }
        }
        let mut ins = tx
            .prepare("INSERT INTO inspections (id, place_id, template_id, inspector_name, inspected_at, recorded_at, answers, suggested_color, confirmed_color) VALUES (?1, ?2, 1, '网格员', ?3, ?3, '[]', 'blue', 'blue')")
            .unwrap();
        let mut haz = tx
            .prepare("INSERT INTO hazards (place_id, region_path, inspection_id, item_code, item_text, severity, description, state, due_at, found_at, found_by, signed_off_at, place_kind) VALUES (?1, ?2, ?3, 'x', '检查项', 'minor', '问题', ?4, ?5, ?6, '网格员', ?7, ?8)")
            .unwrap();
        let span = 120 * 24 * 60 * 60 * 1000i64;
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..n as i64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let place = (x % 20_000) as i64 + 1;
            let at = now.timestamp_millis() - (x >> 20) as i64 % span;
            ins.execute(rusqlite::params![i + 1, place, at]).unwrap();
            if x.is_multiple_of(10) {
                let g = &grids[(place - 1) as usize % grids.len()];
                let signed = !x.is_multiple_of(40);
                let day = 24 * 60 * 60 * 1000;
                haz.execute(rusqlite::params![
                    place,
                    g.path,
                    i + 1,
                    if signed { "signed_off" } else { "assigned" },
                    at + 5 * day,
                    at,
                    signed.then_some((at + 3 * day).min(now.timestamp_millis())),
                    kinds[(place - 1) as usize % 5],
                ])
                .unwrap();
            }
        }
        drop(ins);
        drop(haz);
        tx.commit().unwrap();
        conn.execute_batch("ANALYZE").unwrap();
    }
    println!(
        "filled {n} inspections in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let campaign = app
        .campaigns
        .create(
            &sys,
            CampaignInput {
                name: "大气污染防治专项行动".into(),
                starts_on: today - Duration::days(119),
                ends_on: today + Duration::days(10),
                targets: vec![
                    CampaignTarget {
                        kind: PlaceKind::EmittingFirm,
                        places: 4000,
                    },
                    CampaignTarget {
                        kind: PlaceKind::Restaurant,
                        places: 4000,
                    },
                    CampaignTarget {
                        kind: PlaceKind::BuildingSite,
                        places: 4000,
                    },
                ],
                task_force: String::new(),
                region_id: None,
            },
        )
        .await
        .unwrap();
    let date: NaiveDate = today - Duration::days(1);
    let mut service = Vec::new();
    let mut report = None;
    for _ in 0..rounds {
        let t = Instant::now();
        report = Some(
            app.campaigns
                .report(&sys, campaign.id, Some(date))
                .await
                .unwrap(),
        );
        service.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let report = report.unwrap();

    // The plain SQL of the same figures, as of the end of the day: one GROUP BY per table.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let from = (chrono::NaiveDateTime::from(campaign.starts_on) - Duration::hours(8))
        .and_utc()
        .timestamp_millis();
    let to = (chrono::NaiveDateTime::from(date + Duration::days(1)) - Duration::hours(8))
        .and_utc()
        .timestamp_millis();
    let mut plain = Vec::new();
    let (mut checked, mut problems) = (0i64, 0i64);
    for _ in 0..rounds {
        let t = Instant::now();
        checked = 0;
        problems = 0;
        let mut st = conn
            .prepare_cached(
                "SELECT p.region_id, p.kind, COUNT(DISTINCT i.place_id), COUNT(*) FROM inspections i JOIN places p ON p.id = i.place_id
                  WHERE i.inspected_at >= ?1 AND i.inspected_at < ?2 AND p.kind IN ('emitting_firm', 'restaurant', 'building_site')
                  GROUP BY p.region_id, p.kind",
            )
            .unwrap();
        let mut rows = st.query(rusqlite::params![from, to]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            checked += r.get::<_, i64>(2).unwrap();
        }
        let mut st = conn
            .prepare_cached(
                "SELECT p.region_id, p.kind, COUNT(*), SUM(h.signed_off_at < ?2) FROM hazards h JOIN places p ON p.id = h.place_id
                  WHERE h.found_at >= ?1 AND h.found_at < ?2 AND p.kind IN ('emitting_firm', 'restaurant', 'building_site')
                  GROUP BY p.region_id, p.kind",
            )
            .unwrap();
        let mut rows = st.query(rusqlite::params![from, to]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            problems += r.get::<_, i64>(2).unwrap();
        }
        plain.push(t.elapsed().as_secs_f64() * 1e3);
    }
    assert_eq!(
        report.total.places_checked as i64, checked,
        "the service and the SQL agree"
    );
    assert_eq!(report.total.problems as i64, problems);
    let (s50, smax, p50, pmax) = (
        pct(&mut service, 0.5),
        pct(&mut service, 1.0),
        pct(&mut plain, 0.5),
        pct(&mut plain, 1.0),
    );
    println!(
        "report for {date}: {} inspections counted, {} places, {} problems",
        report.total.inspections, report.total.places_checked, report.total.problems
    );
    println!("| daily report over {n} inspections | p50 ms | max ms |");
    println!("|---|---|---|");
    println!(
        "| service (`Campaigns::report`: the day and the day before) | {s50:.0} | {smax:.0} |"
    );
    println!("| plain SQL GROUP BY, as of the day only | {p50:.0} | {pmax:.0} |");
    println!("ratio service / SQL at p50: {:.2}", s50 / p50);
    if std::env::var_os("KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        println!("kept {}", path.display());
    }
}
