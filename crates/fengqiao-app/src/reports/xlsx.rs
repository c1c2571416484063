//! A report as one sheet: the summary, then each table under its heading.

use super::{Report, ReportLine};
use crate::{AppError, Result};
use fengqiao_domain::kpi::{Measure, Rate};

fn pct(r: &Rate) -> String {
    r.percent()
}

pub(super) fn render(r: &Report) -> Result<Vec<u8>> {
    let fail = |e: crate::xlsx::XlsxError| AppError::internal(format!("报告导出失败：{e}"));
    let mut w = crate::xlsx::SheetWriter::new(Vec::new(), "报告", 6).map_err(fail)?;
    w.row(std::slice::from_ref(&r.title)).map_err(fail)?;
    w.row(&[format!(
        "统计周期：{}；同比：{}；环比：{}",
        r.period_label, r.year_before_label, r.previous_label
    )])
    .map_err(fail)?;
    for s in &r.sentences {
        w.row(std::slice::from_ref(s)).map_err(fail)?;
    }
    let head = [
        "名称",
        "受理量",
        "应办结",
        "已办结",
        "办结率",
        "按时办结率",
        "响应率",
        "满意率",
        "重办率",
        "平均办理（工作小时）",
        "P90（工作小时）",
    ];
    let line = |l: &ReportLine| -> Vec<String> {
        let f = &l.figures;
        vec![
            l.name.clone(),
            f.measures.get(Measure::Received).to_string(),
            f.measures.get(Measure::Due).to_string(),
            f.measures.get(Measure::Replied).to_string(),
            pct(&f.completion),
            pct(&f.on_time),
            pct(&f.response),
            pct(&f.satisfaction),
            pct(&f.reopen),
            f.mean_hours.map_or("—".into(), |h| format!("{h:.1}")),
            f.p90_hours.map_or("—".into(), |h| h.to_string()),
        ]
    };
    let totals = [
        ("本期", &r.total),
        (r.previous_label.as_str(), &r.previous),
        (r.year_before_label.as_str(), &r.year_before),
    ];
    w.row(&[String::new()]).map_err(fail)?;
    w.row(&["总体与比较".to_string()]).map_err(fail)?;
    w.row(&head).map_err(fail)?;
    for (name, f) in totals {
        w.row(&line(&ReportLine {
            name: name.to_string(),
            figures: f.clone(),
        }))
        .map_err(fail)?;
    }
    for (title, lines) in [
        ("按渠道", &r.by_channel),
        ("按类别（大类）", &r.by_category),
        ("按村（社区）", &r.by_village),
        ("按承办单位", &r.by_unit),
    ] {
        w.row(&[String::new()]).map_err(fail)?;
        w.row(&[title.to_string()]).map_err(fail)?;
        w.row(&head).map_err(fail)?;
        for l in lines {
            w.row(&line(l)).map_err(fail)?;
        }
    }
    if !r.trend.is_empty() {
        w.row(&[String::new()]).map_err(fail)?;
        w.row(&["受理量趋势".to_string()]).map_err(fail)?;
        w.row(&["时间", "受理量", "去年同期"]).map_err(fail)?;
        for p in &r.trend {
            w.row(&[
                p.label.clone(),
                p.received.to_string(),
                p.received_year_before.to_string(),
            ])
            .map_err(fail)?;
        }
    }
    w.row(&[String::new()]).map_err(fail)?;
    w.row(&["隐患排查整改".to_string()]).map_err(fail)?;
    w.row(&["检查次数", "检查场所", "发现问题", "已整改", "整改率"])
        .map_err(fail)?;
    w.row(&[
        r.field.inspections.to_string(),
        r.field.places.to_string(),
        r.field.problems.to_string(),
        r.field.rectified.to_string(),
        r.field
            .rate
            .map_or("—".into(), |v| format!("{:.1}%", v * 100.0)),
    ])
    .map_err(fail)?;
    w.row(&[
        "信访接待受理",
        "到期",
        "一次性化解",
        "初访化解率",
        "便民服务窗口受理",
    ])
    .map_err(fail)?;
    w.row(&[
        r.petitions.received.to_string(),
        r.petitions.due.to_string(),
        r.petitions.resolved_at_once.to_string(),
        r.petitions
            .rate
            .map_or("—".into(), |v| format!("{:.1}%", v * 100.0)),
        r.service_counter.to_string(),
    ])
    .map_err(fail)?;
    if !r.hotspots.is_empty() {
        w.row(&[String::new()]).map_err(fail)?;
        w.row(&["热点问题".to_string()]).map_err(fail)?;
        w.row(&["村（社区）", "关键词", "件数"]).map_err(fail)?;
        for h in &r.hotspots {
            w.row(&[h.village.clone(), h.keywords.clone(), h.reports.to_string()])
                .map_err(fail)?;
        }
    }
    w.finish().map_err(fail)
}
