//! A message as features: normalised and segmented once (`Analyzed`), its words and character
//! n-grams looked up in the vocabulary (see `lookup`), and weighed as TF-IDF per block.

use super::lookup::{Found, Table};
use super::*;
use crate::text::{short_key, KEY_CHAR_BITS as CHAR_BITS};

/// A message as the classifier sees it.
pub(super) struct Analyzed {
    text: String,
    title: String,
    /// Byte ranges of the words in `text`.
    words: Vec<(u32, u32)>,
}

impl Analyzed {
    pub(super) fn new(seg: &Segmenter, title: &str, body: &str) -> Analyzed {
        let title = normalize(title);
        let body = normalize(body);
        let text = match (title.is_empty(), body.is_empty()) {
            (true, _) => body,
            (_, true) => title.clone(),
            _ => format!("{title} {body}"),
        };
        let base = text.as_ptr() as usize;
        // About one word per two characters (three bytes each).
        let mut words = Vec::with_capacity(text.len() / 6 + 1);
        seg.for_each_word(&text, |w| {
            let start = (w.as_ptr() as usize - base) as u32;
            words.push((start, start + w.len() as u32));
        });
        Analyzed { text, title, words }
    }

    /// Calls `f` with every term of `block`.
    pub(super) fn terms<'a>(&'a self, block: usize, mut f: impl FnMut(&'a str)) {
        match block {
            WORDS => {
                for &(s, e) in &self.words {
                    f(&self.text[s as usize..e as usize]);
                }
            }
            CHARS => char_ngrams(&self.text, 3, f),
            _ => char_ngrams(&self.title, 2, f),
        }
    }
}

/// Character n-grams of length 1..=`max` that contain some content.
///
/// Training enumerates the n-grams as text; prediction walks the same ones by key
/// ([`lookup_char_ngrams`]), and a test holds the two to the same features.
pub(super) fn char_ngrams<'a>(s: &'a str, max: usize, mut f: impl FnMut(&'a str)) {
    // Each character's byte offset (and the end's), and whether it is content.
    let mut bounds: Vec<usize> = Vec::with_capacity(s.len() / 2 + 1);
    let mut content: Vec<bool> = Vec::with_capacity(s.len() / 2);
    for (i, c) in s.char_indices() {
        bounds.push(i);
        content.push(crate::text::is_content_char(c));
    }
    bounds.push(s.len());
    let chars = content.len();
    for i in 0..chars {
        let mut has = false;
        for n in 1..=max.min(chars - i) {
            has |= content[i + n - 1];
            if has {
                f(&s[bounds[i]..bounds[i + n]]);
            }
        }
    }
}

/// Pushes the features of `s`'s content n-grams (lengths 1..=`max`, looked up in `tables` by
/// length). An n-gram is looked up only when its prefix was found: its document frequency is
/// at most its prefix's, so it cannot be in the vocabulary (min_df) otherwise. Works through
/// windows of characters, each in the three passes of a [`Tiered`] lookup, so the cache misses
/// of a window's lookups overlap.
pub(super) fn lookup_char_ngrams(s: &str, max: usize, tables: &[Tiered; 3], idx: &mut Vec<u32>) {
    const WINDOW: usize = 32;
    const CONTENT: u32 = 1 << 31;
    // Each character's code point, with the top bit set when it is content.
    let mut chars: Vec<u32> = Vec::with_capacity(s.len());
    let content = |c| crate::text::is_content_char(c) as u32 * CONTENT;
    chars.extend(s.chars().map(|c| c as u32 | content(c)));
    let n_chars = chars.len();
    let max = max.min(3);
    // Per n-gram of the window: its key, or `None` when it holds no content.
    let mut keys = [[None::<u64>; 3]; WINDOW];
    let mut found = [[Found::Absent; 3]; WINDOW];
    let mut w = 0;
    while w < n_chars {
        let end = (w + WINDOW).min(n_chars);
        for i in w..end {
            let mut has = false;
            let mut key = 0u64;
            for n in 1..=max {
                let z = match chars.get(i + n - 1) {
                    Some(&c) => {
                        has |= c & CONTENT != 0;
                        key |= u64::from(c & !CONTENT) << (CHAR_BITS as usize * (n - 1));
                        has.then(|| Table::key(key))
                    }
                    None => None,
                };
                if let Some(z) = z {
                    tables[n - 1].prefetch(z);
                }
                keys[i - w][n - 1] = z;
            }
        }
        for i in w..end {
            for n in 1..=max {
                found[i - w][n - 1] = match keys[i - w][n - 1] {
                    Some(z) => tables[n - 1].first_pass(z),
                    None => Found::Absent,
                };
            }
        }
        for i in w..end {
            for n in 1..=max {
                match tables[n - 1].second_pass(found[i - w][n - 1]) {
                    Some(j) => idx.push(j),
                    None if keys[i - w][n - 1].is_some() => break,
                    None => {}
                }
            }
        }
        w = end;
    }
}

