//! Saved workbench searches (常用筛选): each staff member's own, by name.

use crate::core::Core;
use crate::{invalid, AppError, Result};
use fengqiao_domain::ids::UserId;
use fengqiao_domain::org::Actor;
use fengqiao_store::SavedFilter;
use std::sync::Arc;

/// Longest name of a saved search, in characters.
pub const FILTER_NAME_MAX_CHARS: usize = 30;
/// Longest query a saved search stands for.
const FILTER_QUERY_MAX_CHARS: usize = 1_000;

pub struct SavedFilters {
    core: Arc<Core>,
}

fn owner(actor: &Actor) -> Result<UserId> {
    actor
        .user_id
        .ok_or_else(|| AppError::Forbidden("只有登录的工作人员可以保存常用筛选".into()))
}

impl SavedFilters {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        SavedFilters { core }
    }

    pub async fn list(&self, actor: &Actor) -> Result<Vec<SavedFilter>> {
        Ok(self.core.store.saved_filters(owner(actor)?).await?)
    }

    /// Saves the search `query` (the workbench's own query string) under `name`; the same name
    /// again replaces it.
    pub async fn save(&self, actor: &Actor, name: &str, query: &str) -> Result<SavedFilter> {
        let user = owner(actor)?;
        let name = fengqiao_domain::check_text("name", name, FILTER_NAME_MAX_CHARS)?;
        if query.is_empty() {
            return Err(invalid("query", "请先设定筛选条件再保存"));
        }
        fengqiao_domain::check_len("query", query, FILTER_QUERY_MAX_CHARS)?;
        Ok(self.core.store.save_filter(user, &name, query).await?)
    }

    pub async fn delete(&self, actor: &Actor, id: i64) -> Result<()> {
        Ok(self.core.store.delete_filter(owner(actor)?, id).await?)
    }
}
