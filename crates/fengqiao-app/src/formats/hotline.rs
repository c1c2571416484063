//! The 12345 platform's file formats, with no service in them: work orders read from CSV and
//! from workbooks (XLSX, XLS, ODS) through a column mapping, each bad cell reported by row and
//! column; and the export's rows written as CSV or XLSX, cells a spreadsheet would run as
//! formulas neutralised.

use crate::{AppError, Result};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use fengqiao_domain::case::Priority;
use fengqiao_domain::{china_offset, Timestamp};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

/// Which column holds what, by header text. The default is a typical 12345 export.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mapping {
    pub work_order_no: String,
    pub received_at: String,
    pub name: String,
    pub phone: String,
    pub content: String,
    pub address: String,
    pub category: String,
    pub priority: String,
    pub due: String,
}

impl Default for Mapping {
    fn default() -> Self {
        Mapping {
            work_order_no: "工单编号".into(),
            received_at: "来电时间".into(),
            name: "诉求人".into(),
            phone: "联系电话".into(),
            content: "诉求内容".into(),
            address: "事发地址".into(),
            category: "诉求类型".into(),
            priority: "紧急程度".into(),
            due: "办理时限".into(),
        }
    }
}

impl Mapping {
    /// The nine mapped headers, in the 12345 export's column order.
    pub fn headers(&self) -> [&str; 9] {
        [
            &self.work_order_no,
            &self.received_at,
            &self.name,
            &self.phone,
            &self.content,
            &self.address,
            &self.category,
            &self.priority,
            &self.due,
        ]
    }
}

/// A problem with one row (row numbers as a spreadsheet shows them: the header is row 1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub reason: String,
}

/// One work order read from a file.
#[derive(Debug, Clone)]
pub struct WorkOrder {
    pub row: usize,
    pub number: String,
    pub received_at: Option<Timestamp>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub content: String,
    pub address: Option<String>,
    pub category: Option<String>,
    pub priority: Priority,
}

/// Longest cell read; longer cells are reported, not truncated silently.
const CELL_MAX_CHARS: usize = 20_000;

/// `2026-11-28 08:30:00`, `2026/11/28 8:30`, `2026-11-28T08:30:00+08:00`, `2026-11-28` (China
/// time unless a zone is given).
pub fn parse_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    let s = s.replace('/', "-");
    let naive = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&s, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    china_offset()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
}

fn parse_priority(s: &str) -> Option<Priority> {
    match s.trim() {
        "" | "一般" | "普通" | "正常" => Some(Priority::Normal),
        "紧急" | "急" | "加急" => Some(Priority::Urgent),
        "特急" | "特别紧急" | "非常紧急" => Some(Priority::Emergency),
        other => Priority::parse(other),
    }
}

pub(crate) fn priority_text(p: Priority) -> &'static str {
    match p {
        Priority::Normal => "一般",
        Priority::Urgent => "紧急",
        Priority::Emergency => "特急",
    }
}

/// The position of the column headed `name` (spaces and a byte-order mark ignored).
pub fn column(headers: &csv::ByteRecord, name: &str) -> Option<usize> {
    headers.iter().position(|h| {
        String::from_utf8_lossy(h)
            .trim()
            .trim_start_matches('\u{feff}')
            == name
    })
}

/// A cell as read: its text, or why it could not be read.
/// A cell as read: its text, or why it could not be read.
pub type Cell = std::result::Result<String, String>;

/// Reads work orders from a file as exported, whatever its kind: a workbook (XLSX and ODS are
/// zip archives, XLS an OLE compound file) told by its first bytes or named as one, CSV
/// otherwise. A file named `.xlsx` that is not a workbook is reported as such, not read as CSV.
pub fn read_file(bytes: &[u8], name: Option<&str>, m: &Mapping) -> (Vec<WorkOrder>, Vec<RowError>) {
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    let named = name
        .and_then(|n| n.rsplit_once('.'))
        .is_some_and(|(_, ext)| {
            ["xlsx", "xls", "xlsm", "ods"].contains(&ext.to_ascii_lowercase().as_str())
        });
    if zip || ole || named {
        read_workbook(bytes, m)
    } else {
        read_csv(bytes, m)
    }
}

