//! Hot spots: many reports of one kind of problem in one place within the window. A report
//! joins the hot spot of a look-alike neighbour with one search and one write; only a report
//! whose neighbours are in none is clustered, to see whether a hot spot forms.

use super::{ms, Triage};
use crate::{AppError, Result};
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::ids::{CaseId, RegionId};
use fengqiao_domain::org::Actor;
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use fengqiao_triage::Segmenter;
use serde::Serialize;

/// The hot spots of the window, as triage keeps them between reports.
#[derive(Debug, Default)]
pub(super) struct Spots {
    /// Each member case's hot spot.
    of_case: std::collections::HashMap<i64, i64>,
    /// Each hot spot's members, oldest first, and its last report (ms).
    members: std::collections::HashMap<i64, (Vec<CaseId>, i64)>,
}

impl Spots {
    /// The hot spot the first of these cases that is in one belongs to.
    fn of_any(&self, cases: &[i64]) -> Option<i64> {
        cases.iter().find_map(|c| self.of_case.get(c).copied())
    }

    /// Forgets hot spots whose last report is older than `before`.
    fn prune(&mut self, before: i64) {
        let old: Vec<i64> = self
            .members
            .iter()
            .filter(|(_, (_, last))| *last < before)
            .map(|(id, _)| *id)
            .collect();
        for id in old {
            if let Some((members, _)) = self.members.remove(&id) {
                for m in members {
                    self.of_case.remove(&m.0);
                }
            }
        }
    }
}

/// Member texts read to describe a hot spot: spread over its whole life.
const KEYWORD_SAMPLE: usize = 50;

/// Most reports a new cluster is grown to before it is raised (the search per member is bounded
/// by it).
const CLUSTER_MAX: usize = 50;

/// At most `n` of `items`, evenly spread from the first to the last.
fn spread<T: Copy>(items: &[T], n: usize) -> Vec<T> {
    if items.len() <= n {
        return items.to_vec();
    }
    (0..n)
        .map(|i| items[i * (items.len() - 1) / (n - 1)])
        .collect()
}

/// The hot-spot index's key for a place and a kind of problem.
pub(super) fn hot_key(place: i64, kind: Option<&str>) -> i64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (place, kind).hash(&mut h);
    (h.finish() >> 1) as i64
}

/// A current hot spot, labelled for people.
#[derive(Debug, Clone, Serialize)]
pub struct HotspotView {
    #[serde(flatten)]
    pub hotspot: Hotspot,
    pub region_name: Option<String>,
    pub size: usize,
}

impl Triage {
    /// Adds a stored case to the hot-spot index of its place and kind, joining or raising a
    /// hot spot (failures are logged: a hot spot missed never refuses an intake).
    pub(super) async fn record_hotspot(
        &self,
        case: &fengqiao_domain::case::Case,
        analysis: &super::Analysis,
    ) -> Result<()> {
        if analysis.partition == 0 {
            return Ok(());
        }
        let cfg = &self.core.config.triage;
        let at = ms(case.created_at);
        let since = at - cfg.hotspot_hours * 3_600_000;
        let has_neighbours = {
            let mut hot = self.hot.write().expect("hot lock");
            let key = hot_key(analysis.partition, analysis.kind.as_deref());
            // Look-alikes stored while this report was analysed count as neighbours too
            // (searched under the lock the insert takes, as for duplicates).
            let has_neighbours = analysis.has_hot_neighbours
                || !hot
                    .search_newer(
                        key,
                        since,
                        analysis.hot_mark,
                        &analysis.shingles,
                        cfg.hotspot_similarity,
                        1,
                    )
                    .is_empty();
            hot.insert(case.id.0, key, at, &analysis.shingles);
            if case.id.0 % 256 == 0 {
                hot.prune(since);
                self.spots.write().expect("spots lock").prune(since);
            }
            has_neighbours
        };
        // A report joins the hot spot of a look-alike neighbour: one search, and the membership
        // stored with the case, the same for the thousandth report of a surge as for the
        // sixth. Only a report whose neighbours are in none is clustered, to see whether a hot
        // spot forms (bounded too).
        if !has_neighbours {
            return Ok(());
        }
        let outcome = match analysis.hotspot {
            Some(spot) => self.join_hotspot(spot, case, vec![case.id], true).await,
            None => {
                let cluster = self.hot.read().expect("hot lock").cluster(
                    case.id.0,
                    since,
                    cfg.hotspot_similarity,
                    CLUSTER_MAX,
                );
                if cluster.len() < cfg.hotspot_min_cases {
                    return Ok(());
                }
                let _raising = self.raising.lock().await;
                // Another report of this cluster may have raised it meanwhile.
                let spot = self.spots.read().expect("spots lock").of_any(&cluster);
                let cluster: Vec<CaseId> = cluster.into_iter().map(CaseId).collect();
                match spot {
                    Some(spot) => self.join_hotspot(spot, case, cluster, false).await,
                    None => self.raise_hotspot(case, analysis.partition, cluster).await,
                }
            }
        };
        if let Err(e) = outcome {
            tracing::warn!(case = %case.case_no, error = %e, "hot-spot detection failed");
        }
        Ok(())
    }

