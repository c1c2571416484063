//! Triage tables: models, suggestions, feedback, duplicate proposals, hot spots.

use crate::cached::Cached;
use crate::error::backend;
use crate::query::CLOSED;
use crate::rows::{ms, query_all, ts};
use crate::writes::write_audit;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::{CaseId, CategoryId, RegionId, UnitId, UserId};
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use rusqlite::{params, Connection, OptionalExtension, Row};

fn json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

fn to_json(v: &[String]) -> String {
    serde_json::Value::from(v).to_string()
}

const MODEL_COLUMNS: &str =
    "version, trained_at, trained_by, source, examples, labels, metrics, active";

fn model_from_row(r: &Row<'_>) -> rusqlite::Result<TriageModelInfo> {
    Ok(TriageModelInfo {
        version: r.get(0)?,
        trained_at: ts(r.get(1)?),
        trained_by: r.get(2)?,
        source: r.get(3)?,
        examples: r.get::<_, i64>(4)? as u64,
        labels: json_list(&r.get::<_, String>(5)?),
        metrics: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or(serde_json::Value::Null),
        active: r.get(7)?,
    })
}

pub fn insert_model(
    conn: &Connection,
    m: &NewTriageModel,
    audit: &Audit,
) -> Result<TriageModelInfo> {
    conn.execute_cached("UPDATE triage_models SET active = FALSE WHERE active", [])
        .map_err(backend)?;
    conn.execute_cached(
        "INSERT INTO triage_models (trained_at, trained_by, source, examples, labels, metrics, model, active)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, TRUE)",
        params![ms(m.trained_at), m.trained_by, m.source, m.examples as i64, to_json(&m.labels), m.metrics.to_string(), m.blob],
    )
    .map_err(backend)?;
    let version = conn.last_insert_rowid();
    write_audit(
        conn,
        audit,
        "triage_model.train",
        &format!("triage_model:{version}"),
        &format!("{}，{} 条样本", m.source, m.examples),
    )?;
    model_info(conn, version)
}

fn model_info(conn: &Connection, version: i64) -> Result<TriageModelInfo> {
    conn.query_row_cached(
        &format!("SELECT {MODEL_COLUMNS} FROM triage_models WHERE version = ?1"),
        [version],
        model_from_row,
    )
    .optional()
    .map_err(backend)?
    .ok_or_else(|| StoreError::NotFound(format!("模型版本 {version} 不存在")))
}

pub fn models(conn: &Connection) -> Result<Vec<TriageModelInfo>> {
    query_all(
        conn,
        &format!("SELECT {MODEL_COLUMNS} FROM triage_models ORDER BY version DESC"),
        [],
        model_from_row,
    )
}

pub fn active_model(conn: &Connection) -> Result<Option<(i64, Vec<u8>)>> {
    conn.query_row_cached(
        "SELECT version, model FROM triage_models WHERE active",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(backend)
}

pub fn activate_model(conn: &Connection, version: i64, audit: &Audit) -> Result<TriageModelInfo> {
    model_info(conn, version)?;
    conn.execute_cached("UPDATE triage_models SET active = FALSE WHERE active", [])
        .map_err(backend)?;
    conn.execute_cached(
        "UPDATE triage_models SET active = TRUE WHERE version = ?1",
        [version],
    )
    .map_err(backend)?;
    write_audit(
        conn,
        audit,
        "triage_model.activate",
        &format!("triage_model:{version}"),
        "",
    )?;
    model_info(conn, version)
}

pub fn insert_suggestion(conn: &Connection, case_id: CaseId, s: &Suggestion) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO case_suggestions (case_id, model_version, label, category_id, unit_id, confidence, words, auto_dispatched)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .and_then(|mut st| {
        st.execute(params![
            case_id.0,
            s.model_version,
            s.label,
            s.category_id.map(|c| c.0),
            s.unit_id.map(|u| u.0),
            s.confidence as f64,
            to_json(&s.words),
            s.auto_dispatched
        ])
    })
    .map_err(backend)?;
    Ok(())
}

