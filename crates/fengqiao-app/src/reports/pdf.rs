//! A report laid out on A4: the title, the summary, key figures, bar charts by channel and
//! category, the trend beside a year before, tables by village and unit, hot spots.

use super::{Report, ReportLine};
use crate::formats::pdf::{Doc, Font, PdfError, PAGE_WIDTH};
use fengqiao_domain::kpi::Measure;

const LEFT: f32 = 56.0;
const WIDTH: f32 = PAGE_WIDTH - 2.0 * LEFT;
const BOTTOM: f32 = 790.0;
const BLUE: (f32, f32, f32) = (0.18, 0.38, 0.62);
const GRAY: (f32, f32, f32) = (0.72, 0.76, 0.80);
const PALE: (f32, f32, f32) = (0.93, 0.95, 0.97);

struct Layout<'f> {
    doc: Doc<'f>,
    y: f32,
    page: usize,
    footer: String,
}

impl<'f> Layout<'f> {
    fn new(font: &'f Font, title: &str, footer: String) -> Self {
        let mut doc = Doc::new(font, title);
        doc.page();
        let mut l = Layout {
            doc,
            y: 56.0,
            page: 1,
            footer,
        };
        l.page_footer();
        l
    }

    fn page_footer(&mut self) {
        let text = format!("{} · 第 {} 页", self.footer, self.page);
        let w = self.doc.width(&text, 8.0);
        self.doc.text((PAGE_WIDTH - w) / 2.0, 818.0, 8.0, &text);
    }

    /// Room for `h` points more on this page, or a new page.
    fn need(&mut self, h: f32) {
        if self.y + h > BOTTOM {
            self.doc.page();
            self.page += 1;
            self.y = 56.0;
            self.page_footer();
        }
    }

    fn heading(&mut self, text: &str) {
        self.need(60.0);
        self.y += 10.0;
        self.doc.text(LEFT, self.y + 13.0, 13.0, text);
        self.y += 22.0;
    }

    fn paragraph(&mut self, text: &str) {
        self.need(20.0);
        self.y = self.doc.paragraph(LEFT, self.y, WIDTH, 10.5, text) + 2.0;
    }

    /// Horizontal bars: a label, a bar to scale, the value.
    fn bars(&mut self, items: &[(String, i64)]) {
        let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1) as f32;
        let label_w = 110.0;
        let bar_w = WIDTH - label_w - 50.0;
        for (label, v) in items {
            self.need(18.0);
            self.doc.text(LEFT, self.y + 11.0, 9.5, label);
            let w = bar_w * (*v as f32) / max;
            self.doc
                .rect(LEFT + label_w, self.y + 2.0, w.max(0.5), 11.0, BLUE);
            self.doc
                .text(LEFT + label_w + w + 4.0, self.y + 11.0, 9.0, &v.to_string());
            self.y += 17.0;
        }
        self.y += 4.0;
    }

    /// Columns of paired bars: this period (blue) beside a year before (gray).
    fn trend(&mut self, points: &[(String, i64, i64)]) {
        let height = 120.0;
        self.need(height + 40.0);
        let max = points
            .iter()
            .map(|p| p.1.max(p.2))
            .max()
            .unwrap_or(0)
            .max(1) as f32;
        let step = WIDTH / points.len().max(1) as f32;
        let base = self.y + height;
        self.doc.line(LEFT, base, LEFT + WIDTH, base, 0.6, 0.4);
        let bar = (step * 0.35).min(14.0);
        let label_every = (points.len() / 12).max(1);
        for (i, (label, now, before)) in points.iter().enumerate() {
            let x = LEFT + step * i as f32 + step / 2.0;
            let h_now = height * (*now as f32) / max;
            let h_before = height * (*before as f32) / max;
            self.doc.rect(x - bar, base - h_before, bar, h_before, GRAY);
            self.doc.rect(x, base - h_now, bar, h_now, BLUE);
            if i % label_every == 0 {
                let w = self.doc.width(label, 7.5);
                self.doc.text(x - w / 2.0, base + 10.0, 7.5, label);
            }
        }
        self.y = base + 16.0;
        self.doc.rect(LEFT, self.y + 2.0, 8.0, 8.0, BLUE);
        self.doc.text(LEFT + 12.0, self.y + 9.5, 8.5, "本期受理量");
        self.doc.rect(LEFT + 80.0, self.y + 2.0, 8.0, 8.0, GRAY);
        self.doc.text(LEFT + 92.0, self.y + 9.5, 8.5, "去年同期");
        self.y += 20.0;
    }

    /// A table with a shaded header row; the first column is left-aligned, the rest right.
    fn table(&mut self, head: &[&str], widths: &[f32], rows: &[Vec<String>]) {
        let draw_row = |l: &mut Self, cells: &[String], header: bool| {
            l.need(16.0);
            if header {
                l.doc.rect(LEFT, l.y, WIDTH, 15.0, PALE);
            }
            let mut x = LEFT;
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                let size = 8.5;
                let tw = l.doc.width(cell, size);
                let tx = if i == 0 { x + 3.0 } else { x + w - tw - 3.0 };
                l.doc.text(tx, l.y + 11.0, size, cell);
                x += w;
            }
            l.y += 15.0;
            l.doc.line(LEFT, l.y, LEFT + WIDTH, l.y, 0.3, 0.8);
        };
        let head: Vec<String> = head.iter().map(|s| s.to_string()).collect();
        draw_row(self, &head, true);
        for r in rows {
            if self.y + 16.0 > BOTTOM {
                self.need(16.0);
                draw_row(self, &head, true);
            }
            draw_row(self, r, false);
        }
        self.y += 6.0;
    }
}

