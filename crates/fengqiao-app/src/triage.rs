//! Triage in the running service: the active classifier, the index of open cases for the
//! duplicate finder, hot-spot detection, training from the database, operator feedback.
//!
//! CPU work (segmentation, prediction, training) runs in `spawn_blocking`.

use crate::core::Core;
use crate::{AppError, Result};
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::ids::{CaseId, CategoryId, RegionId};
use fengqiao_domain::org::{Actor, Category, RegionLevel};
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use fengqiao_triage::{Example, Model, Segmenter, Shingles, SimilarityIndex, TrainParams};
use serde::Serialize;
use std::sync::{Arc, RwLock};

/// Triage settings.
#[derive(Debug, Clone)]
pub struct TriageConfig {
    /// Confidence at or above which a case is registered and dispatched without an operator;
    /// `None` never dispatches automatically.
    pub auto_dispatch_threshold: Option<f32>,
    /// How far back the duplicate finder looks, in days.
    pub duplicate_days: i64,
    /// Similarity at or above which an open case is proposed as the same problem. Measured on
    /// real messages (BENCHMARKS.md): 0.3 finds about three in four repeats with nine in ten
    /// proposals right, before partitioning by village narrows the field further.
    pub duplicate_threshold: f32,
    /// The hot-spot window, in hours.
    pub hotspot_hours: i64,
    /// Similarity at which reports count as one cluster.
    pub hotspot_similarity: f32,
    /// Reports in one cluster that make a hot spot.
    pub hotspot_min_cases: usize,
    /// The township's own words for the segmenter, in jieba's format (`word [freq] [tag]` per
    /// line): local place names, dialect, programme names. Region and unit names are added
    /// automatically.
    pub user_dict: String,
}

impl Default for TriageConfig {
    fn default() -> Self {
        TriageConfig {
            auto_dispatch_threshold: Some(0.9),
            duplicate_days: 30,
            duplicate_threshold: 0.3,
            hotspot_hours: 72,
            hotspot_similarity: 0.2,
            hotspot_min_cases: 5,
            user_dict: String::new(),
        }
    }
}

struct ActiveModel {
    version: i64,
    model: Model,
}

/// Triage in the service: the classifier, the indexes and the hot spots.
pub struct Triage {
    core: Arc<Core>,
    segmenter: RwLock<Option<Arc<Segmenter>>>,
    model: RwLock<Option<Arc<ActiveModel>>>,
    /// Open cases by place, for the duplicate finder.
    /// Searches share a read lock (each thread scores in its own scratch array); inserts and
    /// removals take the write lock briefly.
    index: RwLock<SimilarityIndex>,
    /// Recent cases by place and kind of problem, for hot spots: a hot spot is many reports of
    /// one kind of problem in one place, so reports only cluster with their own kind (the
    /// boilerplate of "please fix it soon" must not make a road and a dog look alike).
    hot: RwLock<SimilarityIndex>,
    /// The hot spots of the window and their members, so a report joins one without reading
    /// it back from the store.
    spots: RwLock<Spots>,
    /// Held while a hot spot is raised, so two reports of one cluster raise it once.
    raising: tokio::sync::Mutex<()>,
    /// Models being trained from the page.
    training: Arc<crate::jobs::Jobs<TrainOutcome>>,
}

/// What triage makes of a new message before it is stored.
pub(crate) struct Analysis {
    pub suggestion: Option<Suggestion>,
    pub duplicates: Vec<(CaseId, f32)>,
    shingles: Shingles,
    partition: i64,
}

impl Triage {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        Triage {
            core,
            segmenter: RwLock::new(None),
            model: RwLock::new(None),
            index: RwLock::new(SimilarityIndex::new()),
            hot: RwLock::new(SimilarityIndex::with_global_idf()),
            spots: RwLock::default(),
            raising: tokio::sync::Mutex::new(()),
            training: Arc::default(),
        }
    }
}

