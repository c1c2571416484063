//! The place registry in and out of spreadsheets: an import (CSV or the first sheet of a
//! workbook) that is idempotent by registration number — a place already registered is left as
//! it is, each new row is its own transaction, every bad row reported by row and column — and an
//! export of what the viewer may see, masked as they see it.

use crate::formats::hotline::{Cell, RowError};
use crate::formats::table::read_table;
use crate::places::{PlaceInput, Places};
use crate::Result;
use fengqiao_domain::org::Actor;
use fengqiao_domain::places::{PlaceKind, RiskColor};
use fengqiao_store::PlaceFilter;
use serde::Serialize;

/// The columns, in the order the export writes them; an import finds them by header.
pub const PLACE_COLUMNS: [&str; 10] = [
    "登记编号",
    "名称",
    "类型",
    "所在村（网格）",
    "地址",
    "负责人",
    "联系电话",
    "风险等级",
    "上次检查",
    "下次检查",
];

/// Most rows one import takes.
pub const PLACE_IMPORT_MAX_ROWS: usize = 20_000;

#[derive(Debug, Clone, Default, Serialize)]
pub struct PlaceImport {
    pub created: usize,
    /// Registered under the number, and corrected from the file (name, kind, where, address,
    /// owner).
    pub updated: usize,
    /// Registered under the number, the file saying nothing new: left as they are.
    pub existing: usize,
    pub failed: Vec<RowError>,
}

/// The file's column a refusal is about.
fn column_of(e: &crate::AppError) -> &'static str {
    match e {
        crate::AppError::Invalid {
            field: "owner_phone",
            ..
        } => "联系电话",
        crate::AppError::Invalid {
            field: "region_id", ..
        } => "所在村（网格）",
        crate::AppError::Invalid { field: "name", .. } => "名称",
        crate::AppError::Invalid {
            field: "address", ..
        } => "地址",
        _ => "",
    }
}