/// Reads work orders from CSV. Bytes that are not UTF-8 make that row an error; a file without
/// the number or content column is one error at row 1 and no rows.
pub fn read_csv<R: Read>(input: R, m: &Mapping) -> (Vec<WorkOrder>, Vec<RowError>) {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers: Vec<String> = match reader.byte_headers() {
        Ok(h) => h
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect(),
        Err(e) => return (Vec::new(), vec![file_error(format!("无法读取表头：{e}"))]),
    };
    let mut unreadable = Vec::new();
    let rows: Vec<(usize, Vec<Cell>)> = reader
        .byte_records()
        .enumerate()
        .filter_map(|(i, record)| match record {
            Ok(r) => Some((
                i + 2,
                r.iter()
                    .map(|f| {
                        std::str::from_utf8(f)
                            .map(str::to_string)
                            .map_err(|_| "含有非 UTF-8 字节".to_string())
                    })
                    .collect(),
            )),
            Err(e) => {
                unreadable.push(RowError {
                    row: i + 2,
                    column: String::new(),
                    reason: format!("无法解析：{e}"),
                });
                None
            }
        })
        .collect();
    let (orders, mut errors) = parse_table(&headers, rows, m);
    errors.extend(unreadable);
    errors.sort_by_key(|e| e.row);
    (orders, errors)
}

/// Reads work orders from the first sheet of an XLSX (or XLS/ODS) workbook. Numbers keep their
/// digits (a phone stored as a number is still a phone); date cells become China time.
pub fn read_workbook(bytes: &[u8], m: &Mapping) -> (Vec<WorkOrder>, Vec<RowError>) {
    if let Err(reason) = check_container(bytes) {
        return (Vec::new(), vec![file_error(reason)]);
    }
    let table = if is_xlsx(bytes) {
        xlsx_rows(bytes)
    } else {
        other_workbook_rows(bytes)
    };
    match table {
        Ok((headers, body)) => parse_table(&headers, body, m),
        Err(reason) => (Vec::new(), vec![file_error(reason)]),
    }
}

/// What a workbook may hold before it is read: a 12345 export is a few hundred rows a day; these
/// bounds are far above any real one and far below what breaks the server.
const MAX_ROWS: u32 = 1_000_000;
const MAX_COLUMNS: u32 = 256;
const MAX_PART_BYTES: u64 = 256 << 20;
const MAX_TOTAL_BYTES: u64 = 512 << 20;
const MAX_RATIO: u64 = 100;
const MAX_ENTRIES: usize = 10_000;

pub(crate) fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK")
        && zip::ZipArchive::new(std::io::Cursor::new(bytes)).is_ok_and(|z| {
            z.file_names()
                .any(|n| n.is_ok_and(|n| n == "xl/workbook.xml"))
        })
}

/// Refuses a zip-based workbook (XLSX, ODS) whose parts are too many, too large, or compressed
/// beyond any real spreadsheet (a bomb), judging by what each part declares and then checking
/// that the big parts do not inflate past what they declared.
pub(crate) fn check_container(bytes: &[u8]) -> Result<(), String> {
    if !bytes.starts_with(b"PK") {
        return if bytes.len() as u64 > MAX_PART_BYTES {
            Err("文件过大".into())
        } else {
            Ok(())
        };
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("不是可读的 Excel 文件：{e}"))?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!("工作簿内部文件过多（{} 个）", zip.len()));
    }
    let mut total = 0u64;
    let mut big = Vec::new();
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|e| format!("不是可读的 Excel 文件：{e}"))?;
        let (size, packed) = (f.size(), f.compressed_size().max(1));
        total += size;
        if size > MAX_PART_BYTES || total > MAX_TOTAL_BYTES {
            return Err("工作簿解压后过大，请按月份拆分后再导入".into());
        }
        if size > (1 << 20) && size / packed > MAX_RATIO {
            return Err(format!(
                "工作簿内容压缩比异常（{} 倍），疑为恶意文件，已拒绝",
                size / packed
            ));
        }
        if size > (1 << 20) {
            big.push((i, size));
        }
    }
    // A part that inflates past its declared size lies about it: read it with a cap.
    for (i, declared) in big {
        let f = zip
            .by_index(i)
            .map_err(|e| format!("不是可读的 Excel 文件：{e}"))?;
        let n = std::io::copy(&mut f.take(declared + 1), &mut std::io::sink())
            .map_err(|e| format!("不是可读的 Excel 文件：{e}"))?;
        if n > declared {
            return Err("工作簿内容与其声明的大小不符，疑为恶意文件，已拒绝".into());
        }
    }
    Ok(())
}

