//! The place registry: places, colour history, the inspection policy and checklists.

use crate::cached::Cached;
use crate::error::backend;
use crate::rows::{ms, opt_ts, parse_enum, parse_opt_enum, ts};
use crate::writes::write_audit;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::ids::*;
use fengqiao_domain::places::*;
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};

pub(crate) const PLACE_COLS: &str = "id, reg_no, name, kind, region_id, region_path, address, owner_name, owner_phone, latitude, longitude, color, last_inspected_at, next_due_at, registered_at, version, code, escalation";

pub(crate) fn place_row(r: &Row) -> rusqlite::Result<Place> {
    Ok(Place {
        id: PlaceId(r.get(0)?),
        reg_no: r.get(1)?,
        name: r.get(2)?,
        kind: parse_enum(r, 3, PlaceKind::parse)?,
        region_id: RegionId(r.get(4)?),
        region_path: r.get(5)?,
        address: r.get(6)?,
        owner_name: r.get(7)?,
        owner_phone: r.get(8)?,
        latitude: r.get(9)?,
        longitude: r.get(10)?,
        color: parse_enum(r, 11, RiskColor::parse)?,
        last_inspected_at: opt_ts(r, 12)?,
        next_due_at: ts(r.get(13)?),
        registered_at: ts(r.get(14)?),
        version: r.get(15)?,
        code: r.get(16)?,
        escalation: parse_opt_enum(r, 17, InspectionEscalation::parse)?,
    })
}

pub(crate) fn load_place(conn: &Connection, id: PlaceId) -> Result<Option<Place>> {
    conn.query_row_cached(
        &format!("SELECT {PLACE_COLS} FROM places WHERE id = ?1"),
        [id.0],
        place_row,
    )
    .optional()
    .map_err(backend)
}

impl SqliteStore {
    /// The place whose unique `column` (the registration number, its own code) is `value`.
    async fn place_by(&self, column: &'static str, value: &str) -> Result<Option<Place>> {
        let value = value.to_string();
        self.read_point(move |conn| {
            conn.query_row_cached(
                &format!("SELECT {PLACE_COLS} FROM places WHERE {column} = ?1"),
                [value],
                place_row,
            )
            .optional()
            .map_err(backend)
        })
        .await
    }
}

pub(crate) fn load_policy(conn: &Connection) -> Result<InspectionPolicy> {
    let mut st = conn
        .prepare_cached(
            "SELECT kind, color, interval_days FROM inspection_policy ORDER BY kind, color",
        )
        .map_err(backend)?;
    let rules = st
        .query_map([], |r| {
            Ok(FrequencyRule {
                kind: {
                    let k: String = r.get(0)?;
                    if k.is_empty() {
                        None
                    } else {
                        Some(parse_enum(r, 0, PlaceKind::parse)?)
                    }
                },
                color: parse_enum(r, 1, RiskColor::parse)?,
                interval_days: r.get(2)?,
            })
        })
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(InspectionPolicy { rules })
}

/// Appends one entry to a place's colour history.
pub(crate) fn insert_color_change(conn: &Connection, c: &ColorChange) -> Result<()> {
    conn.execute_cached(
        "INSERT INTO place_color_changes (place_id, from_color, to_color, reason, remark, inspection_id, hazard_id, actor_id, actor_name, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            c.place_id.0,
            c.from.map(|c| c.as_str()),
            c.to.as_str(),
            c.reason.as_str(),
            c.remark,
            c.inspection_id.map(|i| i.0),
            c.hazard_id.map(|h| h.0),
            c.actor_id.map(|u| u.0),
            c.actor_name,
            ms(c.at),
        ],
    )
    .map_err(backend)?;
    Ok(())
}

fn template_row(r: &Row) -> rusqlite::Result<(TemplateId, String, u32, String, String)> {
    Ok((
        TemplateId(r.get(0)?),
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
    ))
}

