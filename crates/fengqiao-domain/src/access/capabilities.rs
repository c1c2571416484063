//! What an actor may do outside a case's lifecycle: administer the organisation and the
//! configuration, read the audit trail, manage API clients and models, move cases in bulk, and
//! through which channels they may file a case.

use crate::case::Channel;
use crate::error::DomainError;
use crate::org::{Actor, ActorRole, Role};

/// A thing an actor may be allowed to do outside a case's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    ManageRegions,
    ManageUnits,
    ManageCategories,
    ManageUsers,
    SetTimeLimits,
    MaintainCalendar,
    ViewUsers,
    ViewAuditLog,
    IssueApiKeys,
    ViewApiClients,
    RevokeApiKeys,
    ViewModels,
    TrainModels,
    SwitchModels,
    ReadTrainingData,
    ViewHotspots,
    SettleDuplicates,
    ImportHotline,
    ExportCases,
    /// Seeing notifications that could not be delivered, and sending them again.
    ResendNotifications,
    /// Registering places and re-grading their risk colour by hand (grid workers within their
    /// grid: they find the venues on their patrols).
    ManagePlaces,
    /// Setting how often places of each colour are inspected.
    SetInspectionPolicy,
    /// Launching a campaign (专项行动).
    ManageCampaigns,
    /// Setting the days grids patrol (下村日, 整治日).
    ManagePatrols,
    /// Reading KPIs and rankings: aggregates with no personal data, posted for the whole township
    /// to see (晾晒), so every staff member may read every village's and unit's.
    ViewKpis,
    /// Setting the indicators and weights villages and units are ranked by.
    SetRankingWeights,
    /// Posting a period's ranking (晾晒), kept as posted.
    PublishRankings,
    /// Writing whole histories past the lifecycle (the demo, a migration).
    LoadHistory,
    /// Reading cases with nothing masked (the command line, the demo).
    ReadUnmaskedRecords,
}

use Capability::*;

impl Capability {
    /// What it is, in the words of the refusal ("无权…").
    pub fn label(self) -> &'static str {
        match self {
            ManageRegions => "管理区域",
            ManageUnits => "管理单位",
            ManageCategories => "管理分类",
            ManageUsers => "管理用户",
            SetTimeLimits => "设置时限",
            MaintainCalendar => "维护节假日日历",
            ViewUsers => "查看用户",
            ViewAuditLog => "查看审计日志",
            IssueApiKeys => "发放接口密钥",
            ViewApiClients => "查看接入方",
            RevokeApiKeys => "吊销接口密钥",
            ViewModels => "查看分类模型",
            TrainModels => "训练分类模型",
            SwitchModels => "切换分类模型",
            ReadTrainingData => "读取训练数据",
            ViewHotspots => "查看热点",
            SettleDuplicates => "处理重复件提示",
            ImportHotline => "导入 12345 工单",
            ExportCases => "导出工单",
            ResendNotifications => "处理短信发送失败",
            ManagePlaces => "登记和调整场所",
            SetInspectionPolicy => "设置检查频次",
            ManageCampaigns => "部署专项行动",
            ManagePatrols => "设置巡查日",
            ViewKpis => "查看考核指标",
            SetRankingWeights => "设置考核权重",
            PublishRankings => "发布晾晒排名",
            LoadHistory => "批量载入历史工单",
            ReadUnmaskedRecords => "读取未脱敏的工单",
        }
    }

    /// The roles that have it. The system (the command line, the scheduler) has every
    /// capability except where this says otherwise.
    pub fn roles(self) -> &'static [Role] {
        match self {
            ManageRegions | ManageUnits | ManageCategories | ManageUsers | SetTimeLimits
            | MaintainCalendar | ViewUsers | ViewAuditLog | IssueApiKeys | ViewApiClients
            | RevokeApiKeys | ViewModels | TrainModels | SwitchModels | ReadTrainingData
            | SetInspectionPolicy => &[Role::Admin],
            ViewHotspots => &[Role::Operator, Role::Admin, Role::Leader],
            SettleDuplicates | ImportHotline | ExportCases | ResendNotifications => {
                &[Role::Operator, Role::Admin]
            }
            ManagePlaces => &[Role::Operator, Role::Admin, Role::GridWorker],
            ManageCampaigns | ManagePatrols => &[Role::Operator, Role::Admin, Role::Leader],
            ViewKpis => &[
                Role::Operator,
                Role::Admin,
                Role::Leader,
                Role::UnitStaff,
                Role::GridWorker,
            ],
            SetRankingWeights => &[Role::Admin, Role::Leader],
            PublishRankings => &[Role::Operator, Role::Admin, Role::Leader],
            LoadHistory | ReadUnmaskedRecords => &[],
        }
    }

    /// Township-wide settings and data: only an admin of the whole township (whose region is the
    /// root) may touch them; other capabilities are exercised within the admin's own region.
    pub fn is_global(self) -> bool {
        matches!(
            self,
            ManageCategories
                | SetTimeLimits
                | MaintainCalendar
                | ViewAuditLog
                | IssueApiKeys
                | ViewApiClients
                | RevokeApiKeys
                | ViewModels
                | TrainModels
                | SwitchModels
                | ReadTrainingData
                | ResendNotifications
                | SetInspectionPolicy
                | SetRankingWeights
                | PublishRankings
        )
    }
}