pub fn suggestion(conn: &Connection, id: CaseId) -> Result<Option<Suggestion>> {
    conn.prepare_cached(
        "SELECT model_version, label, category_id, unit_id, confidence, words, auto_dispatched
         FROM case_suggestions WHERE case_id = ?1",
    )
    .and_then(|mut st| {
        st.query_row([id.0], |r| {
            Ok(Suggestion {
                model_version: r.get(0)?,
                label: r.get(1)?,
                category_id: r.get::<_, Option<i64>>(2)?.map(CategoryId),
                unit_id: r.get::<_, Option<i64>>(3)?.map(UnitId),
                confidence: r.get::<_, f64>(4)? as f32,
                words: json_list(&r.get::<_, String>(5)?),
                auto_dispatched: r.get(6)?,
            })
        })
        .optional()
    })
    .map_err(backend)
}

pub fn mark_auto_dispatched(conn: &Connection, id: CaseId) -> Result<()> {
    conn.execute_cached(
        "UPDATE case_suggestions SET auto_dispatched = TRUE WHERE case_id = ?1",
        [id.0],
    )
    .map_err(backend)?;
    Ok(())
}

pub fn insert_feedback(
    conn: &Connection,
    case_id: CaseId,
    f: &TriageFeedback,
    user: Option<UserId>,
    at: Timestamp,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO triage_feedback (case_id, suggested_category_id, chosen_category_id, user_id, at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut st| {
        st.execute(params![
            case_id.0,
            f.suggested_category_id.map(|c| c.0),
            f.chosen_category_id.0,
            user.map(|u| u.0),
            ms(at)
        ])
    })
    .map_err(backend)?;
    Ok(())
}

/// `fengqiao_domain::training::is_training_example` as SQL; the conformance suite checks that
/// the two agree.
pub fn labelled_cases(conn: &Connection) -> Result<Vec<LabelledCase>> {
    // The latest operator verdict wins; cases the system categorised itself and nobody
    // confirmed are left out.
    query_all(
        conn,
        "SELECT c.title, c.body,
                COALESCE((SELECT f.chosen_category_id FROM triage_feedback f
                          WHERE f.case_id = c.id ORDER BY f.id DESC LIMIT 1), c.category_id)
         FROM cases c
         LEFT JOIN case_suggestions s ON s.case_id = c.id
         WHERE c.category_id IS NOT NULL
           AND (s.case_id IS NULL OR NOT s.auto_dispatched
                OR EXISTS (SELECT 1 FROM triage_feedback f WHERE f.case_id = c.id))
         ORDER BY c.id",
        [],
        |r| {
            Ok(LabelledCase {
                title: r.get(0)?,
                body: r.get(1)?,
                category_id: CategoryId(r.get(2)?),
            })
        },
    )
}

pub fn open_texts(conn: &Connection, since: Timestamp) -> Result<Vec<OpenText>> {
    let closed = &*CLOSED;
    query_all(
        conn,
        &format!(
            "SELECT c.id, c.region_id, c.title, c.body, c.created_at,
                    COALESCE(s.label, CAST(c.category_id AS TEXT))
             FROM cases c LEFT JOIN case_suggestions s ON s.case_id = c.id
             WHERE c.created_at >= ?1 AND c.state NOT IN ({closed}) ORDER BY c.created_at, c.id"
        ),
        [ms(since)],
        |r| {
            Ok(OpenText {
                id: CaseId(r.get(0)?),
                region_id: r.get::<_, Option<i64>>(1)?.map(RegionId),
                title: r.get(2)?,
                body: r.get(3)?,
                created_at: ts(r.get(4)?),
                kind: r.get(5)?,
            })
        },
    )
}

/// Proposes `dups` as duplicates of a case; returns the proposals made (a pair already proposed
/// is left as it is), in the order [`proposals`] reads them.
pub fn insert_proposals(
    conn: &Connection,
    case_id: CaseId,
    dups: &[(CaseId, f32)],
    at: Timestamp,
) -> Result<Vec<DuplicateProposal>> {
    let mut made = Vec::with_capacity(dups.len());
    for (candidate, sim) in dups {
        let inserted = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO duplicate_proposals (case_id, candidate_id, similarity, status, created_at)
                 VALUES (?1, ?2, ?3, 'open', ?4)",
            )
            .and_then(|mut st| st.execute(params![case_id.0, candidate.0, *sim as f64, ms(at)]))
            .map_err(backend)?;
        if inserted == 1 {
            made.push(DuplicateProposal {
                id: conn.last_insert_rowid(),
                case_id,
                candidate_id: *candidate,
                similarity: *sim,
                status: ProposalStatus::Open,
                created_at: ts(ms(at)),
            });
        }
    }
    made.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then(a.id.cmp(&b.id)));
    Ok(made)
}