/// A table as read: its headers, and its rows with their row numbers.
pub type Table = (Vec<String>, Vec<(usize, Vec<Cell>)>);

/// The first sheet of an XLSX, cell by cell: sparse, so a lone cell at XFD1048576 costs one
/// cell, not a 16,384 × 1,048,576 grid; columns past [`MAX_COLUMNS`] are ignored.
pub(crate) fn xlsx_rows(bytes: &[u8]) -> Result<Table, String> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("不是可读的 Excel 文件：{e}"))?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| "工作簿中没有工作表".to_string())?;
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|e| format!("无法读取第一张工作表：{e}"))?;
    let mut rows: std::collections::BTreeMap<u32, Vec<Cell>> = Default::default();
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| format!("无法读取第一张工作表：{e}"))?
    {
        let (row, col) = cell.get_position();
        if row >= MAX_ROWS {
            return Err(format!("工作表超过 {MAX_ROWS} 行，请拆分后再导入"));
        }
        if col >= MAX_COLUMNS {
            continue;
        }
        let line = rows.entry(row).or_default();
        if line.len() <= col as usize {
            line.resize(col as usize + 1, Ok(String::new()));
        }
        line[col as usize] = cell_text(&calamine::Data::from(cell.get_value().clone()));
    }
    let first = *rows
        .keys()
        .next()
        .ok_or_else(|| "工作表是空的".to_string())?;
    let headers: Vec<String> = rows
        .remove(&first)
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.unwrap_or_default())
        .collect();
    let body = rows
        .into_iter()
        .map(|(r, cells)| (r as usize + 1, cells))
        .collect();
    Ok((headers, body))
}

/// XLS and ODS, through calamine's whole-sheet reader, after the container checks.
pub(crate) fn other_workbook_rows(bytes: &[u8]) -> Result<Table, String> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| format!("不是可读的 Excel 文件：{e}"))?;
    let range = match book.worksheet_range_at(0) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(format!("无法读取第一张工作表：{e}")),
        None => return Err("工作簿中没有工作表".into()),
    };
    let (height, width) = range.get_size();
    if height as u64 > MAX_ROWS as u64 || width as u64 > MAX_COLUMNS as u64 * 4 {
        return Err(format!("工作表过大（{height} 行 × {width} 列）"));
    }
    let mut rows = range.rows();
    let header_row = rows.next().ok_or_else(|| "工作表是空的".to_string())?;
    let headers: Vec<String> = header_row
        .iter()
        .map(|d| cell_text(d).unwrap_or_default())
        .collect();
    let body = rows
        .enumerate()
        .map(|(i, r)| (i + 2, r.iter().map(cell_text).collect()))
        .collect();
    Ok((headers, body))
}