fn china(t: fengqiao_domain::Timestamp) -> String {
    t.with_timezone(&fengqiao_domain::china_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

impl Places {
    /// Registers the new places of a table and corrects the registered ones (by number) where
    /// the file says something new; the same file imported twice changes nothing the second
    /// time. A blank cell, or one masked (`138****0777`, as a leader's export shows it), leaves
    /// the field as it is; the colour is never taken from a file for a registered place (it
    /// changes with inspections and re-grades, each with its reason).
    pub async fn import(
        &self,
        actor: &Actor,
        bytes: &[u8],
        name: Option<&str>,
    ) -> Result<PlaceImport> {
        let fail = |row: usize, column: &str, reason: String| RowError {
            row,
            column: column.into(),
            reason,
        };
        let mut out = PlaceImport::default();
        let (headers, rows) = match read_table(bytes, name) {
            Ok(t) => t,
            Err(reason) => {
                out.failed.push(fail(1, "", reason));
                return Ok(out);
            }
        };
        let col = |name: &str| headers.iter().position(|h| h.trim() == name);
        let required = ["登记编号", "名称", "类型", "所在村（网格）"];
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| col(c).is_none())
            .collect();
        if !missing.is_empty() {
            out.failed.push(fail(
                1,
                "",
                format!(
                    "缺少列：{}（第一行须为表头，列名见导出文件）",
                    missing.join("、")
                ),
            ));
            return Ok(out);
        }
        if rows.len() > PLACE_IMPORT_MAX_ROWS {
            out.failed.push(fail(
                1,
                "",
                format!("一次最多导入 {PLACE_IMPORT_MAX_ROWS} 行，请分批导入"),
            ));
            return Ok(out);
        }
        let regions = self.core().regions();
        for (row, cells) in rows {
            if all_blank(&cells) {
                continue;
            }
            let cell = |name: &str| -> std::result::Result<Option<String>, String> {
                match col(name).and_then(|i| cells.get(i)) {
                    Some(Cell::Ok(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
                    Some(Cell::Err(e)) => Err(e.clone()),
                    None => Ok(None),
                }
            };
            let mut bad = |column: &str, reason: String| out.failed.push(fail(row, column, reason));
            let get = |name: &str| cell(name);
            let (reg_no, place_name, kind, region) = match (
                get("登记编号"),
                get("名称"),
                get("类型"),
                get("所在村（网格）"),
            ) {
                (Ok(Some(a)), Ok(Some(b)), Ok(Some(c)), Ok(Some(d))) => (a, b, c, d),
                (a, b, c, d) => {
                    let (column, reason) = [
                        ("登记编号", a),
                        ("名称", b),
                        ("类型", c),
                        ("所在村（网格）", d),
                    ]
                    .into_iter()
                    .find_map(|(n, v)| match v {
                        Ok(Some(_)) => None,
                        Ok(None) => Some((n, "不能为空".to_string())),
                        Err(e) => Some((n, e)),
                    })
                    .expect("one of them is missing");
                    bad(column, reason);
                    continue;
                }
            };
            let Some(kind) = PlaceKind::ALL
                .iter()
                .find(|k| k.label() == kind || k.as_str() == kind)
            else {
                bad(
                    "类型",
                    format!(
                        "「{kind}」不是场所类型：可填 {}",
                        PlaceKind::ALL
                            .iter()
                            .map(|k| k.label())
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                );
                continue;
            };
            let matches: Vec<_> = regions.iter().filter(|r| r.name == region).collect();
            let region = match matches.as_slice() {
                [one] => one.id,
                [] => {
                    bad(
                        "所在村（网格）",
                        format!("没有名为「{region}」的村（社区）或网格"),
                    );
                    continue;
                }
                _ => {
                    bad(
                        "所在村（网格）",
                        format!("「{region}」有重名，请写网格的全名（如 苍岩村第一网格）"),
                    );
                    continue;
                }
            };
            let color = match cell("风险等级") {
                Ok(Some(c)) => match RiskColor::ALL
                    .iter()
                    .find(|x| x.label() == c || x.as_str() == c || x.label().starts_with(&c))
                {
                    Some(x) => Some(x.as_str().to_string()),
                    None => {
                        bad(
                            "风险等级",
                            format!("「{c}」不是风险等级：可填 红色、黄色、蓝色、绿色"),
                        );
                        continue;
                    }
                },
                _ => None,
            };
            if let Some(old) = self.core().store.place_by_reg_no(&reg_no).await? {
                // What the file says, where it says something unmasked; the rest as it is.
                let said = |name: &str, was: &Option<String>| match cell(name).ok().flatten() {
                    Some(v) if !v.contains('*') => Some(v),
                    _ => was.clone(),
                };
                let input = PlaceInput {
                    reg_no,
                    name: if place_name.contains('*') {
                        old.name.clone()
                    } else {
                        place_name
                    },
                    kind: kind.as_str().into(),
                    region_id: region.0,
                    address: said("地址", &old.address),
                    owner_name: said("负责人", &old.owner_name),
                    owner_phone: said("联系电话", &old.owner_phone),
                    latitude: old.latitude,
                    longitude: old.longitude,
                    color: Some(old.color.as_str().into()),
                };
                match self.revise(actor, &old, input).await {
                    Ok(true) => out.updated += 1,
                    Ok(false) => out.existing += 1,
                    Err(crate::AppError::Internal(e)) => return Err(crate::AppError::Internal(e)),
                    Err(e) => bad(column_of(&e), e.to_string()),
                }
                continue;
            }
            let input = PlaceInput {
                reg_no,
                name: place_name,
                kind: kind.as_str().into(),
                region_id: region.0,
                address: cell("地址").ok().flatten(),
                owner_name: cell("负责人").ok().flatten(),
                owner_phone: cell("联系电话").ok().flatten(),
                color,
                ..Default::default()
            };
            match self.register(actor, input).await {
                Ok(_) => out.created += 1,
                Err(crate::AppError::Internal(e)) => return Err(crate::AppError::Internal(e)),
                Err(e) => bad(column_of(&e), e.to_string()),
            }
        }
        out.failed.sort_by_key(|e| e.row);
        Ok(out)
    }

    /// Every place the actor sees, as rows under [`PLACE_COLUMNS`], masked as they see them.
    pub async fn export_rows(&self, actor: &Actor) -> Result<Vec<Vec<String>>> {
        let regions = self.core().regions();
        let mut rows = Vec::new();
        let mut page = 1;
        loop {
            let filter = PlaceFilter {
                page,
                page_size: 500,
                ..Default::default()
            };
            let listed = self.list(actor, None, filter).await?;
            for p in &listed.items {
                rows.push(vec![
                    p.reg_no.clone(),
                    p.name.clone(),
                    p.kind.label().to_string(),
                    regions
                        .iter()
                        .find(|r| r.id == p.region_id)
                        .map(|r| r.name.clone())
                        .unwrap_or_default(),
                    p.address.clone().unwrap_or_default(),
                    p.owner_name.clone().unwrap_or_default(),
                    p.owner_phone.clone().unwrap_or_default(),
                    p.color.label().to_string(),
                    p.last_inspected_at.map(china).unwrap_or_default(),
                    china(p.next_due_at),
                ]);
            }
            if (page as u64) * 500 >= listed.total {
                break;
            }
            page += 1;
        }
        Ok(rows)
    }
}

fn all_blank(cells: &[Cell]) -> bool {
    cells
        .iter()
        .all(|c| matches!(c, Ok(s) if s.trim().is_empty()))
}

/// Export rows as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese).
pub fn places_csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let quoted: Vec<String> = cells
            .map(|c| {
                if c.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c.to_string()
                }
            })
            .collect();
        out.extend_from_slice(quoted.join(",").as_bytes());
        out.extend_from_slice(b"\r\n");
    };
    line(&mut PLACE_COLUMNS.iter().copied());
    for r in rows {
        line(&mut r.iter().map(String::as_str));
    }
    out
}

/// Export rows as a workbook.
pub fn places_xlsx(rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let fail =
        |e: crate::xlsx::XlsxError| crate::AppError::internal(format!("场所名录导出失败：{e}"));
    let mut w = crate::xlsx::SheetWriter::new(Vec::new(), "场所名录", 6).map_err(fail)?;
    w.row(&PLACE_COLUMNS).map_err(fail)?;
    for r in rows {
        w.row(r).map_err(fail)?;
    }
    w.finish().map_err(fail)
}