pub(super) fn term_hash(t: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    t.hash(&mut h);
    h.finish()
}

/// The distinct feature indices of a block and how often each occurs, in order of first
/// occurrence. Counting by open addressing costs one probe per index, where sorting the
/// indices to group them cost a comparison sort (6% of classifying a message).
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// `(feature, count)`; `u32::MAX` marks an empty slot (no model has that many features).
    slots: Vec<(u32, u32)>,
    /// The occupied slots, in order of first occurrence.
    order: Vec<u32>,
}

impl Tally {
    const EMPTY: u32 = u32::MAX;

    fn count(&mut self, idx: &[u32]) {
        let cap = (idx.len() * 2).next_power_of_two().max(16);
        let mask = cap - 1;
        let shift = 32 - cap.trailing_zeros();
        self.slots.clear();
        self.slots.resize(cap, (Tally::EMPTY, 0));
        self.order.clear();
        for &j in idx {
            let mut i = (j.wrapping_mul(0x9e37_79b9) >> shift) as usize;
            loop {
                let slot = &mut self.slots[i];
                if slot.0 == j {
                    slot.1 += 1;
                    break;
                }
                if slot.0 == Tally::EMPTY {
                    *slot = (j, 1);
                    self.order.push(i as u32);
                    break;
                }
                i = (i + 1) & mask;
            }
        }
    }

    fn counted(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.order.iter().map(|&i| self.slots[i as usize])
    }
}

