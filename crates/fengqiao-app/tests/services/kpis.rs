//! KPI rollups against an independent recount: random histories (reassignments, extensions,
//! reopens, merges, withdrawals, overdue marks, late changes to old cases) are counted by the
//! rollups pass by pass, then every figure of every dimension over several periods is recounted
//! here straight from the raw `cases` and `case_events` rows, by rules written out again from
//! PRODUCT.md, and must match.

use chrono::{Duration, NaiveDate};
use fengqiao_app::{AppConfig, IntakeInput};
use fengqiao_domain::ids::{CaseId, CategoryId, RegionId, UnitId};
use fengqiao_domain::kpi::hours::{hours_bucket, working_minutes};
use fengqiao_domain::kpi::{Dim, Measure, Measures, Period};
use fengqiao_domain::lifecycle::Action;
use fengqiao_domain::org::Actor;
use fengqiao_domain::{Calendar, Satisfaction, Timestamp};
use fengqiao_testkit::{township, Township};
use std::collections::{BTreeMap, HashMap};

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn actions(t: &Township, rng: &mut Rng, others: &[CaseId]) -> Vec<Action> {
    let unit = UnitId(*rng.pick(&[t.unit, t.other_unit]));
    let satisfaction = *rng.pick(&[
        Satisfaction::Satisfied,
        Satisfaction::BasicallySatisfied,
        Satisfaction::Unsatisfied,
        Satisfaction::NoRating,
    ]);
    let mut all = vec![
        Action::Register {
            category_id: Some(CategoryId(t.road)),
            priority: None,
            region_id: rng
                .pick(&[Some(t.village), Some(t.other_village), Some(t.grid()), None])
                .map(RegionId),
            remark: None,
        },
        Action::RejectIntake {
            reason: "不属于受理范围".into(),
        },
        Action::AnswerDirectly {
            reply: "已当场解答".into(),
        },
        Action::Dispatch {
            unit_id: unit,
            co_units: vec![],
            remark: None,
        },
        Action::Accept { remark: None },
        Action::RequestReturn {
            reason: "不属于本单位职责".into(),
        },
        Action::DenyReturn {
            reason: "属于本单位职责".into(),
        },
        Action::Reassign {
            unit_id: unit,
            remark: None,
        },
        Action::Handle { remark: None },
        Action::RequestExtension {
            days: 2,
            reason: "需协调施工队".into(),
        },
        Action::ApproveExtension { remark: None },
        Action::Reply {
            content: "已修复".into(),
        },
        Action::ReviewPass { remark: None },
        Action::ReviewFail {
            reason: "未附照片".into(),
        },
        Action::FollowUp {
            satisfaction,
            unit_at_fault: rng.below(2) == 0,
            remark: None,
        },
        Action::Reopen {
            reason: "群众不满意".into(),
        },
        Action::Close { remark: None },
        Action::Archive { remark: None },
        Action::Withdraw {
            reason: "群众撤回".into(),
        },
        Action::Supplement {
            content: "还是没修好".into(),
            reopen_requested: rng.below(2) == 0,
        },
        Action::Rate { satisfaction },
    ];
    if !others.is_empty() {
        all.push(Action::Merge {
            into: *rng.pick(others),
            remark: None,
        });
    }
    all
}

/// What a case in `state` is likely to go through next (kinds repeated to weigh them), so the
/// walk moves cases along instead of being refused.
fn likely_next(state: &str) -> &'static [&'static str] {
    match state {
        "reported" => &[
            "register",
            "register",
            "register",
            "register",
            "reject_intake",
            "supplement",
        ],
        "registered" => &[
            "dispatch",
            "dispatch",
            "dispatch",
            "dispatch",
            "dispatch",
            "answer_directly",
            "merge",
            "withdraw",
        ],
        "dispatched" => &[
            "accept",
            "accept",
            "accept",
            "request_return",
            "merge",
            "supplement",
        ],
        "return_requested" => &["reassign", "deny_return"],
        "accepted" | "in_progress" => &[
            "handle",
            "reply",
            "reply",
            "request_extension",
            "approve_extension",
            "supplement",
        ],
        "replied" => &["review_pass", "review_pass", "review_pass", "review_fail"],
        "reviewed" => &["follow_up"],
        "followed_up" => &["reopen", "close", "close"],
        "closed" => &["archive", "rate", "supplement"],
        _ => &["supplement", "rate"],
    }
}