/// A cell as the text it shows: numbers keep their digits, dates read as China time strings.
fn cell_text(d: &calamine::Data) -> Cell {
    use calamine::Data;
    match d {
        Data::Empty => Ok(String::new()),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Ok(s.clone()),
        Data::Int(i) => Ok(i.to_string()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(format!("{}", *f as i64)),
        Data::Float(f) => Ok(f.to_string()),
        Data::Bool(b) => Ok(if *b { "TRUE" } else { "FALSE" }.into()),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .ok_or_else(|| "无法识别的日期".to_string()),
        Data::Error(e) => Err(format!("单元格错误 {e}")),
    }
}

fn file_error(reason: String) -> RowError {
    RowError {
        row: 1,
        column: String::new(),
        reason,
    }
}

/// Work orders from a table of cells, whatever file it came from.
fn parse_table(
    headers: &[String],
    rows: Vec<(usize, Vec<Cell>)>,
    m: &Mapping,
) -> (Vec<WorkOrder>, Vec<RowError>) {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
    };
    let (Some(c_no), Some(c_content)) = (col(&m.work_order_no), col(&m.content)) else {
        errors.push(RowError {
            row: 1,
            column: format!("{} / {}", m.work_order_no, m.content),
            reason: format!("找不到必需的列；表头为：{}", headers.join("、")),
        });
        return (out, errors);
    };
    let (c_time, c_name, c_phone, c_addr, c_cat, c_pri) = (
        col(&m.received_at),
        col(&m.name),
        col(&m.phone),
        col(&m.address),
        col(&m.category),
        col(&m.priority),
    );
    for (row, record) in rows {
        if record
            .iter()
            .all(|c| c.as_deref().is_ok_and(|t| t.trim().is_empty()))
        {
            continue; // an empty row
        }
        let mut bad = Vec::new();
        let mut cell = |c: Option<usize>, name: &str| -> Option<String> {
            let text = match c.and_then(|c| record.get(c))? {
                Ok(s) => formula_guard_removed(s.trim()).to_string(),
                Err(reason) => {
                    bad.push(RowError {
                        row,
                        column: name.into(),
                        reason: reason.clone(),
                    });
                    return None;
                }
            };
            if text.chars().count() > CELL_MAX_CHARS {
                bad.push(RowError {
                    row,
                    column: name.into(),
                    reason: format!("超过 {CELL_MAX_CHARS} 字"),
                });
                return None;
            }
            (!text.is_empty()).then_some(text)
        };
        let number = cell(Some(c_no), &m.work_order_no);
        let content = cell(Some(c_content), &m.content);
        let time = cell(c_time, &m.received_at);
        let name = cell(c_name, &m.name);
        let phone = cell(c_phone, &m.phone);
        let address = cell(c_addr, &m.address);
        let category = cell(c_cat, &m.category);
        let priority_raw = cell(c_pri, &m.priority).unwrap_or_default();
        if number.is_none() && bad.iter().all(|e| e.column != m.work_order_no) {
            bad.push(RowError {
                row,
                column: m.work_order_no.clone(),
                reason: "工单编号为空".into(),
            });
        }
        if content.is_none() && bad.iter().all(|e| e.column != m.content) {
            bad.push(RowError {
                row,
                column: m.content.clone(),
                reason: "诉求内容为空".into(),
            });
        }
        let received_at = match time.as_deref().map(|t| (t, parse_time(t))) {
            None => None,
            Some((_, Some(t))) => Some(t),
            Some((t, None)) => {
                bad.push(RowError {
                    row,
                    column: m.received_at.clone(),
                    reason: format!("无法识别的时间「{t}」，应如 2026-11-28 08:30:00"),
                });
                None
            }
        };
        let priority = parse_priority(&priority_raw).unwrap_or_else(|| {
            bad.push(RowError {
                row,
                column: m.priority.clone(),
                reason: format!("无法识别的紧急程度「{priority_raw}」，应为 一般、紧急 或 特急"),
            });
            Priority::Normal
        });
        if !bad.is_empty() {
            errors.extend(bad);
            continue;
        }
        out.push(WorkOrder {
            row,
            number: number.unwrap_or_default(),
            received_at,
            name,
            phone,
            content: content.unwrap_or_default(),
            address,
            category,
            priority,
        });
    }
    (out, errors)
}

/// What an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    /// By file name: `.xlsx` is XLSX, anything else CSV.
    pub fn for_path(path: &std::path::Path) -> ExportFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("xlsx") => ExportFormat::Xlsx,
            _ => ExportFormat::Csv,
        }
    }
}

/// The rows of an export on their way out.
// One per export: the size of its variants does not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Sink<W: Write + Send> {
    Csv(csv::Writer<W>),
    Xlsx(crate::formats::xlsx::SheetWriter<W>),
}

fn write_error(e: impl std::fmt::Display) -> AppError {
    AppError::internal(format!("写出失败：{e}"))
}

impl<W: Write + Send> Sink<W> {
    pub(crate) fn new(format: ExportFormat, out: W) -> Result<Self> {
        Ok(match format {
            ExportFormat::Csv => Sink::Csv(csv::Writer::from_writer(out)),
            // Level 1: the sheet is a gigabyte of repetitive XML per million rows; a higher
            // level costs seconds for a file a few per cent smaller (BENCHMARKS.md).
            ExportFormat::Xlsx => Sink::Xlsx(
                crate::formats::xlsx::SheetWriter::new(out, "工单", 1).map_err(xlsx_error)?,
            ),
        })
    }

