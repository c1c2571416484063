//! Any table from a file — a workbook's first sheet or CSV — for importers other than 12345's
//! (the place registry), read with the same guards against oversized or malformed workbooks.

use super::hotline::{check_container, is_xlsx, other_workbook_rows, xlsx_rows, Table};

/// The headers and the rows (with their row numbers, the header being row 1) of a file's first
/// table, a workbook's first sheet or CSV, told apart as [`read_file`] does: for importers of
/// other tables (places).
pub fn read_table(bytes: &[u8], name: Option<&str>) -> Result<Table, String> {
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    let named = name
        .and_then(|n| n.rsplit_once('.'))
        .is_some_and(|(_, ext)| {
            ["xlsx", "xls", "xlsm", "ods"].contains(&ext.to_ascii_lowercase().as_str())
        });
    if zip || ole || named {
        check_container(bytes)?;
        return if is_xlsx(bytes) {
            xlsx_rows(bytes)
        } else {
            other_workbook_rows(bytes)
        };
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers: Vec<String> = reader
        .byte_headers()
        .map_err(|e| format!("无法读取表头：{e}"))?
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    let mut rows = Vec::new();
    for (i, record) in reader.byte_records().enumerate() {
        let r = record.map_err(|e| format!("第 {} 行无法解析：{e}", i + 2))?;
        rows.push((
            i + 2,
            r.iter()
                .map(|f| {
                    std::str::from_utf8(f)
                        .map(|s| s.trim().to_string())
                        .map_err(|_| "含有非 UTF-8 字节".to_string())
                })
                .collect(),
        ));
    }
    Ok((headers, rows))
}
