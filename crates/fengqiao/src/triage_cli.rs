//! `fengqiao train`, `fengqiao models` and `fengqiao eval`: the classifier from the command line.

use crate::config::{cli_actor, DbArgs};
use anyhow::{bail, Context};
use fengqiao_triage::{
    cross_validate, evaluate, Evaluation, Example, Model, Segmenter, TrainParams,
};
use std::path::{Path, PathBuf};

/// Labelled messages read from a CSV file with `title`, `body` and `label`
/// columns (any order, other columns ignored).
pub struct LabelledCsv {
    pub rows: Vec<(String, String, String)>,
    /// Rows skipped because their label was empty.
    pub unlabelled: usize,
    /// Rows whose bytes were not valid UTF-8 (decoded with replacement characters).
    pub repaired: usize,
}

impl LabelledCsv {
    pub fn read(path: &Path) -> anyhow::Result<LabelledCsv> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(path)
            .with_context(|| format!("无法打开 {}", path.display()))?;
        let headers = reader.byte_headers()?.clone();
        let col = |name: &str| fengqiao_app::hotline::column(&headers, name);
        let (Some(label), Some(body)) = (col("label"), col("body")) else {
            bail!(
                "{} 缺少 label 或 body 列（需要 title、body、label 三列）",
                path.display()
            );
        };
        let title = col("title");
        let mut out = LabelledCsv {
            rows: Vec::new(),
            unlabelled: 0,
            repaired: 0,
        };
        for (n, record) in reader.byte_records().enumerate() {
            let record =
                record.with_context(|| format!("{} 第 {} 行无法解析", path.display(), n + 2))?;
            let field = |i: Option<usize>, repaired: &mut bool| -> String {
                let raw = i.and_then(|i| record.get(i)).unwrap_or_default();
                match std::str::from_utf8(raw) {
                    Ok(s) => s.to_string(),
                    Err(_) => {
                        *repaired = true;
                        String::from_utf8_lossy(raw).into_owned()
                    }
                }
            };
            let mut repaired = false;
            let l = field(Some(label), &mut repaired).trim().to_string();
            let t = field(title, &mut repaired);
            let b = field(Some(body), &mut repaired);
            out.repaired += usize::from(repaired);
            if l.is_empty() {
                out.unlabelled += 1;
                continue;
            }
            out.rows.push((t, b, l));
        }
        if out.rows.is_empty() {
            bail!("{} 没有带标签的样本", path.display());
        }
        Ok(out)
    }

    pub fn examples(&self) -> Vec<Example<'_>> {
        Example::from_rows(&self.rows)
    }

    fn describe(&self, path: &Path) {
        eprintln!(
            "{}：{} 条样本{}{}",
            path.display(),
            self.rows.len(),
            if self.unlabelled > 0 {
                format!("，跳过 {} 条无标签", self.unlabelled)
            } else {
                String::new()
            },
            if self.repaired > 0 {
                format!("，{} 条含无效 UTF-8 已替换", self.repaired)
            } else {
                String::new()
            },
        );
    }
}

pub fn eval(
    folds: Option<usize>,
    file: Option<&Path>,
    train: Option<&Path>,
    test: Option<&Path>,
    params: TrainParams,
) -> anyhow::Result<()> {
    let seg = Segmenter::new();
    let started = std::time::Instant::now();
    let eval = match (folds, file, train, test) {
        (Some(k), Some(file), None, None) => {
            let data = LabelledCsv::read(file)?;
            data.describe(file);
            cross_validate(&seg, &data.examples(), k, params)?
        }
        (None, None, Some(train), Some(test)) => {
            let train_data = LabelledCsv::read(train)?;
            train_data.describe(train);
            let test_data = LabelledCsv::read(test)?;
            test_data.describe(test);
            let model = Model::train(&seg, &train_data.examples(), params)?;
            evaluate(&model, &seg, &test_data.examples())
        }
        _ => bail!("用法：fengqiao eval --folds 5 FILE.csv，或 fengqiao eval --train TRAIN.csv --test TEST.csv"),
    };
    print_evaluation(&eval);
    eprintln!("用时 {:.1} 秒", started.elapsed().as_secs_f64());
    Ok(())
}

pub fn print_evaluation(e: &Evaluation) {
    println!("样本 {}  准确率 accuracy={:.4}", e.total(), e.accuracy());
    println!(
        "\n{:<12} {:>9} {:>9} {:>9} {:>7}",
        "类别", "precision", "recall", "f1", "样本"
    );
    for (k, label) in e.labels.iter().enumerate() {
        let c = e.class(k);
        println!(
            "{:<12} {:>9.4} {:>9.4} {:>9.4} {:>7}",
            label, c.precision, c.recall, c.f1, c.support
        );
    }
    println!("\n混淆矩阵（行 = 真实类别，列 = 预测类别，列序同行序）");
    for (k, label) in e.labels.iter().enumerate() {
        let row: Vec<String> = e.counts[k].iter().map(|n| format!("{n:>6}")).collect();
        println!("{:<12} {}", label, row.join(""));
    }
    println!("\nmacro_f1={:.4}", e.macro_f1());
}

/// Trains a model (from the database's categorised cases, or a CSV) and makes it active.
pub async fn train(db: DbArgs, csv: Option<PathBuf>, folds: Option<usize>) -> anyhow::Result<()> {
    let app = db.open().await?;
    let actor = cli_actor("命令行");
    let started = std::time::Instant::now();
    let outcome = match csv {
        Some(path) => {
            let data = LabelledCsv::read(&path)?;
            app.triage
                .train_and_store(&actor, data.rows, format!("CSV {}", path.display()), folds)
                .await?
        }
        None => app.triage.train_from_cases(&actor, folds).await?,
    };
    println!(
        "模型版本 {} 已启用：{} 条样本，{} 个类别{}，用时 {:.1} 秒",
        outcome.model.version,
        outcome.model.examples,
        outcome.model.labels.len(),
        outcome
            .macro_f1
            .map(|f| format!("，交叉验证 macro_f1={f:.4}"))
            .unwrap_or_default(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Lists the stored models, after switching the active one if asked.
pub async fn models(db: DbArgs, activate: Option<i64>) -> anyhow::Result<()> {
    let app = db.open().await?;
    let actor = cli_actor("命令行");
    if let Some(v) = activate {
        app.triage.activate_model(&actor, v).await?;
        println!("已启用模型版本 {v}");
    }
    for m in app.triage.models(&actor).await? {
        println!(
            "{} v{:<4} {}  {} 条样本  {}  {}{}",
            if m.active { "*" } else { " " },
            m.version,
            m.trained_at.format("%Y-%m-%d %H:%M"),
            m.examples,
            m.source,
            m.trained_by,
            m.metrics
                .get("macro_f1")
                .and_then(|f| f.as_f64())
                .map(|f| format!("  macro_f1={f:.4}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}
