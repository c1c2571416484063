//! The one door: intake from every channel is parsed here, analysed by triage, stored with its
//! first event, and — when triage is confident — registered and dispatched by the system.

use crate::actions::CaseActions;
use crate::core::Core;
use crate::triage::Triage;
use crate::{invalid, AppError, Result};
use fengqiao_domain::access;
use fengqiao_domain::case::{Channel, Intake, Priority};
use fengqiao_domain::ids::{Phone, RegionId};
use fengqiao_domain::limits::*;
use fengqiao_domain::org::{Actor, ActorRole};
use fengqiao_domain::{check_len, check_text, Timestamp};
use fengqiao_store::*;
use serde::Deserialize;
use std::sync::Arc;

/// Intake notices one phone number may receive in a day from anonymous reports.
pub const ANONYMOUS_NOTICES_PER_DAY: u32 = 3;

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
    /// Whose key `idempotency_key` is, when a channel says (the 12345 import); otherwise it is
    /// the sender's own. Never from the request.
    #[serde(skip)]
    pub key_scope: Option<KeyScope>,
    /// Photos uploaded with the report, as sent (JPEG or PNG, at most nine): checked and
    /// stripped of their metadata before they are stored.
    #[serde(skip)]
    pub photos: Vec<Vec<u8>>,
    /// The phone was taken down by another system (an Open311 app, a 12345 work order): a
    /// number that cannot be read is kept as sent and flagged, instead of refusing a report
    /// whose sender cannot correct it. People typing their own number are asked to correct it.
    #[serde(skip)]
    pub relayed_phone: bool,
}

impl IntakeInput {
    /// The texts without invisible characters (`domain::strip_invisible`), for intake from
    /// people and apps who cannot be asked to delete what they cannot see.
    fn without_invisible(mut self) -> Self {
        let clean = |s: &mut String| {
            if let std::borrow::Cow::Owned(c) = fengqiao_domain::strip_invisible(s) {
                *s = c;
            }
        };
        clean(&mut self.body);
        for text in [
            &mut self.title,
            &mut self.address,
            &mut self.reporter_name,
            &mut self.reporter_phone,
        ]
        .into_iter()
        .flatten()
        {
            clean(text);
        }
        for (_, answer) in &mut self.attributes {
            clean(answer);
        }
        self
    }
}

/// Whose idempotency key it is. Keys are matched only within one sender's own, so a key one
/// sender used can never return, or swallow, another sender's case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyScope {
    /// A logged-in user.
    User(fengqiao_domain::ids::UserId),
    /// An API client (Open311 app, the 12345 platform's push).
    Client(i64),
    /// The 12345 import: the work-order number is the key, whoever imports it.
    Hotline,
    /// The system itself (the command line).
    System,
}

impl KeyScope {
    /// The scope an actor's keys fall in; `None` for citizens, whose keys are not honoured
    /// (anyone can claim to be anyone without logging in).
    fn of(actor: &Actor, client_id: Option<i64>) -> Option<KeyScope> {
        match (client_id, actor.user_id, actor.role) {
            (Some(c), _, _) => Some(KeyScope::Client(c)),
            (None, Some(u), _) => Some(KeyScope::User(u)),
            (None, None, ActorRole::System) => Some(KeyScope::System),
            _ => None,
        }
    }

    /// The key as stored: the scope, a colon, the sender's key.
    pub fn stored_key(&self, key: &str) -> String {
        match self {
            KeyScope::User(u) => format!("u{}:{key}", u.0),
            KeyScope::Client(c) => format!("c{c}:{key}"),
            KeyScope::Hotline => format!("12345:{key}"),
            KeyScope::System => format!("sys:{key}"),
        }
    }
}

/// A digest of what a request asks for, so a key replayed with other content is told apart from
/// a retry.
fn fingerprint(input: &IntakeInput) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut part = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    let opt = |v: &Option<String>| v.as_deref().unwrap_or("\u{0}").to_string();
    part(&opt(&input.title));
    part(&input.body);
    part(&opt(&input.channel));
    part(&format!("{:?}", input.category_id));
    part(&opt(&input.priority));
    part(&format!("{:?}", input.region_id));
    part(&opt(&input.address));
    part(&format!("{:?}/{:?}", input.latitude, input.longitude));
    part(&opt(&input.reporter_name));
    part(&opt(&input.reporter_phone));
    for m in &input.media_urls {
        part(m);
    }
    for p in &input.photos {
        part(&hex::encode(Sha256::digest(p)));
    }
    for (code, value) in &input.attributes {
        part(code);
        part(value);
    }
    hex::encode(h.finalize())
}

