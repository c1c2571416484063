//! The demo's places: small venues, restaurants and village points in every grid, emitting
//! firms, building sites and river segments in the villages, each with half a year of
//! inspections at the frequency its colour asks, and every finding driven through the hazard
//! loop by the people who would do it — so the registry, due lists, hazards in every state and
//! relapses all come from records, not typed-in figures. One place, 苍岩村老街小吃店, has a
//! relapse written out step by step, so the demo always shows one.

use super::field_text::*;
use super::org::{Org, GIVEN, SURNAMES};
use super::text::phone;
use super::Rng;
use chrono::{Duration, TimeZone};
use fengqiao_app::{App, InspectionInput, PlaceInput};
use fengqiao_domain::china_offset;
use fengqiao_domain::ids::UnitId;
use fengqiao_domain::org::{Actor, Region, Role};
use fengqiao_domain::places::{
    check_answers, end_of_china_day, suggest_color, Answer, Hazard, HazardAction, InspectionPolicy,
    PlaceKind, RiskColor, Severity,
};
use fengqiao_domain::Timestamp;
use std::collections::HashMap;
use std::sync::Arc;

/// What the demo's places came to, for the banner.
pub struct PlacesSummary {
    pub places: usize,
    pub inspections: usize,
    pub hazards: usize,
    pub relapses: usize,
}

/// Everyone who takes part: who inspects each region, who owns each kind's hazards.
struct Cast {
    loader: Actor,
    operator: Actor,
    /// By region id: a grid's worker, a village's cadre.
    inspectors: HashMap<i64, Actor>,
    units: HashMap<&'static str, (UnitId, Actor)>,
}

/// The unit that puts a kind's hazards right.
fn owner_of(kind: PlaceKind) -> &'static str {
    match kind {
        PlaceKind::SmallVenue => "应急管理办公室",
        PlaceKind::Restaurant => "甘霖市场监督管理所",
        PlaceKind::EmittingFirm => "生态环境办公室",
        PlaceKind::BuildingSite => "综合行政执法队",
        PlaceKind::RiverSegment => "农业农村办公室",
        PlaceKind::VillagePoint => "", // the village committee
    }
}

fn evidence() -> Vec<Vec<u8>> {
    vec![demo_png(160, 120, [150, 190, 160])]
}

async fn cast(app: &Arc<App>, org: &Org) -> anyhow::Result<Cast> {
    let users = app.admin.users(&Actor::system()).await?;
    let mut inspectors = HashMap::new();
    for u in &users {
        match u.role {
            Role::GridWorker => {
                inspectors.insert(u.region_id.0, app.core.actor_for(u));
            }
            Role::UnitStaff if u.region_id != org.town.id => {
                inspectors.insert(u.region_id.0, app.core.actor_for(u));
            }
            _ => {}
        }
    }
    let mut units = HashMap::new();
    for name in [
        "应急管理办公室",
        "甘霖市场监督管理所",
        "生态环境办公室",
        "综合行政执法队",
        "农业农村办公室",
    ] {
        let id = org.units[name];
        units.insert(name, (id, org.actors[&id].clone()));
    }
    Ok(Cast {
        loader: Actor::system(),
        operator: org.operators[0].clone(),
        inspectors,
        units,
    })
}

/// Answers to a checklist with the given items failing, each with what was seen.
fn answers(items: &[(String, String, Severity)], failed: &[usize]) -> Vec<Answer> {
    items
        .iter()
        .enumerate()
        .map(|(i, (code, text, _))| Answer {
            item_code: code.clone(),
            passed: !failed.contains(&i),
            note: failed.contains(&i).then(|| finding(code, text)),
        })
        .collect()
}

