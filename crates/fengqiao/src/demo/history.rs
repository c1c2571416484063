//! A year of cases, every step decided by the real lifecycle on the real calendar.

use super::*;

/// Simulates one case's life up to `now` through the real lifecycle.
pub(super) struct Sim {
    pub(super) now: Timestamp,
    pub(super) calendar: Arc<Calendar>,
    pub(super) policies: Arc<Vec<TimePolicy>>,
    pub(super) categories: Arc<Vec<Category>>,
    pub(super) units: Arc<Vec<Unit>>,
}

impl Sim {
    /// A simulation up to the app's now, on its calendar, time limits and organisation.
    pub(super) fn of(app: &App) -> Sim {
        Sim {
            now: app.core.now(),
            calendar: app.core.calendar(),
            policies: app.core.policies(),
            categories: app.core.categories(),
            units: app.core.units(),
        }
    }

    /// Applies `action` at `at` through the real lifecycle. `Ok(false)` when `at` is still in the
    /// future (the case stops where it is); a refusal is a bug in the simulation and an error.
    pub(super) fn step(
        &self,
        case: &mut Case,
        events: &mut Vec<Event>,
        actor: &Actor,
        at: Timestamp,
        action: Action,
    ) -> anyhow::Result<bool> {
        if at > self.now {
            return Ok(false);
        }
        let units_exist = action
            .referenced_unit()
            .is_none_or(|u| self.units.iter().any(|x| x.id == u));
        let ctx = DecideContext {
            policies: &self.policies,
            categories: &self.categories,
            units_exist,
            ..DecideContext::new(at, actor, &self.calendar)
        };
        let kind = action.kind();
        let d = decide(case, &action, &ctx)
            .with_context(|| format!("demo case {} refused {}", case.case_no, kind.as_str()))?;
        events.push(Event::from_draft(
            case.id,
            &d.event,
            actor.user_id,
            &actor.name,
            at,
        ));
        *case = d.case;
        case.version += 1;
        Ok(true)
    }
}

/// A moment in the `days` before `now`, mostly in the daytime.
pub(super) fn random_instant(rng: &mut Rng, now: Timestamp, days: usize) -> Timestamp {
    let day = rng.below(days) as i64;
    // Most reports arrive in the daytime.
    let hour = *rng.pick(&[
        7, 8, 8, 9, 9, 9, 10, 10, 10, 11, 11, 13, 14, 14, 15, 15, 16, 16, 17, 18, 19, 20, 21, 22,
    ]);
    let local = (now - Duration::days(day + 1))
        .with_timezone(&china_offset())
        .date_naive();
    let t = china_offset()
        .from_local_datetime(
            &local
                .and_hms_opt(hour, rng.below(60) as u32, rng.below(60) as u32)
                .unwrap(),
        )
        .single()
        .unwrap()
        .with_timezone(&chrono::Utc);
    t.min(now - Duration::minutes(5))
}

