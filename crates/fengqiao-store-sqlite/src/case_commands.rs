//! Writing cases: intake, accepted actions (a changeset and its effects), amendments and bulk loads.

use crate::cached::Cached;
use crate::case_queries::load_record;
use crate::error::backend;
use crate::query::*;
use crate::rows::*;
use crate::writes::*;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::case::{Case, CaseState, Event};
use fengqiao_domain::ids::CaseId;
use fengqiao_domain::ids::UnitId;
use fengqiao_domain::lifecycle::Effect;
use fengqiao_domain::lifecycle::{ActionKind, EventDraft};
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use rusqlite::{params, Connection, OptionalExtension};

fn notify_reporters(
    conn: &Connection,
    case_id: CaseId,
    message: &str,
    at: Timestamp,
) -> Result<()> {
    conn.execute_cached(
        "INSERT INTO notifications (case_id, phone, message, created_at, state, next_attempt_at)
         SELECT case_id, phone, ?2, ?3, CASE WHEN phone IS NULL THEN 'unreachable' ELSE 'pending' END, ?3
           FROM reporters WHERE case_id = ?1",
        params![case_id.0, message, ms(at)],
    )
    .map_err(backend)?;
    Ok(())
}

/// Bumps the version of another case a change touches (merge, split), refusing when it has
/// closed meanwhile; returns its state and the unit responsible for it.
fn touch_open_case(
    conn: &Connection,
    id: CaseId,
    at: Timestamp,
) -> Result<(CaseState, Option<UnitId>)> {
    let closed = &*CLOSED;
    let n = conn
        .execute_cached(
            &format!("UPDATE cases SET version = version + 1, updated_at = ?2 WHERE id = ?1 AND state NOT IN ({closed})"),
            params![id.0, ms(at)],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    state_and_unit(conn, id)?.ok_or(StoreError::Conflict)
}

/// A case's state and the unit responsible for it.
fn state_and_unit(conn: &Connection, id: CaseId) -> Result<Option<(CaseState, Option<UnitId>)>> {
    conn.query_row_cached(
        "SELECT state, unit_id FROM cases WHERE id = ?1",
        [id.0],
        |r| {
            Ok((
                parse_enum(r, 0, CaseState::parse)?,
                r.get::<_, Option<i64>>(1)?.map(UnitId),
            ))
        },
    )
    .optional()
    .map_err(backend)
}

fn apply_changeset(conn: &Connection, ch: &Changeset) -> Result<Case> {
    let mut case = ch.case.clone();
    let n = update_case(conn, &case).map_err(backend)?;
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    case.version += 1;
    // What a change records on the other cases it touches: no deadline of theirs is in play.
    let event = |(case_id, unit_id): (CaseId, Option<UnitId>),
                 action: ActionKind,
                 from: Option<CaseState>,
                 to: CaseState,
                 remark: Option<String>| {
        let draft = EventDraft {
            action,
            from,
            to,
            remark,
            unit_id,
            due_at: None,
        };
        Event::from_draft(case_id, &draft, ch.actor_id, &ch.actor_name, ch.at)
    };
    insert_event(
        conn,
        &Event::from_draft(case.id, &ch.event, ch.actor_id, &ch.actor_name, ch.at),
    )?;
    if let Some(r) = &ch.external {
        let event_id = conn.last_insert_rowid();
        conn.prepare_cached(
            "INSERT INTO external_updates (client_id, external_id, case_id, event_id) VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut st| st.execute(params![r.client_id, r.external_id, case.id.0, event_id]))
        .map_err(|e| match backend(e) {
            StoreError::Duplicate(_) => StoreError::Duplicate(format!(
                "更新 {} 已经提交过",
                r.external_id
            )),
            e => e,
        })?;
    }
    if ch.auto_dispatched {
        crate::triage::mark_auto_dispatched(conn, case.id)?;
    }
    for effect in &ch.effects {
        match effect {
            Effect::CreateChild(child) => {
                let c = insert_new_case(conn, None, |id| {
                    fengqiao_domain::case::child_case(&case, child, id, ch.at)
                })?;
                let id = c.id;
                insert_event(
                    conn,
                    &event(
                        (id, c.handling.unit_id),
                        ActionKind::SubDispatch,
                        None,
                        c.state,
                        Some(format!(
                            "由 {} 二次派单：{}",
                            case.case_no, child.instructions
                        )),
                    ),
                )?;
            }
            Effect::CreateTasks(tasks) => {
                for t in tasks {
                    insert_task(
                        conn,
                        &fengqiao_domain::case::Task {
                            id: fengqiao_domain::ids::TaskId(0),
                            case_id: case.id,
                            unit_id: t.unit_id,
                            instructions: t.instructions.clone(),
                            due_at: t.due_at,
                            state: fengqiao_domain::case::TaskState::Dispatched,
                            reply: None,
                            replied_at: None,
                        },
                    )?;
                }
            }
            Effect::UpdateTask(t) => {
                conn.execute_cached(
                    "UPDATE case_tasks SET state = ?1, reply = ?2, replied_at = ?3 WHERE id = ?4 AND case_id = ?5",
                    params![t.state.as_str(), t.reply, t.replied_at.map(ms), t.id.0, case.id.0],
                )
                .map_err(backend)?;
            }
            Effect::MergeInto { target } => {
                let (ts, unit) = touch_open_case(conn, *target, ch.at)?;
                let reporters = load_record(conn, case.id)?
                    .map(|r| r.reporters)
                    .unwrap_or_default();
                for r in &reporters {
                    insert_reporter(conn, *target, r)?;
                }
                let note = format!("并入工单 {}（{} 位诉求人）", case.case_no, reporters.len());
                insert_event(
                    conn,
                    &event(
                        (*target, unit),
                        ActionKind::MergeIn,
                        Some(ts),
                        ts,
                        Some(note),
                    ),
                )?;
            }
            Effect::SplitFrom { target } => {
                let (ts, unit) = touch_open_case(conn, *target, ch.at)?;
                // The reporters this case brought (its own and any merged into it before) leave
                // the target; the target's own reporters stay.
                let removed = conn
                    .execute_cached(
                        "DELETE FROM reporters WHERE case_id = ?1 AND original_case_id IN
                           (SELECT original_case_id FROM reporters WHERE case_id = ?2)",
                        params![target.0, case.id.0],
                    )
                    .map_err(backend)?;
                let note = format!("拆出工单 {}（{removed} 位诉求人）", case.case_no);
                insert_event(
                    conn,
                    &event(
                        (*target, unit),
                        ActionKind::SplitOut,
                        Some(ts),
                        ts,
                        Some(note),
                    ),
                )?;
            }
            Effect::NotifyReporters { message } => notify_reporters(conn, case.id, message, ch.at)?,
            Effect::NotifyParent { parent } => {
                if let Some((ps, unit)) = state_and_unit(conn, *parent)? {
                    insert_event(
                        conn,
                        &event(
                            (*parent, unit),
                            ActionKind::ChildReplied,
                            Some(ps),
                            ps,
                            Some(format!("下级工单 {} 已办结", case.case_no)),
                        ),
                    )?;
                }
            }
        }
    }
    if let Some(f) = &ch.feedback {
        crate::triage::insert_feedback(conn, case.id, f, ch.actor_id, ch.at)?;
    }
    for (a, b, status) in &ch.settles {
        crate::triage::settle(conn, *a, *b, *status, ch.at)?;
    }
    Ok(case)
}

#[async_trait]
impl CaseCommandStore for SqliteStore {
    async fn intake(&self, new: NewCase) -> Result<IntakeOutcome> {
        self.write(move |conn| {
            if let Some(key) = &new.idempotency_key {
                let existing: Option<(i64, Option<String>)> = conn
                    .prepare_cached(
                        "SELECT id, idempotency_fingerprint FROM cases WHERE idempotency_key = ?1",
                    )
                    .and_then(|mut st| {
                        st.query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()
                    })
                    .map_err(backend)?;
                if let Some((id, stored)) = existing {
                    if let (Some(stored), Some(new)) = (&stored, &new.fingerprint) {
                        if stored != new {
                            return Err(StoreError::KeyReused(key.clone()));
                        }
                    }
                    let rec = load_record(conn, CaseId(id))?
                        .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
                    return Ok(IntakeOutcome {
                        case: rec.case,
                        created: false,
                        sheet: None,
                    });
                }
            }
            // The time as stored (milliseconds), so the case, its reporter and its proposals
            // in the answer are what a later read finds.
            let received_at = ts(ms(new.received_at));
            let mut intake = new.intake;
            intake.region_path = match intake.region_id {
                Some(r) => Some(
                    conn.prepare_cached("SELECT path FROM regions WHERE id = ?1")
                        .and_then(|mut st| st.query_row([r.0], |row| row.get(0)).optional())
                        .map_err(backend)?
                        .ok_or_else(|| StoreError::InvalidReference(format!("区域 {r} 不存在")))?,
                ),
                None => None,
            };
            let case = insert_new_case(conn, new.idempotency_key.as_deref(), |id| {
                fengqiao_domain::case::new_case(id, intake, received_at)
            })?;
            let id = case.id;
            if new.fingerprint.is_some() {
                conn.prepare_cached("UPDATE cases SET idempotency_fingerprint = ?2 WHERE id = ?1")
                    .and_then(|mut st| st.execute(params![id.0, new.fingerprint]))
                    .map_err(backend)?;
            }
            let reporter = fengqiao_domain::case::Reporter {
                name: new.reporter_name,
                phone: new.reporter_phone,
                phone_unread: new.reporter_phone_unread,
                channel: case.channel,
                reported_at: received_at,
                original_case_id: id,
            };
            insert_reporter(conn, id, &reporter)?;
            let mut event = Event::intake(&case, case.created_by, &new.actor_name);
            if let (Some(r), Some(note)) = (event.remark.as_mut(), &new.place_note) {
                r.push('；');
                r.push_str(note);
            }
            insert_event(conn, &event)?;
            if new.notify_reporter {
                notify_reporters(
                    conn,
                    id,
                    &fengqiao_domain::case::intake_notice(&case.case_no),
                    received_at,
                )?;
            }
            if let Some(s) = &new.suggestion {
                crate::triage::insert_suggestion(conn, id, s)?;
            }
            for (code, value) in &new.attributes {
                conn.prepare_cached(
                    "INSERT INTO case_attributes (case_id, code, value) VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut st| st.execute(params![id.0, code, value]))
                .map_err(backend)?;
            }
            let photos = crate::photos::insert_photos(conn, id, &new.photos)?;
            for (position, url) in new.media.iter().chain(&photos).enumerate() {
                conn.prepare_cached(
                    "INSERT INTO case_media (case_id, position, url) VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut st| st.execute(params![id.0, position as i64, url]))
                .map_err(backend)?;
            }
            if let Some(client) = new.client_id {
                conn.execute_cached(
                    "UPDATE cases SET client_id = ?2 WHERE id = ?1",
                    params![id.0, client],
                )
                .map_err(backend)?;
            }
            let duplicate_proposals =
                crate::triage::insert_proposals(conn, id, &new.duplicates, received_at)?;
            if let Some(spot) = new.hotspot {
                crate::triage::join_hotspot(conn, spot, id, received_at)?;
            }
            // What `case_sheet` would read back: a new case has no tasks, children or parent.
            let client_name = match new.client_id {
                Some(client) => conn
                    .query_row_cached(
                        "SELECT name FROM api_clients WHERE id = ?1",
                        [client],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(backend)?,
                None => None,
            };
            let photo_places = if photos.is_empty() {
                Vec::new()
            } else {
                crate::photos::photo_places_of(conn, id)?
            };
            let sheet = CaseSheet {
                record: CaseRecord {
                    case: case.clone(),
                    reporters: vec![reporter],
                    tasks: Vec::new(),
                    children: Vec::new(),
                },
                parent_unit: None,
                suggestion: new.suggestion,
                duplicate_proposals,
                client_name,
                attributes: new.attributes,
                media: new.media.into_iter().chain(photos).collect(),
                photo_places,
            };
            Ok(IntakeOutcome {
                case,
                created: true,
                sheet: Some(sheet),
            })
        })
        .await
    }

    async fn commit(&self, change: Changeset) -> Result<Case> {
        self.write(move |conn| apply_changeset(conn, &change)).await
    }

    async fn commit_all(&self, changes: Vec<Changeset>) -> Result<Case> {
        // One job: an error in any change rolls the job's savepoint back, so none is stored.
        self.write(move |conn| {
            let mut last = None;
            for change in &changes {
                last = Some(apply_changeset(conn, change)?);
            }
            last.ok_or_else(|| StoreError::backend("commit_all was given no change"))
        })
        .await
    }

    async fn amend_reported_case(&self, a: CaseAmendment, audit: Audit) -> Result<bool> {
        self.write(move |conn| {
            // What it said before, for the case's history.
            let before: Option<(String, Option<String>, String)> = conn
                .query_row_cached(
                    "SELECT body, address, priority FROM cases WHERE id = ?1 AND state = 'reported'",
                    [a.id.0],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(backend)?;
            let Some((old_body, old_address, old_priority)) = before else {
                return Ok(false);
            };
            let n = conn
                .execute_cached(
                    "UPDATE cases SET title = ?2, body = ?3, address = ?4, priority = ?5, version = version + 1, updated_at = ?6
                     WHERE id = ?1 AND state = 'reported'",
                    params![a.id.0, a.title, a.body, a.address, a.priority.as_str(), ms(audit.at)],
                )
                .map_err(backend)?;
            if n == 1 {
                let case_no: String = conn
                    .query_row_cached("SELECT case_no FROM cases WHERE id = ?1", [a.id.0], |r| r.get(0))
                    .map_err(backend)?;
                crate::text_index::index_case(conn, a.id.0, &case_no, &a.title, &a.body, false)
                    .map_err(backend)?;
                write_audit(conn, &audit, "case.amend", &format!("case:{}", a.id), "重新导入，更新诉求内容")?;
                insert_event(
                    conn,
                    &Event {
                        id: 0,
                        case_id: a.id,
                        action: ActionKind::Amend,
                        from_state: Some(CaseState::Reported),
                        to_state: CaseState::Reported,
                        actor_id: audit.actor_id,
                        actor_name: audit.actor_name.clone(),
                        remark: Some(amendment_remark(&a, &old_body, old_address.as_deref(), &old_priority)),
                        at: audit.at,
                        unit_id: None,
                        due_at: None,
                        on_time: None,
                    },
                )?;
            }
            Ok(n == 1)
        })
        .await
    }

    async fn insert_bundles(&self, bundles: Vec<CaseBundle>) -> Result<()> {
        self.write(move |conn| {
            for b in &bundles {
                insert_case(conn, &b.case, b.idempotency_key.as_deref()).map_err(backend)?;
                for r in &b.reporters {
                    insert_reporter(conn, b.case.id, r)?;
                }
                for t in &b.tasks {
                    insert_task(conn, t)?;
                }
                for e in &b.events {
                    insert_event(conn, e)?;
                }
            }
            if let Some(last) = bundles.iter().map(|b| b.case.id).max() {
                advance_case_sequence(conn, last)?;
            }
            Ok(())
        })
        .await
    }
}

/// What changed in an amendment, in the history's words: each changed field with what it said
/// before.
fn amendment_remark(
    a: &CaseAmendment,
    old_body: &str,
    old_address: Option<&str>,
    old_priority: &str,
) -> String {
    let mut parts = vec!["来源工单重新导入，内容已更新".to_string()];
    if a.body != old_body {
        parts.push(format!("原诉求内容：{old_body}"));
    }
    if a.address.as_deref() != old_address {
        parts.push(format!("原事发地址：{}", old_address.unwrap_or("（无）")));
    }
    if a.priority.as_str() != old_priority {
        let label = fengqiao_domain::case::Priority::parse(old_priority)
            .map_or(old_priority.to_string(), |p| p.label().to_string());
        parts.push(format!("原紧急程度：{label}"));
    }
    parts.join("；")
}
