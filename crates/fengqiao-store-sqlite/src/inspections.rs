//! Inspections, stored whole with the hazards they open and the colour they give the place.

use crate::cached::Cached;
use crate::error::backend;
use crate::hazards::{hazard_row, insert_field_photo, insert_hazard_event, HAZARD_COLS};
use crate::places::{insert_color_change, load_place, load_policy};
use crate::rows::{ms, parse_enum, parse_opt_enum, ts};
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::*;
use fengqiao_domain::places::*;
use fengqiao_store::*;
use rusqlite::{params, Connection, OptionalExtension, Row};

const INSPECTION_COLS: &str = "id, place_id, template_id, inspector_id, inspector_name, inspected_at, recorded_at, answers, suggested_color, confirmed_color, applied_color, conflict, latitude, longitude, checked_in";

fn inspection_row(r: &Row) -> rusqlite::Result<InspectionRecord> {
    let answers: String = r.get(7)?;
    Ok(InspectionRecord {
        id: InspectionId(r.get(0)?),
        place_id: PlaceId(r.get(1)?),
        template_id: TemplateId(r.get(2)?),
        inspector_id: r.get::<_, Option<i64>>(3)?.map(UserId),
        inspector_name: r.get(4)?,
        inspected_at: ts(r.get(5)?),
        recorded_at: ts(r.get(6)?),
        answers: serde_json::from_str(&answers).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, e.into())
        })?,
        suggested: parse_enum(r, 8, RiskColor::parse)?,
        confirmed: parse_enum(r, 9, RiskColor::parse)?,
        applied: parse_opt_enum(r, 10, RiskColor::parse)?,
        conflict: r.get(11)?,
        latitude: r.get(12)?,
        longitude: r.get(13)?,
        checked_in: r.get(14)?,
        hazards: Vec::new(),
        photos: Vec::new(),
    })
}

fn ids(conn: &Connection, sql: &str, id: i64) -> Result<Vec<i64>> {
    conn.prepare_cached(sql)
        .and_then(|mut st| st.query_map([id], |r| r.get(0))?.collect())
        .map_err(backend)
}

fn load_inspection(conn: &Connection, id: InspectionId) -> Result<Option<InspectionRecord>> {
    let Some(mut rec) = conn
        .query_row_cached(
            &format!("SELECT {INSPECTION_COLS} FROM inspections WHERE id = ?1"),
            [id.0],
            inspection_row,
        )
        .optional()
        .map_err(backend)?
    else {
        return Ok(None);
    };
    rec.hazards = ids(
        conn,
        "SELECT id FROM hazards WHERE inspection_id = ?1 ORDER BY id",
        id.0,
    )?
    .into_iter()
    .map(HazardId)
    .collect();
    rec.photos = ids(
        conn,
        "SELECT id FROM field_photos WHERE inspection_id = ?1 ORDER BY id",
        id.0,
    )?;
    Ok(Some(rec))
}

