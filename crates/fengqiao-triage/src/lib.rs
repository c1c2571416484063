//! Triage (分析研判): everything Fengqiao reads out of a message's text.
//!
//! - [`text`]: normalisation and jieba segmentation with a township
//!   dictionary;
//! - [`model`]: the category classifier with explanations and calibrated
//!   confidence;
//! - [`metrics`]: evaluation figures and stratified folds;
//! - [`similar`]: the duplicate finder's index of open cases by place;
//! - [`pii`]: phone, ID-card and bank-card numbers found and masked.
//!
//! Invariant: this crate is pure computation. It never touches a database,
//! the network or the file system; callers hand it text and bytes.

pub mod metrics;
pub mod model;
pub mod pii;
mod rng;
pub mod similar;
pub mod svm;
pub mod text;

pub use metrics::{stratified_folds, ClassFigures, Evaluation};
pub use model::{Example, Model, Prediction, TrainParams};
pub use similar::{Match, Shingles, SimilarityIndex};
pub use text::{normalize, Segmenter};

/// What can go wrong in triage.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error("无法训练模型：{0}")]
    Training(String),
    #[error("模型数据无效：{0}")]
    Format(String),
    #[error("词典第 {line} 行有误：{reason}")]
    Dictionary { line: usize, reason: String },
}

/// Scores `model` on labelled `examples`. Messages it cannot classify count
/// as wrong (predicted as the first other class), so "no suggestion" never
/// flatters the figures; labels the model never saw are skipped.
pub fn evaluate(model: &Model, seg: &Segmenter, examples: &[Example<'_>]) -> Evaluation {
    let mut eval = Evaluation::new(model.labels().to_vec());
    for e in examples {
        let Some(truth) = model.labels().iter().position(|l| l == e.label) else {
            continue;
        };
        let predicted = match model.predict(seg, e.title, e.body) {
            Some(p) => p.class,
            None => (truth + 1) % model.labels().len(),
        };
        eval.record(truth, predicted);
    }
    eval
}

/// Stratified k-fold cross-validation: train on k−1 folds, score the
/// held-out fold, add up the confusion matrices.
pub fn cross_validate(
    seg: &Segmenter,
    examples: &[Example<'_>],
    k: usize,
    params: TrainParams,
) -> Result<Evaluation, TriageError> {
    if k < 2 {
        return Err(TriageError::Training("交叉验证至少需要 2 折".into()));
    }
    let mut labels: Vec<&str> = examples.iter().map(|e| e.label).collect();
    labels.sort_unstable();
    labels.dedup();
    let classes: Vec<usize> = examples
        .iter()
        .map(|e| labels.binary_search(&e.label).unwrap_or(0))
        .collect();
    let folds = stratified_folds(&classes, k, params.seed);
    let mut total = Evaluation::new(labels.iter().map(|l| l.to_string()).collect());
    for f in 0..k {
        let train: Vec<Example<'_>> = examples
            .iter()
            .zip(&folds)
            .filter(|(_, &g)| g != f)
            .map(|(e, _)| e.clone())
            .collect();
        let test: Vec<Example<'_>> = examples
            .iter()
            .zip(&folds)
            .filter(|(_, &g)| g == f)
            .map(|(e, _)| e.clone())
            .collect();
        let model = Model::train(seg, &train, params)?;
        let fold = evaluate(&model, seg, &test);
        // Map the fold's label order onto the overall one.
        for (ti, tl) in fold.labels.iter().enumerate() {
            for (pi, pl) in fold.labels.iter().enumerate() {
                let n = fold.counts[ti][pi];
                if n > 0 {
                    let t = labels.binary_search(&tl.as_str()).unwrap_or(0);
                    let p = labels.binary_search(&pl.as_str()).unwrap_or(0);
                    total.counts[t][p] += n;
                }
            }
        }
    }
    Ok(total)
}
