//! The place registry and inspections (`Places`): registering places, their colour and due
//! lists within the viewer's region, and inspections checked against their checklist — made on
//! the spot or sent later from a phone that was offline.

use crate::core::Core;
use crate::intake::checked_photos;
use crate::{invalid, AppError, Result};
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::ids::{Phone, PlaceId, RegionId, TemplateId};
use fengqiao_domain::org::{Actor, RegionLevel};
use fengqiao_domain::places::*;
use fengqiao_domain::{limits, Timestamp};
use fengqiao_store::*;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Longest registration number.
pub const REG_NO_MAX_CHARS: usize = 50;

/// A place as the person registering it typed it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceInput {
    pub reg_no: String,
    pub name: String,
    pub kind: String,
    pub region_id: i64,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub owner_name: Option<String>,
    #[serde(default)]
    pub owner_phone: Option<String>,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    /// Its colour when registered (green if not said).
    #[serde(default)]
    pub color: Option<String>,
}

/// The scheduler's pass over overdue inspections at `at`: urged once past due, supervised past
/// the configured days (nothing when escalation is switched off).
pub(crate) async fn escalate_overdue(
    core: &Core,
    at: Timestamp,
) -> Result<fengqiao_store::EscalationTally> {
    let Some(days) = core.config.inspection_supervise_after_days else {
        return Ok(Default::default());
    };
    let cutoffs = fengqiao_domain::places::escalation_cutoffs(at, days);
    Ok(core.store.escalate_overdue_places(cutoffs, at).await?)
}

/// An inspection as the inspector sends it.
#[derive(Debug, Clone, Default)]
pub struct InspectionInput {
    /// The checklist version the form showed; the newest if not said.
    pub template_id: Option<TemplateId>,
    pub answers: Vec<Answer>,
    /// The grade the inspector confirms; the suggestion from the findings if not said.
    pub confirmed: Option<RiskColor>,
    /// The place's colour when the form was opened (an offline form remembers it).
    pub seen_color: Option<RiskColor>,
    /// When it was made; now if not said.
    pub inspected_at: Option<Timestamp>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub client_key: Option<String>,
    /// The code the inspector scanned at the place (its own 民情码): the record says it was
    /// made on site. A code of another place is refused.
    pub checkin: Option<String>,
    pub photos: Vec<Vec<u8>>,
}

/// Everything a place's page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlaceSheet {
    pub place: Place,
    pub overdue: bool,
    pub region_name: String,
    pub history: Vec<ColorChange>,
    pub inspections: Vec<InspectionRecord>,
    /// Its overdue inspections' escalation steps (催检, 督办), oldest first.
    pub escalations: Vec<fengqiao_domain::places::EscalationStep>,
    pub hazards: Vec<Hazard>,
    pub interval_days: u32,
}

pub struct Places {
    core: Arc<Core>,
}

fn optional(field: &'static str, v: Option<String>, max: usize) -> Result<Option<String>> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => {
            fengqiao_domain::check_len(field, s, max)?;
            Ok(Some(s.to_string()))
        }
        None => Ok(None),
    }
}

/// The owner's name and phone hidden for those without need: `周**`, `138****0001`.
pub fn mask_owner(mut p: Place, actor: &Actor) -> Place {
    if !can_see_owner_contact(actor, &p.region_path) {
        p.owner_name = p.owner_name.map(|n| {
            let mut c = n.chars();
            let first: String = c.next().into_iter().collect();
            first + &"*".repeat(c.count().min(3))
        });
        p.owner_phone = p.owner_phone.map(|ph| match Phone::parse(&ph) {
            Ok(ph) => ph.masked(),
            Err(_) => "****".into(),
        });
    }
    p
}

pub(crate) fn parse_color(field: &'static str, s: &str) -> Result<RiskColor> {
    RiskColor::parse(s).ok_or_else(|| {
        invalid(
            field,
            format!("风险等级「{s}」无效：可选 red（红）、yellow（黄）、blue（蓝）、green（绿）"),
        )
    })
}

pub(crate) fn parse_kind(s: &str) -> Result<PlaceKind> {
    PlaceKind::parse(s).ok_or_else(|| {
        let all: Vec<String> = PlaceKind::ALL
            .iter()
            .map(|k| format!("{}（{}）", k.as_str(), k.label()))
            .collect();
        invalid(
            "kind",
            format!("场所类型「{s}」无效：可选 {}", all.join("、")),
        )
    })
}

