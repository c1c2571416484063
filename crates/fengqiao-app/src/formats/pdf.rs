//! A small PDF writer for reports: A4 pages of text, lines and filled rectangles, with one
//! Chinese font embedded as a subset of the glyphs used (a Type0 font, Identity-H, with a
//! ToUnicode map so the text can be searched and copied). Pure file format: no I/O but reading
//! the font file it is given.
//!
//! The font is the township's own: PDF readers on a government intranet cannot be relied on to
//! have one, and nothing may be fetched. [`Font::find`] takes the configured file or the first of
//! the usual system paths (Debian/Ubuntu `fonts-noto-cjk`, `fonts-wqy-microhei`,
//! `fonts-wqy-zenhei`, Windows' 微软雅黑 and 宋体).

use flate2::write::ZlibEncoder;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("没有找到中文字体：请安装 fonts-noto-cjk（Debian/Ubuntu：apt-get install fonts-noto-cjk），或在配置文件中用 report_font 指定一个中文字体文件（.ttf/.otf/.ttc）")]
    NoFont,
    #[error("字体文件 {0} 无法读取：{1}")]
    FontUnreadable(PathBuf, String),
    #[error("字体子集化失败：{0}")]
    Subset(String),
}

/// Where fonts with Chinese glyphs usually are.
pub const SYSTEM_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "C:\\Windows\\Fonts\\msyh.ttc",
    "C:\\Windows\\Fonts\\simsun.ttc",
];

/// A font file and the face in it that has Chinese glyphs.
pub struct Font {
    data: Vec<u8>,
    index: u32,
    pub path: PathBuf,
    pub family: String,
}

impl Font {
    /// The configured font, or the first system font found.
    pub fn find(configured: Option<&Path>) -> Result<Font, PdfError> {
        if let Some(p) = configured {
            return Font::load(p);
        }
        SYSTEM_FONTS
            .iter()
            .map(Path::new)
            .find(|p| p.exists())
            .ok_or(PdfError::NoFont)
            .and_then(Font::load)
    }

    /// Reads a font file; in a collection, the Simplified Chinese face if there is one.
    pub fn load(path: &Path) -> Result<Font, PdfError> {
        let bad = |e: String| PdfError::FontUnreadable(path.to_path_buf(), e);
        let data = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        let faces = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
        let mut chosen = None;
        for index in 0..faces {
            let Ok(face) = ttf_parser::Face::parse(&data, index) else {
                continue;
            };
            if face.glyph_index('中').is_none() {
                continue;
            }
            let family = face
                .names()
                .into_iter()
                .filter(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
                .find_map(|n| n.to_string())
                .unwrap_or_default();
            let simplified =
                family.contains(" SC") || family.contains("CN") || family.contains("GB");
            if chosen.is_none() || simplified {
                chosen = Some((index, family));
            }
            if simplified {
                break;
            }
        }
        let (index, family) = chosen.ok_or_else(|| bad("其中没有中文字形".into()))?;
        Ok(Font {
            data,
            index,
            path: path.to_path_buf(),
            family,
        })
    }

    fn face(&self) -> ttf_parser::Face<'_> {
        ttf_parser::Face::parse(&self.data, self.index).expect("parsed when loaded")
    }
}

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;

/// A document being written: pages of drawing operations in the one font.
pub struct Doc<'f> {
    font: &'f Font,
    face: ttf_parser::Face<'f>,
    remapper: subsetter::GlyphRemapper,
    /// New glyph id → (the character it shows, its advance in 1/1000 em).
    glyphs: BTreeMap<u16, (char, f32)>,
    pages: Vec<String>,
    title: String,
}