#[allow(clippy::too_many_arguments)]
pub(super) fn simulate(
    sim: &Sim,
    rng: &mut Rng,
    case: &mut Case,
    ev: &mut Vec<Event>,
    op: &Actor,
    staff: &Actor,
    org: &Org,
    cat: CategoryId,
    priority: Priority,
    unit: UnitId,
    t: &mut Timestamp,
) -> anyhow::Result<()> {
    let hours = |rng: &mut Rng, lo: i64, hi: i64| rng.minutes(lo * 60, hi * 60);
    if !sim.step(
        case,
        ev,
        op,
        *t,
        Action::Register {
            category_id: Some(cat),
            priority: Some(priority),
            region_id: None,
            remark: None,
        },
    )? {
        return Ok(());
    }
    *t += rng.minutes(5, 60);
    if rng.chance(0.03) {
        sim.step(
            case,
            ev,
            op,
            *t,
            Action::RejectIntake {
                reason: "不属于本级受理范围，已告知其向有关部门反映".into(),
            },
        )?;
        return Ok(());
    }
    if rng.chance(0.06) {
        sim.step(
            case,
            ev,
            op,
            *t,
            Action::AnswerDirectly {
                reply: "经查询相关政策，已当场电话答复，群众表示理解。".into(),
            },
        )?;
        return Ok(());
    }
    if !sim.step(
        case,
        ev,
        op,
        *t,
        Action::Dispatch {
            unit_id: unit,
            co_units: vec![],
            remark: None,
        },
    )? {
        return Ok(());
    }
    let mut staff = staff.clone();
    if rng.chance(0.05) {
        *t += hours(rng, 1, 20);
        if !sim.step(
            case,
            ev,
            &staff,
            *t,
            Action::RequestReturn {
                reason: "该事项不属于本单位职责范围".into(),
            },
        )? {
            return Ok(());
        }
        *t += hours(rng, 1, 6);
        if rng.chance(0.5) {
            if !sim.step(
                case,
                ev,
                op,
                *t,
                Action::DenyReturn {
                    reason: "经核实属于该单位职责，请按时办理".into(),
                },
            )? {
                return Ok(());
            }
        } else {
            let other = *rng.pick(
                &org.actors
                    .keys()
                    .copied()
                    .filter(|u| *u != unit)
                    .collect::<Vec<_>>(),
            );
            if !sim.step(
                case,
                ev,
                op,
                *t,
                Action::Reassign {
                    unit_id: other,
                    remark: Some("改派至职责单位".into()),
                },
            )? {
                return Ok(());
            }
            staff = org.actors[&other].clone();
        }
    }
    for round in 0..2 {
        let accept_due = case.deadlines.accept_due.unwrap_or(*t);
        *t = if rng.chance(0.07) {
            accept_due + hours(rng, 1, 72)
        } else {
            *t + (accept_due - *t).max(Duration::minutes(2)) * (rng.below(80) as i32 + 5) / 100
        };
        if !sim.step(case, ev, &staff, *t, Action::Accept { remark: None })? {
            return Ok(());
        }
        *t += rng.minutes(10, 600);
        if !sim.step(
            case,
            ev,
            &staff,
            *t,
            Action::Handle {
                remark: Some("已安排人员到现场核实".into()),
            },
        )? {
            return Ok(());
        }
        // Extensions are asked for before the due date, as the rules require.
        let ask_at = *t + hours(rng, 2, 30);
        if rng.chance(0.05) && case.deadlines.reply_due.is_some_and(|due| ask_at < due) {
            *t = ask_at;
            if !sim.step(
                case,
                ev,
                &staff,
                *t,
                Action::RequestExtension {
                    days: 1 + rng.below(5) as u32,
                    reason: "需协调多个部门，现场整改需要时间".into(),
                },
            )? {
                return Ok(());
            }
            *t += hours(rng, 1, 8);
            let decision = if rng.chance(0.8) {
                Action::ApproveExtension { remark: None }
            } else {
                Action::DenyExtension {
                    reason: "请按原时限办结".into(),
                }
            };
            if !sim.step(case, ev, &org.leader, *t, decision)? {
                return Ok(());
            }
        }
        let reply_due = case.deadlines.reply_due.unwrap_or(*t);
        *t = if rng.chance(0.03) {
            // A stalled case: the unit sits on it for weeks.
            reply_due + hours(rng, 48, 500)
        } else if rng.chance(0.09) {
            reply_due + hours(rng, 2, 120)
        } else {
            *t + (reply_due - *t).max(Duration::minutes(30)) * (rng.below(85) as i32 + 10) / 100
        };
        let reply = format!(
            "经现场核实，{}，已处理完毕并向诉求人反馈。",
            rng.pick(&[
                "问题已整改到位",
                "已协调相关单位解决",
                "已责令当事人限期整改，整改完成",
                "已按政策予以解答并落实",
                "已组织调解，双方达成一致"
            ])
        );
        if !sim.step(case, ev, &staff, *t, Action::Reply { content: reply })? {
            return Ok(());
        }
        *t += hours(rng, 1, 20);
        if rng.chance(0.03) {
            if !sim.step(
                case,
                ev,
                op,
                *t,
                Action::ReviewFail {
                    reason: "答复内容过于简单，请补充处理结果".into(),
                },
            )? {
                return Ok(());
            }
            *t += hours(rng, 2, 24);
            if !sim.step(
                case,
                ev,
                &staff,
                *t,
                Action::Reply {
                    content: "已补充：现场整改照片已上传，问题已彻底解决。".into(),
                },
            )? {
                return Ok(());
            }
            *t += hours(rng, 1, 10);
        }
        if !sim.step(case, ev, op, *t, Action::ReviewPass { remark: None })? {
            return Ok(());
        }
        *t += hours(rng, 4, 60);
        // The follow-up call comes from the day after the reply, in office hours.
        if let Some(replied) = case.handling.replied_at {
            let next_morning = (fengqiao_domain::deadline::local_date(replied)
                + chrono::Duration::days(1))
            .and_hms_opt(8, 30, 0)
            .and_then(|d| {
                d.and_local_timezone(fengqiao_domain::china_offset())
                    .single()
            })
            .map(|d| d.with_timezone(&chrono::Utc));
            if let Some(m) = next_morning.filter(|m| *t < *m) {
                *t = m + hours(rng, 0, 8);
            }
        }
        let r = rng.unit();
        let satisfaction = if r < 0.78 {
            Satisfaction::Satisfied
        } else if r < 0.90 {
            Satisfaction::BasicallySatisfied
        } else if r < 0.97 {
            Satisfaction::Unsatisfied
        } else {
            Satisfaction::NoRating
        };
        let at_fault = satisfaction == Satisfaction::Unsatisfied && round == 0 && rng.chance(0.5);
        if !sim.step(
            case,
            ev,
            op,
            *t,
            Action::FollowUp {
                satisfaction,
                unit_at_fault: at_fault,
                remark: None,
            },
        )? {
            return Ok(());
        }
        *t += hours(rng, 1, 24);
        if at_fault {
            if !sim.step(
                case,
                ev,
                op,
                *t,
                Action::Reopen {
                    reason: "群众不满意，经核实承办单位处置不到位，重新办理".into(),
                },
            )? {
                return Ok(());
            }
            continue;
        }
        break;
    }
    if !sim.step(case, ev, op, *t, Action::Close { remark: None })? {
        return Ok(());
    }
    *t += Duration::days(30);
    sim.step(case, ev, op, *t, Action::Archive { remark: None })?;
    Ok(())
}