impl Places {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        Places { core }
    }

    pub(crate) fn core(&self) -> &Arc<Core> {
        &self.core
    }

    /// The region a list is asked for, checked to lie within the actor's own.
    fn region_path(&self, actor: &Actor, region: Option<RegionId>) -> Result<String> {
        match region {
            None => Ok(actor.region_path.clone()),
            Some(id) => {
                let r = self.core.region_exists(id)?;
                if actor.covers(Some(&r.path)) {
                    Ok(r.path)
                } else {
                    Err(AppError::Forbidden("只能查看自己负责区域内的场所".into()))
                }
            }
        }
    }

    pub async fn register(&self, actor: &Actor, input: PlaceInput) -> Result<Place> {
        self.register_with(actor, input, self.core.audit(actor))
            .await
    }

    /// Registers a place as `registrar` did at `at`, for whoever loads history (the demo, a
    /// move from paper records): only with [`Capability::LoadHistory`].
    pub async fn register_in_history(
        &self,
        loader: &Actor,
        registrar: &Actor,
        input: PlaceInput,
        at: Timestamp,
    ) -> Result<Place> {
        access::require(loader, Capability::LoadHistory)?;
        let audit = Audit {
            at,
            ..self.core.audit(registrar)
        };
        self.register_with(registrar, input, audit).await
    }

    async fn register_with(&self, actor: &Actor, input: PlaceInput, audit: Audit) -> Result<Place> {
        let place = self.checked(actor, input)?;
        let p = self.core.store.create_place(place, audit).await?;
        Ok(mask_owner(p, actor))
    }

    /// A place's particulars as the registry takes them: each field checked, the region one
    /// the actor may manage places in.
    fn checked(&self, actor: &Actor, input: PlaceInput) -> Result<NewPlace> {
        let region = self.core.region_exists(RegionId(input.region_id))?;
        if region.level == RegionLevel::Town {
            return Err(invalid(
                "region_id",
                "请选择场所所在的村（社区）或网格，而不是整个乡镇",
            ));
        }
        access::require_within(actor, Capability::ManagePlaces, Some(&region.path))?;
        let reg_no = fengqiao_domain::check_text("reg_no", &input.reg_no, REG_NO_MAX_CHARS)?;
        if reg_no.chars().any(char::is_whitespace) {
            return Err(invalid("reg_no", "登记编号不能包含空格"));
        }
        let name = fengqiao_domain::check_text("name", &input.name, limits::NAME_MAX_CHARS)?;
        let kind = parse_kind(input.kind.trim())?;
        let color = match input
            .color
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(c) => parse_color("color", c)?,
            None => RiskColor::Green,
        };
        let owner_phone = match optional("owner_phone", input.owner_phone, 30)? {
            Some(p) => Some(
                Phone::parse(&p)
                    .map_err(|m| invalid("owner_phone", m))?
                    .as_str()
                    .to_string(),
            ),
            None => None,
        };
        let (latitude, longitude) = match (input.latitude, input.longitude) {
            (Some(la), Some(lo))
                if (-90.0..=90.0).contains(&la) && (-180.0..=180.0).contains(&lo) =>
            {
                (Some(la), Some(lo))
            }
            (None, None) => (None, None),
            _ => {
                return Err(invalid(
                    "latitude",
                    "经纬度须成对填写：纬度 -90 到 90，经度 -180 到 180",
                ))
            }
        };
        let place = NewPlace {
            reg_no,
            name,
            kind,
            region_id: region.id,
            address: optional("address", input.address, limits::ADDRESS_MAX_CHARS)?,
            owner_name: optional("owner_name", input.owner_name, limits::NAME_MAX_CHARS)?,
            owner_phone,
            latitude,
            longitude,
            color,
        };
        Ok(place)
    }

    /// Corrects a registered place from a registry import: `input` holds what the file says,
    /// with what it leaves blank (or shows masked) already filled in from `existing`. The actor
    /// must manage places both where it is and where it goes. Whether anything changed.
    pub(crate) async fn revise(
        &self,
        actor: &Actor,
        existing: &Place,
        input: PlaceInput,
    ) -> Result<bool> {
        access::require_within(actor, Capability::ManagePlaces, Some(&existing.region_path))?;
        let new = self.checked(actor, input)?;
        let mut changed = Vec::new();
        let mut note = |what: &str, old: &str, new: &str| {
            if old != new {
                changed.push(format!("{what}「{old}」→「{new}」"));
            }
        };
        let region_name = |id: RegionId| {
            self.core
                .regions()
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.name.clone())
                .unwrap_or_default()
        };
        note("名称", &existing.name, &new.name);
        note("类型", existing.kind.label(), new.kind.label());
        note(
            "所在",
            &region_name(existing.region_id),
            &region_name(new.region_id),
        );
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        note("地址", &text(&existing.address), &text(&new.address));
        note(
            "负责人",
            &text(&existing.owner_name),
            &text(&new.owner_name),
        );
        // The number itself stays out of the audit line: it is personal data.
        if existing.owner_phone != new.owner_phone {
            changed.push("联系电话已更新".into());
        }
        if changed.is_empty() {
            return Ok(false);
        }
        self.core
            .store
            .update_place(
                existing.id,
                existing.version,
                new,
                format!("导入更正：{}", changed.join("；")),
                self.core.audit(actor),
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict => AppError::Conflict(
                    "该场所刚被他人修改（如检查、调整等级），请重新导入这一行".into(),
                ),
                e => e.into(),
            })?;
        Ok(true)
    }

    /// Places within the actor's region (or a village/grid of it), masked for the viewer.
    pub async fn list(
        &self,
        actor: &Actor,
        region: Option<RegionId>,
        mut filter: PlaceFilter,
    ) -> Result<Page<Place>> {
        filter.region_path = self.region_path(actor, region)?;
        let mut page = self.core.store.places(&filter).await?;
        page.items = page
            .items
            .into_iter()
            .map(|p| mask_owner(p, actor))
            .collect();
        Ok(page)
    }

    /// The due list: places in the actor's region (a grid worker's: their grid) that must be
    /// inspected by `by`, the most overdue first.
    pub async fn due(
        &self,
        actor: &Actor,
        region: Option<RegionId>,
        by: Timestamp,
        page: u32,
        page_size: u32,
    ) -> Result<Page<Place>> {
        let filter = PlaceFilter {
            due_by: Some(by),
            page,
            page_size,
            ..Default::default()
        };
        self.list(actor, region, filter).await
    }

    pub async fn summary(&self, actor: &Actor, region: Option<RegionId>) -> Result<PlaceSummary> {
        let path = self.region_path(actor, region)?;
        Ok(self
            .core
            .store
            .place_summary(&path, self.core.now())
            .await?)
    }

    async fn visible(&self, actor: &Actor, id: PlaceId) -> Result<Place> {
        match self.core.store.place(id).await? {
            Some(p) if can_view_place(actor, &p.region_path) => Ok(p),
            _ => Err(AppError::NotFound(format!(
                "场所 {id} 不存在或不在您负责的区域内"
            ))),
        }
    }

    /// A place alone (one read), masked for the viewer: for lists that name it.
    pub async fn brief(&self, actor: &Actor, id: PlaceId) -> Result<Place> {
        Ok(mask_owner(self.visible(actor, id).await?, actor))
    }

    /// The scheduler's pass over overdue inspections as it would have run at `at`, for whoever
    /// loads history (the demo's last month): only with [`Capability::LoadHistory`].
    pub async fn escalate_in_history(
        &self,
        loader: &Actor,
        at: Timestamp,
    ) -> Result<fengqiao_store::EscalationTally> {
        access::require(loader, Capability::LoadHistory)?;
        escalate_overdue(&self.core, at).await
    }

    /// The place whose own 民情码 this is, as anyone scanning it may see it: its name, kind,
    /// village and address — never its owner or contact, colour or history.
    pub async fn by_code(&self, code: &str) -> Result<Option<Place>> {
        let code = code.trim();
        if code.len() > 40 {
            return Ok(None);
        }
        Ok(self.core.store.place_by_code(code).await?.map(|p| Place {
            owner_name: None,
            owner_phone: None,
            ..p
        }))
    }

    pub async fn get(&self, actor: &Actor, id: PlaceId) -> Result<PlaceSheet> {
        let place = self.visible(actor, id).await?;
        let store = &self.core.store;
        let hazards = store
            .hazards(&HazardFilter {
                region_path: place.region_path.clone(),
                place_id: Some(id),
                page: 1,
                page_size: 100,
                ..Default::default()
            })
            .await?
            .items;
        let policy = store.inspection_policy().await?;
        Ok(PlaceSheet {
            overdue: place.is_overdue(self.core.now()),
            region_name: self
                .core
                .regions()
                .iter()
                .find(|r| r.id == place.region_id)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            history: store.color_history(id).await?,
            inspections: store.inspections_of(id, 20).await?,
            escalations: store.place_escalations(id).await?,
            hazards,
            interval_days: policy.interval_days(place.kind, place.color),
            place: mask_owner(place, actor),
        })
    }

    /// Re-grades a place by hand, with the reason written in its history.
    pub async fn regrade(
        &self,
        actor: &Actor,
        id: PlaceId,
        version: i64,
        color: RiskColor,
        remark: &str,
    ) -> Result<Place> {
        let place = self.visible(actor, id).await?;
        access::require_within(actor, Capability::ManagePlaces, Some(&place.region_path))?;
        let remark = fengqiao_domain::check_text("remark", remark, limits::REMARK_MAX_CHARS)
            .map_err(|_| invalid("remark", "请写明调整风险等级的理由"))?;
        let p = self
            .core
            .store
            .regrade(id, version, color, &remark, self.core.audit(actor))
            .await
            .map_err(|e| match e {
                StoreError::Conflict => {
                    AppError::Conflict("该场所刚被他人更新（检查或调整），请刷新后再调整".into())
                }
                e => e.into(),
            })?;
        Ok(mask_owner(p, actor))
    }

    pub async fn policy(&self) -> Result<InspectionPolicy> {
        Ok(self.core.store.inspection_policy().await?)
    }

    pub async fn set_policy(&self, actor: &Actor, policy: InspectionPolicy) -> Result<()> {
        access::require(actor, Capability::SetInspectionPolicy)?;
        policy.check()?;
        Ok(self
            .core
            .store
            .set_inspection_policy(policy, self.core.audit(actor))
            .await?)
    }

    /// The checklist an inspection of the place is made against (the newest version).
    pub async fn checklist(
        &self,
        actor: &Actor,
        id: PlaceId,
    ) -> Result<(Place, ChecklistTemplate)> {
        let place = self.visible(actor, id).await?;
        let t = self.core.store.checklist(place.kind).await?;
        Ok((mask_owner(place, actor), t))
    }

    /// Publishes a new version of a kind's checklist (township admins, as for the inspection
    /// policy): forms show it from now on; inspections made against an older version keep
    /// their questions, and an item keeps its code across versions so a relapse is still seen.
    pub async fn set_checklist(
        &self,
        actor: &Actor,
        kind: &str,
        name: &str,
        items: Vec<ChecklistItem>,
    ) -> Result<ChecklistTemplate> {
        access::require(actor, Capability::SetInspectionPolicy)?;
        let kind = parse_kind(kind.trim())?;
        let items: Vec<ChecklistItem> = items
            .into_iter()
            .map(|i| ChecklistItem {
                code: i.code.trim().to_string(),
                text: i.text.trim().to_string(),
                severity: i.severity,
            })
            .collect();
        fengqiao_domain::places::check_checklist(name, &items)?;
        Ok(self
            .core
            .store
            .add_checklist_version(kind, name.trim().to_string(), items, self.core.audit(actor))
            .await?)
    }

    /// The newest checklist of every kind.
    pub async fn checklists(&self) -> Result<Vec<ChecklistTemplate>> {
        let mut all = Vec::new();
        for k in PlaceKind::ALL {
            all.push(self.core.store.checklist(*k).await?);
        }
        Ok(all)
    }

    /// Records an inspection: answers checked against the checklist version the form showed,
    /// a hazard per failed item, the grade the inspector confirmed (the findings' suggestion
    /// if not said). The same `client_key` again from the same person is stored once.
    pub async fn inspect(
        &self,
        actor: &Actor,
        id: PlaceId,
        input: InspectionInput,
    ) -> Result<InspectionOutcome> {
        let now = self.core.now();
        let inspected_at = input.inspected_at.unwrap_or(now);
        check_inspection_time(inspected_at, now)?;
        self.inspect_at(actor, id, input, inspected_at, now).await
    }

    /// Records an inspection `inspector` made, however long ago, for whoever loads history:
    /// only with [`Capability::LoadHistory`]; recorded as of `at` — made then too, unless the
    /// input says it was made earlier (on a phone with no signal, sent when back in reach).
    pub async fn inspect_in_history(
        &self,
        loader: &Actor,
        inspector: &Actor,
        id: PlaceId,
        input: InspectionInput,
        at: Timestamp,
    ) -> Result<InspectionOutcome> {
        access::require(loader, Capability::LoadHistory)?;
        if at > self.core.now() {
            return Err(invalid("inspected_at", "历史检查记录的时间不能晚于现在"));
        }
        let made = input.inspected_at.unwrap_or(at);
        check_inspection_time(made, at)?;
        self.inspect_at(inspector, id, input, made, at).await
    }

    async fn inspect_at(
        &self,
        actor: &Actor,
        id: PlaceId,
        input: InspectionInput,
        inspected_at: Timestamp,
        now: Timestamp,
    ) -> Result<InspectionOutcome> {
        let place = self.visible(actor, id).await?;
        may_inspect(actor, &place.region_path)?;
        let store = &self.core.store;
        let template = match input.template_id {
            Some(t) => store
                .checklist_version(t)
                .await?
                .filter(|t| t.kind == place.kind)
                .ok_or_else(|| {
                    invalid(
                        "template_id",
                        format!("检查表 {t} 不是{}的检查表", place.kind.label()),
                    )
                })?,
            None => store.checklist(place.kind).await?,
        };
        let findings = check_answers(&template, &input.answers)?;
        let suggested = suggest_color(&findings);
        let client_key = optional(
            "client_key",
            input.client_key,
            limits::IDEMPOTENCY_KEY_MAX_CHARS,
        )?;
        let photos = checked_photos(&input.photos)?;
        let checked_in = match input.checkin.as_deref().map(str::trim) {
            Some(c) if c == place.code => true,
            Some(c) if !c.is_empty() => {
                return Err(invalid(
                    "checkin",
                    format!(
                        "扫描的二维码不是「{}」的：请在本场所门前扫码签到",
                        place.name
                    ),
                ))
            }
            _ => false,
        };
        // What makes a resend the same record: its content in a canonical order (a form's
        // fields may arrive in any order), and the time only if the sender gave one (a form
        // sent again later is not a different inspection for having reached us later).
        let mut canonical = input.answers.clone();
        canonical.sort_by(|a, b| a.item_code.cmp(&b.item_code));
        let mut digest = Sha256::new();
        digest.update(
            serde_json::to_vec(&(
                place.id,
                template.id,
                &canonical,
                input.confirmed,
                input.seen_color,
                input.inspected_at.map(|t| t.timestamp_millis()),
            ))
            .unwrap_or_default(),
        );
        for p in &input.photos {
            digest.update(Sha256::digest(p));
        }
        let fingerprint = format!("{:x}", digest.finalize());
        let outcome = store
            .record_inspection(NewInspection {
                place_id: place.id,
                template_id: template.id,
                inspector_id: actor.user_id,
                inspector_name: actor.name.clone(),
                inspected_at,
                recorded_at: now,
                answers: input.answers,
                findings,
                suggested,
                confirmed: input.confirmed.unwrap_or(suggested),
                seen_color: input.seen_color,
                latitude: input.latitude,
                longitude: input.longitude,
                client_key,
                fingerprint,
                photos,
                relapse_window_days: self.core.config.relapse_window_days,
                checked_in,
            })
            .await
            .map_err(|e| match e {
                StoreError::KeyReused(_) => invalid(
                    "client_key",
                    "这条检查记录的编号已用于另一份内容不同的记录；新的检查请重新打开检查表",
                ),
                e => e.into(),
            })?;
        Ok(InspectionOutcome {
            place: mask_owner(outcome.place, actor),
            ..outcome
        })
    }

    /// A photo taken in the field, for those who see its place.
    pub async fn photo(&self, actor: &Actor, id: i64) -> Result<FieldPhoto> {
        match self.core.store.field_photo(id).await? {
            Some(p) if can_view_place(actor, &p.region_path) => Ok(p),
            _ => Err(AppError::NotFound(format!("照片 {id} 不存在"))),
        }
    }
}
