//! The classifier's models: listing, switching, training from the database or a file (in
//! the background for the pages), and what an operator's registration teaches.

use super::{ActiveModel, Triage};
use crate::{AppError, Result};
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::org::Actor;
use fengqiao_store::*;
use fengqiao_triage::{Example, Model, TrainParams};
use serde::Serialize;
use std::sync::Arc;

/// Result of training a model.
#[derive(Debug, Clone, Serialize)]
pub struct TrainOutcome {
    pub model: TriageModelInfo,
    pub macro_f1: Option<f64>,
}

impl Triage {
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
}