fn hazards_where(
    conn: &Connection,
    clause: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<Hazard>> {
    conn.prepare_cached(&format!(
        "SELECT {HAZARD_COLS} FROM hazards WHERE {clause} ORDER BY id"
    ))
    .and_then(|mut st| st.query_map(args, hazard_row)?.collect())
    .map_err(backend)
}

fn outcome(conn: &Connection, id: InspectionId, replayed: bool) -> Result<InspectionOutcome> {
    let record =
        load_inspection(conn, id)?.ok_or_else(|| StoreError::backend("inspection vanished"))?;
    let hazards = hazards_where(conn, "inspection_id = ?1", [id.0])?;
    let place =
        load_place(conn, record.place_id)?.ok_or_else(|| StoreError::backend("place vanished"))?;
    Ok(InspectionOutcome {
        record,
        hazards,
        place,
        replayed,
    })
}

fn record(conn: &Connection, i: &NewInspection) -> Result<InspectionOutcome> {
    if let Some(key) = &i.client_key {
        let earlier: Option<(i64, Option<String>)> = conn
            .query_row_cached(
                "SELECT id, fingerprint FROM inspections
                  WHERE inspector_name = ?1 AND inspector_id IS ?2 AND client_key = ?3",
                params![i.inspector_name, i.inspector_id.map(|u| u.0), key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(backend)?;
        if let Some((id, fingerprint)) = earlier {
            if fingerprint.as_deref() != Some(i.fingerprint.as_str()) {
                return Err(StoreError::KeyReused(key.clone()));
            }
            return outcome(conn, InspectionId(id), true);
        }
    }
    let place = load_place(conn, i.place_id)?
        .ok_or_else(|| StoreError::NotFound(format!("场所 {}", i.place_id)))?;
    let answers =
        serde_json::to_string(&i.answers).map_err(|e| StoreError::backend(e.to_string()))?;
    conn.execute_cached(
        "INSERT INTO inspections (place_id, template_id, inspector_id, inspector_name, inspected_at, recorded_at, answers,
                                  suggested_color, confirmed_color, latitude, longitude, client_key, fingerprint, due_at, on_time, checked_in)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            place.id.0,
            i.template_id.0,
            i.inspector_id.map(|u| u.0),
            i.inspector_name,
            ms(i.inspected_at),
            ms(i.recorded_at),
            answers,
            i.suggested.as_str(),
            i.confirmed.as_str(),
            i.latitude,
            i.longitude,
            i.client_key,
            i.fingerprint,
            ms(place.next_due_at),
            i.inspected_at <= place.next_due_at,
            i.checked_in,
        ],
    )
    .map_err(backend)?;
    let id = InspectionId(conn.last_insert_rowid());
    for p in &i.photos {
        insert_field_photo(conn, Some(id), None, &place.region_path, p)?;
    }

    // A hazard per finding; the same item signed off at this place within the window relapses.
    let mut relapsed: Option<(HazardId, String)> = None;
    for f in &i.findings {
        let earlier = hazards_where(
            conn,
            "place_id = ?1 AND item_code = ?2 AND signed_off_at IS NOT NULL",
            params![place.id.0, f.item.code],
        )?;
        let relapse = relapse_of(&earlier, i.inspected_at, i.relapse_window_days);
        let description = f.note.clone().unwrap_or_else(|| f.item.text.clone());
        conn.execute_cached(
            "INSERT INTO hazards (place_id, region_path, inspection_id, item_code, item_text, severity, description, state, found_at, found_by, relapse_of, place_kind)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'found', ?8, ?9, ?10, ?11)",
            params![place.id.0, place.region_path, id.0, f.item.code, f.item.text, f.item.severity.as_str(), description, ms(i.inspected_at), i.inspector_name, relapse.map(|h| h.0), place.kind.as_str()],
        )
        .map_err(backend)?;
        let hazard_id = HazardId(conn.last_insert_rowid());
        let remark = match relapse {
            Some(old) => format!("{description}（回潮：该项曾于隐患 #{old} 销号）"),
            None => description,
        };
        insert_hazard_event(
            conn,
            &HazardEvent {
                hazard_id,
                action: HazardActionKind::Found,
                from_state: None,
                to_state: HazardState::Found,
                actor_id: i.inspector_id,
                actor_name: i.inspector_name.clone(),
                remark: Some(remark),
                at: i.inspected_at,
                on_time: None,
            },
        )?;
        if relapse.is_some() && relapsed.is_none() {
            relapsed = Some((hazard_id, f.item.text.clone()));
        }
    }

    // The colour: the confirmed grade, unless the place changed since the inspector saw it or
    // a later inspection is already on record; a relapse raises it either way.
    let later = place.last_inspected_at.is_some_and(|t| t > i.inspected_at);
    let conflict = match i.seen_color {
        Some(seen) if seen != place.color => Some(format!(
            "检查期间该场所已被调整为{}（检查时为{}），本次定级{}未生效，请复核",
            place.color.label(),
            seen.label(),
            i.confirmed.label()
        )),
        _ if later => Some(format!(
            "该场所在此之后已有检查记录，本次定级{}未生效",
            i.confirmed.label()
        )),
        _ => None,
    };
    let base = if conflict.is_some() {
        place.color
    } else {
        i.confirmed
    };
    let color = color_after_inspection(place.color, base, relapsed.is_some());
    let applied = (conflict.is_none() || relapsed.is_some()).then_some(color);
    let last = place
        .last_inspected_at
        .map_or(i.inspected_at, |t| t.max(i.inspected_at));
    let policy = load_policy(conn)?;
    let due = policy.next_due(place.kind, color, Some(last), place.registered_at);
    conn.execute_cached(
        "UPDATE places SET color = ?2, last_inspected_at = ?3, next_due_at = ?4, escalation = NULL, escalated_at = NULL, version = version + 1 WHERE id = ?1",
        params![place.id.0, color.as_str(), ms(last), ms(due)],
    )
    .map_err(backend)?;
    conn.execute_cached(
        "UPDATE inspections SET applied_color = ?2, conflict = ?3 WHERE id = ?1",
        params![id.0, applied.map(|c| c.as_str()), conflict],
    )
    .map_err(backend)?;
    if color != place.color {
        let (reason, remark, hazard_id) = match &relapsed {
            Some((h, item)) => (
                ColorReason::Relapse,
                format!("「{item}」回潮，风险等级上调"),
                Some(*h),
            ),
            None => (
                ColorReason::Inspection,
                format!(
                    "检查发现问题 {} 项，建议{}，确认为{}",
                    i.findings.len(),
                    i.suggested.label(),
                    i.confirmed.label()
                ),
                None,
            ),
        };
        insert_color_change(
            conn,
            &ColorChange {
                place_id: place.id,
                from: Some(place.color),
                to: color,
                reason,
                remark,
                inspection_id: Some(id),
                hazard_id,
                actor_id: i.inspector_id,
                actor_name: i.inspector_name.clone(),
                at: i.recorded_at,
            },
        )?;
    }
    outcome(conn, id, false)
}

#[async_trait]
impl InspectionStore for SqliteStore {
    async fn record_inspection(&self, i: NewInspection) -> Result<InspectionOutcome> {
        self.write(move |conn| record(conn, &i)).await
    }

    async fn inspection(&self, id: InspectionId) -> Result<Option<InspectionRecord>> {
        self.read_point(|conn| load_inspection(conn, id)).await
    }

    async fn inspections_of(&self, place: PlaceId, limit: u32) -> Result<Vec<InspectionRecord>> {
        self.read(move |conn| {
            let list: Vec<i64> = conn
                .prepare_cached("SELECT id FROM inspections WHERE place_id = ?1 ORDER BY inspected_at DESC, id DESC LIMIT ?2")
                .and_then(|mut st| st.query_map(params![place.0, limit], |r| r.get(0))?.collect())
                .map_err(backend)?;
            list.into_iter()
                .filter_map(|id| load_inspection(conn, InspectionId(id)).transpose())
                .collect()
        })
        .await
    }

    async fn field_photo(&self, id: i64) -> Result<Option<FieldPhoto>> {
        self.read_point(|conn| {
            conn.query_row_cached(
                "SELECT id, region_path, content_type, bytes FROM field_photos WHERE id = ?1",
                [id],
                |r| {
                    Ok(FieldPhoto {
                        id: r.get(0)?,
                        region_path: r.get(1)?,
                        content_type: r.get(2)?,
                        bytes: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(backend)
        })
        .await
    }
}