fn template(row: (TemplateId, String, u32, String, String)) -> Result<ChecklistTemplate> {
    let (id, kind, version, name, items) = row;
    Ok(ChecklistTemplate {
        id,
        kind: PlaceKind::parse(&kind)
            .ok_or_else(|| StoreError::backend(format!("unknown place kind `{kind}`")))?,
        version,
        name,
        items: serde_json::from_str(&items)
            .map_err(|e| StoreError::backend(format!("checklist {id}: {e}")))?,
    })
}

/// The place filter as SQL: the clause and its arguments.
fn place_clause(f: &PlaceFilter) -> (String, Vec<Value>) {
    let (low, high) = subtree(&f.region_path);
    let mut clause = vec!["region_path >= ?1 AND region_path < ?2".to_string()];
    let mut args = vec![Value::Text(low), Value::Text(high)];
    if let Some(k) = f.kind {
        args.push(Value::Text(k.as_str().into()));
        clause.push(format!("kind = ?{}", args.len()));
    }
    if let Some(c) = f.color {
        args.push(Value::Text(c.as_str().into()));
        clause.push(format!("color = ?{}", args.len()));
    }
    if let Some(t) = f.due_by {
        args.push(Value::Integer(ms(t)));
        clause.push(format!("next_due_at <= ?{}", args.len()));
    }
    if let Some(e) = f.escalation {
        args.push(Value::Text(e.as_str().into()));
        clause.push(format!("escalation = ?{}", args.len()));
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        args.push(Value::Text(format!("%{}%", like_escape(q))));
        let n = args.len();
        clause.push(format!(
            "(name LIKE ?{n} ESCAPE '\\' OR reg_no LIKE ?{n} ESCAPE '\\' OR address LIKE ?{n} ESCAPE '\\')"
        ));
    }
    (clause.join(" AND "), args)
}

/// A region's subtree as a range of paths (`/1/4/` → `["/1/4/", "/1/40")`, '0' being the
/// character after '/'): unlike a case-insensitive LIKE, a range uses the `region_path` index.
pub(crate) fn subtree(path: &str) -> (String, String) {
    let mut high = path.trim_end_matches('/').to_string();
    high.push('0');
    (path.to_string(), high)
}

pub(crate) fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Bounds a page request: page from 1, size 1..=500.
pub(crate) fn page_bounds(page: u32, page_size: u32) -> (u32, u32) {
    (
        page.max(1),
        page_size.clamp(1, fengqiao_domain::limits::PAGE_SIZE_MAX),
    )
}

#[async_trait]
impl PlaceStore for SqliteStore {
    async fn create_place(&self, p: NewPlace, audit: Audit) -> Result<Place> {
        self.write(move |conn| {
            let region_path: String = conn
                .query_row_cached("SELECT path FROM regions WHERE id = ?1", [p.region_id.0], |r| r.get(0))
                .optional()
                .map_err(backend)?
                .ok_or_else(|| StoreError::InvalidReference(format!("区域 {} 不存在", p.region_id)))?;
            let policy = load_policy(conn)?;
            let due = policy.next_due(p.kind, p.color, None, audit.at);
            conn.execute_cached(
                "INSERT INTO places (reg_no, name, kind, region_id, region_path, address, owner_name, owner_phone, latitude, longitude, color, next_due_at, registered_at, code)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'p' || lower(hex(randomblob(6))))",
                params![p.reg_no, p.name, p.kind.as_str(), p.region_id.0, region_path, p.address, p.owner_name, p.owner_phone, p.latitude, p.longitude, p.color.as_str(), ms(due), ms(audit.at)],
            )
            .map_err(|e| match backend(e) {
                StoreError::Duplicate(_) => StoreError::Duplicate(format!("登记编号「{}」已被其他场所使用", p.reg_no)),
                other => other,
            })?;
            let id = PlaceId(conn.last_insert_rowid());
            insert_color_change(conn, &ColorChange {
                place_id: id,
                from: None,
                to: p.color,
                reason: ColorReason::Registered,
                remark: format!("登记为{}", p.color.label()),
                inspection_id: None,
                hazard_id: None,
                actor_id: audit.actor_id,
                actor_name: audit.actor_name.clone(),
                at: audit.at,
            })?;
            write_audit(conn, &audit, "place.create", &format!("place:{}", id.0), &format!("{} {} {}", p.reg_no, p.name, p.kind.label()))?;
            load_place(conn, id)?.ok_or_else(|| StoreError::backend("place vanished"))
        })
        .await
    }