/// Yesterday's replies, reviewed and waiting for today's follow-up calls (待回访, which
/// start the day after a reply): the centre's first work of the morning, whatever the hour the
/// demo is built, and the cases the README's walk-through calls back. `first_id` follows the
/// history's ids.
pub(super) async fn calls_due_today(
    app: &Arc<App>,
    org: &Org,
    rng: &mut Rng,
    first_id: i64,
    n: usize,
) -> anyhow::Result<()> {
    let sim = Sim::of(app);
    let today = fengqiao_domain::deadline::local_date(sim.now);
    let at = |days_ago: i64, hour: u32, minute: u32| -> Timestamp {
        china_offset()
            .from_local_datetime(
                &(today - Duration::days(days_ago))
                    .and_hms_opt(hour, minute, 0)
                    .unwrap(),
            )
            .single()
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let routed: Vec<_> = org
        .categories
        .iter()
        .filter(|(_, s)| !s.unit.is_empty() && s.parent != "信访事项")
        .collect();
    let op = &org.operators[0];
    let mut bundles = Vec::new();
    for k in 0..n {
        let id = CaseId(first_id + k as i64);
        let (cat, sub) = **rng.pick(&routed);
        let (village, grids, _) = rng.pick(&org.villages);
        let grid = rng.pick(grids);
        let (title, body) = message(rng, &village.name, sub);
        let created = at(3, 9 + k as u32, 20);
        let mut case = new_case(
            id,
            Intake {
                region_id: Some(grid.id),
                region_path: Some(grid.path.clone()),
                address: Some(format!("{TOWN}{}{}", village.name, rng.pick(SPOTS))),
                ..Intake::text(title, body, Channel::Hotline)
            },
            created,
        );
        let reporter = Reporter {
            name: Some(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
            phone: Some(phone(rng)),
            phone_unread: None,
            channel: Channel::Hotline,
            reported_at: created,
            original_case_id: id,
        };
        let mut events = vec![Event::intake(
            &case,
            None,
            reporter.name.as_deref().unwrap_or("群众"),
        )];
        let unit = org.units[sub.unit];
        let staff = &org.actors[&unit];
        let k = k as u32;
        let steps = [
            (
                created + Duration::minutes(10),
                op,
                Action::Register {
                    category_id: Some(cat),
                    priority: Some(sub.priority),
                    region_id: None,
                    remark: None,
                },
            ),
            (
                created + Duration::minutes(25),
                op,
                Action::Dispatch {
                    unit_id: unit,
                    co_units: vec![],
                    remark: None,
                },
            ),
            (at(2, 9, 10 + k), staff, Action::Accept { remark: None }),
            (
                at(2, 14, 30),
                staff,
                Action::Handle {
                    remark: Some("已安排人员到现场核实".into()),
                },
            ),
            (
                at(1, 15, 10 * k),
                staff,
                Action::Reply {
                    content: "经现场核实，问题已整改到位，已处理完毕并向诉求人反馈。".into(),
                },
            ),
            (at(1, 16, 30 + k), op, Action::ReviewPass { remark: None }),
        ];
        for (t, actor, action) in steps {
            anyhow::ensure!(
                sim.step(&mut case, &mut events, actor, t, action)?,
                "a step of yesterday's replies lies in the future"
            );
        }
        bundles.push(CaseBundle {
            case,
            reporters: vec![reporter],
            tasks: vec![],
            events,
            idempotency_key: None,
        });
    }
    app.admin.load_history(&Actor::system(), bundles).await?;
    Ok(())
}