    pub(crate) fn row(&mut self, cells: &[String]) -> Result<()> {
        match self {
            Sink::Csv(w) => w
                .write_record(cells.iter().map(|c| match formula_guarded(c) {
                    std::borrow::Cow::Borrowed(b) => std::borrow::Cow::Borrowed(b.as_bytes()),
                    std::borrow::Cow::Owned(o) => std::borrow::Cow::Owned(o.into_bytes()),
                }))
                .map_err(write_error),
            Sink::Xlsx(w) => w.row(cells).map_err(xlsx_error),
        }
    }

    pub(crate) fn finish(self) -> Result<()> {
        match self {
            Sink::Csv(mut w) => w.flush().map_err(write_error),
            Sink::Xlsx(w) => w
                .finish()
                .map_err(xlsx_error)
                .and_then(|mut out| out.flush().map_err(write_error)),
        }
    }
}

/// A CSV cell a spreadsheet would run as a formula (a citizen's "=HYPERLINK(…)" opened in
/// Excel or WPS by staff) gets a leading apostrophe, which spreadsheets show as text; import
/// takes it off again, so the round trip is exact. XLSX cells are typed text and need none.
fn formula_guarded(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

pub(crate) fn formula_guard_removed(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

fn xlsx_error(e: crate::formats::xlsx::XlsxError) -> AppError {
    use crate::formats::xlsx::XlsxError;
    match e {
        XlsxError::TooManyRows | XlsxError::CellTooLong { .. } => AppError::Invalid {
            field: "format",
            message: e.to_string(),
        },
        e => write_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_good_rows_and_reports_bad_ones_by_row_and_column() {
        let mut csv =
            "工单编号,来电时间,诉求人,联系电话,诉求内容,事发地址,诉求类型,紧急程度,办理时限\n"
                .as_bytes()
                .to_vec();
        csv.extend(
            "A001,2026-11-28 08:30:00,王建国,13800138000,路灯坏了,苍岩村,路灯故障,一般,\n"
                .as_bytes(),
        );
        csv.extend("A002,昨天上午,李四,13900139000,路面塌陷,,,紧急,\n".as_bytes());
        csv.extend(",,,,,,,,\n".as_bytes());
        csv.extend("A003,2026/11/28 9:05,,,,,,,\n".as_bytes());
        csv.extend(b"A004,2026-11-28,\xff\xfe,,\xe5\x9d\x91,,,,\n");
        csv.extend("A005,2026-11-28T10:00:00+08:00,,,垃圾没人清运,,,超级急,\n".as_bytes());
        csv.extend("A006,2026-11-28 10:00,,,河道发臭,,,特急,\n".as_bytes());
        let (orders, errors) = read_csv(csv.as_slice(), &Mapping::default());
        assert_eq!(
            orders.iter().map(|o| o.number.as_str()).collect::<Vec<_>>(),
            vec!["A001", "A006"]
        );
        assert_eq!(orders[1].priority, Priority::Emergency);
        assert_eq!(orders[0].received_at, parse_time("2026-11-28T00:30:00Z"));
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (3, "来电时间"),
                (5, "诉求内容"),
                (6, "诉求人"),
                (7, "紧急程度")
            ],
            "{errors:?}"
        );
    }

    #[test]
    fn formulas_in_csv_cells_are_neutralised_and_restored() {
        for cell in [
            "=HYPERLINK(\"http://x\",\"点我\")",
            "+86 138",
            "-1",
            "@SUM(A1)",
        ] {
            let out = formula_guarded(cell);
            assert!(out.starts_with('\''), "{out}");
            assert_eq!(formula_guard_removed(&out), cell);
        }
        for cell in ["路灯坏了", "13800138000", "'引号开头", ""] {
            assert_eq!(formula_guarded(cell), cell);
            assert_eq!(formula_guard_removed(cell), cell);
        }
    }

    #[test]
    fn reads_typed_excel_cells() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["工单编号", "来电时间", "联系电话", "诉求内容", "紧急程度"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        sheet.write_number(1, 0, 20261128001.0).unwrap();
        let t = ExcelDateTime::parse_from_str("2026-11-28 08:30:00").unwrap();
        sheet.write_datetime_with_format(1, 1, &t, &date).unwrap();
        sheet.write_number(1, 2, 13800138000.0).unwrap();
        sheet.write_string(1, 3, "路灯坏了").unwrap();
        sheet.write_string(1, 4, "特急").unwrap();
        sheet.write_string(2, 0, "X2").unwrap();
        sheet.write_string(2, 3, "河道发臭").unwrap();
        sheet.write_string(2, 1, "not a date").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let (orders, errors) = read_workbook(&bytes, &Mapping::default());
        assert_eq!(orders.len(), 1, "{errors:?}");
        let o = &orders[0];
        assert_eq!(o.number, "20261128001", "a number keeps its digits");
        assert_eq!(o.phone.as_deref(), Some("13800138000"));
        assert_eq!(o.received_at, parse_time("2026-11-28 08:30:00"));
        assert_eq!(o.priority, Priority::Emergency);
        assert_eq!((errors[0].row, errors[0].column.as_str()), (3, "来电时间"));
    }

    #[test]
    fn a_ten_megabyte_cell_is_reported_not_imported() {
        let huge = "坑".repeat(10 * 1024 * 1024 / 3);
        let csv = format!("工单编号,诉求内容\nA1,{huge}\nA2,路灯坏了\n");
        let (orders, errors) = read_csv(csv.as_bytes(), &Mapping::default());
        assert_eq!(orders.len(), 1);
        assert_eq!(orders[0].number, "A2");
        assert_eq!((errors[0].row, errors[0].column.as_str()), (2, "诉求内容"));
        assert!(errors[0].reason.contains("超过"));
    }

    #[test]
    fn a_file_without_the_key_columns_is_one_clear_error() {
        let (orders, errors) = read_csv("编号,内容\n1,路灯坏了\n".as_bytes(), &Mapping::default());
        assert!(orders.is_empty());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].row, 1);
        assert!(
            errors[0].reason.contains("编号、内容"),
            "{}",
            errors[0].reason
        );
    }

    fn header_row(sheet: &mut rust_xlsxwriter::Worksheet) {
        for (c, h) in Mapping::default().headers().iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
    }

    #[test]
    fn cells_far_out_are_ignored_or_refused_never_allocated_as_a_grid() {
        // Read as a grid, a cell at XFD1048576 is 16,384 × 1,048,576 cells (512 GiB); read cell
        // by cell, a far column is skipped and a far row is one clear refusal.
        let book = |far: (u32, u16)| {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            header_row(sheet);
            sheet.write_string(1, 0, "A001").unwrap();
            sheet.write_string(1, 1, "2026-11-28 08:30:00").unwrap();
            sheet.write_string(1, 4, "路灯坏了").unwrap();
            sheet.write_string(far.0, far.1, "远处").unwrap();
            book.save_to_buffer().unwrap()
        };
        let (orders, errors) = read_workbook(&book((1, 16_383)), &Mapping::default());
        assert_eq!((orders.len(), errors.len()), (1, 0), "{errors:?}");
        let (orders, errors) = read_workbook(&book((1_048_575, 16_383)), &Mapping::default());
        assert!(orders.is_empty());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].reason.contains("请拆分后再导入"), "{errors:?}");
    }

    #[test]
    fn a_shared_string_bomb_is_refused_before_it_inflates() {
        // Thousands of long, compressible, distinct strings: megabytes that inflate a hundredfold.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        header_row(sheet);
        let long = "反".repeat(10_000);
        for r in 1..2_000u32 {
            sheet.write_string(r, 4, format!("{long}{r}")).unwrap();
        }
        let bytes = book.save_to_buffer().unwrap();
        let (orders, errors) = read_workbook(&bytes, &Mapping::default());
        assert!(orders.is_empty());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].reason.contains("压缩比"), "{}", errors[0].reason);
    }

    #[test]
    fn a_file_that_is_not_a_workbook_is_one_clear_error() {
        let (orders, errors) = read_workbook(b"PK\x03\x04 not really", &Mapping::default());
        assert!(orders.is_empty());
        assert!(
            errors[0].reason.contains("不是可读的 Excel 文件"),
            "{errors:?}"
        );
    }
}
