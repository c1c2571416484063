//! The classifier's prediction-time layout, built for the cache: a message makes about a
//! thousand term lookups and reads some hundreds of feature rows in a model of a few hundred
//! thousand features, so nearly every access used to miss the cache, two or three times.
//!
//! - [`Table`]: term hash → feature index, open addressing with 8-byte slots and linear
//!   probing. A lookup, hit or miss, reads one cache line (a general map read a control group,
//!   then the bucket). Each block keeps one table per n-gram length, so the single characters
//!   every message looks up sit in a table of a few thousand slots that stays in cache.
//! - [`Rows`]: each feature's idf and its weight per class side by side, 32-byte aligned, so
//!   the TF-IDF value and the score read one row (half a cache line for seven classes) instead
//!   of an idf array and a weight array.

/// Eight floats on a 32-byte boundary: rows are made of these.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
pub(super) struct Lane([f32; 8]);

/// Term hash → feature index.
#[derive(Debug, Clone)]
pub(super) struct Table {
    /// 0 = empty; else the mixed hash's upper 32 bits, then the feature index + 1.
    slots: Vec<u64>,
    mask: usize,
}

impl Default for Table {
    fn default() -> Self {
        Table::new(&[])
    }
}

/// SplitMix64's finaliser: the term hash's bits spread over the whole word, so the low bits
/// choose the slot and the high bits tell terms apart.
#[inline]
fn mix(h: u64) -> u64 {
    let mut z = h;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Table {
    /// A table of `(term hash, feature index)` pairs, at most 60% full.
    pub(super) fn new(keys: &[(u64, u32)]) -> Table {
        let cap = (keys.len() * 5 / 3 + 1).next_power_of_two().max(8);
        let mask = cap - 1;
        let mut slots = vec![0u64; cap];
        for &(h, j) in keys {
            let z = mix(h);
            let mut i = z as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = (z >> 32 << 32) | (j as u64 + 1);
        }
        Table { slots, mask }
    }

    /// The feature index of the term with hash `h`, if the vocabulary has it. Terms are told
    /// apart by their slot and 32 bits of the mixed hash: a false match would need a 64-bit
    /// hash collision in practice (odds of about one in a billion per message).
    #[cfg(test)]
    fn get(&self, h: u64) -> Option<u32> {
        self.get_mixed(mix(h))
    }

    /// The key [`Table::prefetch`] and [`Table::get_mixed`] take for a term hash.
    #[inline]
    pub(super) fn key(h: u64) -> u64 {
        mix(h)
    }

    /// Asks the processor to bring the key's home slot into the cache and moves on. A message's
    /// lookups are independent, so a batch of them prefetched first has its cache misses served
    /// together, and the lookups that follow find their slots in cache. (A plain read of the
    /// slot did this before, but an instruction waiting on memory holds up all after it; a
    /// prefetch does not.)
    #[inline]
    pub(super) fn prefetch(&self, z: u64) {
        prefetch_index::prefetch_index(&self.slots, z as usize & self.mask);
    }

    #[inline]
    pub(super) fn get_mixed(&self, z: u64) -> Option<u32> {
        let tag = z >> 32;
        let mut i = z as usize & self.mask;
        loop {
            let s = self.slots[i];
            if s == 0 {
                return None;
            }
            if s >> 32 == tag {
                return Some((s as u32).wrapping_sub(1));
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// The most frequent terms of a table kept apart in a small table of their own: 8,192 terms
/// in 128 KiB, which stays in cache. Word frequencies follow Zipf's law, so most of a message's
/// lookups end there; the rest go to the large table. (Smaller in tests, so they cross both.)
const HOT: usize = if cfg!(test) { 64 } else { 8192 };

/// What the first of a lookup's two passes found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Found {
    /// Not in the table, or not looked up (no content).
    Absent,
    At(u32),
    /// Not among the frequent terms: its slot in the large table was prefetched, for the
    /// second pass to read.
    Cold(u64),
}

/// A Bloom filter of a table's keys, blocked: a key's four bits lie in one 64-bit word, 12–24
/// bits per key, so it answers "certainly absent" for about 98% of the terms a table lacks
/// with one read of a structure small enough to stay in cache. Most of a message's character
/// 3-grams are in no vocabulary; without it, each cost a trip to memory.
#[derive(Debug, Clone)]
struct Filter {
    words: Vec<u64>,
    mask: usize,
}

impl Filter {
    fn new(keys: &[(u64, u32)]) -> Filter {
        let n = (keys.len() * 12 / 64 + 1).next_power_of_two();
        let mut f = Filter {
            words: vec![0; n],
            mask: n - 1,
        };
        for &(h, _) in keys {
            let (w, bits) = f.bits(mix(h));
            f.words[w] |= bits;
        }
        f
    }

    #[inline]
    fn bits(&self, z: u64) -> (usize, u64) {
        let y = z.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let bits = (1 << (y & 63))
            | (1 << ((y >> 6) & 63))
            | (1 << ((y >> 12) & 63))
            | (1 << ((y >> 18) & 63));
        ((y >> 32) as usize & self.mask, bits)
    }

    #[inline]
    fn prefetch(&self, z: u64) {
        prefetch_index::prefetch_index(&self.words, self.bits(z).0);
    }

    #[inline]
    fn may_contain(&self, z: u64) -> bool {
        let (w, bits) = self.bits(z);
        self.words[w] & bits == bits
    }
}

/// A table in two tiers: the most frequent terms, then the rest behind a filter. Lookups run
/// in three passes over a batch of terms: the first prefetches each key's slot among the
/// frequent terms and its filter word ([`Tiered::prefetch`]); the second resolves the frequent
/// ones, rules out most absent ones, and prefetches the large table's slot for the others
/// ([`Tiered::first_pass`]); the third reads those slots ([`Tiered::second_pass`]).
#[derive(Debug, Clone)]
pub(super) struct Tiered {
    hot: Table,
    filter: Filter,
    cold: Table,
}

impl Default for Tiered {
    fn default() -> Self {
        Tiered::new(&[])
    }
}

impl Tiered {
    /// `keys` in feature order, most frequent first.
    pub(super) fn new(keys: &[(u64, u32)]) -> Tiered {
        let k = keys.len().min(HOT);
        Tiered {
            hot: Table::new(&keys[..k]),
            filter: Filter::new(&keys[k..]),
            cold: Table::new(&keys[k..]),
        }
    }

    #[inline]
    pub(super) fn prefetch(&self, z: u64) {
        self.hot.prefetch(z);
        self.filter.prefetch(z);
    }

    #[inline]
    pub(super) fn first_pass(&self, z: u64) -> Found {
        match self.hot.get_mixed(z) {
            Some(j) => Found::At(j),
            None if self.filter.may_contain(z) => {
                self.cold.prefetch(z);
                Found::Cold(z)
            }
            None => Found::Absent,
        }
    }

    #[inline]
    pub(super) fn second_pass(&self, f: Found) -> Option<u32> {
        match f {
            Found::Absent => None,
            Found::At(j) => Some(j),
            Found::Cold(z) => self.cold.get_mixed(z),
        }
    }
}

/// Per feature: its idf, then one weight per class.
#[derive(Debug, Clone, Default)]
pub(super) struct Rows {
    lanes: Vec<Lane>,
    /// Lanes per row.
    per_row: usize,
    classes: usize,
}

impl Rows {
    /// Rows for `idf.len()` features and `classes` classes, weights zero.
    pub(super) fn new(idf: &[f32], classes: usize) -> Rows {
        let per_row = (classes + 1).div_ceil(8);
        let mut lanes = vec![Lane::default(); idf.len() * per_row];
        for (j, &v) in idf.iter().enumerate() {
            lanes[j * per_row].0[0] = v;
        }
        Rows {
            lanes,
            per_row,
            classes,
        }
    }

    #[inline]
    fn at(&self, j: u32, k: usize) -> f32 {
        self.lanes[j as usize * self.per_row + k / 8].0[k % 8]
    }

    #[inline]
    pub(super) fn idf(&self, j: u32) -> f32 {
        self.at(j, 0)
    }

    #[inline]
    pub(super) fn weight(&self, j: u32, class: usize) -> f32 {
        self.at(j, class + 1)
    }

    pub(super) fn set_weight(&mut self, j: usize, class: usize, w: f32) {
        let k = class + 1;
        self.lanes[j * self.per_row + k / 8].0[k % 8] = w;
    }

    /// Asks the processor to bring feature `j`'s row into the cache (see [`Table::prefetch`]).
    #[inline]
    pub(super) fn prefetch(&self, j: u32) {
        prefetch_index::prefetch_index(&self.lanes, j as usize * self.per_row);
    }

    /// Accumulators for [`Rows::add_to`]: laid out like a row, `bias` where the weights are.
    pub(super) fn accumulators(&self, bias: &[f32]) -> Vec<Lane> {
        let mut acc = vec![Lane::default(); self.per_row];
        for (k, &b) in bias.iter().enumerate().take(self.classes) {
            acc[(k + 1) / 8].0[(k + 1) % 8] = b;
        }
        acc
    }

    /// Adds `v` times feature `j`'s row to `acc`, eight lanes at a time (the idf and the
    /// padding land in slots nobody reads).
    #[inline]
    pub(super) fn add_to(&self, acc: &mut [Lane], j: u32, v: f32) {
        let row = &self.lanes[j as usize * self.per_row..(j as usize + 1) * self.per_row];
        for (a, l) in acc.iter_mut().zip(row) {
            for (a, w) in a.0.iter_mut().zip(l.0) {
                *a += v * w;
            }
        }
    }

    /// The class scores in accumulators.
    pub(super) fn scores_of(&self, acc: &[Lane]) -> Vec<f32> {
        (1..=self.classes).map(|k| acc[k / 8].0[k % 8]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_key_and_nothing_else() {
        let keys: Vec<(u64, u32)> = (0..10_000u64)
            .map(|i| (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xabc, i as u32 * 3))
            .collect();
        let t = Table::new(&keys);
        for &(h, j) in &keys {
            assert_eq!(t.get(h), Some(j));
        }
        let misses = (10_000..60_000u64)
            .filter(|i| {
                t.get(i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xabc)
                    .is_some()
            })
            .count();
        assert_eq!(misses, 0);
        assert_eq!(Table::default().get(42), None);
        // The same through two tiers: the first HOT keys in the small table.
        let tiered = Tiered::new(&keys);
        for &(h, j) in &keys {
            let f = tiered.first_pass(Table::key(h));
            assert_eq!(tiered.second_pass(f), Some(j));
            assert_eq!(matches!(f, Found::At(_)), j < HOT as u32 * 3);
        }
        let f = tiered.first_pass(Table::key(12345));
        assert_eq!(tiered.second_pass(f), None);
        // The filter rules out nearly every absent key before the large table is read.
        let passed = (10_000..60_000u64)
            .filter(|i| {
                let h = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xabc;
                tiered.first_pass(Table::key(h)) != Found::Absent
            })
            .count();
        assert!(
            passed < 50_000 / 25,
            "{passed} of 50,000 absent keys passed the filter"
        );
    }

    #[test]
    fn rows_keep_idf_and_weights_apart_across_lanes() {
        let mut r = Rows::new(&[1.5, 2.5], 9);
        for c in 0..9 {
            r.set_weight(1, c, c as f32);
        }
        assert_eq!((r.idf(0), r.idf(1)), (1.5, 2.5));
        assert_eq!(r.weight(1, 8), 8.0);
        assert_eq!(r.weight(0, 8), 0.0);
        let mut acc = r.accumulators(&[1.0; 9]);
        r.add_to(&mut acc, 1, 2.0);
        assert_eq!(
            r.scores_of(&acc),
            (0..9).map(|c| 1.0 + 2.0 * c as f32).collect::<Vec<_>>()
        );
    }
}