fn figures_row(l: &ReportLine) -> Vec<String> {
    let f = &l.figures;
    vec![
        l.name.clone(),
        f.measures.get(Measure::Received).to_string(),
        f.measures.get(Measure::Due).to_string(),
        f.completion.percent(),
        f.on_time.percent(),
        f.satisfaction.percent(),
        f.mean_hours.map_or("—".into(), |h| format!("{h:.1}")),
    ]
}

pub(super) fn render(font: &Font, r: &Report) -> Result<Vec<u8>, PdfError> {
    let generated = r
        .generated_at
        .with_timezone(&fengqiao_domain::china_offset())
        .format("%Y年%-m月%-d日 %H:%M")
        .to_string();
    let mut l = Layout::new(font, &r.title, format!("{} · 生成于 {generated}", r.title));
    let w = l.doc.width(&r.title, 18.0);
    l.doc
        .text((PAGE_WIDTH - w) / 2.0, l.y + 18.0, 18.0, &r.title);
    l.y += 30.0;
    let sub = format!(
        "统计周期：{}　同比：{}　环比：{}",
        r.period_label, r.year_before_label, r.previous_label
    );
    let w = l.doc.width(&sub, 9.0);
    l.doc.text((PAGE_WIDTH - w) / 2.0, l.y + 9.0, 9.0, &sub);
    l.y += 22.0;

    l.heading("一、总体情况");
    for s in &r.sentences {
        l.paragraph(s);
    }
    // Key figures in boxes.
    l.need(56.0);
    l.y += 6.0;
    let t = &r.total;
    let boxes = [
        ("受理量", t.measures.get(Measure::Received).to_string()),
        ("应办结", t.measures.get(Measure::Due).to_string()),
        ("办结率", t.completion.percent()),
        ("按时办结率", t.on_time.percent()),
        ("满意率", t.satisfaction.percent()),
        (
            "平均办理（工作小时）",
            t.mean_hours.map_or("—".into(), |h| format!("{h:.1}")),
        ),
    ];
    let bw = WIDTH / boxes.len() as f32;
    for (i, (label, value)) in boxes.iter().enumerate() {
        let x = LEFT + bw * i as f32;
        l.doc.rect(x + 2.0, l.y, bw - 4.0, 44.0, PALE);
        let vw = l.doc.width(value, 15.0);
        l.doc.text(x + (bw - vw) / 2.0, l.y + 20.0, 15.0, value);
        let lw = l.doc.width(label, 7.5);
        l.doc.text(x + (bw - lw) / 2.0, l.y + 36.0, 7.5, label);
    }
    l.y += 54.0;

    l.heading("二、诉求来源");
    let channels: Vec<(String, i64)> = r
        .by_channel
        .iter()
        .map(|c| (c.name.clone(), c.figures.measures.get(Measure::Received)))
        .filter(|c| c.1 > 0)
        .collect();
    l.bars(&channels);

    l.heading("三、诉求类别");
    let categories: Vec<(String, i64)> = r
        .by_category
        .iter()
        .map(|c| (c.name.clone(), c.figures.measures.get(Measure::Received)))
        .filter(|c| c.1 > 0)
        .take(12)
        .collect();
    l.bars(&categories);

    if !r.trend.is_empty() {
        l.heading("四、受理量走势（与去年同期比较）");
        let points: Vec<(String, i64, i64)> = r
            .trend
            .iter()
            .map(|p| (p.label.clone(), p.received, p.received_year_before))
            .collect();
        l.trend(&points);
    }

    let head = [
        "名称",
        "受理量",
        "应办结",
        "办结率",
        "按时办结率",
        "满意率",
        "平均办理（时）",
    ];
    let widths = [
        WIDTH * 0.28,
        WIDTH * 0.11,
        WIDTH * 0.11,
        WIDTH * 0.12,
        WIDTH * 0.13,
        WIDTH * 0.12,
        WIDTH * 0.13,
    ];
    l.heading("五、各村（社区）情况");
    let rows: Vec<Vec<String>> = r.by_village.iter().map(figures_row).collect();
    l.table(&head, &widths, &rows);
    l.heading("六、承办单位办理情况");
    let rows: Vec<Vec<String>> = r.by_unit.iter().map(figures_row).collect();
    l.table(&head, &widths, &rows);

    l.heading("七、隐患整改、信访和便民服务");
    l.paragraph(&format!(
        "检查场所 {} 家（处）{} 次，发现问题 {} 个，已整改 {} 个，整改率 {}；信访接待受理 {} 件，到期 {} 件中一次性化解 {} 件，初访化解率 {}；便民服务窗口受理 {} 件。",
        r.field.places,
        r.field.inspections,
        r.field.problems,
        r.field.rectified,
        r.field.rate.map_or("—".into(), |v| format!("{:.1}%", v * 100.0)),
        r.petitions.received,
        r.petitions.due,
        r.petitions.resolved_at_once,
        r.petitions.rate.map_or("—".into(), |v| format!("{:.1}%", v * 100.0)),
        r.service_counter
    ));
    if !r.hotspots.is_empty() {
        l.heading("八、热点问题");
        let rows: Vec<Vec<String>> = r
            .hotspots
            .iter()
            .map(|h| vec![h.village.clone(), h.keywords.clone(), h.reports.to_string()])
            .collect();
        l.table(
            &["村（社区）", "关键词", "件数"],
            &[WIDTH * 0.3, WIDTH * 0.55, WIDTH * 0.15],
            &rows,
        );
    }
    l.doc.finish()
}
