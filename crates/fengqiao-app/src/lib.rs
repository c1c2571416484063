//! Application services: the one place where a request becomes a domain decision and a committed
//! change. Authentication and scope are decided here from the actor, never from the request body.
//!
//! [`App`] is a set of services, one per capability, over a shared [`Core`]; each service holds
//! only the others it needs. The store is private to the services.
//!
//! Invariant: this crate knows the store traits, never a backend, and nothing of HTTP.

mod actions;
mod admin;
mod admission;
mod auth;
mod campaigns;
mod channels;
mod citizen;
mod core;
mod error;
pub mod formats;
mod hazards;
mod intake;
mod jobs;
mod kpis;
mod map;
mod notify;
mod patrols;
mod places;
mod places_io;
mod queries;
mod rankings;
mod reports;
mod saved_filters;
pub mod scheduler;
mod throttle;
mod triage;
mod views;

/// The 12345 hotline: the service and its file formats.
pub mod hotline {
    pub use crate::channels::hotline::*;
    pub use crate::formats::hotline::*;
}
/// The streaming XLSX writer.
pub use formats::xlsx;

pub use crate::core::Core;
pub use actions::CaseActions;
pub use admin::Admin;
pub use admission::IntakeLimits;
pub use auth::{hash_password, verify_password, AuthService};
pub use campaigns::{CampaignInput, Campaigns, Change, DailyReport, KindLine, VillageLine};
pub use channels::clients::ApiClients;
pub use channels::hotline::Hotline;
pub use channels::open311::{
    Extensions as Open311Extensions, Open311, Service as Open311Service, Update as Open311Update,
    UpdateIntent,
};
pub use citizen::Citizens;
pub use error::AppError;
pub use hazards::{offered as hazard_offered, HazardSheet, Hazards};
pub use intake::{IntakeInput, IntakeService, KeyScope, ANONYMOUS_NOTICES_PER_DAY};
pub use jobs::JobView;
pub use kpis::{KpiLine, KpiTable, Kpis};
pub use map::{MapVillage, RegionMap, VillageMap};
pub use notify::{DeliveryReport, Notifier, NotifyConfig, SenderConfig};
pub use patrols::{CoverageLine, CoverageReport, GridWeek, PatrolCell, Patrols, VillageCoverage};
pub use places::{mask_owner, InspectionInput, PlaceInput, PlaceSheet, Places, REG_NO_MAX_CHARS};
pub use places_io::{places_csv, places_xlsx, PlaceImport, PLACE_COLUMNS, PLACE_IMPORT_MAX_ROWS};
pub use queries::{CasePage, CaseQueries};
pub use rankings::{Ranking, Rankings};
pub use reports::{report_name, Report, ReportLine, Reports};
pub use saved_filters::{SavedFilters, FILTER_NAME_MAX_CHARS};
pub use scheduler::Scheduler;
pub use triage::{keywords, HotspotView, TrainOutcome, Triage, TriageConfig};
pub use views::*;

use chrono::Utc;
use fengqiao_domain::Timestamp;
use fengqiao_store::Store;
use std::sync::{Arc, Mutex};

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
    /// The address citizens and clients reach the platform at (`https://gl.example.gov.cn`, no
    /// trailing slash): what 民情码 QR codes and Open311 discovery point to. Without it, the
    /// address a request came to is used.
    pub public_url: Option<String>,
    /// A map tile server of one's own (`https://tiles.example.gov.cn/{z}/{x}/{y}.png`, Web
    /// Mercator, 256-pixel tiles) for the dashboard's map to draw the villages over. Without
    /// it the map is a schematic drawn from the villages' coordinates alone.
    pub map_tiles: Option<String>,
    /// How reporters are told (SMS gateway, webhook, or the log).
    pub notify: NotifyConfig,
    /// Days after a hazard's sign-off within which the same item failing again at the same
    /// place is a relapse (回潮).
    pub relapse_window_days: u32,
    /// Days past due after which an overdue inspection is supervised (督办); it is urged
    /// (催检) as soon as it is overdue. None disables escalating inspections.
    pub inspection_supervise_after_days: Option<u32>,
    /// The Chinese font PDF reports embed (a subset of): a .ttf, .otf or .ttc file. Without it,
    /// the usual system paths are tried (Debian's `fonts-noto-cjk` first).
    pub report_font: Option<std::path::PathBuf>,
    /// How many reports are triaged and stored at once, and how long one waits to start
    /// before it is turned away (503) under a surge.
    pub intake_limits: IntakeLimits,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            yellow_share: 0.8,
            token_ttl: chrono::Duration::hours(12),
            urge_after_hours: Some(0),
            supervise_after_hours: Some(24),
            triage: TriageConfig::default(),
            public_url: None,
            map_tiles: None,
            report_font: None,
            intake_limits: IntakeLimits::default(),
            notify: NotifyConfig::default(),
            relapse_window_days: fengqiao_domain::places::DEFAULT_RELAPSE_WINDOW_DAYS,
            inspection_supervise_after_days: Some(
                fengqiao_domain::places::DEFAULT_SUPERVISE_INSPECTION_AFTER_DAYS,
            ),
        }
    }
}

