//! Rankings (晾晒): a weighted score per village or unit from the KPIs a township chooses, its
//! rank, its grade, and why it moved since the previous period.
//!
//! Each indicator scores rate × 100, a "bad" rate (退单率, 重办率) (1 − rate) × 100 (STANDARDS.md's
//! 综合指标值). An indicator with nothing counted in the period (no case due, no rating) is left
//! out and the other weights are scaled up to the whole, so a village is not marked down for a
//! quiet month; a village or unit with no indicator counted is listed but not ranked. Grades:
//! A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, else E. Equal scores (to 0.01) share a rank.

use super::{Dim, Figures, Rate};
use crate::DomainError;
use serde::{Deserialize, Serialize};

/// A KPI a scheme can weigh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    Response,
    OnTime,
    Completion,
    Returns,
    FollowUp,
    Satisfaction,
    Reopen,
}
crate::org::str_enum!(Indicator {
    Response => "response" / "响应率",
    OnTime => "on_time" / "按时办结率",
    Completion => "completion" / "办结率",
    Returns => "returns" / "退单率",
    FollowUp => "follow_up" / "回访率",
    Satisfaction => "satisfaction" / "满意率",
    Reopen => "reopen" / "重办率",
});

impl Indicator {
    /// Whether a lower rate is better (scored as 1 − rate).
    pub fn lower_is_better(self) -> bool {
        matches!(self, Indicator::Returns | Indicator::Reopen)
    }

    pub fn rate(self, f: &Figures) -> Rate {
        match self {
            Indicator::Response => f.response,
            Indicator::OnTime => f.on_time,
            Indicator::Completion => f.completion,
            Indicator::Returns => f.returns,
            Indicator::FollowUp => f.follow_up,
            Indicator::Satisfaction => f.satisfaction,
            Indicator::Reopen => f.reopen,
        }
    }
}

/// What is ranked: villages (and communities) or units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankedObject {
    Village,
    Unit,
}
crate::org::str_enum!(RankedObject {
    Village => "village" / "村（社区）",
    Unit => "unit" / "承办单位",
});

impl RankedObject {
    pub fn dim(self) -> Dim {
        match self {
            RankedObject::Village => Dim::Village,
            RankedObject::Unit => Dim::Unit,
        }
    }
}

/// One weighed indicator; weights are whole percentage points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weight {
    pub indicator: Indicator,
    pub weight: u32,
}

/// The indicators and weights a township ranks an object by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreScheme {
    pub object: RankedObject,
    pub weights: Vec<Weight>,
}

impl ScoreScheme {
    /// The defaults, after STANDARDS.md's weights for areas and units, with the indicators this
    /// platform counts: villages 办结率 30, 按时办结率 40, 满意率 20, 重办率 10; units 响应率 10,
    /// 办结率 30, 按时办结率 30, 重办率 (返工) 30.
    pub fn default_for(object: RankedObject) -> ScoreScheme {
        use Indicator::*;
        let w = |indicator, weight| Weight { indicator, weight };
        ScoreScheme {
            object,
            weights: match object {
                RankedObject::Village => vec![
                    w(Completion, 30),
                    w(OnTime, 40),
                    w(Satisfaction, 20),
                    w(Reopen, 10),
                ],
                RankedObject::Unit => {
                    vec![
                        w(Response, 10),
                        w(Completion, 30),
                        w(OnTime, 30),
                        w(Reopen, 30),
                    ]
                }
            },
        }
    }