/// Refuses what the actor's role does not allow, and township-wide capabilities to anyone
/// below the township.
pub fn require(actor: &Actor, capability: Capability) -> Result<(), DomainError> {
    let allowed = match actor.role {
        ActorRole::System => true,
        ActorRole::Citizen => false,
        ActorRole::User(role) => capability.roles().contains(&role),
    };
    if !allowed {
        return Err(DomainError::NotPermitted {
            what: capability.label(),
        });
    }
    if capability.is_global() && actor.role != ActorRole::System && !actor.covers(None) {
        return Err(DomainError::NotPermittedBecause(format!(
            "「{}」是全镇设置，须由乡镇级管理员操作",
            capability.label()
        )));
    }
    Ok(())
}

/// [`require`], for something located in a region (`None`: the whole township): an admin of a
/// village manages only what lies within the village.
pub fn require_within(
    actor: &Actor,
    capability: Capability,
    region_path: Option<&str>,
) -> Result<(), DomainError> {
    require(actor, capability)?;
    if actor.role == ActorRole::System || actor.covers(region_path) {
        Ok(())
    } else {
        Err(DomainError::NotPermittedBecause(format!(
            "只能在自己负责的区域内{}",
            capability.label()
        )))
    }
}

/// The channel a case comes in through when the intake names none: citizens report on the web,
/// grid workers from their patrols, everyone else takes calls.
pub fn default_channel(actor: &Actor) -> Channel {
    match actor.role {
        ActorRole::Citizen => Channel::CitizenWeb,
        ActorRole::User(Role::GridWorker) => Channel::GridPatrol,
        _ => Channel::Hotline,
    }
}

/// Refuses an intake the actor may not file through this channel: citizens report through the
/// web or a 民情码 only, grid workers from their patrols and inspections, leaders and handling
/// units do not register cases (a unit passes what it hears to the centre).
pub fn may_intake(actor: &Actor, channel: Channel) -> Result<(), DomainError> {
    match actor.role {
        ActorRole::User(Role::GridWorker)
            if !matches!(channel, Channel::GridPatrol | Channel::Inspection) =>
        {
            Err(DomainError::NotPermittedBecause(
                "网格员通过巡查或检查上报问题（渠道 grid_patrol 或 inspection）".into(),
            ))
        }
        ActorRole::User(Role::UnitStaff) => Err(DomainError::NotPermittedBecause(
            "承办单位不登记工单；群众反映的问题请转社会治理中心受理".into(),
        )),
        ActorRole::Citizen if !matches!(channel, Channel::CitizenWeb | Channel::CitizenQr) => Err(
            DomainError::NotPermittedBecause("群众只能通过网上留言或民情码反映问题".into()),
        ),
        ActorRole::User(Role::Leader) => Err(DomainError::NotPermittedBecause(
            "领导账号不能登记工单".into(),
        )),
        _ => Ok(()),
    }
}

/// Refuses a case the actor would file where they could not see it afterwards: staff file only
/// inside their own area, and a case with no place yet belongs to the whole township. Checked
/// before anything is written.
pub fn may_file_in(actor: &Actor, region_path: Option<&str>) -> Result<(), DomainError> {
    match actor.role {
        ActorRole::User(Role::Operator | Role::Admin | Role::GridWorker)
            if !actor.covers(region_path) =>
        {
            Err(DomainError::NotPermittedBecause(match region_path {
                None => "请选择事发的村（社区）：您只能登记本辖区内的工单".into(),
                Some(_) => "所选区域不在您的辖区内，只能登记本辖区内的工单".into(),
            }))
        }
        _ => Ok(()),
    }
}
