//! A streaming XLSX writer for one sheet of text cells: the sheet's XML goes straight into the
//! deflate stream of a zip written front to back, so a million-row export holds one row in
//! memory and touches no temporary file.
//!
//! Cells are inline strings (`t="inlineStr"`), which every spreadsheet reads and which need no
//! shared-string table held until the end. Characters XML 1.0 forbids are written as Excel's
//! `_xHHHH_` escapes, like Excel itself does.

use std::io::Write;
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

/// Rows a sheet can hold.
pub const MAX_ROWS: u32 = 1_048_576;
/// Characters a cell can hold.
pub const MAX_CELL_CHARS: usize = 32_767;

#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("XLSX 每张表最多 {MAX_ROWS} 行，请导出为 CSV")]
    TooManyRows,
    #[error("第 {row} 行有单元格超过 XLSX 的 {MAX_CELL_CHARS} 字上限，请导出为 CSV")]
    CellTooLong { row: u32 },
}

pub struct SheetWriter<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
    rows: u32,
    buf: String,
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="宋体"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#;

const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData>"#;

impl<W: Write> SheetWriter<W> {
    /// Starts a workbook with one sheet called `sheet_name`, deflated at `level` (1–9).
    pub fn new(out: W, sheet_name: &str, level: i64) -> Result<Self, XlsxError> {
        let mut zip = ZipWriter::new_stream(out);
        let small = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        for (name, text) in [
            ("[Content_Types].xml", CONTENT_TYPES.to_string()),
            ("_rels/.rels", RELS.to_string()),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.to_string()),
            ("xl/styles.xml", STYLES.to_string()),
            (
                "xl/workbook.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
                    escape_attr(sheet_name)
                ),
            ),
        ] {
            zip.start_file(name, small)?;
            zip.write_all(text.as_bytes())?;
        }
        // The sheet's size is unknown until the end: Zip64 sizes, so it may pass 4 GiB.
        let sheet = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(level))
            .large_file(true);
        zip.start_file("xl/worksheets/sheet1.xml", sheet)?;
        zip.write_all(SHEET_START.as_bytes())?;
        Ok(SheetWriter {
            zip,
            rows: 0,
            buf: String::with_capacity(64 * 1024),
        })
    }

    /// Appends a row; empty cells are left out.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<(), XlsxError> {
        if self.rows >= MAX_ROWS {
            return Err(XlsxError::TooManyRows);
        }
        let r = self.rows + 1;
        let buf = &mut self.buf;
        buf.clear();
        use std::fmt::Write as _;
        let _ = write!(buf, r#"<row r="{r}">"#);
        for (c, text) in cells.iter().enumerate() {
            let text = text.as_ref();
            if text.is_empty() {
                continue;
            }
            if text.len() > MAX_CELL_CHARS && text.chars().nth(MAX_CELL_CHARS).is_some() {
                return Err(XlsxError::CellTooLong { row: r });
            }
            buf.push_str(r#"<c r=""#);
            push_column(buf, c);
            let _ = write!(buf, "{r}");
            let edge = |c: Option<char>| c.is_some_and(char::is_whitespace);
            if edge(text.chars().next()) || edge(text.chars().next_back()) {
                buf.push_str(r#"" t="inlineStr"><is><t xml:space="preserve">"#);
            } else {
                buf.push_str(r#"" t="inlineStr"><is><t>"#);
            }
            escape_text(buf, text);
            buf.push_str("</t></is></c>");
        }
        buf.push_str("</row>");
        self.zip.write_all(buf.as_bytes())?;
        self.rows = r;
        Ok(())
    }

    /// Closes the sheet and the zip; returns the output.
    pub fn finish(mut self) -> Result<W, XlsxError> {
        self.zip.write_all(b"</sheetData></worksheet>")?;
        Ok(self.zip.finish()?.into_inner())
    }
}

/// Column letters: 0 → A, 25 → Z, 26 → AA.
fn push_column(buf: &mut String, mut c: usize) {
    let mut letters = [0u8; 3];
    let mut n = 0;
    loop {
        letters[n] = b'A' + (c % 26) as u8;
        n += 1;
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    for &l in letters[..n].iter().rev() {
        buf.push(l as char);
    }
}

fn escape_text(buf: &mut String, text: &str) {
    let mut start = 0;
    for (i, ch) in text.char_indices() {
        let rep: Option<&str> = match ch {
            '&' => Some("&amp;"),
            '<' => Some("&lt;"),
            '>' => Some("&gt;"),
            '\t' | '\n' | '\r' => None,
            // A literal "_x0041_" would read back as "A": its underscore is escaped.
            '_' if is_escape_like(&text[i + 1..]) => Some("_x005F_"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => Some(""),
            _ => None,
        };
        if let Some(rep) = rep {
            buf.push_str(&text[start..i]);
            if rep.is_empty() {
                // Characters XML 1.0 cannot carry at all.
                use std::fmt::Write as _;
                let _ = write!(buf, "_x{:04X}_", ch as u32);
            } else {
                buf.push_str(rep);
            }
            start = i + ch.len_utf8();
        }
    }
    buf.push_str(&text[start..]);
}

fn is_escape_like(rest: &str) -> bool {
    let b = rest.as_bytes();
    b.len() >= 6 && b[0] == b'x' && b[1..5].iter().all(u8::is_ascii_hexdigit) && b[5] == b'_'
}

fn escape_attr(text: &str) -> String {
    let mut out = String::new();
    escape_text(&mut out, text);
    out.replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_like_a_spreadsheet() {
        let col = |c| {
            let mut s = String::new();
            push_column(&mut s, c);
            s
        };
        assert_eq!(col(0), "A");
        assert_eq!(col(13), "N");
        assert_eq!(col(25), "Z");
        assert_eq!(col(26), "AA");
        assert_eq!(col(701), "ZZ");
        assert_eq!(col(702), "AAA");
    }

    #[test]
    fn a_written_sheet_reads_back_cell_for_cell() {
        use calamine::{Data, Reader};
        let rows = vec![
            vec!["工单编号", "诉求内容", "", "答复"],
            vec!["A001", "路灯<坏了> & \"没人修\"", "", " 前后有空格 "],
            vec!["", "第二行\n换行\t制表", "控制\u{1}字符", "_x0041_ 原样"],
        ];
        let mut w = SheetWriter::new(Vec::new(), "工单", 3).unwrap();
        for r in &rows {
            w.row(r).unwrap();
        }
        let bytes = w.finish().unwrap();
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), vec!["工单".to_string()]);
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let cell = |r: u32, c: u32| match range.get_value((r, c)) {
            Some(Data::String(s)) => s.clone(),
            None | Some(Data::Empty) => String::new(),
            Some(other) => panic!("unexpected {other:?}"),
        };
        assert_eq!(cell(0, 0), "工单编号");
        assert_eq!(cell(1, 1), "路灯<坏了> & \"没人修\"");
        assert_eq!(cell(1, 2), "", "empty cells stay empty");
        assert_eq!(cell(1, 3), " 前后有空格 ", "edge spaces are kept");
        assert_eq!(cell(2, 0), "");
        assert_eq!(cell(2, 1), "第二行\n换行\t制表");
        assert!(cell(2, 2).starts_with("控制"), "{}", cell(2, 2));
        assert_eq!(
            cell(2, 3),
            "_x0041_ 原样",
            "text that looks like an escape survives"
        );
    }

    #[test]
    fn an_oversized_cell_is_refused_not_truncated() {
        let mut w = SheetWriter::new(Vec::new(), "s", 1).unwrap();
        let long = "字".repeat(MAX_CELL_CHARS + 1);
        assert!(matches!(
            w.row(&[long.as_str()]),
            Err(XlsxError::CellTooLong { row: 1 })
        ));
        let fits = "字".repeat(MAX_CELL_CHARS);
        w.row(&[fits.as_str()]).unwrap();
    }
}
