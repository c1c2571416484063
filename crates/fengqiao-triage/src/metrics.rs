//! Evaluation figures: confusion matrix, accuracy, per-class precision and
//! recall, macro-F1; and stratified k-fold assignment.

use crate::rng::SplitMix64;

/// A confusion matrix over `labels`; `counts[truth][predicted]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub labels: Vec<String>,
    pub counts: Vec<Vec<u64>>,
}

/// Per-class figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassFigures {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u64,
}

impl Evaluation {
    pub fn new(labels: Vec<String>) -> Evaluation {
        let n = labels.len();
        Evaluation {
            labels,
            counts: vec![vec![0; n]; n],
        }
    }

    pub fn record(&mut self, truth: usize, predicted: usize) {
        self.counts[truth][predicted] += 1;
    }

    pub fn merge(&mut self, other: &Evaluation) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    pub fn accuracy(&self) -> f64 {
        let right: u64 = (0..self.labels.len()).map(|i| self.counts[i][i]).sum();
        ratio(right, self.total())
    }

    pub fn class(&self, k: usize) -> ClassFigures {
        let tp = self.counts[k][k];
        let predicted: u64 = self.counts.iter().map(|row| row[k]).sum();
        let support: u64 = self.counts[k].iter().sum();
        let precision = ratio(tp, predicted);
        let recall = ratio(tp, support);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        ClassFigures {
            precision,
            recall,
            f1,
            support,
        }
    }

    /// Unweighted mean of per-class F1 over classes that occur in the truth.
    pub fn macro_f1(&self) -> f64 {
        let present: Vec<usize> = (0..self.labels.len())
            .filter(|&k| self.counts[k].iter().sum::<u64>() > 0)
            .collect();
        if present.is_empty() {
            return 0.0;
        }
        present.iter().map(|&k| self.class(k).f1).sum::<f64>() / present.len() as f64
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Assigns each example to one of `k` folds so every class is spread evenly:
/// each class's examples are shuffled, then dealt round-robin, continuing the
/// deal where the previous class stopped.
pub fn stratified_folds(classes: &[usize], k: usize, seed: u64) -> Vec<usize> {
    let k = k.max(1);
    let n_classes = classes.iter().copied().max().map_or(0, |m| m + 1);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (i, &c) in classes.iter().enumerate() {
        by_class[c].push(i);
    }
    let mut rng = SplitMix64::new(seed);
    let mut fold = vec![0; classes.len()];
    let mut next = 0;
    for members in &mut by_class {
        rng.shuffle(members);
        for &i in members.iter() {
            fold[i] = next % k;
            next += 1;
        }
    }
    fold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_match_a_hand_computed_matrix() {
        let mut e = Evaluation::new(vec!["a".into(), "b".into()]);
        // truth a: 8 right, 2 called b; truth b: 5 right, 5 called a.
        for _ in 0..8 {
            e.record(0, 0);
        }
        for _ in 0..2 {
            e.record(0, 1);
        }
        for _ in 0..5 {
            e.record(1, 1);
            e.record(1, 0);
        }
        assert!((e.accuracy() - 13.0 / 20.0).abs() < 1e-12);
        let a = e.class(0);
        assert!((a.precision - 8.0 / 13.0).abs() < 1e-12);
        assert!((a.recall - 0.8).abs() < 1e-12);
        let b = e.class(1);
        let fa = 2.0 * (8.0 / 13.0) * 0.8 / (8.0 / 13.0 + 0.8);
        let fb = 2.0 * (5.0 / 7.0) * 0.5 / (5.0 / 7.0 + 0.5);
        assert!((b.f1 - fb).abs() < 1e-12);
        assert!((e.macro_f1() - (fa + fb) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn folds_are_stratified_and_balanced() {
        let classes: Vec<usize> = (0..103).map(|i| if i < 90 { 0 } else { 1 }).collect();
        let folds = stratified_folds(&classes, 5, 7);
        for f in 0..5 {
            let minority = (90..103).filter(|&i| folds[i] == f).count();
            assert!((2..=3).contains(&minority), "fold {f} has {minority}");
            let size = folds.iter().filter(|&&x| x == f).count();
            assert!((20..=21).contains(&size));
        }
    }
}