/// The first moment in working hours (08:30–17:30 China time, at a random minute) at or after
/// `t`'s day that is not before `t`: inspectors and units work in the daytime.
fn at_work(t: Timestamp, rng: &mut Rng) -> Timestamp {
    let mut date = t.with_timezone(&china_offset()).date_naive();
    loop {
        let start = china_offset()
            .from_local_datetime(&date.and_hms_opt(8, 30, 0).expect("valid time"))
            .single()
            .expect("fixed offset")
            .with_timezone(&chrono::Utc);
        let at = start + Duration::minutes(rng.below(9 * 60) as i64);
        if at >= t {
            return at;
        }
        if start + Duration::hours(9) > t {
            return t + Duration::minutes(rng.below(30) as i64 + 1);
        }
        date = date.succ_opt().expect("a next day");
    }
}

/// Grid workers inspect mostly on the township's patrol days (Tuesday's 下村日, Saturday's
/// 整治日): the first of them within three days of `t`, or `t` itself.
fn on_patrol_day(t: Timestamp, rng: &mut Rng) -> Timestamp {
    use chrono::{Datelike, Weekday};
    let date = t.with_timezone(&china_offset()).date_naive();
    for add in 0..4 {
        let d = date + Duration::days(add);
        if matches!(d.weekday(), Weekday::Tue | Weekday::Sat) {
            let start = china_offset()
                .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("valid time"))
                .single()
                .expect("fixed offset")
                .with_timezone(&chrono::Utc);
            return at_work(start.max(t), rng);
        }
    }
    t
}

/// One place to seed: where it is, what it is, and how careful its owner is.
struct Plan {
    input: PlaceInput,
    kind: PlaceKind,
    /// Who inspects it.
    inspector: Actor,
    /// Who owns its hazards (unit id and a staff member), the village committee's for village
    /// points.
    owner: (UnitId, Actor),
    registered: Timestamp,
    /// Chance an item fails at an inspection.
    care: f64,
    /// Its inherent risk (crowds, gas, height): the inspector grades it no lower whatever the
    /// findings.
    base: RiskColor,
    /// Whether inspections have lapsed lately (so it is overdue now).
    lapsed: bool,
}

/// Drives a hazard through the loop from `found` as its people would, stopping at `now`.
async fn follow(
    app: &Arc<App>,
    cast: &Cast,
    plan: &Plan,
    h: &Hazard,
    rng: &mut Rng,
    now: Timestamp,
) -> anyhow::Result<()> {
    let hazards = &app.hazards;
    let mut t = at_work(h.found_at + rng.minutes(60, 40 * 60), rng);
    if t > now {
        return Ok(());
    }
    let due = end_of_china_day(h.found_at + Duration::days(3 + rng.below(8) as i64));
    let assign = HazardAction::Assign {
        owner_unit_id: plan.owner.0,
        leader: rng.pick(LEADERS).to_string(),
        due_at: due,
        remark: Some("请按期整改到位，整改后上传照片".into()),
    };
    hazards
        .act_in_history(&cast.loader, &cast.operator, h.id, assign, vec![], t)
        .await?;
    // Most put it right within the deadline; some are late, a few fail the recheck once.
    let mut rounds = if rng.chance(0.1) { 2 } else { 1 };
    loop {
        let slow = rng.chance(0.2);
        t = if slow {
            due + Duration::hours(48 + rng.below(24 * 8) as i64)
        } else {
            t + Duration::minutes(
                ((due - t).num_minutes().max(60) as f64 * (0.3 + 0.7 * rng.unit())) as i64,
            )
        };
        t = at_work(t, rng);
        if t > now {
            return Ok(());
        }
        let rectify = HazardAction::Rectify {
            remark: "已按要求整改，附整改后照片".into(),
            evidence: 0,
        };
        hazards
            .act_in_history(&cast.loader, &plan.owner.1, h.id, rectify, evidence(), t)
            .await?;
        t = at_work(t + rng.minutes(3 * 60, 3 * 24 * 60), rng);
        if t > now {
            return Ok(());
        }
        // The inspector rechecks, unless they belong to the owning unit (no one checks their
        // own work): then the centre does.
        let checker = if plan.inspector.unit_id == Some(plan.owner.0) {
            &cast.operator
        } else {
            &plan.inspector
        };
        rounds -= 1;
        let passed = rounds == 0;
        let recheck = HazardAction::Recheck {
            passed,
            remark: (!passed).then(|| "复查发现整改不彻底，退回重新整改".to_string()),
        };
        hazards
            .act_in_history(&cast.loader, checker, h.id, recheck, vec![], t)
            .await?;
        if passed {
            break;
        }
    }
    t = at_work(t + rng.minutes(60, 2 * 24 * 60), rng);
    if t > now {
        return Ok(());
    }
    let sign_off = HazardAction::SignOff {
        remark: Some("复查合格，同意销号".into()),
    };
    hazards
        .act_in_history(&cast.loader, &cast.operator, h.id, sign_off, vec![], t)
        .await?;
    Ok(())
}

