//! What a citizen does with a ticket, without logging in: follow its progress and say the
//! problem is not solved. The ticket number and the last four digits of the reporter's phone
//! are the key; wrong tails are counted per case and per client address, and after ten for a
//! case (thirty from an address) the lookup waits, so the 10,000 possible tails cannot be tried.

use crate::actions::CaseActions;
use crate::core::Core;
use crate::throttle::{Throttle, ADDRESS_TAIL, CASE_TAIL};
use crate::views::PublicCaseView;
use crate::{invalid, AppError, Result};
use fengqiao_domain::case::Satisfaction;
use fengqiao_domain::ids::CaseNo;
use fengqiao_domain::lifecycle::{offered, Action, ActionKind, DecideContext};
use fengqiao_domain::org::Actor;
use fengqiao_store::*;
use std::sync::Arc;

/// The citizen's ticket desk.
pub struct Citizens {
    core: Arc<Core>,
    actions: Arc<CaseActions>,
    /// Wrong phone tails, per case and per address.
    tails: Throttle,
}

impl Citizens {
    pub(crate) fn new(core: Arc<Core>, actions: Arc<CaseActions>) -> Self {
        Citizens {
            core,
            actions,
            tails: Throttle::default(),
        }
    }

    /// What a citizen may see of their case: public progress and the reply, masked, whether
    /// they may rate it now, and for a merged ticket the case that carries it.
    pub async fn progress(
        &self,
        case_no: &str,
        phone_tail: &str,
        from: Option<&str>,
    ) -> Result<PublicCaseView> {
        let rec = self.ticket(case_no, phone_tail, from).await?;
        let events = self.core.store.events(rec.case.id).await?;
        let mut view = PublicCaseView::build(&rec.case, &events);
        let carrier = match rec.case.outcome.merged_into {
            Some(into) => self.core.store.case(into).await?.map(|r| r.case),
            None => None,
        };
        view.merged_into = carrier.as_ref().map(|c| c.case_no.to_string());
        let rated = carrier.as_ref().unwrap_or(&rec.case);
        let calendar = self.core.calendar();
        let citizen = Actor::citizen("群众");
        let ctx = DecideContext::new(self.core.now(), &citizen, &calendar);
        view.may_rate = offered(rated, &ctx)
            .iter()
            .any(|o| o.kind == ActionKind::Rate);
        Ok(view)
    }

    /// The reporter's own rating of the reply: once, after it came. A merged ticket rates the
    /// case that carries it.
    pub async fn rate(
        &self,
        case_no: &str,
        phone_tail: &str,
        from: Option<&str>,
        satisfaction: Satisfaction,
    ) -> Result<PublicCaseView> {
        let rec = self.ticket(case_no, phone_tail, from).await?;
        let target = rec.case.outcome.merged_into.unwrap_or(rec.case.id);
        self.actions
            .act(
                &Actor::citizen("群众"),
                target,
                Action::Rate { satisfaction },
            )
            .await?;
        self.progress(case_no, phone_tail, from).await
    }

    /// More words from the reporter, and with `not_solved` after a reply their word that the
    /// problem is still there (重办 stays the centre's decision). A ticket merged into another
    /// case adds to that case.
    pub async fn supplement(
        &self,
        case_no: &str,
        phone_tail: &str,
        from: Option<&str>,
        content: &str,
        not_solved: bool,
    ) -> Result<PublicCaseView> {
        let rec = self.ticket(case_no, phone_tail, from).await?;
        let target = rec.case.outcome.merged_into.unwrap_or(rec.case.id);
        let actor = Actor {
            name: "群众".into(),
            ..Actor::system()
        };
        let action = Action::Supplement {
            content: content.to_string(),
            reopen_requested: not_solved,
        };
        self.actions.act(&actor, target, action).await?;
        self.progress(case_no, phone_tail, from).await
    }

    /// The case behind a ticket, if the tail matches a reporter's phone: counted when it does
    /// not, refused while too many have not.
    async fn ticket(
        &self,
        case_no: &str,
        phone_tail: &str,
        from: Option<&str>,
    ) -> Result<CaseRecord> {
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
        let found = self.match_tail(case_no, phone_tail).await;
        if matches!(found, Err(AppError::NotFound(_) | AppError::Invalid { .. })) {
            self.tails.count(&keys, now);
        }
        found
    }

    async fn match_tail(&self, case_no: &str, phone_tail: &str) -> Result<CaseRecord> {
        let no = CaseNo::parse(case_no).map_err(|m| invalid("case_no", m))?;
        let not_found =
            || AppError::NotFound("没有找到该工单，请核对工单编号和手机号后四位".into());
        let rec = self.core.case_by_no(&no).await?.ok_or_else(not_found)?;
        let tail = phone_tail.trim();
        let matches = tail.len() == 4
            && rec
                .reporters
                .iter()
                .any(|r| r.phone.as_ref().is_some_and(|p| p.as_str().ends_with(tail)));
        if !matches {
            return Err(not_found());
        }
        Ok(rec)
    }
}
