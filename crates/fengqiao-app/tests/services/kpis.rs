//! KPI rollups against an independent recount: random histories (reassignments, extensions,
//! reopens, merges, withdrawals, overdue marks, late changes to old cases) are counted by the
//! rollups pass by pass, then every figure of every dimension over several periods is recounted
//! here straight from the raw `cases` and `case_events` rows, by rules written out again from
//! PRODUCT.md, and must match.

use chrono::Duration;
use fengqiao_app::{AppConfig, IntakeInput};
use fengqiao_domain::ids::{CaseId, CategoryId, RegionId, UnitId};
use fengqiao_domain::kpi::{Dim, Measure, Period};
use fengqiao_domain::lifecycle::Action;
use fengqiao_domain::org::Actor;
use fengqiao_domain::{CaseState, Satisfaction, Timestamp};
use fengqiao_testkit::recount::Recount;
use fengqiao_testkit::{township, Township};
use std::collections::BTreeMap;

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
/// Returns the state the case is in after, or `None` when nobody may do it.
async fn act(t: &Township, people: &[Actor], id: CaseId, action: Action) -> Option<CaseState> {
    for who in people {
        if let Ok(case) = t.app.actions.act(who, id, action.clone()).await {
            return Some(case.state);
        }
    }
    None
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
            match act(&t, &people, id, action).await {
                Some(now) => {
                    applied += 1;
                    if [
                        CaseState::Withdrawn,
                        CaseState::Merged,
                        CaseState::Archived,
                        CaseState::Rejected,
                    ]
                    .contains(&now)
                    {
                        finished.insert(id);
                    }
                }
                None => *refused.entry(kind).or_default() += 1,
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

    let recount = Recount::from_database(t.store.path());
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
    let compared = fengqiao_testkit::recount::check(&t.app, t.store.path(), &periods).await;
    assert!(compared > 300, "rows compared: {compared}");
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