    async fn place(&self, id: PlaceId) -> Result<Option<Place>> {
        self.read_point(|conn| load_place(conn, id)).await
    }

    async fn place_by_reg_no(&self, reg_no: &str) -> Result<Option<Place>> {
        self.place_by("reg_no", reg_no).await
    }

    async fn place_by_code(&self, code: &str) -> Result<Option<Place>> {
        self.place_by("code", code).await
    }

    async fn places(&self, f: &PlaceFilter) -> Result<Page<Place>> {
        let f = f.clone();
        self.read(move |conn| {
            let (clause, mut args) = place_clause(&f);
            let total: i64 = conn
                .prepare_cached(&format!("SELECT COUNT(*) FROM places WHERE {clause}"))
                .and_then(|mut st| st.query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0)))
                .map_err(backend)?;
            let (page, page_size) = page_bounds(f.page, f.page_size);
            let order = if f.due_by.is_some() { "next_due_at, id" } else { "name, id" };
            args.push(Value::Integer(page_size as i64));
            args.push(Value::Integer((page as i64 - 1) * page_size as i64));
            let sql = format!(
                "SELECT {PLACE_COLS} FROM places WHERE {clause} ORDER BY {order} LIMIT ?{} OFFSET ?{}",
                args.len() - 1,
                args.len()
            );
            let items = conn
                .prepare_cached(&sql)
                .and_then(|mut st| st.query_map(rusqlite::params_from_iter(args.iter()), place_row)?.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(backend)?;
            Ok(Page { items, total: total as u64, page, page_size })
        })
        .await
    }

    async fn place_summary(&self, region_path: &str, now: Timestamp) -> Result<PlaceSummary> {
        let (low, high) = subtree(region_path);
        self.read(move |conn| {
            conn.query_row_cached(
                "SELECT COUNT(*),
                        COALESCE(SUM(color = 'red'), 0), COALESCE(SUM(color = 'yellow'), 0),
                        COALESCE(SUM(color = 'blue'), 0), COALESCE(SUM(color = 'green'), 0),
                        COALESCE(SUM(next_due_at < ?2), 0),
                        COALESCE(SUM(escalation = 'supervised' AND next_due_at < ?2), 0)
                   FROM places WHERE region_path >= ?1 AND region_path < ?3",
                params![low, ms(now), high],
                |r| {
                    Ok(PlaceSummary {
                        total: r.get::<_, i64>(0)? as u64,
                        red: r.get::<_, i64>(1)? as u64,
                        yellow: r.get::<_, i64>(2)? as u64,
                        blue: r.get::<_, i64>(3)? as u64,
                        green: r.get::<_, i64>(4)? as u64,
                        overdue: r.get::<_, i64>(5)? as u64,
                        supervised: r.get::<_, i64>(6)? as u64,
                    })
                },
            )
            .map_err(backend)
        })
        .await
    }

    async fn color_history(&self, id: PlaceId) -> Result<Vec<ColorChange>> {
        self.read(move |conn| {
            let mut st = conn
                .prepare_cached(
                    "SELECT from_color, to_color, reason, remark, inspection_id, hazard_id, actor_id, actor_name, at
                       FROM place_color_changes WHERE place_id = ?1 ORDER BY id",
                )
                .map_err(backend)?;
            let rows = st
                .query_map([id.0], |r| {
                    Ok(ColorChange {
                        place_id: id,
                        from: parse_opt_enum(r, 0, RiskColor::parse)?,
                        to: parse_enum(r, 1, RiskColor::parse)?,
                        reason: parse_enum(r, 2, ColorReason::parse)?,
                        remark: r.get(3)?,
                        inspection_id: r.get::<_, Option<i64>>(4)?.map(InspectionId),
                        hazard_id: r.get::<_, Option<i64>>(5)?.map(HazardId),
                        actor_id: r.get::<_, Option<i64>>(6)?.map(UserId),
                        actor_name: r.get(7)?,
                        at: ts(r.get(8)?),
                    })
                })
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(rows)
        })
        .await
    }

    async fn regrade(
        &self,
        id: PlaceId,
        version: i64,
        to: RiskColor,
        remark: &str,
        audit: Audit,
    ) -> Result<Place> {
        let remark = remark.to_string();
        self.write(move |conn| {
            let place = load_place(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("场所 {id}")))?;
            if place.version != version {
                return Err(StoreError::Conflict);
            }
            let policy = load_policy(conn)?;
            let due = policy.next_due(place.kind, to, place.last_inspected_at, place.registered_at);
            conn.execute_cached(
                "UPDATE places SET color = ?2, next_due_at = ?3, version = version + 1 WHERE id = ?1",
                params![id.0, to.as_str(), ms(due)],
            )
            .map_err(backend)?;
            insert_color_change(conn, &ColorChange {
                place_id: id,
                from: Some(place.color),
                to,
                reason: ColorReason::Manual,
                remark: remark.clone(),
                inspection_id: None,
                hazard_id: None,
                actor_id: audit.actor_id,
                actor_name: audit.actor_name.clone(),
                at: audit.at,
            })?;
            write_audit(conn, &audit, "place.regrade", &format!("place:{}", id.0), &format!("{} → {}：{remark}", place.color.label(), to.label()))?;
            load_place(conn, id)?.ok_or_else(|| StoreError::backend("place vanished"))
        })
        .await
    }

    async fn update_place(
        &self,
        id: PlaceId,
        version: i64,
        p: NewPlace,
        detail: String,
        audit: Audit,
    ) -> Result<Place> {
        self.write(move |conn| {
            let place = load_place(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("场所 {id}")))?;
            if place.version != version {
                return Err(StoreError::Conflict);
            }
            let path: String = conn
                .query_row_cached("SELECT path FROM regions WHERE id = ?1", [p.region_id.0], |r| r.get(0))
                .optional()
                .map_err(backend)?
                .ok_or_else(|| StoreError::InvalidReference(format!("区域 {} 不存在", p.region_id)))?;
            let due = load_policy(conn)?.next_due(p.kind, place.color, place.last_inspected_at, place.registered_at);
            conn.execute_cached(
                "UPDATE places SET name = ?2, kind = ?3, region_id = ?4, region_path = ?5, address = ?6, owner_name = ?7,
                        owner_phone = ?8, latitude = ?9, longitude = ?10, next_due_at = ?11, version = version + 1
                  WHERE id = ?1",
                params![id.0, p.name, p.kind.as_str(), p.region_id.0, path, p.address, p.owner_name, p.owner_phone, p.latitude, p.longitude, ms(due)],
            )
            .map_err(backend)?;
            if path != place.region_path {
                conn.execute_cached("UPDATE hazards SET region_path = ?2 WHERE place_id = ?1", params![id.0, path])
                    .map_err(backend)?;
            }
            write_audit(conn, &audit, "place.update", &format!("place:{}", id.0), &detail)?;
            load_place(conn, id)?.ok_or_else(|| StoreError::backend("place vanished"))
        })
        .await
    }

    async fn inspection_policy(&self) -> Result<InspectionPolicy> {
        self.read_point(load_policy).await
    }

    async fn set_inspection_policy(&self, policy: InspectionPolicy, audit: Audit) -> Result<()> {
        self.write(move |conn| {
            conn.execute_cached("DELETE FROM inspection_policy", []).map_err(backend)?;
            for r in &policy.rules {
                conn.execute_cached(
                    "INSERT INTO inspection_policy (kind, color, interval_days) VALUES (?1, ?2, ?3)",
                    params![r.kind.map(|k| k.as_str()).unwrap_or(""), r.color.as_str(), r.interval_days],
                )
                .map_err(backend)?;
            }
            // Every place's next due time follows the new intervals.
            let places: Vec<(i64, String, String, Option<i64>, i64)> = conn
                .prepare_cached("SELECT id, kind, color, last_inspected_at, registered_at FROM places")
                .and_then(|mut st| st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?.collect())
                .map_err(backend)?;
            for (id, kind, color, last, registered) in places {
                let (Some(kind), Some(color)) = (PlaceKind::parse(&kind), RiskColor::parse(&color)) else {
                    return Err(StoreError::backend(format!("place {id} has an unknown kind or colour")));
                };
                let due = policy.next_due(kind, color, last.map(ts), ts(registered));
                conn.execute_cached("UPDATE places SET next_due_at = ?2 WHERE id = ?1", params![id, ms(due)])
                    .map_err(backend)?;
            }
            let detail = policy
                .rules
                .iter()
                .map(|r| format!("{}{} {} 天", r.kind.map(|k| k.label()).unwrap_or("各类"), r.color.label(), r.interval_days))
                .collect::<Vec<_>>()
                .join("；");
            write_audit(conn, &audit, "places.policy", "inspection_policy", &detail)
        })
        .await
    }

    async fn checklist(&self, kind: PlaceKind) -> Result<ChecklistTemplate> {
        self.read_point(move |conn| {
            let row = conn
                .query_row_cached(
                    "SELECT id, kind, version, name, items FROM checklist_templates WHERE kind = ?1 ORDER BY version DESC LIMIT 1",
                    [kind.as_str()],
                    template_row,
                )
                .optional()
                .map_err(backend)?
                .ok_or_else(|| StoreError::NotFound(format!("{}检查表", kind.label())))?;
            template(row)
        })
        .await
    }

    async fn add_checklist_version(
        &self,
        kind: PlaceKind,
        name: String,
        items: Vec<ChecklistItem>,
        audit: Audit,
    ) -> Result<ChecklistTemplate> {
        self.write(move |conn| {
            let json = serde_json::to_string(&items).map_err(|e| StoreError::backend(e.to_string()))?;
            conn.execute_cached(
                "INSERT INTO checklist_templates (kind, version, name, items)
                 SELECT ?1, COALESCE(MAX(version), 0) + 1, ?2, ?3 FROM checklist_templates WHERE kind = ?1",
                params![kind.as_str(), name, json],
            )
            .map_err(backend)?;
            let id = TemplateId(conn.last_insert_rowid());
            let t = template(
                conn.query_row_cached(
                    "SELECT id, kind, version, name, items FROM checklist_templates WHERE id = ?1",
                    [id.0],
                    template_row,
                )
                .map_err(backend)?,
            )?;
            write_audit(
                conn,
                &audit,
                "checklist.version",
                &format!("checklist:{}", kind.as_str()),
                &format!("{}检查表第 {} 版「{}」，{} 项", kind.label(), t.version, t.name, t.items.len()),
            )?;
            Ok(t)
        })
        .await
    }

    async fn checklist_version(&self, id: TemplateId) -> Result<Option<ChecklistTemplate>> {
        self.read_point(move |conn| {
            conn.query_row_cached(
                "SELECT id, kind, version, name, items FROM checklist_templates WHERE id = ?1",
                [id.0],
                template_row,
            )
            .optional()
            .map_err(backend)?
            .map(template)
            .transpose()
        })
        .await
    }
}
