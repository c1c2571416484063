//! A staff member's saved searches (常用筛选): a name and the workbench query it stands for,
//! private to that person.

use crate::*;
use async_trait::async_trait;

/// How many saved searches one person may keep.
pub const SAVED_FILTERS_MAX: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedFilter {
    pub id: i64,
    pub user_id: UserId,
    pub name: String,
    /// The workbench's query string, e.g. `state=dispatched&region_id=4`.
    pub query: String,
}

#[async_trait]
pub trait SavedFilterStore: Send + Sync + 'static {
    /// A person's saved searches, in the order they were first saved.
    async fn saved_filters(&self, user: UserId) -> Result<Vec<SavedFilter>>;
    /// Saves a search under a name; the same name again replaces its query. More than
    /// [`SAVED_FILTERS_MAX`] is [`StoreError::Duplicate`] naming the limit.
    async fn save_filter(&self, user: UserId, name: &str, query: &str) -> Result<SavedFilter>;
    /// Deletes one of the person's saved searches ([`StoreError::NotFound`] if it is not theirs).
    async fn delete_filter(&self, user: UserId, id: i64) -> Result<()>;
}
