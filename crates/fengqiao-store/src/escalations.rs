//! Overdue inspections, escalated: the scheduler's set-based pass and each place's steps.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::ids::PlaceId;
use fengqiao_domain::places::{EscalationCutoffs, EscalationStep};

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EscalationTally {
    pub urged: u64,
    pub supervised: u64,
    /// Levels cleared because the place is no longer overdue (its due time moved).
    pub cleared: u64,
}

#[async_trait]
pub trait EscalationStore: Send + Sync + 'static {
    /// Raises every overdue place to the level its due time has reached at `cutoffs` (one step
    /// recorded per change, at `at`) and clears the level of places no longer overdue — in one
    /// transaction, touching only the places that change.
    async fn escalate_overdue_places(
        &self,
        cutoffs: EscalationCutoffs,
        at: Timestamp,
    ) -> Result<EscalationTally>;
    /// A place's escalation steps, oldest first.
    async fn place_escalations(&self, id: PlaceId) -> Result<Vec<EscalationStep>>;
}