/// The hot spots of the window, as triage keeps them between reports.
#[derive(Debug, Default)]
struct Spots {
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
fn hot_key(place: i64, kind: Option<&str>) -> i64 {
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

/// Result of training a model.
#[derive(Debug, Clone, Serialize)]
pub struct TrainOutcome {
    pub model: TriageModelInfo,
    pub macro_f1: Option<f64>,
}

fn ms(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

impl Triage {
    /// The segmenter with the township's words. Built on first use and by `reload_triage`.
    pub(crate) fn segmenter(&self) -> Arc<Segmenter> {
        if let Some(s) = self.segmenter.read().expect("segmenter lock").as_ref() {
            return s.clone();
        }
        let seg = Arc::new(self.build_segmenter());
        *self.segmenter.write().expect("segmenter lock") = Some(seg.clone());
        seg
    }

    fn build_segmenter(&self) -> Segmenter {
        make_segmenter(&self.township_words(), &self.core.config.triage.user_dict)
    }

    /// Region and unit names as dictionary lines.
    fn township_words(&self) -> String {
        let mut names = String::new();
        for r in self.core.regions().iter() {
            names.push_str(&format!("{} 2000 ns\n", r.name));
        }
        for u in self.core.units().iter() {
            names.push_str(&format!("{} 2000 nt\n", u.name));
        }
        names
    }

    /// Loads the active model and indexes the open cases of the look-back window. Called at
    /// start-up and after bulk loads.
    pub async fn reload(&self) -> Result<()> {
        // Region and unit names may have changed: rebuild the segmenter's dictionary.
        let (names, dict) = (
            self.township_words(),
            self.core.config.triage.user_dict.clone(),
        );
        let seg = tokio::task::spawn_blocking(move || make_segmenter(&names, &dict))
            .await
            .map_err(|e| AppError::internal(e.to_string()))?;
        *self.segmenter.write().expect("segmenter lock") = Some(Arc::new(seg));
        let model = match self.core.store.active_triage_model().await? {
            Some((version, blob)) => {
                let model = tokio::task::spawn_blocking(move || Model::from_bytes(&blob))
                    .await
                    .map_err(|e| AppError::internal(e.to_string()))?
                    .map_err(|e| AppError::internal(format!("模型 {version}：{e}")))?;
                Some(Arc::new(ActiveModel { version, model }))
            }
            None => None,
        };
        *self.model.write().expect("model lock") = model;
        let window = chrono::Duration::days(self.core.config.triage.duplicate_days).max(
            chrono::Duration::hours(self.core.config.triage.hotspot_hours),
        );
        let open = self.core.store.open_texts(self.core.now() - window).await?;
        let keyed: Vec<(OpenText, i64)> = open
            .into_iter()
            .map(|o| {
                let p = self.partition(o.region_id);
                (o, p)
            })
            .collect();
        let hot_since =
            ms(self.core.now() - chrono::Duration::hours(self.core.config.triage.hotspot_hours));
        let (index, hot) = tokio::task::spawn_blocking(move || {
            let mut ix = SimilarityIndex::new();
            let mut hot = SimilarityIndex::with_global_idf();
            for (o, p) in &keyed {
                let s = Shingles::of(&format!("{} {}", o.title, o.body));
                let at = ms(o.created_at);
                ix.insert(o.id.0, *p, at, &s);
                if at >= hot_since && *p != 0 {
                    hot.insert(o.id.0, hot_key(*p, o.kind.as_deref()), at, &s);
                }
            }
            (ix, hot)
        })
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
        *self.index.write().expect("index lock") = index;
        *self.hot.write().expect("hot lock") = hot;
        let mut spots = Spots::default();
        for h in self
            .core
            .store
            .hotspots(
                self.core.now() - chrono::Duration::hours(self.core.config.triage.hotspot_hours),
            )
            .await?
        {
            for m in &h.members {
                spots.of_case.insert(m.0, h.id);
            }
            spots.members.insert(h.id, (h.members, ms(h.last_at)));
        }
        *self.spots.write().expect("spots lock") = spots;
        Ok(())
    }

    /// The place a case is compared within: its village (or community), else its region,
    /// else "unplaced" (0).
    fn partition(&self, region: Option<RegionId>) -> i64 {
        let Some(region) = region else { return 0 };
        let regions = self.core.regions();
        let Some(r) = regions.iter().find(|r| r.id == region) else {
            return region.0;
        };
        if matches!(
            r.level,
            RegionLevel::Village | RegionLevel::Community | RegionLevel::Town
        ) {
            return r.id.0;
        }
        // A grid: its parent village or community.
        r.parent_id.map_or(r.id.0, |p| p.0)
    }

    /// The category a model label stands for: a category id (models trained from the
    /// database) or a unique category name (models trained from a CSV).
    fn category_for_label(categories: &[Category], label: &str) -> Option<Category> {
        if let Ok(id) = label.parse::<i64>() {
            if let Some(c) = categories.iter().find(|c| c.id.0 == id) {
                return Some(c.clone());
            }
        }
        let mut named = categories.iter().filter(|c| c.name == label);
        match (named.next(), named.next()) {
            (Some(c), None) => Some(c.clone()),
            _ => None,
        }
    }

    /// Classifies a message and looks for the same problem among open cases nearby.
    pub(crate) async fn analyze(
        &self,
        title: &str,
        body: &str,
        region: Option<RegionId>,
        now: Timestamp,
    ) -> Result<Analysis> {
        let model = self.model.read().expect("model lock").clone();
        let seg = self.segmenter();
        let (t, b) = (title.to_string(), body.to_string());
        let classify = model.is_some();
        let work = move || {
            let p = model
                .as_ref()
                .and_then(|m| m.model.predict(&seg, &t, &b).map(|p| (m.clone(), p)));
            (p, Shingles::of(&format!("{t} {b}")))
        };
        // Without a model, only the shingles: a few microseconds, less than a trip to the
        // blocking pool. Classifying (segmenting, scoring) is CPU work for the pool.
        let (prediction, shingles) = if classify {
            tokio::task::spawn_blocking(work)
                .await
                .map_err(|e| AppError::internal(e.to_string()))?
        } else {
            work()
        };
        let suggestion = prediction.map(|(m, p)| {
            let label = m.model.labels()[p.class].clone();
            let category = Self::category_for_label(&self.core.categories(), &label);
            Suggestion {
                model_version: m.version,
                category_id: category.as_ref().map(|c| c.id),
                // A category without a unit of its own is the village's business: the
                // committee of the village the case lies in.
                unit_id: category.as_ref().and_then(|c| {
                    c.default_unit_id
                        .or_else(|| region.and_then(|r| self.core.village_committee(r)))
                }),
                label,
                confidence: p.confidence,
                words: p.words,
                auto_dispatched: false,
            }
        });
        let partition = self.partition(region);
        let since = ms(now - chrono::Duration::days(self.core.config.triage.duplicate_days));
        let duplicates = self
            .index
            .read()
            .expect("index lock")
            .search(
                partition,
                since,
                &shingles,
                self.core.config.triage.duplicate_threshold,
                5,
            )
            .into_iter()
            .map(|m| (CaseId(m.id), m.similarity))
            .collect();
        Ok(Analysis {
            suggestion,
            duplicates,
            shingles,
            partition,
        })
    }

    /// Adds a stored case to the duplicate finder's index and the hot-spot index, raising or
    /// extending a hot spot when its cluster is large enough.
    pub(crate) async fn record(
        &self,
        case: &fengqiao_domain::case::Case,
        analysis: &Analysis,
    ) -> Result<()> {
        let cfg = &self.core.config.triage;
        let at = ms(case.created_at);
        {
            let mut ix = self.index.write().expect("index lock");
            ix.insert(case.id.0, analysis.partition, at, &analysis.shingles);
            if case.id.0 % 1024 == 0 {
                let window = (cfg.duplicate_days * 24).max(cfg.hotspot_hours);
                ix.prune(at - window * 3_600_000);
            }
        }
        let kind = analysis
            .suggestion
            .as_ref()
            .map(|s| s.label.clone())
            .or_else(|| case.category_id.map(|c| c.0.to_string()));
        if analysis.partition == 0 {
            return Ok(());
        }
        let key = hot_key(analysis.partition, kind.as_deref());
        let since = at - cfg.hotspot_hours * 3_600_000;
        // A report joins the hot spot of a look-alike neighbour: one search and one write, the
        // same for the thousandth report of a surge as for the sixth. Only a report whose
        // neighbours are in none is clustered, to see whether a hot spot forms (bounded too).
        let neighbours: Vec<i64> = {
            let mut hot = self.hot.write().expect("hot lock");
            hot.insert(case.id.0, key, at, &analysis.shingles);
            if case.id.0 % 256 == 0 {
                hot.prune(since);
                self.spots.write().expect("spots lock").prune(since);
            }
            let hot = std::sync::RwLockWriteGuard::downgrade(hot);
            hot.search(key, since, &analysis.shingles, cfg.hotspot_similarity, 8)
                .into_iter()
                .map(|m| m.id)
                .filter(|&id| id != case.id.0)
                .collect()
        };
        if neighbours.is_empty() {
            return Ok(());
        }
        let joined = self.spots.read().expect("spots lock").of_any(&neighbours);
        let outcome = match joined {
            Some(spot) => self.join_hotspot(spot, case, vec![case.id]).await,
            None => {
                let cluster = self.hot.read().expect("hot lock").cluster(
                    case.id.0,
                    since,
                    cfg.hotspot_similarity,
                    KEYWORD_SAMPLE,
                );
                if cluster.len() < cfg.hotspot_min_cases {
                    return Ok(());
                }
                let _raising = self.raising.lock().await;
                // Another report of this cluster may have raised it meanwhile.
                let spot = self.spots.read().expect("spots lock").of_any(&cluster);
                let cluster: Vec<CaseId> = cluster.into_iter().map(CaseId).collect();
                match spot {
                    Some(spot) => self.join_hotspot(spot, case, cluster).await,
                    None => self.raise_hotspot(case, analysis.partition, cluster).await,
                }
            }
        };
        if let Err(e) = outcome {
            tracing::warn!(case = %case.case_no, error = %e, "hot-spot detection failed");
        }
        Ok(())
    }

    /// Adds cases to a hot spot. Its key words are described again each time it doubles in
    /// size, from a sample of its reports, so they follow what most reports are about at a
    /// cost that does not grow with the surge.
    async fn join_hotspot(
        &self,
        spot: i64,
        case: &fengqiao_domain::case::Case,
        cases: Vec<CaseId>,
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

    /// Duplicate proposals touching a case (either side).
    pub async fn duplicate_proposals(
        &self,
        actor: &Actor,
        id: CaseId,
    ) -> Result<Vec<DuplicateProposal>> {
        self.core.visible_case(actor, id).await?;
        Ok(self.core.store.duplicate_proposals(id).await?)
    }

    /// "Not the same problem": the proposal is closed and the case stays on its own.
    pub async fn dismiss_proposal(
        &self,
        actor: &Actor,
        id: CaseId,
        proposal: i64,
    ) -> Result<DuplicateProposal> {
        access::require(actor, Capability::SettleDuplicates)?;
        self.core.visible_case(actor, id).await?;
        let props = self.core.store.duplicate_proposals(id).await?;
        if !props.iter().any(|p| p.id == proposal) {
            return Err(AppError::NotFound(format!(
                "工单 {id} 没有重复件提示 {proposal}"
            )));
        }
        self.core
            .store
            .dismiss_proposal(proposal, self.core.audit(actor))
            .await
            .map_err(|e| match e {
                StoreError::Conflict => AppError::Conflict("该提示已处理".into()),
                e => e.into(),
            })
    }

    pub async fn models(&self, actor: &Actor) -> Result<Vec<TriageModelInfo>> {
        access::require(actor, Capability::ViewModels)?;
        Ok(self.core.store.triage_models().await?)
    }

    /// Switches the active model (e.g. back to an earlier version).
    pub async fn activate_model(&self, actor: &Actor, version: i64) -> Result<TriageModelInfo> {
        access::require(actor, Capability::SwitchModels)?;
        let info = self
            .core
            .store
            .activate_triage_model(version, self.core.audit(actor))
            .await?;
        self.core.reload().await?;
        Ok(info)
    }

    /// The cases a person categorised, oldest first: what a model may learn from (admin).
    pub async fn labelled_cases(&self, actor: &Actor) -> Result<Vec<LabelledCase>> {
        access::require(actor, Capability::ReadTrainingData)?;
        Ok(self.core.store.labelled_cases().await?)
    }

    /// Trains a model on the cases people have categorised and makes it active. With
    /// `folds`, first cross-validates and stores the figures with the model.
    pub async fn train_from_cases(
        &self,
        actor: &Actor,
        folds: Option<usize>,
    ) -> Result<TrainOutcome> {
        access::require(actor, Capability::TrainModels)?;
        let cases = self.core.store.labelled_cases().await?;
        let rows: Vec<(String, String, String)> = cases
            .into_iter()
            .map(|c| (c.title, c.body, c.category_id.0.to_string()))
            .collect();
        self.train_and_store(actor, rows, "工单库".into(), folds)
            .await
    }

    /// Starts [`Triage::train_from_cases`] in the background (cross-validating on many cases
    /// takes minutes) and returns the job's number, for the page to follow.
    pub fn start_training(self: &Arc<Self>, actor: &Actor, folds: Option<usize>) -> Result<u64> {
        access::require(actor, Capability::TrainModels)?;
        let (this, who) = (self.clone(), actor.clone());
        Ok(self
            .training
            .start(actor.user_id, self.core.now(), 0, move |_| async move {
                this.train_from_cases(&who, folds).await
            }))
    }

    /// How a training job stands (its starter only).
    pub fn training(&self, actor: &Actor, id: u64) -> Result<crate::JobView<TrainOutcome>> {
        access::require(actor, Capability::TrainModels)?;
        self.training.view(actor.user_id, id)
    }

    /// Trains on labelled rows `(title, body, label)` and stores the model as active.
    pub async fn train_and_store(
        &self,
        actor: &Actor,
        rows: Vec<(String, String, String)>,
        source: String,
        folds: Option<usize>,
    ) -> Result<TrainOutcome> {
        access::require(actor, Capability::TrainModels)?;
        let seg = self.segmenter();
        let (model, eval, n) = tokio::task::spawn_blocking(move || {
            let examples = Example::from_rows(&rows);
            let p = TrainParams::default();
            let (model, eval) = match folds {
                Some(k) => {
                    let (m, e) = Model::train_cross_validated(&seg, &examples, k, p)?;
                    (m, Some(e))
                }
                None => (Model::train(&seg, &examples, p)?, None),
            };
            Ok::<_, fengqiao_triage::TriageError>((model, eval, examples.len()))
        })
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(|e| AppError::Invalid {
            field: "training",
            message: e.to_string(),
        })?;
        let metrics = match &eval {
            Some(e) => serde_json::json!({
                "folds": folds,
                "accuracy": e.accuracy(),
                "macro_f1": e.macro_f1(),
                "per_class": e.labels.iter().enumerate().map(|(k, l)| {
                    let c = e.class(k);
                    serde_json::json!({"label": l, "precision": c.precision, "recall": c.recall, "f1": c.f1, "support": c.support})
                }).collect::<Vec<_>>(),
            }),
            None => serde_json::json!({}),
        };
        let info = self
            .core
            .store
            .insert_triage_model(
                NewTriageModel {
                    trained_by: actor.name.clone(),
                    source,
                    examples: n as u64,
                    labels: model.labels().to_vec(),
                    metrics,
                    blob: model.to_bytes(),
                    trained_at: self.core.now(),
                },
                self.core.audit(actor),
            )
            .await?;
        *self.model.write().expect("model lock") = Some(Arc::new(ActiveModel {
            version: info.version,
            model,
        }));
        Ok(TrainOutcome {
            model: info,
            macro_f1: eval.map(|e| e.macro_f1()),
        })
    }

    /// The feedback an operator's registration gives triage: the category they chose
    /// against the one suggested.
    pub(crate) async fn feedback_for(
        &self,
        case: CaseId,
        chosen: Option<CategoryId>,
    ) -> Result<Option<TriageFeedback>> {
        let Some(chosen) = chosen else {
            return Ok(None);
        };
        let suggested = self.core.store.case_suggestion(case).await?;
        Ok(suggested.map(|s| TriageFeedback {
            suggested_category_id: s.category_id,
            chosen_category_id: chosen,
        }))
    }

    /// Puts an open case (back) into the duplicate index, e.g. after a split.
    pub(crate) fn index_case(&self, case: &fengqiao_domain::case::Case) {
        let shingles = Shingles::of(&format!("{} {}", case.text.title, case.text.body));
        let partition = self.partition(case.location.region_id);
        self.index.write().expect("index lock").insert(
            case.id.0,
            partition,
            ms(case.created_at),
            &shingles,
        );
    }

    /// Removes a case from the duplicate index (closed or merged).
    pub(crate) fn forget_case(&self, id: CaseId) {
        // The hot-spot index keeps it: a report counts towards a hot spot in its window even
        // once handled or merged.
        self.index.write().expect("index lock").remove(id.0);
    }
}

fn make_segmenter(names: &str, user_dict: &str) -> Segmenter {
    let mut seg = Segmenter::new();
    for line in names.lines() {
        // A name with a space cannot be a dictionary word; skip it rather than fail.
        let _ = seg.add_user_dict(line);
    }
    if let Err(e) = seg.add_user_dict(user_dict) {
        tracing::warn!(error = %e, "the triage user dictionary has an error; using the words before it");
    }
    seg
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
