//! What the Open311 GeoReport v2 surface may see and do. Requests are public in Open311, so
//! only what a citizen could see is offered: no petitions (信访 stays in its own channel), no
//! reporters, personal data in the text masked, and only cases with a category (every Open311
//! request has a service; a report waiting for triage appears once registered).

use crate::actions::CaseActions;
use crate::core::Core;
use crate::{AppError, Result};
use fengqiao_domain::case::Case;
use fengqiao_domain::ids::CaseNo;
use fengqiao_domain::lifecycle::Action;
use fengqiao_domain::org::Actor;
use fengqiao_domain::org::Category;
use fengqiao_store::{ApiClient, CaseFilter, ExternalRef, ExternalUpdate, Page, Scope};
use std::sync::Arc;

/// The extra fields of a request under `extensions=true`.
#[derive(Debug, Clone)]
pub struct Extensions {
    pub attributes: Vec<(String, String)>,
    pub channel: &'static str,
    pub duplicate_of: Option<String>,
    pub parent: Option<String>,
    /// `(when, what, opened | activity | closed)`.
    pub notes: Vec<(fengqiao_domain::Timestamp, String, &'static str)>,
    /// Every media link, in order (FixMyStreet's multi-photo reports).
    pub photos: Vec<String>,
}

/// A public step of a request (mySociety's `servicerequestupdates`).
#[derive(Debug, Clone)]
pub struct Update {
    pub update_id: i64,
    pub service_request_id: String,
    /// mySociety's lower-case extended statuses.
    pub status: &'static str,
    pub updated_datetime: fengqiao_domain::Timestamp,
    pub description: String,
}

fn update_status(s: fengqiao_domain::case::CaseState) -> &'static str {
    use fengqiao_domain::case::CaseState as S;
    match s {
        S::Reported | S::Registered => "open",
        S::Dispatched => "action_scheduled",
        S::Accepted | S::InProgress | S::ReturnRequested => "in_progress",
        S::Replied | S::Reviewed | S::FollowedUp => "fixed",
        S::Closed | S::Archived => "closed",
        S::Merged => "duplicate",
        S::Rejected => "not_councils_responsibility",
        S::Withdrawn => "cancelled",
    }
}

/// What a client's update (mySociety's statuses) says about the problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateIntent {
    /// OPEN, REOPEN: the reporter says it is not solved.
    NotSolved,
    /// FIXED, CLOSED: the reporter says it is solved.
    Solved,
    /// The other statuses, which describe a council's own handling: kept as a note.
    Note,
}

impl UpdateIntent {
    /// mySociety's statuses, upper case as the spec writes them (lower case accepted).
    pub const STATUSES: [&'static str; 14] = [
        "OPEN",
        "CLOSED",
        "FIXED",
        "INVESTIGATING",
        "ACTION_SCHEDULED",
        "IN_PROGRESS",
        "PLANNED",
        "NO_FURTHER_ACTION",
        "NOT_COUNCILS_RESPONSIBILITY",
        "DUPLICATE",
        "INTERNAL_REFERRAL",
        "CANCELLED",
        "REOPEN",
        "FOR_TRIAGE",
    ];

    pub fn parse(status: &str) -> Option<UpdateIntent> {
        let s = status.to_ascii_uppercase();
        let intent = match s.as_str() {
            "OPEN" | "REOPEN" => UpdateIntent::NotSolved,
            "FIXED" | "CLOSED" => UpdateIntent::Solved,
            _ => UpdateIntent::Note,
        };
        Self::STATUSES.contains(&s.as_str()).then_some(intent)
    }
}

/// A category offered as an Open311 service, with its group (the parent category's name).
#[derive(Debug, Clone)]
pub struct Service {
    pub category: Category,
    pub group: Option<String>,
}

/// Open311 GeoReport v2: what may be published, and what a client's posts do.
pub struct Open311 {
    core: Arc<Core>,
    actions: Arc<CaseActions>,
}

impl Open311 {
    pub(crate) fn new(core: Arc<Core>, actions: Arc<CaseActions>) -> Self {
        Open311 { core, actions }
    }

