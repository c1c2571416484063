//! A binary linear SVM (L2-regularised, squared hinge loss) trained by dual
//! coordinate descent — the algorithm of liblinear's solver 1 (Hsieh et al.,
//! "A Dual Coordinate Descent Method for Large-scale Linear SVM", ICML 2008),
//! which is what scikit-learn's `LinearSVC` runs.

use crate::rng::SplitMix64;

/// Sparse rows: `(feature, value)` pairs sorted by feature.
pub type Row = [(u32, f32)];

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct SvmParams {
    /// Inverse regularisation strength.
    pub c: f64,
    /// Stop when the projected-gradient spread falls below this.
    pub tol: f64,
    /// Upper bound on passes over the data.
    pub max_epochs: usize,
    /// Seed for the visiting order.
    pub seed: u64,
}

impl Default for SvmParams {
    fn default() -> Self {
        SvmParams {
            c: 1.0,
            tol: 1e-3,
            max_epochs: 1000,
            seed: 0x5eed,
        }
    }
}

/// Trains weights `w` (length `n_features`) and a bias for labels `y`
/// (`true` = positive). The bias is learned as the weight of a constant
/// feature 1, regularised like the others (liblinear's `-B 1`).
///
/// `scale`, when given, multiplies feature `j` of every row by `scale[j]`
/// (NB-SVM's log-count ratios) without materialising scaled copies.
pub fn train(
    rows: &[&Row],
    y: &[bool],
    n_features: usize,
    scale: Option<&[f32]>,
    p: SvmParams,
) -> (Vec<f64>, f64) {
    let sc = |j: u32| scale.map_or(1.0, |s| s[j as usize] as f64);
    let n = rows.len();
    let mut w = vec![0f64; n_features];
    let mut bias = 0f64;
    if n == 0 {
        return (w, bias);
    }
    let diag = 0.5 / p.c;
    let ys: Vec<f64> = y.iter().map(|&b| if b { 1.0 } else { -1.0 }).collect();
    let qii: Vec<f64> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|&(j, v)| {
                    let x = v as f64 * sc(j);
                    x * x
                })
                .sum::<f64>()
                + 1.0
                + diag
        })
        .collect();
    let mut alpha = vec![0f64; n];
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64::new(p.seed);
    for _ in 0..p.max_epochs {
        rng.shuffle(&mut order);
        let mut pg_max = f64::NEG_INFINITY;
        let mut pg_min = f64::INFINITY;
        for &i in &order {
            let row = rows[i];
            let yi = ys[i];
            let dot: f64 = row
                .iter()
                .map(|&(j, v)| w[j as usize] * v as f64 * sc(j))
                .sum::<f64>()
                + bias;
            let g = yi * dot - 1.0 + diag * alpha[i];
            let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qii[i]).max(0.0);
                let d = (alpha[i] - old) * yi;
                if d != 0.0 {
                    for &(j, v) in row {
                        w[j as usize] += d * v as f64 * sc(j);
                    }
                    bias += d;
                }
            }
        }
        if pg_max - pg_min <= p.tol {
            break;
        }
    }
    (w, bias)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_a_separable_problem() {
        // Feature 0 says positive, feature 1 says negative.
        let data: Vec<Vec<(u32, f32)>> = (0..40)
            .map(|i| {
                if i % 2 == 0 {
                    vec![(0, 1.0), (2, 0.3)]
                } else {
                    vec![(1, 1.0), (2, 0.3)]
                }
            })
            .collect();
        let rows: Vec<&Row> = data.iter().map(|r| r.as_slice()).collect();
        let y: Vec<bool> = (0..40).map(|i| i % 2 == 0).collect();
        let (w, b) = train(&rows, &y, 3, None, SvmParams::default());
        for (r, &label) in rows.iter().zip(&y) {
            let s: f64 = r
                .iter()
                .map(|&(j, v)| w[j as usize] * v as f64)
                .sum::<f64>()
                + b;
            assert_eq!(s > 0.0, label);
        }
        assert!(w[0] > 0.0 && w[1] < 0.0);
    }

    #[test]
    fn empty_input_gives_zero_model() {
        let (w, b) = train(&[], &[], 4, None, SvmParams::default());
        assert_eq!(w, vec![0.0; 4]);
        assert_eq!(b, 0.0);
    }
}
