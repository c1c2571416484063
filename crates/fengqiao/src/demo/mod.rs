//! The demo township: 甘霖镇 of the seed document, with its villages and community plus generated
//! ones, grids, the four platforms' units, staff of every role, a category tree written by us, and a
//! year of cases whose every step went through the real lifecycle (`decide`) on the real calendar.
//! Nothing here reads `../shared/`.

mod field_text;
mod history;
mod live;
mod org;
mod places;
mod text;

use anyhow::Context;
use chrono::{Duration, TimeZone};
use fengqiao_app::App;
use fengqiao_domain::calendar::Calendar;
use fengqiao_domain::case::{
    new_case, Case, CaseState, Channel, Event, Intake, Priority, Reporter, Satisfaction,
};
use fengqiao_domain::deadline::{LimitUnit, OverdueLevel, Stage, TimeLimit, TimePolicy};
use fengqiao_domain::ids::{CaseId, CategoryId, Phone, RegionId, UnitId};
use fengqiao_domain::lifecycle::{decide, overdue_change, Action, DecideContext};
use fengqiao_domain::org::{Actor, Category, Platform, Region, RegionLevel, Role, Unit, UnitKind};
use fengqiao_domain::{china_offset, Timestamp};
use fengqiao_store::CaseBundle;
use history::*;
use live::*;
use org::*;
use std::collections::HashMap;
use std::sync::Arc;
use text::*;

pub const DEMO_PASSWORD: &str = "fengqiao2026";

pub struct Summary {
    pub town: String,
    pub cases: usize,
    pub logins: Vec<(String, String)>,
    /// What triage learnt and did, for the banner.
    pub triage: String,
    /// The demo Open311 client's API key.
    pub open311_key: String,
    /// A village whose 民情码 the banner shows.
    pub qr_code_region: Option<i64>,
    /// The place registry's size and history.
    pub places: places::PlacesSummary,
}

/// SplitMix64: small, fast, reproducible.
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    pub fn minutes(&mut self, lo: i64, hi: i64) -> Duration {
        Duration::minutes(lo + self.below((hi - lo).max(1) as usize) as i64)
    }
}

pub async fn build(app: &Arc<App>, n_cases: usize, seed: u64) -> anyhow::Result<Summary> {
    let org = build_org(app).await?;
    let mut rng = Rng::new(seed);
    history(app, &org, &mut rng, n_cases, 730).await?;
    calls_due_today(app, &org, &mut rng, n_cases as i64 + 1, 3).await?;
    let places = places::seed(app, &org, &mut rng).await?;
    let triage = train_triage(app).await?;
    live_actions(app, &org, &mut rng).await?;
    let open311_key = open311_client(app, &mut rng).await?;
    Ok(Summary {
        town: org.town.name.clone(),
        cases: n_cases,
        logins: org.logins,
        triage,
        open311_key,
        qr_code_region: org.villages.first().map(|(v, _, _)| v.id.0),
        places,
    })
}