fn num(v: f32) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl<'f> Doc<'f> {
    pub fn new(font: &'f Font, title: &str) -> Doc<'f> {
        Doc {
            face: font.face(),
            font,
            remapper: subsetter::GlyphRemapper::new(),
            glyphs: BTreeMap::new(),
            pages: vec![],
            title: title.to_string(),
        }
    }

    /// Starts a new page; drawing goes to it.
    pub fn page(&mut self) {
        self.pages.push(String::new());
    }

    fn current(&mut self) -> &mut String {
        if self.pages.is_empty() {
            self.pages.push(String::new());
        }
        self.pages.last_mut().expect("a page")
    }

    fn advance(&self, c: char) -> f32 {
        let per_em = f32::from(self.face.units_per_em());
        self.face
            .glyph_index(c)
            .and_then(|g| self.face.glyph_hor_advance(g))
            .map_or(500.0, |a| f32::from(a) * 1000.0 / per_em)
    }

    /// The width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size / 1000.0
    }

    /// Text with its baseline's left end at (`x`, `y`), `y` measured from the top of the page.
    pub fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        let mut hex = String::with_capacity(text.len() * 4);
        for c in text.chars() {
            let c = if c.is_control() { ' ' } else { c };
            let old = self.face.glyph_index(c).map_or(0, |g| g.0);
            let new = self.remapper.remap(old);
            let advance = self.advance(c);
            self.glyphs.entry(new).or_insert((c, advance));
            let _ = write!(hex, "{new:04X}");
        }
        let y = PAGE_HEIGHT - y;
        let op = format!(
            "BT /F1 {} Tf {} {} Td <{hex}> Tj ET\n",
            num(size),
            num(x),
            num(y)
        );
        self.current().push_str(&op);
    }

    /// Text wrapped to `width` (any character may break a line, as Chinese does); returns the
    /// `y` below the last line.
    pub fn paragraph(&mut self, x: f32, mut y: f32, width: f32, size: f32, text: &str) -> f32 {
        let leading = size * 1.6;
        let mut line = String::new();
        let mut w = 0.0;
        for c in text.chars() {
            let cw = self.advance(c) * size / 1000.0;
            if w + cw > width && !line.is_empty() {
                self.text(x, y + size, size, &line);
                y += leading;
                line.clear();
                w = 0.0;
            }
            line.push(c);
            w += cw;
        }
        if !line.is_empty() {
            self.text(x, y + size, size, &line);
            y += leading;
        }
        y
    }

    /// A filled rectangle; (`x`, `y`) is its top left corner, from the top of the page.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, rgb: (f32, f32, f32)) {
        let op = format!(
            "{} {} {} rg {} {} {} {} re f 0 g\n",
            num(rgb.0),
            num(rgb.1),
            num(rgb.2),
            num(x),
            num(PAGE_HEIGHT - y - h),
            num(w),
            num(h)
        );
        self.current().push_str(&op);
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, gray: f32) {
        let op = format!(
            "{} G {} w {} {} m {} {} l S 0 G\n",
            num(gray),
            num(width),
            num(x1),
            num(PAGE_HEIGHT - y1),
            num(x2),
            num(PAGE_HEIGHT - y2)
        );
        self.current().push_str(&op);
    }

    /// The finished file.
    pub fn finish(mut self) -> Result<Vec<u8>, PdfError> {
        if self.pages.is_empty() {
            self.page();
        }
        let font_program = subsetter::subset(&self.font.data, self.font.index, &self.remapper)
            .map_err(|e| PdfError::Subset(format!("{e:?}")))?;
        let cff = self.face.tables().cff.is_some();
        let mut w = Writer::default();
        let n_pages = self.pages.len();
        // Objects: 1 catalog, 2 page tree, 3 info, 4 type0 font, 5 CID font, 6 descriptor,
        // 7 font file, 8 ToUnicode, then each page and its content.
        let page_id = |i: usize| 9 + 2 * i;
        w.object(1, "<< /Type /Catalog /Pages 2 0 R /Lang (zh-CN) >>".into());
        let kids: Vec<String> = (0..n_pages)
            .map(|i| format!("{} 0 R", page_id(i)))
            .collect();
        w.object(
            2,
            format!(
                "<< /Type /Pages /Kids [{}] /Count {n_pages} >>",
                kids.join(" ")
            ),
        );
        w.object(
            3,
            format!(
                "<< /Title {} /Producer (Fengqiao) /Creator (Fengqiao) >>",
                utf16_string(&self.title)
            ),
        );
        let base = format!("FQSUBS+{}", self.font.family.replace(' ', ""));
        let base: String = base
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '+')
            .collect();
        w.object(
            4,
            format!("<< /Type /Font /Subtype /Type0 /BaseFont /{base} /Encoding /Identity-H /DescendantFonts [5 0 R] /ToUnicode 8 0 R >>"),
        );
        let widths: Vec<String> = self
            .glyphs
            .iter()
            .map(|(gid, (_, adv))| format!("{gid} [{}]", num(*adv)))
            .collect();
        w.object(
            5,
            format!(
                "<< /Type /Font /Subtype /{} /BaseFont /{base} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 6 0 R /DW 1000 /W [{}]{} >>",
                if cff { "CIDFontType0" } else { "CIDFontType2" },
                widths.join(" "),
                if cff { "" } else { " /CIDToGIDMap /Identity" }
            ),
        );
        let per_em = f32::from(self.face.units_per_em());
        let scale = |v: i16| num(f32::from(v) * 1000.0 / per_em);
        let bbox = self.face.global_bounding_box();
        w.object(
            6,
            format!(
                "<< /Type /FontDescriptor /FontName /{base} /Flags 4 /FontBBox [{} {} {} {}] /ItalicAngle 0 /Ascent {} /Descent {} /CapHeight {} /StemV 80 /{} 7 0 R >>",
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
                scale(self.face.ascender()),
                scale(self.face.descender()),
                scale(self.face.capital_height().unwrap_or(self.face.ascender())),
                if cff { "FontFile3" } else { "FontFile2" }
            ),
        );
        w.stream(
            7,
            if cff { "/Subtype /OpenType" } else { "" },
            &font_program,
        );
        w.stream(8, "", to_unicode(&self.glyphs).as_bytes());
        for (i, content) in self.pages.iter().enumerate() {
            let id = page_id(i);
            w.object(
                id,
                format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources << /Font << /F1 4 0 R >> >> /Contents {} 0 R >>",
                    num(PAGE_WIDTH),
                    num(PAGE_HEIGHT),
                    id + 1
                ),
            );
            w.stream(id + 1, "", content.as_bytes());
        }
        Ok(w.finish(page_id(n_pages)))
    }
}

