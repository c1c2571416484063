//! Application services: the one place where a request becomes a domain decision and a committed
//! change. Authentication and scope are decided here from the actor, never from the request body.
//!
//! Invariant: this crate knows the `Store` trait, never a backend, and nothing of HTTP.

mod auth;
mod clients;
mod error;
pub mod hotline;
mod open311;
pub mod scheduler;
mod triage;
mod views;
pub mod xlsx;

pub use auth::{hash_password, verify_password};
use error::duplicate_means;
pub use error::AppError;
pub use open311::{
    Extensions as Open311Extensions, Service as Open311Service, Update as Open311Update,
    UpdateIntent,
};
pub use triage::{keywords, HotspotView, TrainOutcome, TriageConfig};
pub use views::*;

use chrono::Utc;
use fengqiao_domain::attributes::ServiceAttribute;
use fengqiao_domain::calendar::{Calendar, CalendarDay};
use fengqiao_domain::case::{Case, Channel, Intake, Priority};
use fengqiao_domain::deadline::local_date;
use fengqiao_domain::deadline::TimePolicy;
use fengqiao_domain::ids::{CaseId, CaseNo, CategoryId, Phone, RegionId, UnitId};
use fengqiao_domain::lifecycle::{decide, Action, DecideContext};
use fengqiao_domain::limits::*;
use fengqiao_domain::org::{
    Actor, ActorRole, Category, Platform, Region, RegionLevel, Role, Unit, UnitKind, User,
};
use fengqiao_domain::permission::{can_see_personal_data, can_view};
use fengqiao_domain::{check_len, check_text, Timestamp};
use fengqiao_store::*;
use serde::Deserialize;
use std::sync::{Arc, Mutex, RwLock};

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The source of "now". Tests inject a manual clock.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

pub struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Utc::now()
    }
}

/// A clock that only moves when told to.
pub struct ManualClock(Mutex<Timestamp>);
impl ManualClock {
    pub fn new(t: Timestamp) -> Self {
        ManualClock(Mutex::new(t))
    }
    pub fn set(&self, t: Timestamp) {
        *self.0.lock().expect("clock") = t;
    }
    pub fn advance(&self, d: chrono::Duration) {
        *self.0.lock().expect("clock") += d;
    }
}
impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().expect("clock")
    }
}

#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Share of a time limit after which a case turns yellow (default 0.8).
    pub yellow_share: f64,
    /// How long a login token lives.
    pub token_ttl: chrono::Duration,
    /// Hours past due after which the scheduler urges (催办) a red case; None disables.
    pub urge_after_hours: Option<i64>,
    /// Hours past due after which the scheduler raises supervision (督办); None disables.
    pub supervise_after_hours: Option<i64>,
    /// Classifier, duplicate finder and hot spots.
    pub triage: TriageConfig,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            yellow_share: 0.8,
            token_ttl: chrono::Duration::hours(12),
            urge_after_hours: Some(0),
            supervise_after_hours: Some(24),
            triage: TriageConfig::default(),
        }
    }
}

/// Configuration read on every decision, cached and reloaded when an admin changes it.
#[derive(Default)]
struct Reference {
    calendar: Arc<Calendar>,
    policies: Arc<Vec<TimePolicy>>,
    categories: Arc<Vec<Category>>,
    units: Arc<Vec<Unit>>,
    regions: Arc<Vec<Region>>,
    attributes: Arc<Vec<ServiceAttribute>>,
}

pub struct App {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: AppConfig,
    reference: RwLock<Reference>,
    triage: triage::TriageState,
}

