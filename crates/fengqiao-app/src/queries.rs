//! Reads of cases for people: scoped to the actor, with personal data masked for those who may
//! not see it.

use crate::core::Core;
use crate::views::*;
use crate::{invalid, AppError, Result};
use fengqiao_domain::access::can_see_personal_data;
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::case::Case;
use fengqiao_domain::ids::{CaseId, CaseNo, Phone};
use fengqiao_domain::org::Actor;
use fengqiao_store::*;
use std::sync::Arc;

/// Case views, lists, histories and the citizen's status page.
pub struct CaseQueries {
    core: Arc<Core>,
    /// Wrong phone tails on the citizen's status page, per case and per address.
    tails: crate::throttle::Throttle,
}

impl CaseQueries {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        CaseQueries {
            core,
            tails: Default::default(),
        }
    }

    pub async fn case_view(&self, actor: &Actor, id: CaseId) -> Result<CaseView> {
        let rec = self.core.visible_case(actor, id).await?;
        let mut view = self.view(actor, rec);
        view.suggestion = self
            .core
            .store
            .case_suggestion(id)
            .await?
            .map(|s| SuggestionView::build(s, &self.core.units(), &self.core.categories()));
        view.duplicate_proposals = self.core.store.duplicate_proposals(id).await?;
        view.client_name = self.core.store.case_client(id).await?.map(|c| c.name);
        view.attributes = self
            .core
            .store
            .case_attributes(id)
            .await?
            .into_iter()
            .map(|(code, value)| AttributeAnswer { code, value })
            .collect();
        view.media_urls = self.core.store.case_media(id).await?;
        Ok(view)
    }

    fn view(&self, actor: &Actor, rec: CaseRecord) -> CaseView {
        let unmasked = can_see_personal_data(actor, &rec.case);
        CaseView::build(
            rec,
            unmasked,
            &self.core.units(),
            &self.core.categories(),
            &self.core.regions(),
        )
    }

    pub async fn list_cases(&self, actor: &Actor, filter: CaseFilter) -> Result<Page<CaseSummary>> {
        if filter
            .q
            .as_deref()
            .is_some_and(access::searches_personal_data)
            && !access::may_search_personal_data(actor)
        {
            return Err(AppError::Forbidden(
                "无权按电话、证件或银行卡号码检索工单；请按工单编号或文字检索".into(),
            ));
        }
        let page = self
            .core
            .store
            .list_cases(&self.core.scope_for(actor), &filter)
            .await?;
        let (units, cats) = (self.core.units(), self.core.categories());
        Ok(Page {
            items: page
                .items
                .iter()
                .map(|c| CaseSummary::build(c, can_see_personal_data(actor, c), &units, &cats))
                .collect(),
            total: page.total,
            page: page.page,
            page_size: page.page_size,
        })
    }

    /// A case's history. Without the right to personal data, remarks are masked like the text
    /// and a citizen's own name on their report reads 群众.
    pub async fn events(&self, actor: &Actor, id: CaseId) -> Result<Vec<EventView>> {
        let rec = self.core.visible_case(actor, id).await?;
        let unmasked = can_see_personal_data(actor, &rec.case);
        Ok(self
            .core
            .store
            .events(id)
            .await?
            .into_iter()
            .map(|e| EventView::masked(e, unmasked))
            .collect())
    }

    pub async fn notifications(&self, actor: &Actor, id: CaseId) -> Result<Vec<Notification>> {
        let rec = self.core.visible_case(actor, id).await?;
        let mut list = self.core.store.notifications(id).await?;
        if !can_see_personal_data(actor, &rec.case) {
            for n in &mut list {
                n.phone = n
                    .phone
                    .as_deref()
                    .and_then(|p| Phone::parse(p).ok())
                    .map(|p| p.masked());
            }
        }
        Ok(list)
    }

    pub async fn overview(&self, actor: &Actor) -> Result<StateCount> {
        Ok(self
            .core
            .store
            .count_cases(&self.core.scope_for(actor))
            .await?)
    }

    /// What a citizen may see of their case: given the ticket number and the last four digits of
    /// the phone they reported with.
    /// Wrong tails are counted per case and per client address; after ten for a case (thirty
    /// from an address) the lookup waits, so the 10,000 possible tails cannot be tried.
    pub async fn public_case(
        &self,
        case_no: &str,
        phone_tail: &str,
        from: Option<&str>,
    ) -> Result<PublicCaseView> {
        use crate::throttle::{ADDRESS_TAIL, CASE_TAIL};
        let now = self.core.now();
        let mut keys = vec![(format!("t\u{1f}{}", case_no.trim()), CASE_TAIL)];
        if let Some(addr) = from {
            keys.push((format!("u\u{1f}{addr}"), ADDRESS_TAIL));
        }
        if let Some(until) = self.tails.locked_until(&keys, now) {
            return Err(AppError::rate_limited(
                "查询次数过多，请稍后再试",
                until,
                now,
            ));
        }
        let found = self.public_case_inner(case_no, phone_tail).await;
        if matches!(found, Err(AppError::NotFound(_) | AppError::Invalid { .. })) {
            self.tails.count(&keys, now);
        }
        found
    }

    async fn public_case_inner(&self, case_no: &str, phone_tail: &str) -> Result<PublicCaseView> {
        let no = CaseNo::parse(case_no).map_err(|m| invalid("case_no", m))?;
        let not_found =
            || AppError::NotFound("没有找到该工单，请核对工单编号和手机号后四位".into());
        let rec = self.core.case_by_no(&no).await?.ok_or_else(not_found)?;
        let id = rec.case.id;
        let tail = phone_tail.trim();
        let matches = tail.len() == 4
            && rec
                .reporters
                .iter()
                .any(|r| r.phone.as_ref().is_some_and(|p| p.as_str().ends_with(tail)));
        if !matches {
            return Err(not_found());
        }
        let events = self.core.store.events(id).await?;
        Ok(PublicCaseView::build(&rec.case, &events))
    }

    /// Whole cases as stored, for the system itself (the command line, the demo): no masking,
    /// so no person may call it.
    pub async fn records(&self, actor: &Actor, filter: CaseFilter) -> Result<Page<Case>> {
        access::require(actor, Capability::ReadUnmaskedRecords)?;
        Ok(self.core.store.list_cases(&Scope::All, &filter).await?)
    }
}