    /// Reads one `indicator=weight` per line or comma (`on_time=40`), weights summing to 100,
    /// each indicator once.
    pub fn parse(object: RankedObject, text: &str) -> Result<ScoreScheme, DomainError> {
        let bad = |message: String| DomainError::Invalid {
            field: "weights",
            message,
        };
        let mut weights: Vec<Weight> = vec![];
        for part in text
            .split(['\n', ',', '，'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let (name, value) = part
                .split_once(['=', '：', ':'])
                .ok_or_else(|| bad(format!("「{part}」应写作 指标=权重，例如 on_time=40")))?;
            let name = name.trim();
            let indicator = Indicator::parse(name)
                .or_else(|| Indicator::ALL.iter().copied().find(|i| i.label() == name))
                .ok_or_else(|| {
                    bad(format!(
                        "没有指标「{name}」；可用：{}",
                        Indicator::ALL
                            .iter()
                            .map(|i| format!("{}（{}）", i.as_str(), i.label()))
                            .collect::<Vec<_>>()
                            .join("、")
                    ))
                })?;
            let weight: u32 = value
                .trim()
                .trim_end_matches('%')
                .parse()
                .ok()
                .filter(|w| (1..=100).contains(w))
                .ok_or_else(|| bad(format!("「{part}」的权重应为 1 到 100 的整数")))?;
            if weights.iter().any(|w| w.indicator == indicator) {
                return Err(bad(format!("指标「{}」重复", indicator.label())));
            }
            weights.push(Weight { indicator, weight });
        }
        let total: u32 = weights.iter().map(|w| w.weight).sum();
        if total != 100 {
            return Err(bad(format!("各项权重之和应为 100，现为 {total}")));
        }
        Ok(ScoreScheme { object, weights })
    }

    /// The lines [`ScoreScheme::parse`] reads back.
    pub fn text(&self) -> String {
        self.weights
            .iter()
            .map(|w| format!("{}={}", w.indicator.as_str(), w.weight))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Scores one village's or unit's figures.
    pub fn score(&self, f: &Figures) -> Score {
        let items: Vec<ItemScore> = self
            .weights
            .iter()
            .map(|w| {
                let rate = w.indicator.rate(f);
                ItemScore {
                    indicator: w.indicator,
                    weight: w.weight,
                    rate,
                    score: rate.value.map(|v| {
                        100.0
                            * if w.indicator.lower_is_better() {
                                1.0 - v
                            } else {
                                v
                            }
                    }),
                }
            })
            .collect();
        let counted: u32 = items
            .iter()
            .filter(|i| i.score.is_some())
            .map(|i| i.weight)
            .sum();
        let total = (counted > 0).then(|| {
            let sum: f64 = items
                .iter()
                .filter_map(|i| i.score.map(|s| s * f64::from(i.weight)))
                .sum();
            round2(sum / f64::from(counted))
        });
        Score { total, items }
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// One indicator's part of a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemScore {
    pub indicator: Indicator,
    pub weight: u32,
    pub rate: Rate,
    /// 0–100; `None` when nothing was counted.
    pub score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// 0–100, to two decimals; `None` when no indicator was counted.
    pub total: Option<f64>,
    pub items: Vec<ItemScore>,
}

pub fn grade(score: f64) -> &'static str {
    match score {
        s if s >= 90.0 => "A",
        s if s >= 75.0 => "B",
        s if s >= 60.0 => "C",
        s if s >= 40.0 => "D",
        _ => "E",
    }
}

/// A ranked village or unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedLine {
    pub key: i64,
    pub name: String,
    pub score: Score,
    /// 1 is best; `None` when not scored.
    pub rank: Option<u32>,
    pub grade: Option<String>,
    pub previous_score: Option<f64>,
    pub previous_rank: Option<u32>,
    /// Why the score moved since the previous period: the indicators that moved it most.
    pub reasons: Vec<String>,
}

/// Ranks `lines` (key, name, this period's score) against the previous period's scores.
pub fn rank(lines: Vec<(i64, String, Score)>, previous: &[(i64, Score)]) -> Vec<RankedLine> {
    let ranks = |scores: Vec<(i64, Option<f64>)>| -> Vec<(i64, Option<u32>)> {
        let mut scored: Vec<(i64, f64)> = scores
            .iter()
            .filter_map(|(k, s)| s.map(|s| (*k, s)))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scores
            .iter()
            .map(|(k, s)| {
                let rank =
                    s.map(|s| 1 + scored.iter().filter(|(_, o)| *o > s + 0.005).count() as u32);
                (*k, rank)
            })
            .collect()
    };
    let now = ranks(lines.iter().map(|(k, _, s)| (*k, s.total)).collect());
    let before = ranks(previous.iter().map(|(k, s)| (*k, s.total)).collect());
    let mut out: Vec<RankedLine> = lines
        .into_iter()
        .zip(now)
        .map(|((key, name, score), (_, rank))| {
            let prev = previous.iter().find(|(k, _)| *k == key).map(|(_, s)| s);
            let previous_rank = before.iter().find(|(k, _)| *k == key).and_then(|(_, r)| *r);
            RankedLine {
                key,
                name,
                rank,
                grade: score.total.map(|s| grade(s).to_string()),
                previous_score: prev.and_then(|p| p.total),
                previous_rank,
                reasons: prev.map(|p| reasons(&score, p)).unwrap_or_default(),
                score,
            }
        })
        .collect();
    out.sort_by_key(|l| (l.rank.is_none(), l.rank, l.key));
    out
}

/// The indicators whose weighted part moved the score most (at most three, 0.5 points or more).
fn reasons(now: &Score, before: &Score) -> Vec<String> {
    if now.total.is_none() || before.total.is_none() {
        return vec![];
    }
    let mut moved: Vec<(f64, String)> = now
        .items
        .iter()
        .filter_map(|i| {
            let b = before.items.iter().find(|b| b.indicator == i.indicator)?;
            let (s, p) = (i.score?, b.score?);
            let points = (s - p) * f64::from(i.weight) / 100.0;
            (points.abs() >= 0.5).then(|| {
                (
                    points,
                    format!(
                        "{} {}→{}，{}{:.1} 分",
                        i.indicator.label(),
                        b.rate.percent(),
                        i.rate.percent(),
                        if points > 0.0 { "+" } else { "" },
                        points
                    ),
                )
            })
        })
        .collect();
    moved.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
    moved.into_iter().take(3).map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::{Measure as M, Measures};

    fn figures(due: i64, replied: i64, on_time: i64, rated: i64, satisfied: i64) -> Figures {
        let mut m = Measures::default();
        m.set(M::Due, due);
        m.set(M::Replied, replied);
        m.set(M::RepliedOnTime, on_time);
        m.set(M::Rated, rated);
        m.set(M::Satisfied, satisfied);
        m.set(M::Closed, replied);
        Figures::of(m, &[])
    }

    #[test]
    fn a_score_weighs_the_rates_and_leaves_out_what_was_not_counted() {
        let s = ScoreScheme::default_for(RankedObject::Village);
        // 办结 9/10 = 90, 按时 8/10 = 80, 满意 3/4 = 75, 重办 0/9 → 100:
        // (90×30 + 80×40 + 75×20 + 100×10) / 100 = 84.
        let score = s.score(&figures(10, 9, 8, 4, 3));
        assert_eq!(score.total, Some(84.0));
        // No ratings: satisfaction is left out, the rest scaled to 80 points of weight:
        // (90×30 + 80×40 + 100×10) / 80 = 86.25.
        assert_eq!(s.score(&figures(10, 9, 8, 0, 0)).total, Some(86.25));
        assert_eq!(s.score(&figures(0, 0, 0, 0, 0)).total, None);
        assert_eq!(grade(84.0), "B");
        assert_eq!(grade(90.0), "A");
        assert_eq!(grade(39.99), "E");
    }

    #[test]
    fn ranks_share_ties_and_say_why_a_score_moved() {
        let s = ScoreScheme::default_for(RankedObject::Village);
        let lines = vec![
            (1, "苍岩村".to_string(), s.score(&figures(10, 10, 10, 1, 1))),
            (2, "长安村".to_string(), s.score(&figures(10, 9, 8, 4, 3))),
            (3, "溪口村".to_string(), s.score(&figures(10, 9, 8, 4, 3))),
            (4, "无案村".to_string(), s.score(&figures(0, 0, 0, 0, 0))),
        ];
        let previous = vec![
            (2, s.score(&figures(10, 9, 4, 4, 3))),
            (1, s.score(&figures(10, 10, 10, 1, 1))),
        ];
        let r = rank(lines, &previous);
        let ranks: Vec<(i64, Option<u32>)> = r.iter().map(|l| (l.key, l.rank)).collect();
        assert_eq!(
            ranks,
            vec![(1, Some(1)), (2, Some(2)), (3, Some(2)), (4, None)]
        );
        let changan = &r[1];
        assert_eq!(changan.previous_rank, Some(2));
        // 按时办结率 40% → 80%: +16 points of the score.
        assert_eq!(changan.reasons, vec!["按时办结率 40.0%→80.0%，+16.0 分"]);
        assert!(r[0].reasons.is_empty(), "nothing moved");
    }

    #[test]
    fn schemes_are_read_from_lines_and_checked() {
        let s = ScoreScheme::parse(RankedObject::Unit, "on_time=50\n满意率=30, reopen=20").unwrap();
        assert_eq!(s.weights.len(), 3);
        assert_eq!(
            ScoreScheme::parse(RankedObject::Unit, &s.text()).unwrap(),
            s
        );
        for bad in [
            "on_time=50",
            "on_time=50\non_time=50",
            "speed=100",
            "on_time",
            "on_time=0\nreopen=100",
        ] {
            assert!(
                ScoreScheme::parse(RankedObject::Unit, bad).is_err(),
                "{bad}"
            );
        }
    }
}