/// Registers a place and runs its half year of inspections; returns (inspections, hazards, relapses).
async fn live_place(
    app: Arc<App>,
    cast: Arc<Cast>,
    plan: Plan,
    seed: u64,
    now: Timestamp,
) -> anyhow::Result<(usize, usize, usize)> {
    let mut rng = Rng::new(seed);
    let place = app
        .places
        .register_in_history(
            &cast.loader,
            &cast.operator,
            plan.input.clone(),
            plan.registered,
        )
        .await?;
    let (_, checklist) = app.places.checklist(&cast.operator, place.id).await?;
    let items: Vec<(String, String, Severity)> = checklist
        .items
        .iter()
        .map(|i| (i.code.clone(), i.text.clone(), i.severity))
        .collect();
    let policy = InspectionPolicy::default();
    let (mut inspections, mut hazards, mut relapses) = (0, 0, 0);
    let mut t = at_work(plan.registered + rng.minutes(60, 6 * 60), &mut rng);
    let mut color = place.color;
    let mut fixed = std::collections::HashSet::new();
    while t < now {
        let failed: Vec<usize> = (0..items.len())
            .filter(|&i| {
                let p = if items[i].2 == Severity::Major {
                    plan.care / 4.0
                } else {
                    plan.care
                };
                // Once put right, an item mostly stays right: a relapse is the exception.
                rng.chance(if fixed.contains(&i) { p * 0.15 } else { p })
            })
            .collect();
        fixed.extend(failed.iter().copied());
        let answers = answers(&items, &failed);
        let suggested = suggest_color(&check_answers(&checklist, &answers)?);
        // Along the rivers and at the ponds up the valleys the signal drops: an inspection there
        // is often filled in on the phone and sent from its queue hours later, back in reach.
        let sent = t + rng.minutes(90, 5 * 60);
        let remote = [PlaceKind::RiverSegment, PlaceKind::VillagePoint]
            .iter()
            .any(|k| plan.input.kind == k.as_str());
        let offline = remote && rng.chance(0.4) && sent < now;
        let out = app
            .places
            .inspect_in_history(
                &cast.loader,
                &plan.inspector,
                place.id,
                InspectionInput {
                    answers,
                    seen_color: Some(color),
                    confirmed: Some(suggested.max(plan.base)),
                    inspected_at: offline.then_some(t),
                    client_key: offline.then(|| format!("phone-{}-{}", place.id.0, t.timestamp())),
                    // Most inspectors scan the plate at the door (扫码签到).
                    checkin: rng.chance(0.7).then(|| place.code.clone()),
                    ..Default::default()
                },
                if offline { sent } else { t },
            )
            .await?;
        inspections += 1;
        color = out.place.color;
        for h in &out.hazards {
            hazards += 1;
            relapses += h.relapse_of.is_some() as usize;
            follow(&app, &cast, &plan, h, &mut rng, now).await?;
        }
        let days = policy.interval_days(plan.kind, color) as f64 * (0.75 + 0.3 * rng.unit());
        t = at_work(t + Duration::minutes((days * 24.0 * 60.0) as i64), &mut rng);
        if plan.inspector.role() == Some(Role::GridWorker) {
            t = on_patrol_day(t, &mut rng);
        }
        if plan.lapsed && t + Duration::days(policy.interval_days(plan.kind, color) as i64) > now {
            break;
        }
    }
    Ok((inspections, hazards, relapses))
}