/// The services, one per capability, composed over one [`Core`].
pub struct App {
    /// Reference data, the clock and settings shared by every service.
    pub core: Arc<Core>,
    pub auth: AuthService,
    pub admin: Admin,
    pub intake: Arc<IntakeService>,
    pub actions: Arc<CaseActions>,
    pub queries: CaseQueries,
    /// The citizen's ticket: progress and supplements without logging in.
    pub citizens: Citizens,
    pub triage: Arc<Triage>,
    pub clients: ApiClients,
    /// Where villages lie, for the dashboard's map.
    pub map: RegionMap,
    /// Each staff member's saved workbench searches.
    pub saved_filters: SavedFilters,
    pub open311: Open311,
    pub hotline: Arc<Hotline>,
    pub scheduler: Arc<Scheduler>,
    /// Delivers what reporters are told.
    pub notifier: Arc<Notifier>,
    /// The place registry and inspections.
    pub places: Places,
    /// The hazard loop.
    pub hazards: Hazards,
    /// Campaigns and their daily reports.
    pub campaigns: Campaigns,
    /// Patrol days and coverage.
    pub patrols: Patrols,
    /// KPIs and their rollups.
    pub kpis: Arc<Kpis>,
    /// Rankings of villages and units (晾晒).
    pub rankings: Arc<Rankings>,
    /// Daily to annual reports.
    pub reports: Reports,
}

impl App {
    /// Builds every service over `store`, loads the reference data and triage's state (the
    /// active model, the index of open cases).
    pub async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: AppConfig,
    ) -> Result<Arc<Self>> {
        let core = Arc::new(Core::new(store, clock, config).await?);
        let triage = Arc::new(Triage::new(core.clone()));
        triage.reload().await?;
        let kpis = Arc::new(Kpis::new(core.clone()));
        let rankings = Arc::new(Rankings::new(core.clone(), kpis.clone()));
        let actions = Arc::new(CaseActions::new(core.clone(), triage.clone()));
        let intake = Arc::new(IntakeService::new(
            core.clone(),
            triage.clone(),
            actions.clone(),
        ));
        Ok(Arc::new(App {
            auth: AuthService::new(core.clone()),
            admin: Admin::new(core.clone()),
            queries: CaseQueries::new(core.clone()),
            citizens: Citizens::new(core.clone(), actions.clone()),
            clients: ApiClients::new(core.clone()),
            map: RegionMap::new(core.clone()),
            saved_filters: SavedFilters::new(core.clone()),
            open311: Open311::new(core.clone(), actions.clone()),
            hotline: Arc::new(Hotline::new(core.clone(), intake.clone())),
            scheduler: Arc::new(Scheduler::new(
                core.clone(),
                actions.clone(),
                kpis.clone(),
                rankings.clone(),
            )),
            rankings,
            reports: Reports::new(core.clone(), kpis.clone()),
            kpis,
            notifier: Arc::new(Notifier::new(core.clone())),
            places: Places::new(core.clone()),
            hazards: Hazards::new(core.clone(), intake.clone()),
            campaigns: Campaigns::new(core.clone()),
            patrols: Patrols::new(core.clone()),
            intake,
            actions,
            triage,
            core,
        }))
    }
}

impl AppConfig {
    /// The base address to give out: the configured public address, or else the one a request
    /// came to (its `Host`, and whether a proxy in front says it came over HTTPS).
    pub fn public_base(&self, host: Option<&str>, https: bool) -> String {
        match &self.public_url {
            Some(u) => u.clone(),
            None => format!(
                "{}://{}",
                if https { "https" } else { "http" },
                host.unwrap_or("localhost")
            ),
        }
    }
}

pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
    AppError::Invalid {
        field,
        message: message.into(),
    }
}