fn proposal_from_row(r: &Row<'_>) -> rusqlite::Result<DuplicateProposal> {
    Ok(DuplicateProposal {
        id: r.get(0)?,
        case_id: CaseId(r.get(1)?),
        candidate_id: CaseId(r.get(2)?),
        similarity: r.get::<_, f64>(3)? as f32,
        status: ProposalStatus::parse(&r.get::<_, String>(4)?).unwrap_or(ProposalStatus::Open),
        created_at: ts(r.get(5)?),
    })
}

const PROPOSAL_COLUMNS: &str = "id, case_id, candidate_id, similarity, status, created_at";

pub fn proposals(conn: &Connection, id: CaseId) -> Result<Vec<DuplicateProposal>> {
    query_all(
        conn,
        &format!("SELECT {PROPOSAL_COLUMNS} FROM duplicate_proposals WHERE case_id = ?1 OR candidate_id = ?1 ORDER BY similarity DESC, id"),
        [id.0],
        proposal_from_row,
    )
}

pub fn settle(
    conn: &Connection,
    case_id: CaseId,
    candidate_id: CaseId,
    status: ProposalStatus,
    at: Timestamp,
) -> Result<()> {
    conn.execute_cached(
        "UPDATE duplicate_proposals SET status = ?3, decided_at = ?4
         WHERE status <> ?3 AND ((case_id = ?1 AND candidate_id = ?2) OR (case_id = ?2 AND candidate_id = ?1))",
        params![case_id.0, candidate_id.0, status.as_str(), ms(at)],
    )
    .map_err(backend)?;
    Ok(())
}

pub fn dismiss_proposal(conn: &Connection, id: i64, audit: &Audit) -> Result<DuplicateProposal> {
    let n = conn
        .execute_cached(
            "UPDATE duplicate_proposals SET status = 'dismissed', decided_at = ?2 WHERE id = ?1 AND status = 'open'",
            params![id, ms(audit.at)],
        )
        .map_err(backend)?;
    let p = conn
        .query_row_cached(
            &format!("SELECT {PROPOSAL_COLUMNS} FROM duplicate_proposals WHERE id = ?1"),
            [id],
            proposal_from_row,
        )
        .optional()
        .map_err(backend)?
        .ok_or_else(|| StoreError::NotFound(format!("重复件提示 {id} 不存在")))?;
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    write_audit(
        conn,
        audit,
        "duplicate.dismiss",
        &format!("case:{}", p.case_id),
        &format!("与工单 {} 不是同一问题", p.candidate_id),
    )?;
    Ok(p)
}

/// Raises a hot spot or adds members to one; its id. Costs the same whatever the hot spot's
/// size: a surge's every report joins it.
/// A new case joins an existing hot spot, if it is still there (in the case's transaction).
pub(crate) fn join_hotspot(
    conn: &Connection,
    spot: i64,
    case: CaseId,
    at: Timestamp,
) -> Result<()> {
    let n = conn
        .execute_cached(
            "UPDATE hotspots SET last_at = MAX(last_at, ?2) WHERE id = ?1",
            params![spot, ms(at)],
        )
        .map_err(backend)?;
    if n == 1 {
        conn.execute_cached(
            "INSERT OR IGNORE INTO hotspot_members (hotspot_id, case_id) VALUES (?1, ?2)",
            params![spot, case.0],
        )
        .map_err(backend)?;
    }
    Ok(())
}