/// Intake as it arrives from any channel, before parsing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeInput {
    pub title: Option<String>,
    pub body: String,
    pub channel: Option<String>,
    pub category_id: Option<i64>,
    pub priority: Option<String>,
    pub region_id: Option<i64>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub idempotency_key: Option<String>,
    /// Answers to the category's attributes, `(code, value)` (set by Open311; not part of the
    /// JSON body yet).
    #[serde(skip)]
    pub attributes: Vec<(String, String)>,
    /// When the report was first received, for imports of older work orders (now otherwise).
    #[serde(skip)]
    pub received_at: Option<Timestamp>,
    /// Links to photos of the problem (Open311 `media_url`), at most ten, http(s) only.
    #[serde(default)]
    pub media_urls: Vec<String>,
}

fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
    AppError::Invalid {
        field,
        message: message.into(),
    }
}

impl App {
    pub async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: AppConfig,
    ) -> Result<Arc<Self>> {
        let app = Arc::new(App {
            store,
            clock,
            config,
            reference: RwLock::new(Reference::default()),
            triage: Default::default(),
        });
        app.seed_calendar_if_empty().await?;
        app.reload().await?;
        app.reload_triage().await?;
        Ok(app)
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    async fn seed_calendar_if_empty(&self) -> Result<()> {
        if self.store.calendar_days().await?.is_empty() {
            let days = fengqiao_domain::calendar::parse_csv(fengqiao_domain::calendar::BUILTIN_CSV)
                .map_err(AppError::internal)?;
            let audit = Audit {
                actor_id: None,
                actor_name: "系统".into(),
                at: self.now(),
            };
            self.store.upsert_calendar_days(days, audit).await?;
        }
        Ok(())
    }

    /// Reloads the cached configuration from the store.
    pub async fn reload(&self) -> Result<()> {
        let calendar = Calendar::new(self.store.calendar_days().await?);
        let r = Reference {
            calendar: Arc::new(calendar),
            policies: Arc::new(self.store.policies().await?),
            categories: Arc::new(self.store.categories().await?),
            units: Arc::new(self.store.units().await?),
            regions: Arc::new(self.store.regions().await?),
            attributes: Arc::new(self.store.category_attributes().await?),
        };
        *self.reference.write().expect("reference lock") = r;
        Ok(())
    }

    pub fn calendar(&self) -> Arc<Calendar> {
        self.reference
            .read()
            .expect("reference lock")
            .calendar
            .clone()
    }
    pub fn categories(&self) -> Arc<Vec<Category>> {
        self.reference
            .read()
            .expect("reference lock")
            .categories
            .clone()
    }
    /// The questions a category asks, in form order.
    pub fn category_attributes(&self, id: CategoryId) -> Vec<ServiceAttribute> {
        self.reference
            .read()
            .expect("reference lock")
            .attributes
            .iter()
            .filter(|a| a.category_id == id)
            .cloned()
            .collect()
    }

    /// Adds a question to a category (admin).
    pub async fn create_category_attribute(
        &self,
        actor: &Actor,
        attribute: ServiceAttribute,
    ) -> Result<ServiceAttribute> {
        Self::require_admin(actor, "管理分类属性")?;
        self.category_exists("category_id", Some(attribute.category_id))?;
        fengqiao_domain::attributes::check_definition(&attribute)?;
        let a = self
            .store
            .insert_category_attribute(attribute, self.audit(actor))
            .await
            .map_err(duplicate_means("该分类已有同代码或同顺序的属性"))?;
        self.reload().await?;
        Ok(a)
    }

    pub fn units(&self) -> Arc<Vec<Unit>> {
        self.reference.read().expect("reference lock").units.clone()
    }
    pub fn regions(&self) -> Arc<Vec<Region>> {
        self.reference
            .read()
            .expect("reference lock")
            .regions
            .clone()
    }
    pub fn policies(&self) -> Arc<Vec<TimePolicy>> {
        self.reference
            .read()
            .expect("reference lock")
            .policies
            .clone()
    }

    /// The actor for a user: their scope is their region's subtree.
    pub fn actor_for(&self, user: &User) -> Actor {
        let path = self
            .regions()
            .iter()
            .find(|r| r.id == user.region_id)
            .map(|r| r.path.clone())
            .unwrap_or_else(|| "/".into());
        Actor::from_user(user, &path)
    }

    fn scope_for(&self, actor: &Actor) -> Scope {
        match actor.role {
            ActorRole::System => Scope::All,
            ActorRole::Citizen => Scope::Region {
                path: "/nothing/".into(),
                include_unplaced: false,
            },
            ActorRole::User(Role::Operator | Role::Admin | Role::Leader) => Scope::Region {
                path: actor.region_path.clone(),
                include_unplaced: actor.covers(None),
            },
            ActorRole::User(role @ (Role::UnitStaff | Role::GridWorker)) => Scope::Unit {
                unit_id: actor.unit_id.unwrap_or(UnitId(-1)),
                user_id: actor.user_id.unwrap_or(fengqiao_domain::ids::UserId(-1)),
                region_path: (role == Role::GridWorker).then(|| actor.region_path.clone()),
            },
        }
    }

    fn require_role(actor: &Actor, roles: &[Role], what: &str) -> Result<()> {
        match actor.role() {
            Some(r) if roles.contains(&r) => Ok(()),
            _ => Err(AppError::Forbidden(format!("无权{what}"))),
        }
    }

    // ---------------------------------------------------------------- intake

    /// Parses intake from any channel and registers the case (state `reported`). With an
    /// idempotency key, a repeat returns the first case (created = false).
    pub async fn intake(&self, actor: &Actor, input: IntakeInput) -> Result<IntakeOutcome> {
        self.intake_inner(actor, input, None).await
    }

    /// Intake from a registered API client (Open311, the 12345 platform): the same path as
    /// every channel, with the client recorded on the case.
    pub async fn intake_from_client(
        &self,
        client: &ApiClient,
        mut input: IntakeInput,
    ) -> Result<IntakeOutcome> {
        if input.channel.is_none() {
            input.channel = Some(Channel::Open311.as_str().to_string());
        }
        let actor = Actor {
            name: client.name.clone(),
            ..Actor::system()
        };
        self.intake_inner(&actor, input, Some(client.id)).await
    }

    async fn intake_inner(
        &self,
        actor: &Actor,
        input: IntakeInput,
        client_id: Option<i64>,
    ) -> Result<IntakeOutcome> {
        let channel = match input.channel.as_deref() {
            None => match actor.role {
                ActorRole::Citizen => Channel::CitizenWeb,
                ActorRole::User(Role::GridWorker) => Channel::GridPatrol,
                _ => Channel::Hotline,
            },
            Some(c) => Channel::parse(c).ok_or_else(|| {
                invalid(
                    "channel",
                    format!(
                        "未知的渠道「{c}」，可选：{}",
                        Channel::ALL
                            .iter()
                            .map(|c| c.as_str())
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                )
            })?,
        };
        match actor.role {
            ActorRole::Citizen if !matches!(channel, Channel::CitizenWeb | Channel::CitizenQr) => {
                return Err(AppError::Forbidden(
                    "群众只能通过网上留言或民情码反映问题".into(),
                ))
            }
            ActorRole::User(Role::Leader) => {
                return Err(AppError::Forbidden("领导账号不能登记工单".into()))
            }
            _ => {}
        }
        let body = check_text("body", &input.body, BODY_MAX_CHARS)?;
        let title = match input
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(t) => {
                check_len("title", t, TITLE_MAX_CHARS)?;
                t.to_string()
            }
            None => body.chars().take(30).collect(),
        };
        let priority = match input.priority.as_deref() {
            None => Priority::Normal,
            Some(p) => Priority::parse(p).ok_or_else(|| {
                invalid(
                    "priority",
                    format!("未知的紧急程度「{p}」，可选 emergency、urgent、normal"),
                )
            })?,
        };
        let mut is_petition = channel == Channel::PetitionDesk;
        let category_id = match input.category_id {
            None => None,
            Some(c) => {
                let cat = self
                    .categories()
                    .iter()
                    .find(|x| x.id.0 == c)
                    .cloned()
                    .ok_or_else(|| invalid("category_id", format!("分类 {c} 不存在")))?;
                is_petition |= cat.is_petition;
                Some(cat.id)
            }
        };
        let attributes = match (
            category_id,
            input.attributes.is_empty() && client_id.is_none(),
        ) {
            (_, true) => Vec::new(),
            (Some(c), false) => fengqiao_domain::attributes::check_answers(
                &self.category_attributes(c),
                &input.attributes,
            )?,
            (None, false) => {
                return Err(invalid("attribute", "填写属性须同时指定分类"));
            }
        };
        let address = match input
            .address
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            Some(a) => {
                check_len("address", a, ADDRESS_MAX_CHARS)?;
                Some(a.to_string())
            }
            None => None,
        };
        // Without a chosen region, the place the address names (a 12345 work order's
        // 事发地址, a citizen's "苍岩村三组"), so the case reaches that village's view, its
        // duplicates and its hot spots.
        let region_id = match input.region_id {
            Some(r) => Some(self.region_exists(RegionId(r))?.id),
            None => address.as_deref().and_then(|a| self.region_in_address(a)),
        };
        match (input.latitude, input.longitude) {
            (None, None) => {}
            (Some(lat), Some(lon))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {}
            (Some(_), Some(_)) => return Err(invalid("latitude", "经纬度超出范围")),
            _ => return Err(invalid("latitude", "纬度和经度须同时填写")),
        }
        let reporter_name = match input
            .reporter_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            Some(n) => {
                check_len("reporter_name", n, NAME_MAX_CHARS)?;
                Some(n.to_string())
            }
            None => None,
        };
        let reporter_phone = match input
            .reporter_phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(p) => Some(Phone::parse(p).map_err(|m| invalid("reporter_phone", m))?),
            None => None,
        };
        if actor.role == ActorRole::Citizen && reporter_phone.is_none() {
            return Err(invalid(
                "reporter_phone",
                "请留下联系电话，以便办理单位联系您并告知结果",
            ));
        }
        let idempotency_key = match input
            .idempotency_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            Some(k) => {
                check_len("idempotency_key", k, IDEMPOTENCY_KEY_MAX_CHARS)?;
                Some(k.to_string())
            }
            None => None,
        };
        if input.media_urls.len() > fengqiao_domain::limits::MEDIA_PER_CASE_MAX {
            return Err(invalid(
                "media_url",
                format!(
                    "一件诉求最多 {} 个媒体链接",
                    fengqiao_domain::limits::MEDIA_PER_CASE_MAX
                ),
            ));
        }
        let media = input
            .media_urls
            .iter()
            .map(|u| fengqiao_domain::check_media_url(u))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let now = input.received_at.unwrap_or_else(|| self.now());
        let analysis = self.analyze(&title, &body, region_id, now).await?;
        let mut outcome = self
            .store
            .intake(NewCase {
                intake: Intake {
                    category_id,
                    priority,
                    region_id,
                    address,
                    latitude: input.latitude,
                    longitude: input.longitude,
                    is_petition,
                    created_by: actor.user_id,
                    ..Intake::text(title, body, channel)
                },
                reporter_name,
                reporter_phone,
                idempotency_key,
                actor_name: actor.name.clone(),
                received_at: now,
                suggestion: analysis.suggestion.clone(),
                duplicates: analysis.duplicates.clone(),
                client_id,
                attributes,
                media,
            })
            .await?;
        if outcome.created {
            outcome.case = self
                .after_intake(&outcome.case, analysis, category_id.is_some())
                .await?;
        }
        Ok(outcome)
    }

    // ---------------------------------------------------------------- actions

    /// Applies one action to a case: load, decide, commit — retried if someone else changed the
    /// case in between, so the decision is always made on the stored state.
    pub async fn act(&self, actor: &Actor, id: CaseId, action: Action) -> Result<Case> {
        self.act_as(actor, id, action, None).await
    }

    /// [`App::act`] for an update a client sent under its own id, recorded with the event.
    pub(crate) async fn act_as(
        &self,
        actor: &Actor,
        id: CaseId,
        action: Action,
        external: Option<ExternalRef>,
    ) -> Result<Case> {
        for _ in 0..5 {
            let rec = self
                .store
                .case(id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("工单 {id} 不存在")))?;
            let parent = match rec.case.parent_id {
                Some(p) => self.store.case(p).await?.map(|r| r.case),
                None => None,
            };
            let task_units: Vec<UnitId> = rec.tasks.iter().map(|t| t.unit_id).collect();
            if actor.role != ActorRole::System
                && !can_view(
                    actor,
                    &rec.case,
                    &task_units,
                    parent.as_ref().and_then(|p| p.unit_id),
                )
            {
                return Err(AppError::NotFound(format!("工单 {id} 不存在")));
            }
            let merge_target = match (&action, rec.case.merged_into) {
                (Action::Merge { into, .. }, _) => self.store.case(*into).await?.map(|r| r.case),
                (Action::Split { .. }, Some(into)) => self.store.case(into).await?.map(|r| r.case),
                _ => None,
            };
            let region = match &action {
                Action::Register {
                    region_id: Some(r), ..
                } => self.regions().iter().find(|x| x.id == *r).cloned(),
                _ => None,
            };
            let units = self.units();
            let units_exist = action
                .referenced_unit()
                .is_none_or(|u| units.iter().any(|x| x.id == u));
            let (calendar, policies, categories) =
                (self.calendar(), self.policies(), self.categories());
            let now = self.now();
            let ctx = DecideContext {
                now,
                actor,
                calendar: &calendar,
                policies: &policies,
                categories: &categories,
                children: &rec.children,
                tasks: &rec.tasks,
                parent: parent.as_ref(),
                merge_target: merge_target.as_ref(),
                region: region.as_ref(),
                units_exist,
                yellow_share: self.config.yellow_share,
            };
            let decision = decide(&rec.case, &action, &ctx)?;
            let feedback = match &action {
                Action::Register { category_id, .. } if actor.user_id.is_some() => {
                    self.feedback_for(id, category_id.or(rec.case.category_id))
                        .await?
                }
                _ => None,
            };
            let settles = match (&action, rec.case.merged_into) {
                (Action::Merge { into, .. }, _) => vec![(id, *into, ProposalStatus::Merged)],
                (Action::Split { .. }, Some(into)) => vec![(id, into, ProposalStatus::Dismissed)],
                _ => Vec::new(),
            };
            if let Some(due) = decision.case.reply_due {
                let gaps = calendar.unknown_years_between(local_date(now), local_date(due));
                if !gaps.is_empty() {
                    tracing::warn!(years = ?gaps, case = %rec.case.case_no, "no holiday calendar for these years: counting Monday–Friday; import the official calendar with `fengqiao calendar import`");
                }
            }
            match self
                .store
                .commit(Changeset {
                    case: decision.case,
                    event: decision.event,
                    effects: decision.effects,
                    actor_id: actor.user_id,
                    actor_name: actor.name.clone(),
                    at: now,
                    feedback,
                    settles,
                    external: external.clone(),
                })
                .await
            {
                Ok(case) => {
                    if !case.state.is_open() {
                        self.forget_case(case.id);
                    } else if matches!(action, Action::Split { .. }) {
                        self.index_case(&case);
                    }
                    return Ok(case);
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Conflict(
            "工单正被他人同时处理，请刷新后重试".into(),
        ))
    }

    // ---------------------------------------------------------------- reads

    pub async fn case_view(&self, actor: &Actor, id: CaseId) -> Result<CaseView> {
        let rec = self
            .store
            .case(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("工单 {id} 不存在")))?;
        let parent_unit = match rec.case.parent_id {
            Some(p) => self.store.case(p).await?.and_then(|r| r.case.unit_id),
            None => None,
        };
        let task_units: Vec<UnitId> = rec.tasks.iter().map(|t| t.unit_id).collect();
        if !can_view(actor, &rec.case, &task_units, parent_unit) {
            // Not "forbidden": a case outside one's scope is not acknowledged to exist.
            return Err(AppError::NotFound(format!("工单 {id} 不存在")));
        }
        let mut view = self.view(actor, rec);
        view.suggestion = self
            .store
            .case_suggestion(id)
            .await?
            .map(|s| SuggestionView::build(s, &self.units(), &self.categories()));
        view.duplicate_proposals = self.store.duplicate_proposals(id).await?;
        view.client_name = self.store.case_client(id).await?.map(|c| c.name);
        view.attributes = self
            .store
            .case_attributes(id)
            .await?
            .into_iter()
            .map(|(code, value)| AttributeAnswer { code, value })
            .collect();
        view.media_urls = self.store.case_media(id).await?;
        Ok(view)
    }

    fn view(&self, actor: &Actor, rec: CaseRecord) -> CaseView {
        let unmasked = can_see_personal_data(actor, &rec.case);
        CaseView::build(
            rec,
            unmasked,
            &self.units(),
            &self.categories(),
            &self.regions(),
        )
    }

    pub async fn list_cases(&self, actor: &Actor, filter: CaseFilter) -> Result<Page<CaseSummary>> {
        let page = self
            .store
            .list_cases(&self.scope_for(actor), &filter)
            .await?;
        let (units, cats) = (self.units(), self.categories());
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

    pub async fn events(&self, actor: &Actor, id: CaseId) -> Result<Vec<EventView>> {
        self.case_view(actor, id).await?;
        Ok(self
            .store
            .events(id)
            .await?
            .into_iter()
            .map(EventView::from)
            .collect())
    }

    pub async fn notifications(&self, actor: &Actor, id: CaseId) -> Result<Vec<Notification>> {
        let view = self.case_view(actor, id).await?;
        let mut list = self.store.notifications(id).await?;
        if !view.personal_data_visible {
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
        Ok(self.store.count_cases(&self.scope_for(actor)).await?)
    }

    /// What a citizen may see of their case: given the ticket number and the last four digits of
    /// the phone they reported with.
    pub async fn public_case(&self, case_no: &str, phone_tail: &str) -> Result<PublicCaseView> {
        let no = CaseNo::parse(case_no).map_err(|m| invalid("case_no", m))?;
        let not_found =
            || AppError::NotFound("没有找到该工单，请核对工单编号和手机号后四位".into());
        let id = self.store.case_id_by_no(&no).await?.ok_or_else(not_found)?;
        let rec = self.store.case(id).await?.ok_or_else(not_found)?;
        let tail = phone_tail.trim();
        let matches = tail.len() == 4
            && rec
                .reporters
                .iter()
                .any(|r| r.phone.as_ref().is_some_and(|p| p.as_str().ends_with(tail)));
        if !matches {
            return Err(not_found());
        }
        let events = self.store.events(id).await?;
        Ok(PublicCaseView::build(&rec.case, &events))
    }

    // ---------------------------------------------------------------- auth

    pub async fn login(&self, username: &str, password: &str) -> Result<(String, User)> {
        let creds = self.store.user_credentials(username.trim()).await?;
        let (user, hash) = creds
            .map(|(u, h)| (Some(u), Some(h)))
            .unwrap_or((None, None));
        let verified = auth::verify_password_blocking(password.to_string(), hash).await?;
        let user = match user {
            Some(u) if verified && u.active => u,
            _ => return Err(AppError::Unauthorized("用户名或密码错误".into())),
        };
        let token = auth::new_token();
        let now = self.now();
        self.store
            .insert_token(
                user.id,
                &auth::token_hash(&token),
                now,
                now + self.config.token_ttl,
            )
            .await?;
        Ok((token, user))
    }

    pub async fn authenticate(&self, token: &str) -> Result<(User, Actor)> {
        let user = self
            .store
            .user_by_token(&auth::token_hash(token), self.now())
            .await?
            .ok_or_else(|| AppError::Unauthorized("登录已失效，请重新登录".into()))?;
        let actor = self.actor_for(&user);
        Ok((user, actor))
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        Ok(self
            .store
            .revoke_token(&auth::token_hash(token), self.now())
            .await?)
    }

    // ---------------------------------------------------------------- administration

    /// Administration is for admins (and for the CLI, acting as the system).
    fn require_admin(actor: &Actor, what: &str) -> Result<()> {
        if actor.role == ActorRole::System {
            return Ok(());
        }
        Self::require_role(actor, &[Role::Admin], what)
    }

    /// The audit stamp a change by `actor` is stored with.
    fn audit(&self, actor: &Actor) -> Audit {
        Audit {
            actor_id: actor.user_id,
            actor_name: actor.name.clone(),
            at: self.now(),
        }
    }

    /// The region an address names: the deepest region whose name it contains. A name that
    /// several regions share (every village's "第一网格") counts only when its parent is named
    /// too. Names of one character are ignored.
    pub fn region_in_address(&self, address: &str) -> Option<RegionId> {
        let regions = self.regions();
        let named: Vec<&Region> = regions
            .iter()
            .filter(|r| r.name.chars().nth(1).is_some() && address.contains(r.name.as_str()))
            .collect();
        named
            .iter()
            .filter(|r| {
                regions.iter().filter(|x| x.name == r.name).count() == 1
                    || r.parent_id.is_some_and(|p| named.iter().any(|m| m.id == p))
            })
            .max_by_key(|r| (r.path.matches('/').count(), r.name.len()))
            .map(|r| r.id)
    }

    fn region_exists(&self, id: RegionId) -> Result<Region> {
        self.regions()
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .ok_or_else(|| invalid("region_id", format!("区域 {id} 不存在")))
    }

    fn unit_exists(&self, field: &'static str, id: Option<UnitId>) -> Result<()> {
        match id {
            Some(u) if !self.units().iter().any(|x| x.id == u) => {
                Err(invalid(field, format!("单位 {u} 不存在")))
            }
            _ => Ok(()),
        }
    }

    fn category_exists(&self, field: &'static str, id: Option<CategoryId>) -> Result<()> {
        match id {
            Some(c) if !self.categories().iter().any(|x| x.id == c) => {
                Err(invalid(field, format!("分类 {c} 不存在")))
            }
            _ => Ok(()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_user(
        &self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        password: &str,
        role: Role,
        region_id: RegionId,
        unit_id: Option<UnitId>,
    ) -> Result<User> {
        Self::require_admin(actor, "管理用户")?;
        let username = username.trim();
        if username.is_empty()
            || username.chars().count() > 64
            || !username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(invalid("username", "用户名须为 1–64 位字母、数字或 . _ -"));
        }
        let display_name = check_text("display_name", display_name, NAME_MAX_CHARS)?;
        if password.chars().count() < 8 {
            return Err(invalid("password", "密码至少 8 位"));
        }
        let region = self.region_exists(region_id)?;
        if actor.role != ActorRole::System && !actor.covers(Some(&region.path)) {
            return Err(AppError::Forbidden("只能在自己负责的区域内创建用户".into()));
        }
        self.unit_exists("unit_id", unit_id)?;
        if matches!(role, Role::UnitStaff | Role::GridWorker) && unit_id.is_none() {
            return Err(invalid("unit_id", "承办人员和网格员须指定所在单位"));
        }
        let password_hash = auth::hash_password_blocking(password.to_string()).await?;
        let new = NewUser {
            username: username.to_string(),
            display_name,
            role,
            region_id,
            unit_id,
            password_hash,
            created_at: self.now(),
        };
        Ok(self.store.insert_user(new, self.audit(actor)).await?)
    }

    pub async fn create_region(
        &self,
        actor: &Actor,
        parent_id: Option<RegionId>,
        name: &str,
        level: RegionLevel,
    ) -> Result<Region> {
        Self::require_admin(actor, "管理区域")?;
        let name = check_text("name", name, NAME_MAX_CHARS)?;
        let region = self
            .store
            .insert_region(
                NewRegion {
                    parent_id,
                    name,
                    level,
                },
                self.audit(actor),
            )
            .await
            .map_err(duplicate_means("同一上级下已有同名区域"))?;
        self.reload().await?;
        Ok(region)
    }

    pub async fn create_unit(
        &self,
        actor: &Actor,
        name: &str,
        kind: UnitKind,
        platform: Option<Platform>,
        region_id: RegionId,
    ) -> Result<Unit> {
        Self::require_admin(actor, "管理单位")?;
        let name = check_text("name", name, NAME_MAX_CHARS)?;
        self.region_exists(region_id)?;
        let unit = self
            .store
            .insert_unit(
                NewUnit {
                    name,
                    kind,
                    platform,
                    region_id,
                },
                self.audit(actor),
            )
            .await
            .map_err(duplicate_means("同名单位已存在"))?;
        self.reload().await?;
        Ok(unit)
    }

    pub async fn create_category(
        &self,
        actor: &Actor,
        parent_id: Option<CategoryId>,
        name: &str,
        default_unit_id: Option<UnitId>,
        is_petition: bool,
    ) -> Result<Category> {
        Self::require_admin(actor, "管理分类")?;
        let name = check_text("name", name, NAME_MAX_CHARS)?;
        self.category_exists("parent_id", parent_id)?;
        self.unit_exists("default_unit_id", default_unit_id)?;
        let new = NewCategory {
            parent_id,
            name,
            default_unit_id,
            is_petition,
        };
        let cat = self
            .store
            .insert_category(new, self.audit(actor))
            .await
            .map_err(duplicate_means("同一上级下已有同名分类"))?;
        self.reload().await?;
        Ok(cat)
    }

    pub async fn set_policy(&self, actor: &Actor, policy: TimePolicy) -> Result<TimePolicy> {
        Self::require_admin(actor, "设置时限")?;
        if policy.limit.amount == 0 || policy.limit.amount > 10_000 {
            return Err(invalid("amount", "时限须为 1–10000"));
        }
        self.category_exists("category_id", policy.category_id)?;
        let p = self.store.upsert_policy(policy, self.audit(actor)).await?;
        self.reload().await?;
        Ok(p)
    }

    /// Imports calendar days (e.g. a newly published year) and returns how many were written.
    pub async fn import_calendar(&self, actor: &Actor, days: Vec<CalendarDay>) -> Result<usize> {
        Self::require_admin(actor, "维护节假日日历")?;
        if days.is_empty() {
            return Err(invalid("days", "没有要导入的日期"));
        }
        let n = self
            .store
            .upsert_calendar_days(days, self.audit(actor))
            .await?;
        self.reload().await?;
        Ok(n)
    }

    /// The calendar's listed days, optionally of one year.
    pub async fn calendar_days(&self, year: Option<i32>) -> Result<Vec<CalendarDay>> {
        use chrono::Datelike;
        let days = self.store.calendar_days().await?;
        Ok(days
            .into_iter()
            .filter(|d| year.is_none_or(|y| d.date.year() == y))
            .collect())
    }

    pub async fn users(&self, actor: &Actor) -> Result<Vec<User>> {
        Self::require_role(actor, &[Role::Admin], "查看用户")?;
        Ok(self.store.users().await?)
    }

    pub async fn audit_log(&self, actor: &Actor, limit: u32) -> Result<Vec<AuditEntry>> {
        Self::require_role(actor, &[Role::Admin], "查看审计日志")?;
        Ok(self.store.audit_log(limit.clamp(1, 1000)).await?)
    }
}