/// Appends a block's TF-IDF values (sublinear tf, L2-normalised, times `weight`) for the
/// feature indices in `idx`, each feature once, in order of first occurrence.
pub(super) fn push_tfidf(
    out: &mut Vec<(u32, f32)>,
    idx: &[u32],
    rows: &Rows,
    weight: f32,
    tally: &mut Tally,
) {
    // The rows' reads below miss the cache; started now, they are served while counting.
    for &j in idx {
        rows.prefetch(j);
    }
    tally.count(idx);
    let start = out.len();
    for (j, tf) in tally.counted() {
        // Most terms occur once (ln 1 = 0): no call to ln, so the loop's idf reads overlap.
        let sublinear = if tf == 1 { 1.0 } else { 1.0 + (tf as f32).ln() };
        out.push((j, sublinear * rows.idf(j)));
    }
    let norm = out[start..].iter().map(|&(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for e in &mut out[start..] {
            e.1 *= weight / norm;
        }
    }
}

impl Model {
    /// A message's features: each block's TF-IDF values, a block's features in order of first
    /// occurrence (training sorts them, see `fit_refs`).
    pub(super) fn vectorize(&self, doc: &Analyzed) -> Vec<(u32, f32)> {
        // Capacity for a Chinese text: three n-grams per character, three bytes each.
        let bytes = doc.text.len() + 1;
        let mut out = Vec::with_capacity(bytes);
        let mut tally = Tally::default();
        let mut idx: Vec<u32> = Vec::with_capacity(bytes);
        let mut keys: Vec<u64> = Vec::with_capacity(doc.words.len());
        let mut found: Vec<Found> = Vec::with_capacity(doc.words.len());
        for (b, block) in self.blocks.iter().enumerate() {
            idx.clear();
            match b {
                WORDS => {
                    // Every word looked up in three passes (see `Tiered`).
                    let table = &block.tables[0];
                    keys.clear();
                    doc.terms(b, |t| {
                        let z = Table::key(term_hash(t));
                        table.prefetch(z);
                        keys.push(z);
                    });
                    found.clear();
                    found.extend(keys.iter().map(|&z| table.first_pass(z)));
                    idx.extend(found.iter().filter_map(|&f| table.second_pass(f)));
                }
                CHARS => lookup_char_ngrams(&doc.text, 3, &block.tables, &mut idx),
                _ => lookup_char_ngrams(&doc.title, 2, &block.tables, &mut idx),
            }
            let weight = if b == TITLE { self.title_weight } else { 1.0 };
            push_tfidf(&mut out, &idx, &self.rows, weight, &mut tally);
        }
        out
    }

    /// Builds each block's lookup tables from its terms (in feature order, so the most
    /// frequent first): words in one, character n-grams by length.
    pub(super) fn index_terms(&mut self) {
        for (b, block) in self.blocks.iter_mut().enumerate() {
            let mut keys: [Vec<(u64, u32)>; 3] = Default::default();
            for (i, name) in block.names.iter().enumerate() {
                let j = block.offset + i as u32;
                if b == WORDS {
                    keys[0].push((term_hash(name), j));
                    continue;
                }
                // A character block's names are n-grams of one to three characters; anything
                // else (only a damaged model could hold it) is never looked up, and its key
                // would not be its own.
                if let Some(key) = short_key(name, 3) {
                    keys[name.chars().count() - 1].push((key, j));
                }
            }
            block.tables = keys.map(|k| Tiered::new(&k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{corpus, trained};
    use super::*;

    /// Every n-gram of up to three characters has a key of its own, whatever its characters
    /// (the tables tell lengths apart, so "a" and "a\0" need not differ).
    #[test]
    fn gram_keys_tell_every_short_ngram_apart() {
        let chars = ['a', 'z', '路', '灯', '，', '\u{10ffff}', '\u{20000}'];
        let mut keys = std::collections::HashSet::new();
        let mut grams = 0;
        for a in chars {
            for b in chars {
                for c in chars {
                    for gram in [format!("{a}"), format!("{a}{b}"), format!("{a}{b}{c}")] {
                        let len = gram.chars().count();
                        if keys.insert((len, short_key(&gram, 3))) {
                            grams += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(grams, 7 + 7 * 7 + 7 * 7 * 7);
    }

    /// The tally counts every index once, in order of first occurrence, however the indices
    /// collide in its table.
    #[test]
    fn tally_counts_each_feature_in_order_of_first_occurrence() {
        let mut tally = Tally::default();
        let mut rng = crate::rng::SplitMix64::new(7);
        for len in [0usize, 1, 5, 16, 17, 700, 3000] {
            // Few distinct values, spread over the whole range, so slots collide and chains wrap.
            let values: Vec<u32> = (0..len.div_ceil(3).max(1))
                .map(|_| (rng.next_u64() >> 33) as u32)
                .collect();
            let idx: Vec<u32> = (0..len)
                .map(|_| values[(rng.next_u64() % values.len() as u64) as usize])
                .collect();
            let mut expected: Vec<(u32, u32)> = Vec::new();
            for &j in &idx {
                match expected.iter_mut().find(|e| e.0 == j) {
                    Some(e) => e.1 += 1,
                    None => expected.push((j, 1)),
                }
            }
            tally.count(&idx);
            assert_eq!(
                tally.counted().collect::<Vec<_>>(),
                expected,
                "{len} indices"
            );
        }
    }

    /// The lookup tables (by n-gram length, prefetched in windows, extensions of a missed prefix
    /// skipped) find exactly what checking every term of the message against the vocabulary
    /// finds, with the same TF-IDF values.
    #[test]
    fn lookups_find_what_a_plain_vocabulary_finds() {
        let (seg, model) = trained();
        let mut vocab: Vec<FxHashMap<&str, u32>> = Vec::new();
        for b in &model.blocks {
            vocab.push(
                b.names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (&**n, b.offset + i as u32))
                    .collect(),
            );
        }
        let long = "路灯坏了".repeat(40) + "，垃圾没人清运，噪音扰民，水管破裂漏水";
        let mut texts: Vec<String> = corpus().into_iter().map(|(t, _)| t).collect();
        texts.extend([long, "完全陌生的内容abc".to_string(), String::new()]);
        for text in &texts {
            let doc = Analyzed::new(&seg, "路灯", text);
            let mut expected = Vec::new();
            for (b, v) in vocab.iter().enumerate() {
                let mut idx = Vec::new();
                doc.terms(b, |t| idx.extend(v.get(t)));
                let weight = if b == TITLE { model.title_weight } else { 1.0 };
                push_tfidf(
                    &mut expected,
                    &idx,
                    &model.rows,
                    weight,
                    &mut Tally::default(),
                );
            }
            assert_eq!(model.vectorize(&doc), expected, "{text}");
        }
    }
}