    /// The services: categories without sub-categories, petitions left out.
    pub fn services(&self) -> Vec<Service> {
        let cats = self.core.categories();
        cats.iter()
            .filter(|c| !c.is_petition && !cats.iter().any(|x| x.parent_id == Some(c.id)))
            .map(|c| Service {
                group: c
                    .parent_id
                    .and_then(|p| cats.iter().find(|x| x.id == p))
                    .map(|p| p.name.clone()),
                category: c.clone(),
            })
            .collect()
    }

    pub fn service(&self, code: &str) -> Option<Service> {
        self.services()
            .into_iter()
            .find(|s| s.category.id.0.to_string() == code)
    }

    /// Requests for the public list, newest first. Petitions never appear; a case appears once
    /// it has a category (its Open311 service).
    pub async fn requests(&self, mut filter: CaseFilter) -> Result<Page<Case>> {
        filter.public_only = true;
        // Open311 pages without totals (clients page until a short page).
        filter.skip_total = true;
        Ok(self.core.store.list_cases(&Scope::All, &filter).await?)
    }

    /// One request by its public number (the case number).
    pub async fn request(&self, case_no: &str) -> Result<Case> {
        let not_found = || AppError::NotFound(format!("没有编号为 {case_no} 的诉求"));
        let no = CaseNo::parse(case_no).map_err(|_| not_found())?;
        let rec = self.core.case_by_no(&no).await?.ok_or_else(not_found)?;
        if !fengqiao_domain::publication::may_publish(&rec.case) {
            return Err(not_found());
        }
        Ok(rec.case)
    }

    /// What `extensions=true` adds to each request of a page: the answers to its attributes,
    /// its channel, the request it was merged into or split from, its public history as notes
    /// and its photos. Two reads for the whole page, however many requests it holds.
    pub async fn extensions(
        &self,
        cases: &[Case],
    ) -> Result<std::collections::HashMap<fengqiao_domain::ids::CaseId, Extensions>> {
        use fengqiao_domain::lifecycle::ActionKind as A;
        use std::collections::HashMap;
        let ids: Vec<_> = cases.iter().map(|c| c.id).collect();
        let details = self.core.store.case_details(&ids).await?;
        let linked: Vec<_> = cases
            .iter()
            .flat_map(|c| [c.outcome.merged_into, c.handling.parent_id])
            .flatten()
            .collect();
        let numbers: HashMap<_, _> = self
            .core
            .store
            .case_numbers(&linked)
            .await?
            .into_iter()
            .collect();
        let mut events: HashMap<_, Vec<_>> = HashMap::new();
        for e in details.events {
            events.entry(e.case_id).or_default().push(e);
        }
        let mut attributes: HashMap<_, Vec<_>> = HashMap::new();
        for (id, code, value) in details.attributes {
            attributes.entry(id).or_default().push((code, value));
        }
        let mut photos: HashMap<_, Vec<_>> = HashMap::new();
        for (id, url) in details.media {
            photos.entry(id).or_default().push(url);
        }
        let closing = [
            A::Close,
            A::Merge,
            A::Withdraw,
            A::RejectIntake,
            A::AnswerDirectly,
        ];
        let number = |id: Option<fengqiao_domain::ids::CaseId>| {
            id.and_then(|id| numbers.get(&id)).map(|n| n.to_string())
        };
        Ok(cases
            .iter()
            .map(|c| {
                let history = events.remove(&c.id).unwrap_or_default();
                let public = crate::PublicCaseView::build(c, &history);
                let notes = public
                    .progress
                    .iter()
                    .map(|step| {
                        let kind = if step.step == A::Intake.label() {
                            "opened"
                        } else if closing.iter().any(|k| k.label() == step.step) {
                            "closed"
                        } else {
                            "activity"
                        };
                        (step.at, step.step.to_string(), kind)
                    })
                    .collect();
                let x = Extensions {
                    attributes: attributes.remove(&c.id).unwrap_or_default(),
                    channel: c.channel.as_str(),
                    duplicate_of: number(c.outcome.merged_into),
                    parent: number(c.handling.parent_id),
                    notes,
                    photos: photos.remove(&c.id).unwrap_or_default(),
                };
                (c.id, x)
            })
            .collect())
    }