/// 苍岩村老街小吃店: an extinguisher found expired, put right and signed off, then found expired
/// again three weeks later — a relapse that raises the place from blue to yellow, assigned and
/// awaiting rectification now.
async fn scripted_relapse(
    app: &Arc<App>,
    cast: &Cast,
    village: &Region,
    grid: &Region,
    now: Timestamp,
) -> anyhow::Result<()> {
    let inspector = cast.inspectors[&grid.id.0].clone();
    let owner = cast.units["应急管理办公室"].clone();
    let place = app
        .places
        .register_in_history(
            &cast.loader,
            &cast.operator,
            PlaceInput {
                reg_no: "GL-JX-0001".into(),
                name: format!("{}老街小吃店", village.name),
                kind: "small_venue".into(),
                region_id: grid.id.0,
                address: Some(format!("甘霖镇{}老街 18 号", village.name)),
                owner_name: Some("竺国强".into()),
                owner_phone: Some("13857512018".into()),
                color: Some("blue".into()),
                ..Default::default()
            },
            now - Duration::days(150),
        )
        .await?;
    let (_, checklist) = app.places.checklist(&cast.operator, place.id).await?;
    let items: Vec<(String, String, Severity)> = checklist
        .items
        .iter()
        .map(|i| (i.code.clone(), i.text.clone(), i.severity))
        .collect();
    let extinguisher = items
        .iter()
        .position(|i| i.0 == "extinguisher")
        .unwrap_or(0);
    let day = |d: i64| {
        let date = (now - Duration::days(d))
            .with_timezone(&china_offset())
            .date_naive();
        china_offset()
            .from_local_datetime(&date.and_hms_opt(10, 0, 0).expect("valid time"))
            .single()
            .expect("fixed offset")
            .with_timezone(&chrono::Utc)
    };
    let first = app
        .places
        .inspect_in_history(
            &cast.loader,
            &inspector,
            place.id,
            InspectionInput {
                answers: answers(&items, &[extinguisher]),
                seen_color: Some(RiskColor::Blue),
                ..Default::default()
            },
            day(40),
        )
        .await?;
    let h = &first.hazards[0];
    let steps = [
        (
            &cast.operator,
            HazardAction::Assign {
                owner_unit_id: owner.0,
                leader: LEADERS[0].into(),
                due_at: end_of_china_day(day(35)),
                remark: Some("三日内更换灭火器".into()),
            },
            day(39),
            false,
        ),
        (
            &owner.1,
            HazardAction::Rectify {
                remark: "已更换两具 4kg 干粉灭火器".into(),
                evidence: 0,
            },
            day(37),
            true,
        ),
        (
            &inspector,
            HazardAction::Recheck {
                passed: true,
                remark: Some("灭火器在有效期内".into()),
            },
            day(35),
            false,
        ),
        (
            &cast.operator,
            HazardAction::SignOff {
                remark: Some("同意销号".into()),
            },
            day(34),
            false,
        ),
    ];
    for (actor, action, at, photos) in steps {
        app.hazards
            .act_in_history(
                &cast.loader,
                actor,
                h.id,
                action,
                if photos { evidence() } else { vec![] },
                at,
            )
            .await?;
    }
    let again = app
        .places
        .inspect_in_history(
            &cast.loader,
            &inspector,
            place.id,
            InspectionInput {
                answers: answers(&items, &[extinguisher]),
                seen_color: Some(RiskColor::Blue),
                ..Default::default()
            },
            day(12),
        )
        .await?;
    let relapse = &again.hazards[0];
    anyhow::ensure!(
        relapse.relapse_of == Some(h.id) && again.place.color == RiskColor::Yellow,
        "the scripted relapse did not take"
    );
    let assign = HazardAction::Assign {
        owner_unit_id: owner.0,
        leader: LEADERS[0].into(),
        due_at: end_of_china_day(now + Duration::days(2)),
        remark: Some("回潮问题，限期整改并举一反三".into()),
    };
    app.hazards
        .act_in_history(
            &cast.loader,
            &cast.operator,
            relapse.id,
            assign,
            vec![],
            day(11),
        )
        .await?;
    Ok(())
}