pub fn upsert_hotspot(conn: &Connection, h: &HotspotUpdate, audit: &Audit) -> Result<i64> {
    let id = match h.id {
        Some(id) => {
            let n = conn
                .execute_cached(
                    "UPDATE hotspots SET keywords = COALESCE(?2, keywords), first_at = MIN(first_at, ?3), last_at = MAX(last_at, ?4) WHERE id = ?1",
                    params![id, h.keywords.as_ref().map(|k| to_json(k)), ms(h.first_at), ms(h.last_at)],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("热点 {id} 不存在")));
            }
            id
        }
        None => {
            conn.execute_cached(
                "INSERT INTO hotspots (region_id, keywords, first_at, last_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![h.region_id.0, to_json(h.keywords.as_deref().unwrap_or_default()), ms(h.first_at), ms(h.last_at), ms(audit.at)],
            )
            .map_err(backend)?;
            let id = conn.last_insert_rowid();
            write_audit(
                conn,
                audit,
                "hotspot.raise",
                &format!("hotspot:{id}"),
                // Key words can be people's names: the audit trail keeps ids and counts only.
                &format!("region:{} {} 件", h.region_id, h.members.len()),
            )?;
            id
        }
    };
    for m in &h.members {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO hotspot_members (hotspot_id, case_id) VALUES (?1, ?2)",
        )
        .and_then(|mut st| st.execute(params![id, m.0]))
        .map_err(backend)?;
    }
    Ok(id)
}

fn hotspot(conn: &Connection, id: i64) -> Result<Hotspot> {
    let mut h = conn
        .query_row_cached(
            "SELECT id, region_id, keywords, first_at, last_at, created_at FROM hotspots WHERE id = ?1",
            [id],
            |r| {
                Ok(Hotspot {
                    id: r.get(0)?,
                    region_id: RegionId(r.get(1)?),
                    keywords: json_list(&r.get::<_, String>(2)?),
                    members: Vec::new(),
                    first_at: ts(r.get(3)?),
                    last_at: ts(r.get(4)?),
                    created_at: ts(r.get(5)?),
                })
            },
        )
        .map_err(backend)?;
    h.members = query_all(
        conn,
        "SELECT case_id FROM hotspot_members WHERE hotspot_id = ?1 ORDER BY case_id",
        [id],
        |r| Ok(CaseId(r.get(0)?)),
    )?;
    Ok(h)
}

pub fn hotspots(conn: &Connection, since: Timestamp) -> Result<Vec<Hotspot>> {
    let ids = query_all(
        conn,
        "SELECT id FROM hotspots WHERE last_at >= ?1 ORDER BY last_at DESC, id DESC",
        [ms(since)],
        |r| r.get::<_, i64>(0),
    )?;
    ids.into_iter().map(|id| hotspot(conn, id)).collect()
}

#[async_trait]
impl TriageStore for SqliteStore {
    async fn insert_triage_model(
        &self,
        m: NewTriageModel,
        audit: Audit,
    ) -> Result<TriageModelInfo> {
        self.write(move |conn| insert_model(conn, &m, &audit)).await
    }

    async fn triage_models(&self) -> Result<Vec<TriageModelInfo>> {
        self.read(models).await
    }

    async fn active_triage_model(&self) -> Result<Option<(i64, Vec<u8>)>> {
        self.read(active_model).await
    }

    async fn activate_triage_model(&self, version: i64, audit: Audit) -> Result<TriageModelInfo> {
        self.write(move |conn| activate_model(conn, version, &audit))
            .await
    }

    async fn case_suggestion(&self, id: CaseId) -> Result<Option<Suggestion>> {
        self.read(move |conn| suggestion(conn, id)).await
    }

    async fn labelled_cases(&self) -> Result<Vec<LabelledCase>> {
        self.read(labelled_cases).await
    }

    async fn open_texts(&self, since: Timestamp) -> Result<Vec<OpenText>> {
        self.read(move |conn| open_texts(conn, since)).await
    }

    async fn duplicate_proposals(&self, id: CaseId) -> Result<Vec<DuplicateProposal>> {
        self.read(move |conn| proposals(conn, id)).await
    }

    async fn propose_duplicates(
        &self,
        case: CaseId,
        candidates: Vec<(CaseId, f32)>,
        at: Timestamp,
    ) -> Result<Vec<DuplicateProposal>> {
        self.write(move |conn| insert_proposals(conn, case, &candidates, at))
            .await
    }

    async fn dismiss_proposal(&self, id: i64, audit: Audit) -> Result<DuplicateProposal> {
        self.write(move |conn| dismiss_proposal(conn, id, &audit))
            .await
    }

    async fn upsert_hotspot(&self, h: HotspotUpdate, audit: Audit) -> Result<i64> {
        self.write(move |conn| upsert_hotspot(conn, &h, &audit))
            .await
    }

    async fn hotspots(&self, since: Timestamp) -> Result<Vec<Hotspot>> {
        self.read(move |conn| hotspots(conn, since)).await
    }
}
