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
use fengqiao_triage::{Model, Segmenter, Shingles, SimilarityIndex};
use std::sync::{Arc, RwLock};

mod hotspots;
mod models;

use hotspots::{hot_key, Spots};
pub use hotspots::{keywords, HotspotView};
pub use models::TrainOutcome;

/// Most open cases a new one is proposed as a duplicate of.
const DUPLICATES_PROPOSED: usize = 5;

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
    /// The hot spot a look-alike report of the same place and kind is in: this report joins
    /// it in its own intake transaction.
    pub hotspot: Option<i64>,
    shingles: Shingles,
    partition: i64,
    /// The kind of problem hot spots are kept by: the suggestion's label, else the category.
    kind: Option<String>,
    /// Whether look-alike reports were in the hot-spot window before this one was stored.
    has_hot_neighbours: bool,
    /// The duplicate index as the analysis searched it: what was stored meanwhile is searched
    /// again when the case is recorded.
    index_mark: u64,
    /// The same for the hot-spot index.
    hot_mark: u64,
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
        // The new indexes count insertions on from the old ones', so an analysis under way
        // still finds, when its case is recorded, what was stored after it began.
        let marks = (
            self.index.read().expect("index lock").mark(),
            self.hot.read().expect("hot lock").mark(),
        );
        let (index, hot) = tokio::task::spawn_blocking(move || {
            let mut ix = SimilarityIndex::new().continuing_from(marks.0);
            let mut hot = SimilarityIndex::with_global_idf().continuing_from(marks.1);
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
        self.reload_hotspots().await?;
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
        category: Option<CategoryId>,
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
        let (duplicates, index_mark) = {
            let ix = self.index.read().expect("index lock");
            let found = ix
                .search(
                    partition,
                    since,
                    &shingles,
                    self.core.config.triage.duplicate_threshold,
                    DUPLICATES_PROPOSED,
                )
                .into_iter()
                .map(|m| (CaseId(m.id), m.similarity))
                .collect();
            (found, ix.mark())
        };
        let kind = suggestion
            .as_ref()
            .map(|s| s.label.clone())
            .or_else(|| category.map(|c| c.0.to_string()));
        let (has_hot_neighbours, hotspot, hot_mark) =
            self.hot_neighbours(partition, kind.as_deref(), &shingles, ms(now));
        Ok(Analysis {
            suggestion,
            duplicates,
            hotspot,
            shingles,
            partition,
            kind,
            has_hot_neighbours,
            index_mark,
            hot_mark,
        })
    }

    /// Adds a stored case to the duplicate finder's index, and to the hot spots. Returns the
    /// duplicates proposed now: look-alikes stored while the case was analysed (reports of one
    /// problem that came in at the same moment, a 12345 file's rows imported together), which
    /// its analysis could not see and it is now proposed as a duplicate of. Never fails for
    /// want of a proposal or a hot spot: the case is already stored.
    pub(crate) async fn record(
        &self,
        case: &fengqiao_domain::case::Case,
        analysis: &Analysis,
    ) -> Result<Vec<DuplicateProposal>> {
        let cfg = &self.core.config.triage;
        let at = ms(case.created_at);
        // Of two look-alikes stored at the same time, the one recorded second finds the first:
        // what was inserted since the analysis is searched under the read lock, and what came
        // in meanwhile (a case or two) under the write lock the insert takes. A case that
        // already has a proposal is in that cluster, so only those that found none search.
        let newer = |ix: &SimilarityIndex, mark: u64| -> Vec<(CaseId, f32)> {
            ix.search_newer(
                analysis.partition,
                at - cfg.duplicate_days * 86_400_000,
                mark,
                &analysis.shingles,
                cfg.duplicate_threshold,
                DUPLICATES_PROPOSED,
            )
            .into_iter()
            .filter(|m| m.id != case.id.0)
            .map(|m| (CaseId(m.id), m.similarity))
            .collect()
        };
        let recheck = analysis.duplicates.is_empty();
        let (mut late, mark) = if recheck {
            let ix = self.index.read().expect("index lock");
            (newer(&ix, analysis.index_mark), ix.mark())
        } else {
            (Vec::new(), 0)
        };
        {
            let mut ix = self.index.write().expect("index lock");
            if recheck {
                late.extend(newer(&ix, mark));
                late.truncate(DUPLICATES_PROPOSED);
            }
            ix.insert(case.id.0, analysis.partition, at, &analysis.shingles);
            if case.id.0 % 1024 == 0 {
                let window = (cfg.duplicate_days * 24).max(cfg.hotspot_hours);
                ix.prune(at - window * 3_600_000);
            }
        }
        // The case is stored and its sender about to be answered: a proposal that cannot be
        // written is logged, never turned into an error for a report that was accepted.
        let proposed = if late.is_empty() {
            Vec::new()
        } else {
            self.core
                .store
                .propose_duplicates(case.id, late, case.created_at)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(case = %case.case_no, error = %e, "duplicate proposals found after intake were not stored");
                    Vec::new()
                })
        };
        self.record_hotspot(case, analysis).await?;
        Ok(proposed)
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