/// The air-pollution campaign (大气污染防治专项行动), two months in: its daily report is counted
/// from the inspections above, nothing typed in.
async fn air_campaign(app: &Arc<App>, org: &Org) -> anyhow::Result<()> {
    let today = app.campaigns.today();
    app.campaigns
        .create(
            &org.leader,
            fengqiao_app::CampaignInput {
                name: "大气污染防治专项行动".into(),
                starts_on: today - Duration::days(60),
                ends_on: today + Duration::days(30),
                targets: vec![
                    fengqiao_domain::places::CampaignTarget { kind: PlaceKind::EmittingFirm, places: 153 },
                    fengqiao_domain::places::CampaignTarget { kind: PlaceKind::BuildingSite, places: 7 },
                    fengqiao_domain::places::CampaignTarget { kind: PlaceKind::Restaurant, places: 100 },
                ],
                task_force: "组长：镇长；副组长：分管副镇长 楼建华；成员：生态环境办公室、综合行政执法队、甘霖市场监督管理所、各村（社区）".into(),
                region_id: None,
            },
        )
        .await?;
    Ok(())
}

/// Seeds the registry and its history.
pub(super) async fn seed(
    app: &Arc<App>,
    org: &Org,
    rng: &mut Rng,
) -> anyhow::Result<PlacesSummary> {
    let now = app.core.now();
    let cast = Arc::new(cast(app, org).await?);
    let mut plans = Vec::new();
    let mut n = 0;
    let mut next_reg = |prefix: &str| {
        n += 1;
        format!("GL-{prefix}-{:04}", n + 1)
    };
    let colors = |rng: &mut Rng| match rng.below(100) {
        0..=5 => "red",
        6..=20 => "yellow",
        21..=55 => "blue",
        _ => "green",
    };
    for (vi, (village, grids, committee)) in org.villages.iter().enumerate() {
        let cadre = cast
            .inspectors
            .get(&village.id.0)
            .cloned()
            .unwrap_or_else(|| cast.operator.clone());
        let committee_owner = (*committee, org.actors[committee].clone());
        let mut add = |rng: &mut Rng,
                       kind: PlaceKind,
                       region: &Region,
                       name: String,
                       inspector: Actor,
                       prefix: &str| {
            let owner = match owner_of(kind) {
                "" => committee_owner.clone(),
                unit => cast.units[unit].clone(),
            };
            plans.push(Plan {
                input: PlaceInput {
                    reg_no: next_reg(prefix),
                    name,
                    kind: kind.as_str().into(),
                    region_id: region.id.0,
                    address: Some(format!(
                        "甘霖镇{}{}号",
                        region
                            .name
                            .trim_end_matches(|c: char| "第一二三四网格".contains(c)),
                        1 + rng.below(120)
                    )),
                    owner_name: (kind != PlaceKind::VillagePoint
                        && kind != PlaceKind::RiverSegment)
                        .then(|| format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
                    owner_phone: (kind != PlaceKind::VillagePoint
                        && kind != PlaceKind::RiverSegment)
                        .then(|| phone(rng).as_str().to_string()),
                    color: Some(colors(rng).into()),
                    ..Default::default()
                },
                kind,
                inspector,
                owner,
                registered: now - Duration::days(150 + rng.below(60) as i64),
                care: 0.03 + 0.3 * rng.unit() * rng.unit(),
                base: match rng.below(100) {
                    0..=3 => RiskColor::Red,
                    4..=17 => RiskColor::Yellow,
                    18..=50 => RiskColor::Blue,
                    _ => RiskColor::Green,
                },
                lapsed: rng.chance(0.08),
            });
        };
        for grid in grids {
            let worker = cast
                .inspectors
                .get(&grid.id.0)
                .cloned()
                .unwrap_or_else(|| cadre.clone());
            let vname = &village.name;
            for _ in 0..3 {
                let name = format!("{vname}{}记{}", rng.pick(SURNAMES), rng.pick(VENUES));
                add(rng, PlaceKind::SmallVenue, grid, name, worker.clone(), "JX");
            }
            let name = format!("{vname}{}记{}", rng.pick(SURNAMES), rng.pick(RESTAURANTS));
            add(rng, PlaceKind::Restaurant, grid, name, worker.clone(), "CY");
            let p = rng.pick(POINTS);
            add(
                rng,
                PlaceKind::VillagePoint,
                grid,
                format!("{}{p}", grid.name),
                worker.clone(),
                "DW",
            );
        }
        let env = cast.units["生态环境办公室"].1.clone();
        let enforcement = cast.units["综合行政执法队"].1.clone();
        // Enough firms and restaurants that the air-pollution campaign's figures are of the
        // seed's order (about 150 firms and 100 restaurants checked).
        for b in BRANDS.iter().take(10 + vi % 3) {
            let f = rng.pick(FIRMS);
            add(
                rng,
                PlaceKind::EmittingFirm,
                village,
                format!("绍兴{b}{f}"),
                env.clone(),
                "QY",
            );
        }
        let market = cast.units["甘霖市场监督管理所"].1.clone();
        for _ in 0..4 {
            let name = format!(
                "{}{}记{}",
                village.name,
                rng.pick(SURNAMES),
                rng.pick(RESTAURANTS)
            );
            add(
                rng,
                PlaceKind::Restaurant,
                village,
                name,
                market.clone(),
                "CY",
            );
        }
        if vi % 2 == 0 {
            let s = rng.pick(SITES);
            add(
                rng,
                PlaceKind::BuildingSite,
                village,
                format!("{}{s}", village.name),
                enforcement.clone(),
                "GD",
            );
        }
        add(
            rng,
            PlaceKind::RiverSegment,
            village,
            format!("{}段河道", village.name),
            cadre.clone(),
            "HD",
        );
    }
    let total = plans.len() + 1;
    let mut set = tokio::task::JoinSet::new();
    for plan in plans {
        let (app, cast, seed) = (app.clone(), cast.clone(), rng.next_u64());
        set.spawn(live_place(app, cast, plan, seed, now));
    }
    let (mut inspections, mut hazards, mut relapses) = (0, 0, 0);
    while let Some(done) = set.join_next().await {
        let (i, h, r) = done??;
        inspections += i;
        hazards += h;
        relapses += r;
    }
    let (village, grids, _) = &org.villages[0];
    scripted_relapse(app, &cast, village, &grids[0], now).await?;
    air_campaign(app, org).await?;
    // This morning the centre turned three overdue hazards that need another unit's work into
    // ordinary cases (转为工单): they are in today's intake, and each hazard points at its case.
    let overdue = app
        .hazards
        .list(
            &cast.operator,
            None,
            fengqiao_store::HazardFilter {
                overdue_at: Some(now),
                page: 1,
                page_size: 3,
                ..Default::default()
            },
        )
        .await?;
    for h in &overdue.items {
        app.hazards
            .open_case(
                &cast.operator,
                h.id,
                None,
                Some("整改超期，需其他单位协同处置，转工单派办".into()),
            )
            .await?;
    }
    // The scheduler's daily passes over the last month: the places left uninspected were urged
    // (催检) the day after they fell due and supervised (督办) three days later.
    for back in (0..=30).rev() {
        let at = now - Duration::days(back) - Duration::hours(15);
        app.places.escalate_in_history(&cast.loader, at).await?;
    }
    // The township's fixed days: every Tuesday the cadres go down to the villages (下村日),
    // every Saturday the villages tidy up (整治日).
    for (name, weekday) in [("下村日", 2), ("整治日", 6)] {
        app.patrols
            .create(&org.operators[0], Some(org.town.id), name, weekday)
            .await?;
    }
    Ok(PlacesSummary {
        places: total,
        inspections: inspections + 2,
        hazards: hazards + 2,
        relapses: relapses + 1,
    })
}