/// Intake from every channel.
pub struct IntakeService {
    core: Arc<Core>,
    triage: Arc<Triage>,
    actions: Arc<CaseActions>,
    /// Anonymous reports per client address.
    anonymous: crate::throttle::Throttle,
    /// Turns to run an intake, so a surge is answered in bounded time or told to come back.
    admission: crate::admission::Admission,
}

impl IntakeService {
    pub(crate) fn new(core: Arc<Core>, triage: Arc<Triage>, actions: Arc<CaseActions>) -> Self {
        IntakeService {
            admission: crate::admission::Admission::new(core.config.intake_limits),
            core,
            triage,
            actions,
            anonymous: Default::default(),
        }
    }

    /// Parses intake from any channel and registers the case (state `reported`). With an
    /// idempotency key, a repeat returns the first case (created = false).
    ///
    /// Under a surge the report waits its turn; when none comes free in time it is turned away
    /// with [`AppError::Busy`], having done nothing.
    pub async fn submit(&self, actor: &Actor, input: IntakeInput) -> Result<IntakeOutcome> {
        let _turn = self.admission.turn().await?;
        self.intake_inner(actor, input, None).await
    }

    /// [`IntakeService::submit`] for background work nobody is waiting on (a 12345 import):
    /// it waits for its turn however long that takes, so no row is turned away.
    pub(crate) async fn submit_in_turn(
        &self,
        actor: &Actor,
        input: IntakeInput,
    ) -> Result<IntakeOutcome> {
        let _turn = self.admission.wait_turn().await;
        self.intake_inner(actor, input, None).await
    }

    /// A report from a citizen who has not logged in (the web form, a 民情码): text, place,
    /// photos and contact only — its category and urgency are triage's or an operator's — and at
    /// most ten every few minutes from one address.
    pub async fn submit_public(
        &self,
        reporter: &str,
        from: Option<&str>,
        input: IntakeInput,
    ) -> Result<IntakeOutcome> {
        // A report turned away for a surge must not count against the address's allowance.
        let _turn = self.admission.turn().await?;
        let now = self.core.now();
        let keys: Vec<_> = from
            .map(|addr| (format!("r\u{1f}{addr}"), crate::throttle::ADDRESS_REPORTS))
            .into_iter()
            .collect();
        if let Some(until) = self.anonymous.locked_until(&keys, now) {
            return Err(AppError::rate_limited(
                "提交过于频繁，请稍后再试；紧急情况请拨打 12345 或 110",
                until,
                now,
            ));
        }
        if let Some(until) = self.anonymous.count(&keys, now) {
            return Err(AppError::rate_limited(
                "提交过于频繁，请稍后再试；紧急情况请拨打 12345 或 110",
                until,
                now,
            ));
        }
        self.intake_inner(&Actor::citizen(reporter), input.without_invisible(), None)
            .await
    }

    /// Intake from a registered API client (Open311, the 12345 platform): the same path as
    /// every channel, with the client recorded on the case.
    pub async fn submit_from_client(
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
        let _turn = self.admission.turn().await?;
        self.intake_inner(&actor, input.without_invisible(), Some(client.id))
            .await
    }