/// `n_cases` cases received over the `days` before now, each driven through the real lifecycle
/// up to now, written in batches.
async fn history(
    app: &Arc<App>,
    org: &Org,
    rng: &mut Rng,
    n_cases: usize,
    days: usize,
) -> anyhow::Result<()> {
    let sim = Sim::of(app);
    let now = sim.now;
    let system = Actor::system();
    let channels: &[(Channel, u32)] = &[
        (Channel::Hotline, 35),
        (Channel::CitizenQr, 20),
        (Channel::CitizenWeb, 15),
        (Channel::GridPatrol, 18),
        (Channel::Inspection, 5),
        (Channel::ServiceCounter, 4),
        (Channel::PetitionDesk, 3),
    ];
    let channel_total: u32 = channels.iter().map(|c| c.1).sum();
    let mut created: Vec<Timestamp> = (0..n_cases)
        .map(|_| random_instant(rng, now, days))
        .collect();
    created.sort();
    let mut batch = Vec::with_capacity(5000);
    for (i, created_at) in created.into_iter().enumerate() {
        let id = CaseId(i as i64 + 1);
        let mut pick = rng.below(channel_total as usize) as u32;
        let channel = channels
            .iter()
            .find(|(_, w)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map(|c| c.0)
            .unwrap();
        let (cat_id, sub) = if channel == Channel::PetitionDesk {
            (
                org.petition_category,
                org.categories
                    .iter()
                    .find(|(c, _)| *c == org.petition_category)
                    .unwrap()
                    .1,
            )
        } else {
            let (c, s) = *rng.pick(&org.categories);
            if s.parent == "信访事项" {
                *org.categories.first().unwrap()
            } else {
                (c, s)
            }
        };
        let (village, grids, committee) = rng.pick(&org.villages);
        let grid = rng.pick(grids);
        let (title, body) = message(rng, &village.name, sub);
        let staff_channel = matches!(channel, Channel::GridPatrol | Channel::Inspection);
        let mut case = new_case(
            id,
            Intake {
                category_id: staff_channel.then_some(cat_id),
                region_id: Some(grid.id),
                region_path: Some(grid.path.clone()),
                address: Some(format!("{TOWN}{}{}", village.name, rng.pick(SPOTS))),
                latitude: Some(29.55 + rng.unit() * 0.08),
                longitude: Some(120.72 + rng.unit() * 0.10),
                ..Intake::text(title, body, channel)
            },
            created_at,
        );
        let reporter = Reporter {
            name: Some(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
            phone: Some(phone(rng)),
            phone_unread: None,
            channel,
            reported_at: created_at,
            original_case_id: id,
        };
        let mut events = vec![Event::intake(
            &case,
            None,
            reporter.name.as_deref().unwrap_or("群众"),
        )];
        let op = rng.pick(&org.operators).clone();
        let unit = if sub.unit.is_empty() {
            *committee
        } else {
            org.units[sub.unit]
        };
        let staff = org.actors[&unit].clone();
        let priority = if sub.priority == Priority::Normal && rng.chance(0.01) {
            Priority::Urgent
        } else {
            sub.priority
        };
        let mut t = created_at + rng.minutes(5, 180);
        simulate(
            &sim,
            rng,
            &mut case,
            &mut events,
            &op,
            &staff,
            org,
            cat_id,
            priority,
            unit,
            &mut t,
        )?;
        // Overlays as the scheduler and leaders would have left them.
        if let Some(level) = overdue_change(&case, now, 0.8) {
            sim.step(
                &mut case,
                &mut events,
                &system,
                now,
                Action::MarkOverdue { level },
            )?;
        }
        if case.deadlines.overdue_level == OverdueLevel::Red {
            sim.step(
                &mut case,
                &mut events,
                &system,
                now,
                Action::Urge {
                    remark: Some("已超过办理时限，系统自动催办".into()),
                },
            )?;
            if rng.chance(0.5) {
                sim.step(
                    &mut case,
                    &mut events,
                    &system,
                    now,
                    Action::Supervise {
                        remark: Some("超时未办结，系统自动提请督办".into()),
                    },
                )?;
            }
            if rng.chance(0.1) {
                sim.step(
                    &mut case,
                    &mut events,
                    &org.leader,
                    now,
                    Action::ListedSupervision {
                        remark: Some("群众反映强烈，挂牌督办".into()),
                    },
                )?;
            }
        } else if case.state.is_timed() && rng.chance(0.03) {
            sim.step(
                &mut case,
                &mut events,
                &org.leader,
                now,
                Action::Urge {
                    remark: Some("请抓紧办理".into()),
                },
            )?;
        }
        batch.push(CaseBundle {
            case,
            reporters: vec![reporter],
            tasks: vec![],
            events,
            idempotency_key: None,
        });
        if batch.len() == 5000 {
            app.admin
                .load_history(&Actor::system(), std::mem::take(&mut batch))
                .await?;
        }
    }
    if !batch.is_empty() {
        app.admin.load_history(&Actor::system(), batch).await?;
    }
    Ok(())
}

/// `fengqiao generate`: a township with `cases` cases over `years` years (history only: no
/// places, model or live work), its KPI rollups counted — a database for benchmarks.
pub async fn generate(
    database: std::path::PathBuf,
    cases: usize,
    years: usize,
    seed: u64,
) -> anyhow::Result<()> {
    anyhow::ensure!((1..=20).contains(&years), "--years 须在 1 到 20 之间");
    anyhow::ensure!(cases > 0, "--cases 须大于 0");
    anyhow::ensure!(
        !database.exists(),
        "{} 已存在：generate 只写新数据库，请换一个路径或先删除它",
        database.display()
    );
    let started = std::time::Instant::now();
    let app = crate::config::open_app(&database, fengqiao_app::AppConfig::default()).await?;
    let org = build_org(&app).await?;
    let mut rng = Rng::new(seed);
    history(&app, &org, &mut rng, cases, years * 365).await?;
    let written = started.elapsed();
    let counted = app.kpis.refresh().await?;
    println!(
        "已生成 {cases} 件工单（{years} 年），写入 {:.1} 秒；考核指标汇总 {counted} 件，{:.1} 秒（数据库 {}）",
        written.as_secs_f64(),
        (started.elapsed() - written).as_secs_f64(),
        database.display()
    );
    Ok(())
}

/// `fengqiao demo`: builds a fresh demo township in `database` (replacing it), prints its
/// logins and serves it unless `no_serve`.
pub async fn run(
    addr: String,
    database: std::path::PathBuf,
    cases: usize,
    no_serve: bool,
    seed: u64,
) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = database.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(std::path::PathBuf::from(p));
    }
    let started = std::time::Instant::now();
    let app = crate::config::open_app(&database, fengqiao_app::AppConfig::default()).await?;
    let summary = build(&app, cases, seed).await?;
    println!(
        "\n枫桥演示乡镇已生成：{}，{} 件工单，用时 {:.1} 秒（数据库 {}）",
        summary.town,
        summary.cases,
        started.elapsed().as_secs_f64(),
        database.display()
    );
    println!("{}", summary.triage);
    println!(
        "场所 {} 处，检查记录 {} 条，隐患 {} 个（其中回潮 {} 个）",
        summary.places.places,
        summary.places.inspections,
        summary.places.hazards,
        summary.places.relapses
    );
    if no_serve {
        return Ok(());
    }
    println!("\n  网页  http://{addr}/          （群众：反映问题、查询进度）");
    println!("  登录  http://{addr}/login     （工作人员：工作台、工单、驾驶舱）");
    if let Some(code) = summary.qr_code_region {
        println!("  民情码 http://{addr}/m/{code}   （二维码图片 /m/{code}/qr.svg）");
    }
    println!("  接口  http://{addr}/api/v1/openapi.json");
    println!("  密码  所有演示账号均为 {}", DEMO_PASSWORD);
    for (user, role) in &summary.logins {
        println!("  账号  {user:<14} {role}");
    }
    println!("\n  例：curl -s -X POST http://{addr}/api/v1/auth/login -H 'Content-Type: application/json' -d '{{\"username\":\"zhongxin\",\"password\":\"{}\"}}'", DEMO_PASSWORD);
    println!(
        "\n  Open311  http://{addr}/open311/v2/discovery.json（services.xml、requests.json……）"
    );
    println!(
        "  接口密钥 {}   （演示 Open311 应用“随手拍”）\n",
        summary.open311_key
    );
    crate::serve(app, &addr, std::time::Duration::from_secs(60)).await
}
