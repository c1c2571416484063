//! Today: live intakes through the one door, automatic dispatch, merges, joint handling, the Open311 app and the classifier.

use super::*;

/// A few of today's structural actions through the full service (merge, sub-dispatch, joint
/// handling), so they exist in the demo exactly as the API makes them.
pub(super) async fn live_actions(app: &Arc<App>, org: &Org, rng: &mut Rng) -> anyhow::Result<()> {
    use fengqiao_domain::lifecycle::CoUnit;
    use fengqiao_store::CaseFilter;
    let op = &org.operators[0];
    let page = |states: Vec<CaseState>| CaseFilter {
        states,
        page: 1,
        page_size: 60,
        ..Default::default()
    };
    // Today's new reports, waiting in the operator's queue; some repeat an open case through
    // another channel and are merged into it.
    let open = app
        .queries
        .records(
            &Actor::system(),
            CaseFilter {
                created_from: Some(app.core.now() - Duration::days(20)),
                ..page(vec![
                    CaseState::Dispatched,
                    CaseState::Accepted,
                    CaseState::InProgress,
                ])
            },
        )
        .await?
        .items;
    let mut registered = Vec::new();
    for i in 0..40 {
        let (c, sub) = *rng.pick(&org.categories);
        let (village, grids, _) = rng.pick(&org.villages);
        let repeat = open.get(i).filter(|_| i < 10);
        let (title, body) = match repeat {
            Some(o) => (
                o.text.title.clone(),
                format!("{}（又一位群众反映）", o.text.body),
            ),
            None => message(rng, &village.name, sub),
        };
        let channel = *rng.pick(&["citizen_qr", "citizen_web", "hotline"]);
        let citizen = Actor::citizen("群众");
        let via = if channel == "hotline" { op } else { &citizen };
        let input = fengqiao_app::IntakeInput {
            title: Some(title),
            body,
            channel: Some(channel.to_string()),
            region_id: Some(
                repeat
                    .and_then(|o| o.location.region_id)
                    .unwrap_or(rng.pick(grids).id)
                    .0,
            ),
            reporter_name: Some(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
            reporter_phone: Some(phone(rng).as_str().to_string()),
            ..Default::default()
        };
        let out = app.intake.submit(via, input).await?;
        if out.case.state != CaseState::Reported {
            // Triage was confident and dispatched it already.
            continue;
        }
        match repeat {
            Some(o) if i < 8 => {
                app.actions
                    .act(
                        op,
                        out.case.id,
                        Action::Register {
                            category_id: o.category_id,
                            priority: None,
                            region_id: None,
                            remark: None,
                        },
                    )
                    .await?;
                app.actions
                    .act(
                        op,
                        out.case.id,
                        Action::Merge {
                            into: o.id,
                            remark: Some("同一问题多渠道反映".into()),
                        },
                    )
                    .await?;
            }
            _ if i >= 30 => {
                let c = app
                    .actions
                    .act(
                        op,
                        out.case.id,
                        Action::Register {
                            category_id: Some(c),
                            priority: None,
                            region_id: None,
                            remark: None,
                        },
                    )
                    .await?;
                registered.push(c);
            }
            _ => {}
        }
    }
    // A hot spot in the making: this morning one village reports dead fish in its stream,
    // through every channel, in everyone's own words.
    let (village, grids, _) = &org.villages[1];
    let v = &village.name;
    let reports = [
        format!("{v}溪边的小溪里漂着好多死鱼，溪水发黑发臭"),
        format!("今天早上{v}那条溪里全是死鱼，水又黑又臭，是不是上游有人偷排污水"),
        format!("{v}溪水发黑发臭，死鱼漂了一大片，气味熏得人没法开窗"),
        format!("反映{v}溪里死鱼的问题，水很臭，颜色发黑，请环保部门来查一查"),
        format!("{v}的溪水突然变黑，岸边都是死鱼，臭味很大"),
        format!("又有人说{v}溪里死鱼越来越多了，水发黑发臭，希望尽快查清源头"),
    ];
    for (k, body) in reports.into_iter().enumerate() {
        let channel = [
            "hotline",
            "citizen_qr",
            "citizen_web",
            "grid_patrol",
            "hotline",
            "citizen_qr",
        ][k];
        let citizen = Actor::citizen("群众");
        let via = match channel {
            "hotline" | "grid_patrol" => op,
            _ => &citizen,
        };
        app.intake
            .submit(
                via,
                fengqiao_app::IntakeInput {
                    title: Some(format!("{v}溪里死鱼")),
                    body,
                    channel: Some(channel.to_string()),
                    region_id: Some(grids[k % grids.len()].id.0),
                    reporter_name: Some(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
                    reporter_phone: Some(phone(rng).as_str().to_string()),
                    ..Default::default()
                },
            )
            .await?;
    }
    // Sub-dispatch and joint handling on cases a township office is working on.
    let working = app
        .queries
        .records(
            &Actor::system(),
            page(vec![CaseState::Accepted, CaseState::InProgress]),
        )
        .await?
        .items;
    // Only cases still inside their limit: a child's deadline must fall before the parent's.
    let now = app.core.now();
    let in_time = working.iter().filter(|c| {
        c.deadlines
            .reply_due
            .is_some_and(|d| d > now + Duration::hours(2))
    });
    for case in in_time.take(10) {
        let Some(unit) = case.handling.unit_id else {
            continue;
        };
        let Some(staff) = org.actors.get(&unit) else {
            continue;
        };
        let (_, _, committee) = rng.pick(&org.villages);
        if *committee == unit {
            continue;
        }
        app.actions
            .act(
                staff,
                case.id,
                Action::SubDispatch {
                    unit_id: *committee,
                    instructions: "请村里配合现场核查并反馈情况".into(),
                    due_at: None,
                },
            )
            .await?;
    }
    for (dup, _) in registered.iter().zip(0..6) {
        let lead = org.units["综合行政执法队"];
        let co = org.units["生态环境办公室"];
        app.actions
            .act(
                op,
                dup.id,
                Action::Dispatch {
                    unit_id: lead,
                    co_units: vec![CoUnit {
                        unit_id: co,
                        instructions: "请配合开展环境执法检查".into(),
                        due_at: None,
                    }],
                    remark: Some("联合办理".into()),
                },
            )
            .await?;
    }
    let tick = app.scheduler.tick().await?;
    anyhow::ensure!(
        tick.errors == 0,
        "the scheduler failed on {} demo cases",
        tick.errors
    );
    Ok(())
}

/// A third-party app that already reports through Open311: a key, and a few of its reports.
pub(super) async fn open311_client(app: &Arc<App>, rng: &mut Rng) -> anyhow::Result<String> {
    let (client, key) = app
        .clients
        .issue_key(&Actor::system(), "随手拍（演示 Open311 应用）")
        .await?;
    let services = app.open311.services();
    for (service_name, detail, address) in [
        (
            "路灯故障",
            "桥头的路灯杆被车撞歪了，灯也不亮了，随时可能倒下来",
            "苍岩村桥头",
        ),
        (
            "垃圾清运",
            "小区门口的垃圾桶满了好几天没人清运，招苍蝇",
            "甘霖社区新村小区门口",
        ),
        (
            "道路破损",
            "溪边道路的护栏断了一截，路面也裂开了，孩子们经常在那里玩，很危险",
            "上湖村溪边",
        ),
    ] {
        let Some(service) = services.iter().find(|s| s.category.name == service_name) else {
            continue;
        };
        // The app hosts its users' photos itself (.example: a demo address, never fetched).
        let photo = |n: u32| format!("https://photos.suishoupai.example/{n}.jpg");
        let out = app
            .intake
            .submit_from_client(
                &client,
                fengqiao_app::IntakeInput {
                    media_urls: match service_name {
                        "路灯故障" => vec![photo(1041), photo(1042)],
                        "道路破损" => vec![photo(2207)],
                        _ => Vec::new(),
                    },
                    body: detail.to_string(),
                    category_id: Some(service.category.id.0),
                    address: Some(format!("{TOWN}{address}")),
                    latitude: Some(29.55 + rng.unit() * 0.08),
                    longitude: Some(120.72 + rng.unit() * 0.10),
                    reporter_name: Some(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
                    reporter_phone: Some(phone(rng).as_str().to_string()),
                    ..Default::default()
                },
            )
            .await?;
        // The reporter adds to the road report through the app (mySociety update).
        if service_name == "道路破损" {
            app.open311
                .post_update(
                    &client,
                    out.case.case_no.as_str(),
                    "ssp-update-1",
                    fengqiao_app::UpdateIntent::Note,
                    "今天又有一辆电瓶车在断护栏那里摔了，请尽快处理",
                )
                .await?;
        }
    }
    Ok(key)
}

/// The demo's classifier learns from the demo's own history: the most recent categorised cases
/// (the generator's messages, nothing from outside), cross-validated first so the model carries
/// its figures.
pub(super) async fn train_triage(app: &Arc<App>) -> anyhow::Result<String> {
    app.triage.reload().await?;
    let labelled = app.triage.labelled_cases(&Actor::system()).await?;
    let recent = labelled.len().saturating_sub(6000);
    let rows: Vec<(String, String, String)> = labelled[recent..]
        .iter()
        .map(|c| (c.title.clone(), c.body.clone(), c.category_id.0.to_string()))
        .collect();
    if rows.len() < 100 {
        return Ok("工单太少，未训练分类模型".into());
    }
    let actor = Actor {
        name: "演示数据".into(),
        ..Actor::system()
    };
    let n = rows.len();
    let out = app
        .triage
        .train_and_store(
            &actor,
            rows,
            "演示工单库（近期人工分类的工单）".into(),
            Some(3),
        )
        .await?;
    Ok(format!(
        "分类模型 v{}：{} 件工单训练，{} 个类别，3 折交叉验证 macro-F1 {:.3}",
        out.model.version,
        n,
        out.model.labels.len(),
        out.macro_f1.unwrap_or_default()
    ))
}
