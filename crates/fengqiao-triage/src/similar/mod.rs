//! "Same problem, many channels": an index of open cases by place, searched
//! by character-bigram TF-IDF cosine similarity.
//!
//! Citizens describe one broken pipe in many words, but the characters that
//! name the thing and the place repeat; bigrams of characters catch that
//! without depending on segmentation. Cases are partitioned by place (the
//! caller's key: a village or grid), so a search only looks at its
//! neighbours, and an inverted index keeps it proportional to the postings of
//! the message's own bigrams.

mod vectors;

use rustc_hash::FxHashMap;
#[cfg(test)]
use vectors::dot;
pub use vectors::Shingles;
use vectors::{unit_length, QueryTerms};

/// Smoothed idf with [`PRIOR_CASES`] imaginary cases that lack the term, so a small place or a
/// young index does not count a handful of reports' shared words as common: `n` cases in the
/// place, `df` of them with the term.
fn idf(n: u32, df: u32) -> f32 {
    ((1.0 + PRIOR_CASES + n as f32) / (1.0 + df as f32)).ln() + 1.0
}

#[derive(Debug, Clone)]
struct Entry {
    id: i64,
    partition: i64,
    at: i64,
    /// When it was inserted, counted in insertions (see [`SimilarityIndex::mark`]).
    seq: u64,
    /// Sublinear term counts; weighted with the place's current idf when scored in a place
    /// with few cases, where each new case still moves the idf.
    terms: Shingles,
    /// Unit-length TF-IDF vector with the idf as of insertion: used once a place has some
    /// history, where the (smoothed) idf moves slowly and re-weighing every candidate would
    /// cost more than it changes.
    vector: Vec<(u32, f32)>,
    /// One over the length of the case's weights as of insertion: posting lists keep the
    /// weights unscaled (so inserting is one pass over the message's terms), and a search scales
    /// each candidate's partial score once.
    inv_norm: f32,
}

/// From this many cases in a place on, stored vectors are scored as they are.
const SETTLED: u32 = 50;

/// A match: the indexed case and its cosine similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    pub id: i64,
    pub similarity: f32,
}