    /// Whether the hot-spot window holds look-alike reports of the same place and kind of
    /// problem, the hot spot the first of them that is in one belongs to, and the index's mark as
    /// searched. Read before the report is stored, so that it joins that hot spot in its own
    /// transaction.
    pub(super) fn hot_neighbours(
        &self,
        partition: i64,
        kind: Option<&str>,
        shingles: &fengqiao_triage::Shingles,
        at: i64,
    ) -> (bool, Option<i64>, u64) {
        if partition == 0 {
            return (false, None, 0);
        }
        let cfg = &self.core.config.triage;
        let since = at - cfg.hotspot_hours * 3_600_000;
        let (neighbours, mark): (Vec<i64>, u64) = {
            let hot = self.hot.read().expect("hot lock");
            let found = hot
                .search(
                    hot_key(partition, kind),
                    since,
                    shingles,
                    cfg.hotspot_similarity,
                    8,
                )
                .into_iter()
                .map(|m| m.id)
                .collect();
            (found, hot.mark())
        };
        if neighbours.is_empty() {
            return (false, None, mark);
        }
        let spot = self.spots.read().expect("spots lock").of_any(&neighbours);
        (true, spot, mark)
    }

    /// The window's hot spots and their members, from the store (at start and after bulk loads).
    pub(super) async fn reload_hotspots(&self) -> Result<()> {
        let since =
            self.core.now() - chrono::Duration::hours(self.core.config.triage.hotspot_hours);
        let mut spots = Spots::default();
        for h in self.core.store.hotspots(since).await? {
            for m in &h.members {
                spots.of_case.insert(m.0, h.id);
            }
            spots.members.insert(h.id, (h.members, ms(h.last_at)));
        }
        *self.spots.write().expect("spots lock") = spots;
        Ok(())
    }

    /// Adds `cases` to a hot spot: in memory, and in the store unless `stored` (the report
    /// joined it in its own intake transaction). Its key words are described again each time it
    /// doubles in size, from a sample of its reports, so they follow what most reports are
    /// about at a cost that does not grow with the surge.
    async fn join_hotspot(
        &self,
        spot: i64,
        case: &fengqiao_domain::case::Case,
        cases: Vec<CaseId>,
        stored: bool,
    ) -> Result<()> {
        let (new, sample) = {
            let mut spots = self.spots.write().expect("spots lock");
            let new: Vec<CaseId> = cases
                .into_iter()
                .filter(|c| !spots.of_case.contains_key(&c.0))
                .collect();
            for c in &new {
                spots.of_case.insert(c.0, spot);
            }
            let Some((members, last)) = spots.members.get_mut(&spot) else {
                return Ok(());
            };
            let before = members.len();
            members.extend(new.iter().copied());
            *last = (*last).max(ms(case.created_at));
            // Described again when the size passes a power of two.
            let redescribe = (before + 1..=members.len()).any(usize::is_power_of_two);
            (new, redescribe.then(|| spread(members, KEYWORD_SAMPLE)))
        };
        if new.is_empty() {
            return Ok(());
        }
        let keywords = match sample {
            Some(sample) => Some(self.describe(&sample).await?.0),
            None if stored => return Ok(()),
            None => None,
        };
        self.core
            .store
            .upsert_hotspot(
                HotspotUpdate {
                    id: Some(spot),
                    region_id: RegionId(0),
                    keywords,
                    members: new,
                    first_at: case.created_at,
                    last_at: case.created_at,
                },
                self.monitor(),
            )
            .await?;
        Ok(())
    }

