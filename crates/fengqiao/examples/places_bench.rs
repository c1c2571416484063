//! A grid's due list (应检清单) with 10,000 places in the grid among 50,000 in the township,
//! through the service a grid worker's page calls, beside the plain SQL query of the same
//! figure (the count and the first page, most overdue first) on the same database in the same
//! run.
//!
//!     cargo run --release --example places_bench -- [PLACES_IN_GRID] [OTHER_PLACES] [ROUNDS]

use chrono::Duration;
use fengqiao_app::{InspectionInput, PlaceInput};
use fengqiao_domain::org::{Actor, Role};
use fengqiao_domain::places::{end_of_china_day, Answer};
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
    let in_grid = args.first().copied().unwrap_or(10_000);
    let others = args.get(1).copied().unwrap_or(40_000);
    let rounds = args.get(2).copied().unwrap_or(300);
    let township::Township {
        app,
        dir,
        db: path,
        grids,
    } = township::township("places").await;
    let sys = Actor::system();
    let target = grids[0].clone();
    let committee = app
        .admin
        .create_unit(
            &sys,
            "第0村村委会",
            fengqiao_domain::org::UnitKind::VillageCommittee,
            None,
            target.parent_id.unwrap(),
        )
        .await
        .unwrap();
    app.admin
        .create_user(
            &sys,
            "wg",
            "网格员",
            "benchmark-pw-1",
            Role::GridWorker,
            target.id,
            Some(committee.id),
        )
        .await
        .unwrap();
    let worker = {
        let users = app.admin.users(&sys).await.unwrap();
        app.core
            .actor_for(users.iter().find(|u| u.username == "wg").unwrap())
    };

    // Fill: places registered up to 200 days ago; the target grid's each inspected once at a
    // spread of past times, so their due times differ as a real grid's do.
    let started = Instant::now();
    let now = app.core.now();
    let total = in_grid + others;
    let mut set = tokio::task::JoinSet::new();
    let chunk = total.div_ceil(64);
    for c in 0..64 {
        let (app, grids, target, worker) =
            (app.clone(), grids.clone(), target.clone(), worker.clone());
        set.spawn(async move {
            let sys = Actor::system();
            for i in (c * chunk)..((c + 1) * chunk).min(total) {
                let region = if i < in_grid {
                    &target
                } else {
                    &grids[1 + i % (grids.len() - 1)]
                };
                let kind = ["small_venue", "restaurant", "village_point"][i % 3];
                let p = app
                    .places
                    .register_in_history(
                        &sys,
                        &sys,
                        PlaceInput {
                            reg_no: format!("B-{i:06}"),
                            name: format!("场所{i}"),
                            kind: kind.into(),
                            region_id: region.id.0,
                            color: Some(["red", "yellow", "blue", "green"][i % 4].into()),
                            ..Default::default()
                        },
                        now - Duration::days(200),
                    )
                    .await
                    .unwrap();
                if i < in_grid {
                    let (_, checklist) = app.places.checklist(&sys, p.id).await.unwrap();
                    let answers = checklist
                        .items
                        .iter()
                        .map(|it| Answer {
                            item_code: it.code.clone(),
                            passed: true,
                            note: None,
                        })
                        .collect();
                    let at = now - Duration::minutes((i as i64 * 7919) % (120 * 24 * 60));
                    app.places
                        .inspect_in_history(
                            &sys,
                            &worker,
                            p.id,
                            InspectionInput {
                                answers,
                                ..Default::default()
                            },
                            at,
                        )
                        .await
                        .unwrap();
                }
            }
        });
    }
    while let Some(r) = set.join_next().await {
        r.unwrap();
    }
    println!(
        "filled {total} places ({in_grid} in the grid) in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let by = end_of_china_day(now + Duration::days(7));
    // The service, as the grid worker's page asks it.
    let mut service = Vec::with_capacity(rounds);
    let mut due_total = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let page = app.places.due(&worker, None, by, 1, 50).await.unwrap();
        service.push(t.elapsed().as_secs_f64() * 1e3);
        due_total = page.total;
    }
    // The plain SQL of the same figure: the count and the first page, by due time.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let prefix = target.path.clone();
    let mut upper = prefix.clone();
    upper.pop();
    upper.push('0');
    let mut plain = Vec::with_capacity(rounds);
    let mut plain_total = 0i64;
    for _ in 0..rounds {
        let t = Instant::now();
        plain_total = conn
            .query_row(
                "SELECT COUNT(*) FROM places WHERE region_path >= ?1 AND region_path < ?2 AND next_due_at <= ?3",
                rusqlite::params![prefix, upper, by.timestamp_millis()],
                |r| r.get(0),
            )
            .unwrap();
        let mut st = conn
            .prepare_cached(
                "SELECT id, reg_no, name, kind, region_id, region_path, address, owner_name, owner_phone, latitude, longitude, color, last_inspected_at, next_due_at, registered_at, version
                   FROM places WHERE region_path >= ?1 AND region_path < ?2 AND next_due_at <= ?3
                  ORDER BY next_due_at, id LIMIT 50",
            )
            .unwrap();
        let n = st
            .query_map(
                rusqlite::params![prefix, upper, by.timestamp_millis()],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
            .count();
        assert!(n <= 50);
        plain.push(t.elapsed().as_secs_f64() * 1e3);
    }
    assert_eq!(
        due_total, plain_total as u64,
        "the service and the SQL agree"
    );
    let (s50, s99, p50, p99) = (
        pct(&mut service, 0.5),
        pct(&mut service, 0.99),
        pct(&mut plain, 0.5),
        pct(&mut plain, 0.99),
    );
    println!("| grid due list | places in grid | due within 7 days | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|");
    println!("| service (`Places::due`) | {in_grid} | {due_total} | {s50:.2} | {s99:.2} |");
    println!("| plain SQL, same figure | {in_grid} | {plain_total} | {p50:.2} | {p99:.2} |");
    println!("ratio service / SQL at p50: {:.2}", s50 / p50);
    let _ = std::fs::remove_dir_all(&dir);
}