    /// The first media link of each listed request that has one: Open311's `media_url`.
    /// Photos uploaded to the platform itself are for staff (they can show faces and number
    /// plates) and are not published.
    pub async fn media(
        &self,
        cases: &[Case],
    ) -> Result<std::collections::HashMap<fengqiao_domain::ids::CaseId, String>> {
        let ids: Vec<_> = cases.iter().map(|c| c.id).collect();
        Ok(self
            .core
            .store
            .first_media(&ids)
            .await?
            .into_iter()
            .filter(|(_, url)| !url.starts_with("/photos/"))
            .collect())
    }

    /// The public steps of publishable requests in `[from, to)`, oldest first, at most `limit`.
    pub async fn updates(
        &self,
        from: fengqiao_domain::Timestamp,
        to: fengqiao_domain::Timestamp,
        limit: u32,
    ) -> Result<Vec<Update>> {
        use fengqiao_domain::lifecycle::ActionKind as A;
        let events = self
            .core
            .store
            .public_events_between(from, to, limit)
            .await?;
        Ok(events
            .into_iter()
            .filter_map(|(e, case_no)| {
                let kind = Some(e.action).filter(|k| crate::is_public_step(*k))?;
                // What a unit wrote to the citizen is public; internal remarks are not, and
                // neither is what a reporter added: a supplement taken by phone names the
                // caller, and the reporter's own words stay with the case.
                let said = matches!(
                    kind,
                    A::Reply | A::AnswerDirectly | A::RejectIntake | A::Withdraw
                )
                .then_some(e.remark.as_deref())
                .flatten()
                .map(|r| format!("：{}", fengqiao_triage::pii::mask(r)))
                .unwrap_or_default();
                Some(Update {
                    update_id: e.id,
                    service_request_id: case_no,
                    status: update_status(e.to_state),
                    updated_datetime: e.at,
                    description: format!("{}{said}", kind.label()),
                })
            })
            .collect())
    }

    /// An update a client posts to a request (mySociety's `POST servicerequestupdates`): the
    /// reporter's words join the case's history as a supplement (补充诉求), visible to the
    /// handling unit and the centre; "not solved" on a finished case is recorded as a request
    /// to reopen, which the centre decides. Idempotent by the client's `update_id`. Returns our
    /// id for the update.
    pub async fn post_update(
        &self,
        client: &ApiClient,
        service_request_id: &str,
        update_id: &str,
        intent: UpdateIntent,
        description: &str,
    ) -> Result<i64> {
        let case = self.request(service_request_id).await?;
        let external = ExternalRef {
            client_id: client.id,
            external_id: update_id.to_string(),
        };
        let known = |u: ExternalUpdate| {
            if u.case_id == case.id {
                Ok(u.event_id)
            } else {
                Err(AppError::Conflict(format!(
                    "update_id {update_id} 已用于另一件诉求"
                )))
            }
        };
        if let Some(u) = self.core.store.external_update(&external).await? {
            return known(u);
        }
        let content = match intent {
            UpdateIntent::Solved => format!("报告人反馈问题已解决：{description}"),
            _ => description.to_string(),
        };
        let actor = Actor {
            name: client.name.clone(),
            ..Actor::system()
        };
        let action = Action::Supplement {
            content,
            reopen_requested: intent == UpdateIntent::NotSolved,
        };
        let applied = self
            .actions
            .act_as(&actor, case.id, action, Some(external.clone()))
            .await;
        match (applied, self.core.store.external_update(&external).await?) {
            (Ok(_), Some(u)) => known(u),
            // Posted twice at once: the other post recorded it.
            (Err(AppError::Conflict(_)), Some(u)) => known(u),
            (Err(e), _) => Err(e),
            (Ok(_), None) => Err(AppError::internal(format!("update {update_id} vanished"))),
        }
    }

    /// A posted update by our id for it (`GET update_tokens`: the token is the id).
    pub async fn update_token(&self, token: &str) -> Result<i64> {
        let not_found = || AppError::NotFound(format!("没有令牌为 {token} 的更新"));
        let id: i64 = token.parse().map_err(|_| not_found())?;
        self.core
            .store
            .external_update_by_event(id)
            .await?
            .map(|u| u.event_id)
            .ok_or_else(not_found)
    }
}
