//! Rankings (晾晒): the weights each object is scored by, and every published ranking kept as it
//! was posted.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::kpi::ranking::{RankedLine, RankedObject, ScoreScheme};

/// A ranking as it was posted: the period, who posted it and when, and every line with its
/// score, rank and reasons. Never changed afterwards; a later publication of the same period is
/// a new one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedRanking {
    pub id: i64,
    pub object: RankedObject,
    pub period_key: String,
    pub period_label: String,
    pub published_at: Timestamp,
    pub published_by: String,
    pub scheme: ScoreScheme,
    pub lines: Vec<RankedLine>,
}

#[async_trait]
pub trait RankingStore: Send + Sync + 'static {
    /// The weights set for `object`, if a township has set any.
    async fn score_scheme(&self, object: RankedObject) -> Result<Option<ScoreScheme>>;
    /// Sets the weights, audited with what they were before.
    async fn set_score_scheme(&self, scheme: ScoreScheme, audit: Audit) -> Result<()>;
    /// Keeps a ranking as posted (`id` and `published_at` are filled in), audited.
    async fn publish_ranking(
        &self,
        ranking: PublishedRanking,
        audit: Audit,
    ) -> Result<PublishedRanking>;
    /// Posted rankings of `object`, newest first, without their lines.
    async fn published_rankings(
        &self,
        object: RankedObject,
        limit: u32,
    ) -> Result<Vec<PublishedRanking>>;
    async fn published_ranking(&self, id: i64) -> Result<Option<PublishedRanking>>;
}