    async fn intake_inner(
        &self,
        actor: &Actor,
        input: IntakeInput,
        client_id: Option<i64>,
    ) -> Result<IntakeOutcome> {
        let channel = match input.channel.as_deref() {
            None => access::default_channel(actor),
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
        access::may_intake(actor, channel)?;
        if actor.role == ActorRole::Citizen {
            // What a citizen may set: text, place, photos and contact. The category, urgency and
            // answers are for triage and the centre to give.
            let set = |present: bool, field: &'static str, what: &str| {
                if present {
                    Err(invalid(
                        field,
                        format!("群众反映问题时不填写{what}，由受理中心确定"),
                    ))
                } else {
                    Ok(())
                }
            };
            set(input.category_id.is_some(), "category_id", "事项分类")?;
            set(input.priority.is_some(), "priority", "紧急程度")?;
            set(!input.attributes.is_empty(), "attributes", "附加问题")?;
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
                    .core
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
                &self.core.category_attributes(c),
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
        // Failing that, the place the report's own words name ("苍岩村村口水泥路塌了"): the
        // case says which, in its intake event.
        let mut place_note = None;
        let region = match input.region_id {
            Some(r) => Some(self.core.region_exists(RegionId(r))?),
            None => {
                let from_address = address
                    .as_deref()
                    .and_then(|a| self.core.region_in_address(a))
                    .and_then(|r| self.core.region_exists(r).ok());
                // Only a place the sender may file in: a village cadre who writes of a
                // neighbouring village still files in their own.
                let from_text = || {
                    self.core
                        .region_in_address(&format!("{title} {body}"))
                        .and_then(|r| self.core.region_exists(r).ok())
                        .filter(|r| access::may_file_in(actor, Some(&r.path)).is_ok())
                };
                match from_address {
                    Some(r) => {
                        place_note = Some(format!("村（社区）按地址中的「{}」确定", r.name));
                        Some(r)
                    }
                    None => from_text().inspect(|r| {
                        place_note = Some(format!("村（社区）按诉求内容中的「{}」确定", r.name));
                    }),
                }
            }
        };
        access::may_file_in(actor, region.as_ref().map(|r| r.path.as_str()))?;
        let region_id = region.map(|r| r.id);
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
            Some(p) => match Phone::parse(p) {
                Ok(p) => Some(p),
                Err(_) if input.relayed_phone => None,
                Err(m) => return Err(invalid("reporter_phone", m)),
            },
            None => None,
        };
        let reporter_phone_unread = match (&reporter_phone, input.reporter_phone.as_deref()) {
            (None, Some(raw)) if input.relayed_phone && !raw.trim().is_empty() => {
                check_len("reporter_phone", raw.trim(), 40)?;
                Some(raw.trim().to_string())
            }
            _ => None,
        };
        if actor.role == ActorRole::Citizen && reporter_phone.is_none() {
            return Err(invalid(
                "reporter_phone",
                "请留下联系电话，以便办理单位联系您并告知结果",
            ));
        }
        let scope = input
            .key_scope
            .clone()
            .or_else(|| KeyScope::of(actor, client_id));
        let idempotency_key = match input
            .idempotency_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            Some(k) => {
                check_len("idempotency_key", k, IDEMPOTENCY_KEY_MAX_CHARS)?;
                scope.as_ref().map(|s| s.stored_key(k))
            }
            None => None,
        };
        let fingerprint = idempotency_key.as_ref().map(|_| fingerprint(&input));
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
        let photos = checked_photos(&input.photos)?;
        let now = input.received_at.unwrap_or_else(|| self.core.now());
        // The reporter is told the case number at once; a 12345 work order's caller was told by
        // the 12345 centre, and an import of old orders must not text people about them now.
        let mut notify_reporter =
            reporter_phone.is_some() && input.key_scope != Some(KeyScope::Hotline);
        // Anyone can type anyone's number into the public form: a number that was sent
        // [`ANONYMOUS_NOTICES_PER_DAY`] notices in a day gets no more intake notices from anonymous
        // reports (the reporter still sees the number on screen), so the platform cannot be
        // used to text a stranger over and over, or to run up the township's SMS bill.
        if notify_reporter && actor.role == ActorRole::Citizen {
            if let Some(p) = &reporter_phone {
                let day_ago = now - chrono::Duration::days(1);
                let sent = self
                    .core
                    .store
                    .notifications_to(p.as_str(), day_ago)
                    .await?;
                notify_reporter = sent < ANONYMOUS_NOTICES_PER_DAY;
            }
        }
        let analysis = self
            .triage
            .analyze(&title, &body, region_id, category_id, now)
            .await?;
        let mut outcome = self
            .core
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
                reporter_phone_unread,
                idempotency_key,
                fingerprint,
                // A citizen's name is on the reporter; the history says who in general terms.
                actor_name: if actor.role == ActorRole::Citizen {
                    "群众".into()
                } else {
                    actor.name.clone()
                },
                received_at: now,
                suggestion: analysis.suggestion.clone(),
                duplicates: analysis.duplicates.clone(),
                client_id,
                attributes,
                media,
                photos,
                place_note,
                notify_reporter,
                hotspot: analysis.hotspot,
            })
            .await?;
        if outcome.created {
            self.after_intake(&mut outcome, analysis, category_id.is_some())
                .await?;
        }
        Ok(outcome)
    }

    /// Indexes the new case and, when triage is confident, registers and dispatches it as the
    /// system ("智能分拨"); a refused step leaves the case for an operator.
    async fn after_intake(
        &self,
        outcome: &mut IntakeOutcome,
        analysis: crate::triage::Analysis,
        category_given: bool,
    ) -> Result<()> {
        let late = self.triage.record(&outcome.case, &analysis).await?;
        let has_duplicates = !analysis.duplicates.is_empty() || !late.is_empty();
        if let Some(sheet) = outcome.sheet.as_mut() {
            sheet.duplicate_proposals.extend(late);
        }
        let case = &outcome.case;
        let cfg = &self.core.config.triage;
        let Some(s) = analysis.suggestion else {
            return Ok(());
        };
        let confident = cfg
            .auto_dispatch_threshold
            .is_some_and(|t| s.confidence >= t);
        let (Some(category_id), Some(unit_id)) = (s.category_id, s.unit_id) else {
            return Ok(());
        };
        if !confident || category_given || case.is_petition || has_duplicates {
            return Ok(());
        }
        let actor = Actor {
            name: "智能分拨".into(),
            ..Actor::system()
        };
        let register = fengqiao_domain::lifecycle::Action::Register {
            category_id: Some(category_id),
            priority: None,
            region_id: None,
            remark: Some(format!(
                "自动分类：{}（置信度 {:.0}%，依据：{}）",
                self.core
                    .categories()
                    .iter()
                    .find(|c| c.id == category_id)
                    .map_or("", |c| c.name.as_str()),
                s.confidence * 100.0,
                s.words.join("、")
            )),
        };
        let dispatch = fengqiao_domain::lifecycle::Action::Dispatch {
            unit_id,
            co_units: Vec::new(),
            remark: Some("按分类默认承办单位自动派发".into()),
        };
        // The case is stored and its reporter answered whatever happens here: a failure leaves
        // it for an operator.
        let stored = outcome.sheet.as_ref().map(|s| s.record.clone());
        match self
            .actions
            .auto_dispatch(&actor, stored, case.id, register, dispatch)
            .await
        {
            Ok(Some((c, dispatched))) => {
                // The sheet as the dispatch left it: the case's new row and the suggestion
                // marked (an automatic dispatch names no co-handling units, so adds no tasks).
                if let Some(s) = outcome.sheet.as_mut().and_then(|s| s.suggestion.as_mut()) {
                    s.auto_dispatched |= dispatched;
                }
                outcome.replace_case(c);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(case = %case.case_no, error = %e, "automatic dispatch failed; the case waits for an operator");
            }
        }
        Ok(())
    }
}

/// Uploaded photos, checked and stripped of their metadata; the first bad one is named.
pub(crate) fn checked_photos(uploads: &[Vec<u8>]) -> Result<Vec<NewPhoto>> {
    use crate::formats::photo::{parse, PHOTOS_PER_CASE_MAX};
    if uploads.len() > PHOTOS_PER_CASE_MAX {
        return Err(invalid(
            "photos",
            format!("一件诉求最多上传 {PHOTOS_PER_CASE_MAX} 张照片"),
        ));
    }
    uploads
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            let p =
                parse(bytes).map_err(|e| invalid("photos", format!("第 {} 张照片：{e}", i + 1)))?;
            Ok(NewPhoto {
                content_type: p.content_type.to_string(),
                bytes: p.bytes,
                latitude: p.latitude,
                longitude: p.longitude,
            })
        })
        .collect()
}