/// Tries `action` as each township user in turn: whoever may do it does it.
async fn act(t: &Township, people: &[Actor], id: CaseId, action: Action) -> bool {
    for who in people {
        if t.app.actions.act(who, id, action.clone()).await.is_ok() {
            return true;
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollups_after_random_histories_equal_a_recount_from_the_raw_events() {
    let t = township(AppConfig::default()).await;
    let mut people = vec![];
    for u in ["op", "staff", "village", "leader", "admin"] {
        people.push(t.actor(u).await);
    }
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let start = t.app.core.now();
    let mut cases: Vec<CaseId> = vec![];
    let mut applied = 0;
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    let mut finished: std::collections::HashSet<CaseId> = Default::default();
    for step in 0..1200 {
        // Now and then a new report; otherwise a step on a random case, old ones included.
        if cases.len() < 8 || rng.below(12) == 0 {
            let input = IntakeInput {
                body: format!("苍岩村第{step}号路灯不亮，晚上看不见路"),
                channel: Some((*rng.pick(&["hotline", "citizen_web", "petition_desk"])).into()),
                reporter_phone: Some("13800138000".into()),
                ..Default::default()
            };
            let case = t.app.intake.submit(&people[0], input).await.unwrap().case;
            cases.push(case.id);
        } else {
            // Mostly cases still moving; now and then a finished one (a late supplement, a
            // rating after closing).
            let open: Vec<CaseId> = cases
                .iter()
                .copied()
                .filter(|c| !finished.contains(c))
                .collect();
            let id = if open.is_empty() || rng.below(10) == 0 {
                *rng.pick(&cases)
            } else {
                *rng.pick(&open)
            };
            let others: Vec<CaseId> = cases.iter().copied().filter(|c| *c != id).collect();
            let state = t
                .app
                .queries
                .case_view(&Actor::system(), id)
                .await
                .unwrap()
                .case
                .state;
            let likely = likely_next(state.as_str());
            let all = actions(&t, &mut rng, &others);
            let offered: Vec<Action> = likely
                .iter()
                .filter_map(|k| all.iter().find(|a| a.kind().as_str() == *k).cloned())
                .collect();
            if offered.is_empty() {
                continue;
            }
            let action = rng.pick(&offered).clone();
            let kind = format!("{} {}", state.as_str(), action.kind().as_str());
            if act(&t, &people, id, action).await {
                applied += 1;
                let now = t
                    .app
                    .queries
                    .case_view(&Actor::system(), id)
                    .await
                    .unwrap()
                    .case
                    .state;
                if ["withdrawn", "merged", "archived", "rejected"].contains(&now.as_str()) {
                    finished.insert(id);
                }
            } else {
                *refused.entry(kind).or_default() += 1;
            }
        }
        // Time passes: minutes to a few days, so deadlines are met and missed.
        let minutes = *rng.pick(&[5, 30, 90, 240, 600, 1440, 2880]) as i64;
        t.clock.advance(Duration::minutes(minutes));
        match rng.below(25) {
            0 => {
                t.app.scheduler.tick().await.unwrap();
            }
            1 => {
                t.app.kpis.refresh().await.unwrap();
            }
            _ => {}
        }
    }
    assert!(
        applied > 400,
        "the walk should move cases along: {applied}, refused {refused:?}"
    );
    t.app.scheduler.tick().await.unwrap();
    let end = t.app.core.now();

    let recount = Recount::from_database(&t);
    assert!(recount.cases.len() > 100);
    let histories = recount.cases.iter().filter(|c| c.due_day.is_some()).count();
    assert!(histories > 40, "cases counted for handling: {histories}");
    let reopened: i64 = recount
        .cases
        .iter()
        .map(|c| c.m.get(Measure::Reopened))
        .sum();
    let returns: i64 = recount
        .cases
        .iter()
        .map(|c| c.m.get(Measure::Returns))
        .sum();
    let merged: i64 = recount.cases.iter().map(|c| c.m.get(Measure::Merged)).sum();
    let red: i64 = recount
        .cases
        .iter()
        .map(|c| c.m.get(Measure::OverdueRed))
        .sum();
    assert!(
        reopened > 0 && returns > 0 && merged > 0 && red > 0,
        "the histories should include reopens ({reopened}), returns ({returns}), merges ({merged}) and red marks ({red})"
    );

    let local = |ts: Timestamp| fengqiao_domain::deadline::local_date(ts);
    let (first, last) = (local(start), local(end) + Duration::days(30));
    let mut periods = vec![
        Period::range(first, last).unwrap(),
        Period::parse("2026").unwrap(),
        Period::parse("2026-12").unwrap(),
        Period::parse("2026-W49").unwrap(),
        Period::range(first + Duration::days(9), first + Duration::days(47)).unwrap(),
    ];
    // Every other day of the walk, one by one.
    let mut d = first;
    while d <= last {
        periods.push(Period::parse(&d.to_string()).unwrap());
        d += Duration::days(2);
    }
    let op = &people[0];
    let mut compared = 0;
    for period in &periods {
        for dim in Dim::ALL {
            let table = t.app.kpis.table(op, *dim, *period).await.unwrap();
            let expected = recount.sums(*dim, period);
            let got: BTreeMap<i64, (Measures, Option<i64>)> = table
                .lines
                .iter()
                .map(|l| (l.key, (l.figures.measures, l.figures.p90_hours)))
                .collect();
            assert_eq!(got, expected, "{dim:?} over {}", period.key());
            compared += got.len();
            if *dim == Dim::Township {
                assert_eq!(
                    Some(&(table.total.measures, table.total.p90_hours)),
                    expected.get(&0).or(Some(&(Measures::default(), None)))
                );
            }
        }
    }
    assert!(compared > 300, "rows compared: {compared}");
}

/// One case as recounted here.
struct Counted {
    received_day: NaiveDate,
    due_day: Option<NaiveDate>,
    keys: HashMap<Dim, i64>,
    m: Measures,
    bucket: Option<i64>,
}

struct Recount {
    cases: Vec<Counted>,
}

struct Ev {
    action: String,
    at: Timestamp,
    unit: Option<i64>,
    due: Option<Timestamp>,
    on_time: Option<bool>,
    remark: Option<String>,
}

impl Recount {
    fn from_database(t: &Township) -> Recount {
        let conn = rusqlite::Connection::open(t.store.path()).unwrap();
        let ts = |v: i64| chrono::DateTime::from_timestamp_millis(v).unwrap();
        let mut regions: HashMap<i64, (Option<i64>, String)> = HashMap::new();
        let mut st = conn
            .prepare("SELECT id, parent_id, level FROM regions")
            .unwrap();
        for r in st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
        {
            let (id, parent, level) = r.unwrap();
            regions.insert(id, (parent, level));
        }
        let mut events: HashMap<i64, Vec<Ev>> = HashMap::new();
        let mut st = conn
            .prepare("SELECT case_id, action, at, unit_id, due_at, on_time, remark FROM case_events ORDER BY id")
            .unwrap();
        for r in st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    Ev {
                        action: r.get(1)?,
                        at: ts(r.get(2)?),
                        unit: r.get(3)?,
                        due: r.get::<_, Option<i64>>(4)?.map(ts),
                        on_time: r.get(5)?,
                        remark: r.get(6)?,
                    },
                ))
            })
            .unwrap()
        {
            let (case, e) = r.unwrap();
            events.entry(case).or_default().push(e);
        }
        let cal = Calendar::builtin();
        let channels: Vec<&str> = fengqiao_domain::Channel::ALL
            .iter()
            .map(|c| c.as_str())
            .collect();
        let mut st = conn
            .prepare("SELECT id, created_at, state, region_id, category_id, channel, unit_id, parent_id, reply_due, satisfaction FROM cases")
            .unwrap();
        let rows: Vec<_> = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    ts(r.get(1)?),
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                    r.get::<_, Option<i64>>(8)?.map(ts),
                    r.get::<_, Option<String>>(9)?,
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut cases = vec![];
        for (
            id,
            created,
            state,
            region,
            category,
            channel,
            unit,
            parent,
            reply_due,
            satisfaction,
        ) in rows
        {
            let evs = &events[&id];
            let n = |a: &str| evs.iter().filter(|e| e.action == a).count() as i64;
            let mut m = Measures::default();
            let child = parent.is_some();
            m.set(Measure::Received, i64::from(!child));
            m.set(Measure::Registered, i64::from(!child && n("register") > 0));
            m.set(Measure::Rejected, i64::from(n("reject_intake") > 0));
            m.set(
                Measure::AnsweredDirectly,
                i64::from(n("answer_directly") > 0),
            );
            m.set(Measure::Withdrawn, i64::from(state == "withdrawn"));
            m.set(Measure::Merged, i64::from(state == "merged"));
            m.set(Measure::Supplements, n("supplement"));
            m.set(
                Measure::ReopenRequests,
                evs.iter()
                    .filter(|e| {
                        e.action == "supplement"
                            && e.remark
                                .as_deref()
                                .unwrap_or("")
                                .starts_with("群众反映问题仍未解决")
                    })
                    .count() as i64,
            );
            // Village and grid from the region tree.
            let (mut village, mut grid) = (0, 0);
            let mut cur = region;
            while let Some(r) = cur {
                let (parent, level) = &regions[&r];
                match level.as_str() {
                    "grid" if grid == 0 => grid = r,
                    "village" | "community" if village == 0 => village = r,
                    _ => {}
                }
                cur = *parent;
            }
            let mut unit_key = unit.unwrap_or(0);
            let handled = n("dispatch") + n("reopen") + n("sub_dispatch") > 0
                && state != "withdrawn"
                && state != "merged";
            let replied = ["replied", "reviewed", "followed_up", "closed", "archived"]
                .contains(&state.as_str())
                && n("reply") > 0;
            let last_reply = evs.iter().rposition(|e| e.action == "reply");
            let due = if replied {
                evs[last_reply.unwrap()].due.or(reply_due)
            } else {
                reply_due
            };
            let mut due_day = None;
            let mut bucket = None;
            if let (true, Some(due)) = (handled, due) {
                due_day = Some(fengqiao_domain::deadline::local_date(due));
                let settled = if replied {
                    evs[last_reply.unwrap()].at.min(due)
                } else {
                    due
                };
                if let Some(u) = evs
                    .iter()
                    .rev()
                    .find(|e| e.at <= settled && e.unit.is_some())
                {
                    unit_key = u.unit.unwrap();
                }
                m.set(Measure::Due, 1);
                m.set(
                    Measure::Dispatches,
                    n("dispatch") + n("reassign") + n("reopen") + n("sub_dispatch"),
                );
                m.set(
                    Measure::AcceptedOnTime,
                    evs.iter()
                        .filter(|e| e.action == "accept" && e.on_time == Some(true))
                        .count() as i64,
                );
                m.set(Measure::Returns, n("request_return"));
                m.set(Measure::Extended, n("approve_extension"));
                m.set(Measure::Reopened, n("reopen"));
                let marks: Vec<&str> = evs
                    .iter()
                    .filter(|e| e.action == "mark_overdue")
                    .filter_map(|e| e.remark.as_deref())
                    .collect();
                m.set(
                    Measure::OverdueYellow,
                    i64::from(
                        marks
                            .iter()
                            .any(|r| r.contains("黄色") || r.contains("红色")),
                    ),
                );
                m.set(
                    Measure::OverdueRed,
                    i64::from(marks.iter().any(|r| r.contains("红色"))),
                );
                if replied {
                    let i = last_reply.unwrap();
                    m.set(Measure::Replied, 1);
                    m.set(
                        Measure::RepliedOnTime,
                        i64::from(evs[i].on_time == Some(true)),
                    );
                    m.set(
                        Measure::FollowedUp,
                        i64::from(evs[i..].iter().any(|e| e.action == "follow_up")),
                    );
                    m.set(
                        Measure::Closed,
                        i64::from(state == "closed" || state == "archived"),
                    );
                    let valid = matches!(
                        satisfaction.as_deref(),
                        Some("satisfied" | "basically_satisfied" | "unsatisfied")
                    );
                    m.set(Measure::Rated, i64::from(valid));
                    m.set(
                        Measure::Satisfied,
                        i64::from(matches!(
                            satisfaction.as_deref(),
                            Some("satisfied" | "basically_satisfied")
                        )),
                    );
                    let mut minutes = 0;
                    let mut open: Option<Timestamp> = None;
                    for e in evs {
                        let starts = ["dispatch", "reopen", "review_fail", "sub_dispatch"]
                            .contains(&e.action.as_str());
                        if starts && open.is_none() {
                            open = Some(e.at);
                        } else if e.action == "reply" {
                            if let Some(s) = open.take() {
                                minutes += working_minutes(&cal, s, e.at);
                            }
                        }
                    }
                    m.set(Measure::HandlingMinutes, minutes);
                    bucket = Some(hours_bucket(minutes));
                }
            }
            let channel_key = channels.iter().position(|c| *c == channel).unwrap() as i64 + 1;
            let keys = HashMap::from([
                (Dim::Township, 0),
                (Dim::Village, village),
                (Dim::Grid, grid),
                (Dim::Unit, unit_key),
                (Dim::Category, category.unwrap_or(0)),
                (Dim::Channel, channel_key),
            ]);
            cases.push(Counted {
                received_day: fengqiao_domain::deadline::local_date(created),
                due_day,
                keys,
                m,
                bucket,
            });
        }
        Recount { cases }
    }

    /// Each key's sums over `period`, and its p90 by nearest rank over the handling buckets.
    fn sums(&self, dim: Dim, period: &Period) -> BTreeMap<i64, (Measures, Option<i64>)> {
        let mut sums: BTreeMap<i64, Measures> = BTreeMap::new();
        let mut buckets: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for c in &self.cases {
            let key = c.keys[&dim];
            for m in Measure::ALL {
                let day = if m.on_received_day() {
                    Some(c.received_day)
                } else {
                    c.due_day
                };
                if day.is_some_and(|d| period.contains(d)) {
                    let e = sums.entry(key).or_default();
                    e.set(*m, e.get(*m) + c.m.get(*m));
                }
            }
            if let (Some(b), Some(d)) = (c.bucket, c.due_day) {
                if period.contains(d) {
                    buckets.entry(key).or_default().push(b);
                }
            }
        }
        sums.into_iter()
            .filter(|(_, m)| !m.is_zero())
            .map(|(k, m)| {
                let p90 = buckets.get_mut(&k).map(|b| {
                    b.sort_unstable();
                    let rank = (b.len() * 9).div_ceil(10);
                    b[rank - 1]
                });
                (k, (m, p90))
            })
            .collect()
    }
}