thread_local! {
    /// Per-thread partial-score array for [`SimilarityIndex::search`].
    static SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Background cases assumed in every idf (see [`SimilarityIndex::idf`]).
const PRIOR_CASES: f32 = 100.0;

/// Postings of one term read per search, newest first in effect: the cap that keeps a search's
/// cost flat under a surge of one report repeated. (128 before 2026-12-07: halving it and
/// re-scoring 16 candidates instead of 24 left the labelled precision and recall as they were
/// and cut a search's median by about a third; BENCHMARKS.md.)
const POSTINGS_WALKED: usize = 64;

/// Candidates re-scored exactly per search.
const RESCORE: usize = 16;

/// Candidates re-scored by [`SimilarityIndex::search_newer`]: what was stored while one message
/// was analysed is a few dozen cases at most, and a look-alike among them has one of the best
/// partial scores.
const RESCORE_NEWER: usize = 4;

/// A message's heaviest terms that pick candidates (all terms score them). A long letter has
/// hundreds of characters and bigrams; a report that repeats it shares its rare ones, and the
/// exact re-score over all terms decides.
const PROBE_TERMS: usize = 48;

/// Open cases by place, searchable by text similarity.
///
/// Cases live in dense slots; each (place, term) posting list holds `(slot, weight)`, so a
/// search accumulates partial scores into a flat array over the message's distinctive terms
/// only, then re-scores the best [`RESCORE`] candidates with the exact cosine.
///
/// Document frequency is per place: a village's own name, or the way its grid worker writes,
/// is common there and must not make every report from it look alike. A place's frequency of a
/// term is the length of its posting list (each case posts each of its terms once, and removal
/// filters the lists), so it costs no second table; only an index with global frequencies keeps
/// one.
#[derive(Debug, Default)]
pub struct SimilarityIndex {
    slots: Vec<Option<Entry>>,
    free: Vec<u32>,
    slot_of: FxHashMap<i64, u32>,
    postings: FxHashMap<(i64, u32), Vec<(u32, f32)>>,
    /// Document frequency over the whole index, when it counts globally.
    global_df: Option<FxHashMap<u32, u32>>,
    per_place: FxHashMap<i64, u32>,
    /// Insertions so far: the last entry's `seq`.
    inserted: u64,
    /// Each place's last insertion, so a search of what is newer than a mark can tell at once
    /// that its place has nothing newer.
    newest: FxHashMap<i64, u64>,
}

impl SimilarityIndex {
    /// An index whose term weights are relative to each place (for the duplicate finder:
    /// what is common in a village says little about two of its reports).
    pub fn new() -> SimilarityIndex {
        SimilarityIndex::default()
    }

    /// An index whose term weights are relative to everything indexed. For hot spots, whose
    /// partitions are small (a place and a kind of problem) and would otherwise count a
    /// cluster's own shared words as common.
    pub fn with_global_idf() -> SimilarityIndex {
        SimilarityIndex {
            global_df: Some(FxHashMap::default()),
            ..SimilarityIndex::default()
        }
    }

    /// The index as of now, for a later [`SimilarityIndex::search_newer`]: the number of
    /// insertions it has seen.
    pub fn mark(&self) -> u64 {
        self.inserted
    }

    /// Counts this (empty) index's insertions on from `mark`, so that marks taken of the index
    /// it replaces still tell what was inserted after them.
    pub fn continuing_from(mut self, mark: u64) -> SimilarityIndex {
        self.inserted = self.inserted.max(mark);
        self
    }

    fn scope(&self, partition: i64) -> i64 {
        if self.global_df.is_some() {
            i64::MIN
        } else {
            partition
        }
    }

    /// Cases in the scope of `partition` with term `t`.
    fn df(&self, partition: i64, t: u32) -> u32 {
        match &self.global_df {
            Some(df) => df.get(&t).copied().unwrap_or(0),
            None => self
                .postings
                .get(&(partition, t))
                .map_or(0, |l| l.len() as u32),
        }
    }

    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }

    fn place_size(&self, partition: i64) -> u32 {
        self.per_place
            .get(&self.scope(partition))
            .copied()
            .unwrap_or(0)
    }

    /// The message's unit-length TF-IDF vector in the place as it stands.
    fn weigh(&self, partition: i64, s: &Shingles) -> Vec<(u32, f32)> {
        let n = self.place_size(partition);
        let mut v: Vec<(u32, f32)> =
            s.0.iter()
                .map(|&(t, tf)| (t, tf * idf(n, self.df(partition, t))))
                .collect();
        unit_length(&mut v);
        v
    }

    /// Adds (or replaces) case `id` in `partition`, received at `at` (any
    /// monotonic unit, e.g. milliseconds).
    pub fn insert(&mut self, id: i64, partition: i64, at: i64, s: &Shingles) {
        self.remove(id);
        let n = {
            let n = self.per_place.entry(self.scope(partition)).or_default();
            *n += 1;
            *n
        };
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        // Postings carry the weights as of insertion (good enough to pick candidates); the
        // final similarity is computed with the current idf. Each term's count is final once
        // it is raised (a message's terms are distinct), so it is weighed in the same pass as
        // it is posted: one table lookup per term.
        let mut vector: Vec<(u32, f32)> = Vec::with_capacity(s.0.len());
        for &(t, tf) in &s.0 {
            let list = self.postings.entry((partition, t)).or_default();
            let df = match &mut self.global_df {
                Some(global) => {
                    let df = global.entry(t).or_default();
                    *df += 1;
                    *df
                }
                None => list.len() as u32 + 1,
            };
            let w = tf * idf(n, df);
            list.push((slot, w));
            vector.push((t, w));
        }
        let norm = unit_length(&mut vector);
        let inv_norm = if norm > 0.0 { norm.recip() } else { 0.0 };
        self.inserted += 1;
        self.newest.insert(partition, self.inserted);
        self.slots[slot as usize] = Some(Entry {
            id,
            partition,
            at,
            seq: self.inserted,
            terms: s.clone(),
            vector,
            inv_norm,
        });
        self.slot_of.insert(id, slot);
    }

    /// Forgets case `id` (closed, merged, or too old).
    pub fn remove(&mut self, id: i64) {
        self.remove_many(std::iter::once(id));
    }

    /// Forgets several cases at once: each posting list they appear in is filtered once,
    /// however many of them it holds (pruning a day of reports would otherwise walk the
    /// long lists once per report).
    pub fn remove_many(&mut self, ids: impl IntoIterator<Item = i64>) {
        let mut dead = Vec::new();
        let mut lists: Vec<(i64, u32)> = Vec::new();
        for id in ids {
            let Some(slot) = self.slot_of.remove(&id) else {
                continue;
            };
            let Some(e) = self.slots[slot as usize].take() else {
                continue;
            };
            dead.push(slot);
            let scope = self.scope(e.partition);
            if let Some(n) = self.per_place.get_mut(&scope) {
                *n -= 1;
                if *n == 0 {
                    self.per_place.remove(&scope);
                }
            }
            for &(t, _) in &e.terms.0 {
                if let Some(global) = &mut self.global_df {
                    if let Some(df) = global.get_mut(&t) {
                        *df -= 1;
                        if *df == 0 {
                            global.remove(&t);
                        }
                    }
                }
                lists.push((e.partition, t));
            }
        }
        if dead.is_empty() {
            return;
        }
        lists.sort_unstable();
        lists.dedup();
        // Emptied slots hold `None` until the lists are filtered, so this test is exact.
        for key in lists {
            if let Some(list) = self.postings.get_mut(&key) {
                list.retain(|&(x, _)| self.slots[x as usize].is_some());
                if list.is_empty() {
                    self.postings.remove(&key);
                }
            }
        }
        self.free.extend(dead);
    }

    /// Forgets every case received before `before`.
    pub fn prune(&mut self, before: i64) {
        let old: Vec<i64> = self
            .slots
            .iter()
            .flatten()
            .filter(|e| e.at < before)
            .map(|e| e.id)
            .collect();
        self.remove_many(old);
    }

    /// Cases in `partition` received at or after `since` whose similarity to
    /// `s` is at least `threshold`, most similar first, at most `limit`.
    pub fn search(
        &self,
        partition: i64,
        since: i64,
        s: &Shingles,
        threshold: f32,
        limit: usize,
    ) -> Vec<Match> {
        let q = self.weigh(partition, s);
        self.search_vector(partition, since, None, &q, threshold, limit)
    }

    /// [`SimilarityIndex::search`] among the cases inserted after `mark` only: the look-alikes
    /// stored while a message was being analysed, which its own search could not see. Each
    /// posting list is walked from its newest entry back to the mark, so the search costs as
    /// many steps as there were insertions since, not the place's size.
    pub fn search_newer(
        &self,
        partition: i64,
        since: i64,
        mark: u64,
        s: &Shingles,
        threshold: f32,
        limit: usize,
    ) -> Vec<Match> {
        if self.newest.get(&partition).is_none_or(|&last| last <= mark) {
            return Vec::new();
        }
        let q = self.weigh(partition, s);
        self.search_vector(partition, since, Some(mark), &q, threshold, limit)
    }

    /// The cluster around indexed case `id`: every case in its partition since
    /// `since` reachable through links of similarity ≥ `threshold` (single
    /// linkage), `id` included, at most `limit` cases.
    pub fn cluster(&self, id: i64, since: i64, threshold: f32, limit: usize) -> Vec<i64> {
        let Some(start) = self
            .slot_of
            .get(&id)
            .and_then(|&s| self.slots[s as usize].as_ref())
        else {
            return Vec::new();
        };
        let partition = start.partition;
        let mut members = vec![id];
        let mut next = 0;
        while next < members.len() && members.len() < limit {
            let slot = self.slot_of[&members[next]];
            let e = self.slots[slot as usize].as_ref().expect("indexed");
            next += 1;
            let q = self.weigh(partition, &e.terms);
            for m in self.search_vector(partition, since, None, &q, threshold, limit) {
                if !members.contains(&m.id) {
                    members.push(m.id);
                    if members.len() == limit {
                        break;
                    }
                }
            }
        }
        members
    }

    fn search_vector(
        &self,
        partition: i64,
        since: i64,
        after: Option<u64>,
        q: &[(u32, f32)],
        threshold: f32,
        limit: usize,
    ) -> Vec<Match> {
        // Partial scores over the message's heaviest terms, each over the newest
        // [`POSTINGS_WALKED`] cases that have it: a search costs the same in a place with a
        // thousand reports of one burst main as in a quiet one, and a surge's newest reports
        // are its best candidates. Common words ("的", "反映") weigh little either way.
        // Partial scores go into a per-thread array as long as the slot table, reused across
        // searches (only the touched entries are cleared), so a search never zeroes memory in
        // proportion to the whole index.
        let mut touched: Vec<(u32, f32)> = SCRATCH.with(|cell| {
            let mut acc = cell.borrow_mut();
            if acc.len() < self.slots.len() {
                acc.resize(self.slots.len(), 0.0);
            }
            let mut slots: Vec<u32> = Vec::new();
            let mut probe: Vec<(u32, f32)> = q.to_vec();
            if probe.len() > PROBE_TERMS {
                probe.select_nth_unstable_by(PROBE_TERMS - 1, |a, b| b.1.total_cmp(&a.1));
                probe.truncate(PROBE_TERMS);
            }
            let mut add = |slot: u32, w: f32| {
                let a = &mut acc[slot as usize];
                if *a == 0.0 {
                    slots.push(slot);
                }
                *a += w;
            };
            for (t, w) in probe {
                let Some(list) = self.postings.get(&(partition, t)) else {
                    continue;
                };
                let walked = &list[list.len().saturating_sub(POSTINGS_WALKED)..];
                match after {
                    None => walked.iter().for_each(|&(slot, dw)| add(slot, w * dw)),
                    // Lists keep insertion order (removal filters them in place).
                    Some(mark) => walked
                        .iter()
                        .rev()
                        .take_while(|&&(slot, _)| {
                            self.slots[slot as usize]
                                .as_ref()
                                .is_some_and(|e| e.seq > mark)
                        })
                        .for_each(|&(slot, dw)| add(slot, w * dw)),
                }
            }
            slots
                .into_iter()
                .map(|slot| {
                    let scale = self.slots[slot as usize]
                        .as_ref()
                        .map_or(0.0, |e| e.inv_norm);
                    (slot, std::mem::take(&mut acc[slot as usize]) * scale)
                })
                .collect()
        });
        // The best candidates by partial score, re-scored exactly over all terms.
        let rescore = if after.is_some() {
            RESCORE_NEWER
        } else {
            RESCORE
        };
        if touched.len() > rescore {
            touched.select_nth_unstable_by(rescore - 1, |a, b| b.1.total_cmp(&a.1));
            touched.truncate(rescore);
        }
        let settled = self.place_size(partition) >= SETTLED;
        let query = QueryTerms::new(q);
        let mut out: Vec<Match> = touched
            .into_iter()
            .filter_map(|(slot, _)| {
                let e = self.slots[slot as usize].as_ref()?;
                if e.at < since {
                    return None;
                }
                let similarity = if settled {
                    query.dot(&e.vector)
                } else {
                    query.dot(&self.weigh(partition, &e.terms))
                };
                (similarity >= threshold).then_some(Match {
                    id: e.id,
                    similarity,
                })
            })
            .collect();
        out.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then(a.id.cmp(&b.id)));
        out.truncate(limit);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> SimilarityIndex {
        let mut ix = SimilarityIndex::new();
        let texts = [
            (1, 7, "石板溪村三组的路灯坏了一个多月，晚上出行很不方便"),
            (2, 7, "石板溪村村口的垃圾堆了好几天没人清运，气味难闻"),
            (3, 8, "石板溪村三组的路灯坏了一个多月，晚上出行很不方便"),
            (4, 7, "镇上中学门口早晚高峰堵车严重，希望安排交警疏导"),
        ];
        for (id, part, text) in texts {
            ix.insert(id, part, id * 10, &Shingles::of(text));
        }
        ix
    }

    fn ids(found: Vec<Match>) -> Vec<i64> {
        found.iter().map(|m| m.id).collect()
    }

    #[test]
    fn search_newer_sees_only_what_was_inserted_after_the_mark() {
        let mut ix = index();
        let text = "石板溪村三组的路灯坏了一个多月，晚上出行很不方便";
        let q = Shingles::of(text);
        let mark = ix.mark();
        assert!(
            ix.search_newer(7, 0, mark, &q, 0.3, 5).is_empty(),
            "case 1 is as like it as can be, but was there before the mark"
        );
        ix.insert(
            5,
            7,
            50,
            &Shingles::of("石板溪村三组路灯坏了一个多月，晚上出行不方便"),
        );
        ix.insert(6, 7, 60, &Shingles::of("镇上中学门口早晚高峰堵车严重"));
        ix.insert(7, 8, 70, &Shingles::of(text));
        assert_eq!(
            ids(ix.search_newer(7, 0, mark, &q, 0.3, 5)),
            vec![5],
            "newer, alike and in the same place"
        );
        assert_eq!(ids(ix.search(7, 0, &q, 0.3, 5)), vec![1, 5]);
        // An index that replaces this one goes on counting, so the mark still holds.
        let mut rebuilt = SimilarityIndex::new().continuing_from(ix.mark());
        rebuilt.insert(1, 7, 10, &Shingles::of(text));
        assert_eq!(
            ids(rebuilt.search_newer(7, 0, mark, &q, 0.3, 5)),
            vec![1],
            "inserted into the new index after the mark"
        );
    }

    #[test]
    fn finds_the_same_problem_in_other_words_nearby_only() {
        let ix = index();
        let q = Shingles::of("三组路灯坏了一个多月了，晚上黑漆漆的，出行不方便");
        let found = ix.search(7, 0, &q, 0.3, 5);
        assert_eq!(found.first().map(|m| m.id), Some(1), "{found:?}");
        assert!(
            found.iter().all(|m| m.id != 3),
            "other places are not searched"
        );
        assert!(found.iter().all(|m| m.id != 4));
    }

    #[test]
    fn identical_text_scores_one_and_windows_apply() {
        let ix = index();
        let q = Shingles::of("石板溪村村口的垃圾堆了好几天没人清运，气味难闻");
        let found = ix.search(7, 0, &q, 0.5, 5);
        assert_eq!(found[0].id, 2);
        assert!((found[0].similarity - 1.0).abs() < 1e-3);
        assert!(
            ix.search(7, 21, &q, 0.5, 5).is_empty(),
            "older than the window"
        );
    }

    #[test]
    fn remove_and_prune_forget_cases() {
        let mut ix = index();
        ix.remove(1);
        let q = Shingles::of("石板溪村三组的路灯坏了一个多月");
        assert!(ix.search(7, 0, &q, 0.3, 5).is_empty());
        ix.prune(35);
        assert_eq!(ix.len(), 1);
        assert!(ix.postings.keys().all(|&(p, _)| p == 7));
        assert_eq!(ix.slots.iter().flatten().count(), 1);
    }

    #[test]
    fn clusters_link_reports_through_each_other() {
        let mut ix = SimilarityIndex::new();
        // a ~ b and b ~ c, but a and c share little: one cluster by single linkage.
        let texts = [
            (1, "龙潭村溪里漂着死鱼"),
            (2, "龙潭村溪里死鱼很多，溪水发黑发臭"),
            (3, "溪水发黑发臭，臭味很大"),
            (4, "镇中学门口早晚堵车"),
        ];
        for (id, text) in texts {
            ix.insert(id, 9, 0, &Shingles::of(text));
        }
        let mut c = ix.cluster(1, 0, 0.3, 10);
        c.sort_unstable();
        assert_eq!(c, vec![1, 2, 3]);
        assert_eq!(ix.cluster(4, 0, 0.3, 10), vec![4]);
        assert!(ix.cluster(99, 0, 0.3, 10).is_empty());
    }

    #[test]
    fn query_terms_score_as_the_sorted_merge_does() {
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for round in 0..200 {
            let mut vector = |n: usize| {
                let mut v: Vec<(u32, f32)> = (0..n)
                    .map(|_| ((next() % 600) as u32, (next() % 1000) as f32 / 1000.0))
                    .collect();
                if round % 7 == 0 {
                    v.push((u32::MAX, 0.5));
                    v.push((0, 0.25));
                }
                v.sort_by_key(|e| e.0);
                v.dedup_by_key(|e| e.0);
                v
            };
            let (q, c) = (vector(round % 300), vector((round * 7) % 300));
            assert_eq!(QueryTerms::new(&q).dot(&c), dot(&q, &c), "round {round}");
        }
    }

    #[test]
    fn an_index_after_removals_weighs_as_one_built_from_the_survivors() {
        let texts = [
            "石板溪村三组的路灯坏了一个多月，晚上出行很不方便",
            "石板溪村村口的垃圾堆了好几天没人清运，气味难闻",
            "三组路灯坏了，晚上黑漆漆的",
            "村口垃圾没人清运",
            "镇上中学门口早晚高峰堵车严重",
        ];
        for global in [false, true] {
            let fresh = || {
                if global {
                    SimilarityIndex::with_global_idf()
                } else {
                    SimilarityIndex::new()
                }
            };
            let (mut churned, mut survivors) = (fresh(), fresh());
            for (i, t) in texts.iter().enumerate() {
                churned.insert(i as i64, 7 + (i as i64 % 2), 0, &Shingles::of(t));
            }
            churned.remove(1);
            churned.remove_many([3, 99]);
            for i in [0, 2, 4] {
                survivors.insert(i, 7 + (i % 2), 0, &Shingles::of(texts[i as usize]));
            }
            let q = Shingles::of("石板溪村路灯坏了，垃圾没人清运");
            for place in [7, 8] {
                assert_eq!(
                    churned.weigh(place, &q),
                    survivors.weigh(place, &q),
                    "global {global}, place {place}"
                );
                assert_eq!(
                    churned.search(place, 0, &q, 0.0, 5),
                    survivors.search(place, 0, &q, 0.0, 5)
                );
            }
        }
    }

    #[test]
    fn junk_input_matches_nothing() {
        let ix = index();
        for text in ["", "!!!???", "😀😀"] {
            let s = Shingles::of(text);
            assert!(s.is_empty());
            assert!(ix.search(7, 0, &s, 0.1, 5).is_empty());
        }
    }
}