fn utf16_string(s: &str) -> String {
    let mut hex = String::from("<FEFF");
    for u in s.encode_utf16() {
        let _ = write!(hex, "{u:04X}");
    }
    hex.push('>');
    hex
}

/// The ToUnicode CMap: each glyph to the character it was drawn for.
fn to_unicode(glyphs: &BTreeMap<u16, (char, f32)>) -> String {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<_> = glyphs.iter().collect();
    for chunk in entries.chunks(100) {
        let _ = writeln!(s, "{} beginbfchar", chunk.len());
        for (gid, (c, _)) in chunk {
            let mut utf16 = String::new();
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                let _ = write!(utf16, "{u:04X}");
            }
            let _ = writeln!(s, "<{gid:04X}> <{utf16}>");
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s
}

/// Objects written in order, with their offsets for the cross-reference table.
#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    offsets: BTreeMap<usize, usize>,
}

impl Writer {
    fn start(&mut self) {
        if self.out.is_empty() {
            self.out.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
        }
    }

    fn object(&mut self, id: usize, body: String) {
        self.start();
        self.offsets.insert(id, self.out.len());
        self.out
            .extend_from_slice(format!("{id} 0 obj\n{body}\nendobj\n").as_bytes());
    }

    /// A stream, compressed.
    fn stream(&mut self, id: usize, extra: &str, data: &[u8]) {
        self.start();
        let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
        z.write_all(data).expect("writing to memory");
        let packed = z.finish().expect("writing to memory");
        self.offsets.insert(id, self.out.len());
        self.out.extend_from_slice(
            format!(
                "{id} 0 obj\n<< /Length {} /Filter /FlateDecode {extra} >>\nstream\n",
                packed.len()
            )
            .as_bytes(),
        );
        self.out.extend_from_slice(&packed);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
    }

    fn finish(mut self, size: usize) -> Vec<u8> {
        let xref = self.out.len();
        let mut t = format!("xref\n0 {size}\n0000000000 65535 f \n");
        for id in 1..size {
            match self.offsets.get(&id) {
                Some(off) => {
                    let _ = writeln!(t, "{off:010} 00000 n ");
                }
                None => t.push_str("0000000000 65535 f \n"),
            }
        }
        let _ = write!(
            t,
            "trailer\n<< /Size {size} /Root 1 0 R /Info 3 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        );
        self.out.extend_from_slice(t.as_bytes());
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_chinese_is_a_well_formed_file_with_the_font_inside() {
        let font = match Font::find(None) {
            Ok(f) => f,
            // `.ci/run` installs fonts-noto-cjk, so there this cannot be skipped.
            Err(e) if std::env::var_os("CI").is_none() => {
                eprintln!("{e}: skipped outside CI");
                return;
            }
            Err(e) => panic!("{e}"),
        };
        let mut doc = Doc::new(&font, "甘霖镇2026年11月报");
        doc.text(56.0, 80.0, 18.0, "甘霖镇基层治理月报");
        let y = doc.paragraph(
            56.0,
            100.0,
            200.0,
            10.5,
            "全年受理群众诉求24,000件，同比增长5.2%；平均办理时长缩短30%。",
        );
        assert!(y > 120.0, "wrapped onto more than one line: {y}");
        doc.rect(56.0, 200.0, 100.0, 20.0, (0.1, 0.3, 0.6));
        doc.line(56.0, 230.0, 300.0, 230.0, 0.5, 0.5);
        let bytes = doc.finish().unwrap();
        assert!(bytes.starts_with(b"%PDF-1.7"));
        assert!(bytes.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/Type0") && text.contains("/ToUnicode 8 0 R"));
        // A subset, not the whole font (Noto Sans CJK is megabytes).
        assert!(bytes.len() < 400_000, "{} bytes", bytes.len());
        // The cross-reference table points at each object.
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(bytes[xref_at..].starts_with(b"xref"));
    }
}