    async fn raise_hotspot(
        &self,
        case: &fengqiao_domain::case::Case,
        partition: i64,
        cluster: Vec<CaseId>,
    ) -> Result<()> {
        let (keywords, first_at) = self.describe(&cluster).await?;
        let size = cluster.len();
        let id = self
            .core
            .store
            .upsert_hotspot(
                HotspotUpdate {
                    id: None,
                    region_id: RegionId(partition),
                    keywords: Some(keywords),
                    members: cluster.clone(),
                    first_at: first_at.min(case.created_at),
                    last_at: case.created_at,
                },
                self.monitor(),
            )
            .await?;
        let mut spots = self.spots.write().expect("spots lock");
        for c in &cluster {
            spots.of_case.insert(c.0, id);
        }
        spots.members.insert(id, (cluster, ms(case.created_at)));
        tracing::warn!(hotspot = id, region = partition, size, "hot spot raised");
        Ok(())
    }

    /// Key words of these reports, and the earliest's time.
    async fn describe(&self, cases: &[CaseId]) -> Result<(Vec<String>, Timestamp)> {
        let mut texts = Vec::new();
        let mut first_at = self.core.now();
        for id in cases {
            if let Some(rec) = self.core.store.case(*id).await? {
                first_at = first_at.min(rec.case.created_at);
                texts.push(format!("{} {}", rec.case.text.title, rec.case.text.body));
            }
        }
        let seg = self.segmenter();
        let keywords = tokio::task::spawn_blocking(move || keywords(&seg, &texts, 5))
            .await
            .map_err(|e| AppError::internal(e.to_string()))?;
        Ok((keywords, first_at))
    }

    fn monitor(&self) -> Audit {
        Audit {
            actor_id: None,
            actor_name: "热点监测".into(),
            at: self.core.now(),
        }
    }

    /// Hot spots active in the window, within the viewer's region.
    pub async fn hotspots(&self, actor: &Actor) -> Result<Vec<HotspotView>> {
        access::require(actor, Capability::ViewHotspots)?;
        let since =
            self.core.now() - chrono::Duration::hours(self.core.config.triage.hotspot_hours);
        let regions = self.core.regions();
        Ok(self
            .core
            .store
            .hotspots(since)
            .await?
            .into_iter()
            .filter_map(|h| {
                let region = regions.iter().find(|r| r.id == h.region_id);
                let path = region.map(|r| r.path.as_str());
                actor.covers(path).then(|| HotspotView {
                    region_name: region.map(|r| r.name.clone()),
                    size: h.members.len(),
                    hotspot: h,
                })
            })
            .collect())
    }
}

/// The words most of a cluster's messages share: document frequency over content words of
/// two or more characters, kept when at least a third of the messages use them.
pub fn keywords(seg: &Segmenter, texts: &[String], k: usize) -> Vec<String> {
    let mut df: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let normalized: Vec<String> = texts
        .iter()
        .map(|t| fengqiao_triage::normalize(t))
        .collect();
    for t in &normalized {
        let mut words = seg.words(t);
        words.retain(|w| w.chars().count() >= 2);
        words.sort_unstable();
        words.dedup();
        for w in words {
            *df.entry(w).or_default() += 1;
        }
    }
    let min = texts.len().div_ceil(3).max(2);
    let mut common: Vec<(&str, usize)> = df.into_iter().filter(|&(_, n)| n >= min).collect();
    common.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(b.0.chars().count().cmp(&a.0.chars().count()))
            .then(a.0.cmp(b.0))
    });
    common
        .into_iter()
        .take(k)
        .map(|(w, _)| w.to_string())
        .collect()
}
