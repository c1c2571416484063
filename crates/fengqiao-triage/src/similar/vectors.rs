//! A message as weighted terms: its character shingles, and a query's terms in a table for
//! scoring many candidates against it.

use crate::text::{is_content, normalize};
use rustc_hash::FxHasher;
use std::hash::{Hash, Hasher};

/// Characters of a message that are compared. The problem and the place come first in nearly
/// every message; a long letter's later paragraphs (history, arguments, requests) add terms
/// to every posting list it is in and little to telling its problem apart.
const SHINGLE_CHARS: usize = 400;

/// A message's hashed bigram counts, before weighting.
#[derive(Debug, Clone, PartialEq)]
pub struct Shingles(pub(super) Vec<(u32, f32)>);

impl Shingles {
    /// Bigrams of the normalised text (and single characters of one-character
    /// runs between punctuation, so "水" alone still counts). Sublinear counts.
    pub fn of(text: &str) -> Shingles {
        let text = normalize(text);
        let chars: Vec<char> = text.chars().take(SHINGLE_CHARS).collect();
        let mut hashes: Vec<u32> = Vec::with_capacity(chars.len());
        let mut run: Vec<char> = Vec::new();
        let flush = |run: &mut Vec<char>, hashes: &mut Vec<u32>| {
            for c in run.iter() {
                hashes.push(hash(std::slice::from_ref(c)));
            }
            for w in run.windows(2) {
                hashes.push(hash(w));
            }
            run.clear();
        };
        for &c in &chars {
            if is_content(c.encode_utf8(&mut [0; 4])) {
                run.push(c);
            } else {
                flush(&mut run, &mut hashes);
            }
        }
        flush(&mut run, &mut hashes);
        hashes.sort_unstable();
        let mut out = Vec::new();
        let mut i = 0;
        while i < hashes.len() {
            let h = hashes[i];
            let mut n = 0;
            while i < hashes.len() && hashes[i] == h {
                n += 1;
                i += 1;
            }
            out.push((h, 1.0 + (n as f32).ln()));
        }
        Shingles(out)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A query's terms in a small open-addressing table, for scoring many candidates against it:
/// a probe per candidate term, where merging two sorted lists took a branch the processor
/// could not predict at every step (the re-scoring of each search's candidates was a tenth of
/// an import's time).
pub(super) struct QueryTerms {
    /// The term + 1 as a u64 (so 0 marks an empty slot, whatever the term), and its weight.
    slots: Vec<(u64, f32)>,
    mask: usize,
}

impl QueryTerms {
    pub(super) fn new(q: &[(u32, f32)]) -> QueryTerms {
        let cap = (q.len() * 2).next_power_of_two().max(8);
        let mut slots = vec![(0u64, 0.0f32); cap];
        let mask = cap - 1;
        for &(t, w) in q {
            let mut i = Self::home(t) & mask;
            while slots[i].0 != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = (t as u64 + 1, w);
        }
        QueryTerms { slots, mask }
    }

    #[inline]
    fn home(t: u32) -> usize {
        (t as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) as usize >> 16
    }

    #[inline]
    fn weight(&self, t: u32) -> Option<f32> {
        let key = t as u64 + 1;
        let mut i = Self::home(t) & self.mask;
        loop {
            let (k, w) = self.slots[i];
            if k == key {
                return Some(w);
            }
            if k == 0 {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The dot product with a vector sorted by term: the same products, summed in the same
    /// order, as [`dot`].
    pub(super) fn dot(&self, v: &[(u32, f32)]) -> f32 {
        let mut sum = 0.0;
        for &(t, x) in v {
            if let Some(w) = self.weight(t) {
                sum += w * x;
            }
        }
        sum
    }
}

/// Scales `v` to unit length; returns the length it had.
pub(super) fn unit_length(v: &mut [(u32, f32)]) -> f32 {
    let norm = v.iter().map(|&(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for e in v {
            e.1 /= norm;
        }
    }
    norm
}

/// Dot product of two sparse vectors sorted by term: what [`QueryTerms::dot`] computes.
#[cfg(test)]
pub(super) fn dot(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

fn hash(chars: &[char]) -> u32 {
    let mut h = FxHasher::default();
    chars.hash(&mut h);
    let v = h.finish();
    (v ^ (v >> 32)) as u32
}