/// A report's figures are the KPI tables' (one source), its summary says them in words, and it
/// comes out as a workbook and as a PDF with the font embedded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_says_the_kpis_in_words_and_as_files() {
    let t = township(AppConfig::default()).await;
    let op = t.actor("op").await;
    let staff = t.actor("staff").await;
    for body in ["苍岩村村口路灯不亮", "苍岩村桥头护栏断了", "长安村水渠堵塞"]
    {
        let case = t
            .app
            .intake
            .submit(
                &op,
                IntakeInput {
                    body: body.into(),
                    channel: Some("hotline".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .case;
        for (who, action) in [
            (
                &op,
                Action::Register {
                    category_id: Some(CategoryId(t.road)),
                    priority: None,
                    region_id: Some(RegionId(t.village)),
                    remark: None,
                },
            ),
            (
                &op,
                Action::Dispatch {
                    unit_id: UnitId(t.unit),
                    co_units: vec![],
                    remark: None,
                },
            ),
            (&staff, Action::Accept { remark: None }),
            (&staff, Action::Handle { remark: None }),
            (
                &staff,
                Action::Reply {
                    content: "已处理".into(),
                },
            ),
        ] {
            t.app.actions.act(who, case.id, action).await.unwrap();
        }
    }
    let month = Period::parse("2026-11").unwrap();
    let r = t.app.reports.report(&op, month).await.unwrap();
    let table = t.app.kpis.table(&op, Dim::Village, month).await.unwrap();
    assert_eq!(r.total.measures, table.total.measures);
    assert_eq!(r.total.measures.get(Measure::Received), 3);
    assert_eq!(r.total.measures.get(Measure::RepliedOnTime), 3);
    assert_eq!(r.title, "甘霖镇2026年11月基层治理月报");
    assert!(
        r.sentences[0].starts_with("2026年11月，全镇共受理群众诉求3件")
            && r.sentences[0].contains("12345热线3件"),
        "{:?}",
        r.sentences
    );
    assert!(
        r.sentences[1].contains("办结率100.0%，按时办结率100.0%"),
        "{:?}",
        r.sentences
    );
    assert_eq!(r.by_category[0].name, "道路破损");
    assert_eq!(r.by_village[0].name, "苍岩村");
    // November by day, beside November 2025.
    assert_eq!(r.trend.len(), 30);
    assert_eq!(r.trend.iter().map(|p| p.received).sum::<i64>(), 3);
    let xlsx = fengqiao_app::Reports::xlsx(&r).unwrap();
    assert!(xlsx.starts_with(b"PK"));
    match t.app.reports.pdf(&r).await {
        Ok(pdf) => {
            assert!(pdf.starts_with(b"%PDF-1.7") && pdf.ends_with(b"%%EOF\n"));
            let text = String::from_utf8_lossy(&pdf);
            assert!(text.contains("/FontFile") && text.contains("/ToUnicode"));
        }
        // Without a Chinese font the server says how to get one; CI installs fonts-noto-cjk.
        Err(fengqiao_app::AppError::Unavailable(m)) if std::env::var_os("CI").is_none() => {
            assert!(m.contains("fonts-noto-cjk"), "{m}")
        }
        Err(e) => panic!("{e}"),
    }
}
