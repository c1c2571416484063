//! Regions, units, categories and their attributes.

use crate::cached::Cached;
use crate::error::backend;
use crate::rows::*;
use crate::writes::*;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::attributes::ServiceAttribute;
use fengqiao_domain::ids::RegionId;
use fengqiao_domain::org::{Category, Region, Unit};
use fengqiao_store::*;
use rusqlite::{params, OptionalExtension};

#[async_trait]
impl OrgStore for SqliteStore {
    async fn insert_region(&self, r: NewRegion, audit: Audit) -> Result<Region> {
        self.write(move |conn| {
            let parent_path: Option<String> = match r.parent_id {
                Some(p) => Some(
                    conn.query_row_cached("SELECT path FROM regions WHERE id = ?1", [p.0], |row| row.get(0))
                        .optional()
                        .map_err(backend)?
                        .ok_or_else(|| StoreError::InvalidReference(format!("上级区域 {p} 不存在")))?,
                ),
                None => None,
            };
            // The path names the region's own id, which the database assigns on insert.
            let id: i64 = conn
                .query_row_cached(
                    "INSERT INTO regions (parent_id, name, level, path) VALUES (?1, ?2, ?3, '') RETURNING id",
                    params![r.parent_id.map(|p| p.0), r.name, r.level.as_str()],
                    |row| row.get(0),
                )
                .map_err(backend)?;
            let path = format!("{}{id}/", parent_path.as_deref().unwrap_or("/"));
            conn.execute_cached("UPDATE regions SET path = ?2 WHERE id = ?1", params![id, path])
                .map_err(backend)?;
            write_audit(conn, &audit, "region.create", &format!("region:{id}"), &r.name)?;
            Ok(Region { id: RegionId(id), parent_id: r.parent_id, name: r.name, level: r.level, path })
        })
        .await
    }

    async fn regions(&self) -> Result<Vec<Region>> {
        self.read(|conn| {
            query_all(
                conn,
                "SELECT id, parent_id, name, level, path FROM regions ORDER BY path",
                [],
                region_from_row,
            )
        })
        .await
    }

    async fn insert_unit(&self, u: NewUnit, audit: Audit) -> Result<Unit> {
        self.write(move |conn| {
            conn.execute_cached(
                "INSERT INTO units (name, kind, platform, region_id) VALUES (?1, ?2, ?3, ?4)",
                params![
                    u.name,
                    u.kind.as_str(),
                    u.platform.map(|p| p.as_str()),
                    u.region_id.0
                ],
            )
            .map_err(backend)?;
            let id = conn.last_insert_rowid();
            write_audit(conn, &audit, "unit.create", &format!("unit:{id}"), &u.name)?;
            Ok(Unit {
                id: fengqiao_domain::ids::UnitId(id),
                name: u.name,
                kind: u.kind,
                platform: u.platform,
                region_id: u.region_id,
            })
        })
        .await
    }

    async fn units(&self) -> Result<Vec<Unit>> {
        self.read(|conn| {
            query_all(
                conn,
                "SELECT id, name, kind, platform, region_id FROM units ORDER BY id",
                [],
                unit_from_row,
            )
        })
        .await
    }

    async fn insert_category(&self, c: NewCategory, audit: Audit) -> Result<Category> {
        self.write(move |conn| {
            conn.execute_cached(
                "INSERT INTO categories (parent_id, name, default_unit_id, is_petition) VALUES (?1, ?2, ?3, ?4)",
                params![c.parent_id.map(|p| p.0), c.name, c.default_unit_id.map(|u| u.0), c.is_petition],
            )
            .map_err(backend)?;
            let id = conn.last_insert_rowid();
            write_audit(conn, &audit, "category.create", &format!("category:{id}"), &c.name)?;
            Ok(Category {
                id: fengqiao_domain::ids::CategoryId(id),
                parent_id: c.parent_id,
                name: c.name,
                default_unit_id: c.default_unit_id,
                is_petition: c.is_petition,
            })
        })
        .await
    }

    async fn categories(&self) -> Result<Vec<Category>> {
        self.read(|conn| {
            query_all(conn, "SELECT id, parent_id, name, default_unit_id, is_petition FROM categories ORDER BY id", [], category_from_row)
        })
        .await
    }

    async fn insert_category_attribute(
        &self,
        a: ServiceAttribute,
        audit: Audit,
    ) -> Result<ServiceAttribute> {
        self.write(move |conn| {
            let choices = serde_json::to_string(&a.values).map_err(|e| StoreError::Backend(e.into()))?;
            conn.execute_cached(
                "INSERT INTO category_attributes (category_id, code, datatype, required, variable, description, datatype_description, ord, choices)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![a.category_id.0, a.code, a.datatype.as_str(), a.required, a.variable, a.description, a.datatype_description, a.order as i64, choices],
            )
            .map_err(|e| match backend(e) {
                StoreError::Duplicate(_) => StoreError::Duplicate(format!("分类 {} 已有代码为 {} 或顺序为 {} 的属性", a.category_id, a.code, a.order)),
                other => other,
            })?;
            let id = conn.last_insert_rowid();
            write_audit(conn, &audit, "category.attribute", &format!("category:{}", a.category_id), &a.code)?;
            Ok(ServiceAttribute { id, ..a })
        })
        .await
    }

    async fn category_attributes(&self) -> Result<Vec<ServiceAttribute>> {
        self.read(|conn| {
            query_all(
                conn,
                "SELECT id, category_id, code, datatype, required, variable, description, datatype_description, ord, choices
                 FROM category_attributes ORDER BY category_id, ord",
                [],
                |r| {
                    Ok(ServiceAttribute {
                        id: r.get(0)?,
                        category_id: fengqiao_domain::ids::CategoryId(r.get(1)?),
                        code: r.get(2)?,
                        datatype: parse_enum(r, 3, fengqiao_domain::attributes::AttrType::parse)?,
                        required: r.get(4)?,
                        variable: r.get(5)?,
                        description: r.get(6)?,
                        datatype_description: r.get(7)?,
                        order: r.get::<_, i64>(8)? as u32,
                        values: serde_json::from_str(&r.get::<_, String>(9)?).unwrap_or_default(),
                    })
                },
            )
        })
        .await
    }
}
