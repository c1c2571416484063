//! What the outside world sees of a case: labelled for people, personal data masked for viewers
//! without the need to see it.

use fengqiao_domain::case::{Case, Event, Reporter, Task};
use fengqiao_domain::org::{Category, Region, Unit};
use fengqiao_domain::Timestamp;
use fengqiao_store::CaseRecord;
use serde::Serialize;

fn unit_name(units: &[Unit], id: Option<fengqiao_domain::UnitId>) -> Option<String> {
    id.and_then(|id| units.iter().find(|u| u.id == id))
        .map(|u| u.name.clone())
}

/// One answer to a category's question (one per value of a multi-value list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttributeAnswer {
    pub code: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReporterView {
    pub name: Option<String>,
    pub phone: Option<String>,
    /// A relayed number that could not be read as a phone, as sent (masked but for its last
    /// four digits for those who may not see personal data).
    pub phone_unread: Option<String>,
    pub channel: &'static str,
    pub channel_label: &'static str,
    pub reported_at: Timestamp,
    pub original_case_id: i64,
}

impl ReporterView {
    fn build(r: &Reporter, unmasked: bool) -> Self {
        let name = r.name.as_ref().map(|n| {
            if unmasked {
                n.clone()
            } else {
                let first: String = n.chars().take(1).collect();
                format!("{first}**")
            }
        });
        ReporterView {
            name,
            phone: r.phone.as_ref().map(|p| {
                if unmasked {
                    p.as_str().to_string()
                } else {
                    p.masked()
                }
            }),
            phone_unread: r.phone_unread.as_ref().map(|raw| {
                if unmasked {
                    raw.clone()
                } else {
                    // Every digit but the last four starred, whatever the format.
                    let digits = raw.chars().filter(char::is_ascii_digit).count();
                    let mut seen = 0;
                    raw.chars()
                        .map(|c| {
                            if c.is_ascii_digit() {
                                seen += 1;
                                if seen <= digits.saturating_sub(4) {
                                    return '*';
                                }
                            }
                            c
                        })
                        .collect()
                }
            }),
            channel: r.channel.as_str(),
            channel_label: r.channel.label(),
            reported_at: r.reported_at,
            original_case_id: r.original_case_id.0,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    #[serde(flatten)]
    pub task: Task,
    pub unit_name: Option<String>,
    pub state_label: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: Case,
    pub state_label: &'static str,
    pub channel_label: &'static str,
    pub priority_label: &'static str,
    pub unit_name: Option<String>,
    pub category_name: Option<String>,
    pub region_name: Option<String>,
    pub reporters: Vec<ReporterView>,
    pub tasks: Vec<TaskView>,
    pub children: Vec<ChildView>,
    /// Whether reporters' personal data is shown unmasked to this viewer (also phone, ID-card
    /// and bank-card numbers in the title and body).
    pub personal_data_visible: bool,
    /// The API client (Open311 app, 12345 platform) the case came from.
    pub client_name: Option<String>,
    /// Answers to the category's questions.
    pub attributes: Vec<AttributeAnswer>,
    /// Links to photos of the problem, as reported.
    pub media_urls: Vec<String>,
    /// What triage suggested at intake.
    pub suggestion: Option<SuggestionView>,
    /// Open cases proposed as the same problem, and past verdicts.
    pub duplicate_proposals: Vec<fengqiao_store::DuplicateProposal>,
    /// Where the uploaded photos were taken, for viewers who may see personal data.
    pub photo_places: Vec<fengqiao_store::PhotoPlace>,
}

/// A triage suggestion, labelled.
#[derive(Debug, Clone, Serialize)]
pub struct SuggestionView {
    #[serde(flatten)]
    pub suggestion: fengqiao_store::Suggestion,
    pub category_name: Option<String>,
    pub unit_name: Option<String>,
}

impl SuggestionView {
    pub fn build(s: fengqiao_store::Suggestion, units: &[Unit], categories: &[Category]) -> Self {
        SuggestionView {
            category_name: s
                .category_id
                .and_then(|id| categories.iter().find(|x| x.id == id))
                .map(|x| x.name.clone()),
            unit_name: unit_name(units, s.unit_id),
            suggestion: s,
        }
    }
}

/// Text with phone, ID-card and bank-card numbers masked unless the viewer may see them.
fn shown(text: &str, unmasked: bool) -> String {
    if unmasked {
        text.to_string()
    } else {
        fengqiao_triage::pii::mask(text)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ChildView {
    pub id: i64,
    pub state: &'static str,
    pub state_label: &'static str,
}

impl CaseView {
    pub fn build(
        rec: CaseRecord,
        unmasked: bool,
        units: &[Unit],
        categories: &[Category],
        regions: &[Region],
    ) -> Self {
        let mut c = rec.case;
        c.text.title = shown(&c.text.title, unmasked);
        c.text.body = shown(&c.text.body, unmasked);
        CaseView {
            state_label: c.state.label(),
            channel_label: c.channel.label(),
            priority_label: c.priority.label(),
            unit_name: unit_name(units, c.handling.unit_id),
            category_name: c
                .category_id
                .and_then(|id| categories.iter().find(|x| x.id == id))
                .map(|x| x.name.clone()),
            region_name: c
                .location
                .region_id
                .and_then(|id| regions.iter().find(|x| x.id == id))
                .map(|x| x.name.clone()),
            reporters: rec
                .reporters
                .iter()
                .map(|r| ReporterView::build(r, unmasked))
                .collect(),
            tasks: rec
                .tasks
                .into_iter()
                .map(|t| TaskView {
                    unit_name: unit_name(units, Some(t.unit_id)),
                    state_label: t.state.label(),
                    task: t,
                })
                .collect(),
            children: rec
                .children
                .iter()
                .map(|(id, s)| ChildView {
                    id: id.0,
                    state: s.as_str(),
                    state_label: s.label(),
                })
                .collect(),
            personal_data_visible: unmasked,
            client_name: None,
            attributes: Vec::new(),
            media_urls: Vec::new(),
            suggestion: None,
            duplicate_proposals: Vec::new(),
            photo_places: Vec::new(),
            case: c,
        }
    }
}

/// A row of a case list.
#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    pub id: i64,
    pub case_no: String,
    pub title: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub channel: &'static str,
    pub priority: &'static str,
    pub category_name: Option<String>,
    pub unit_name: Option<String>,
    pub overdue_level: &'static str,
    pub reply_due: Option<Timestamp>,
    pub reopen_count: u32,
    pub urge_count: u32,
    pub listed_supervision: bool,
    pub parent_id: Option<i64>,
    pub created_at: Timestamp,
}

impl CaseSummary {
    pub fn build(c: &Case, unmasked: bool, units: &[Unit], categories: &[Category]) -> Self {
        CaseSummary {
            id: c.id.0,
            case_no: c.case_no.to_string(),
            title: shown(&c.text.title, unmasked),
            state: c.state.as_str(),
            state_label: c.state.label(),
            channel: c.channel.as_str(),
            priority: c.priority.as_str(),
            category_name: c
                .category_id
                .and_then(|id| categories.iter().find(|x| x.id == id))
                .map(|x| x.name.clone()),
            unit_name: unit_name(units, c.handling.unit_id),
            overdue_level: c.deadlines.overdue_level.as_str(),
            reply_due: c.deadlines.reply_due,
            reopen_count: c.oversight.reopen_count,
            urge_count: c.oversight.urge_count,
            listed_supervision: c.oversight.listed_supervision,
            parent_id: c.handling.parent_id.map(|p| p.0),
            created_at: c.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    #[serde(flatten)]
    pub event: Event,
    pub action_label: &'static str,
}

impl EventView {
    /// The event as a viewer may see it: remarks masked and a citizen's name withheld for those
    /// without the right to personal data.
    pub fn masked(mut event: Event, unmasked: bool) -> Self {
        if !unmasked {
            event.remark = event.remark.map(|r| shown(&r, false));
            // Staff act under their names; a reporter's own name is personal data.
            if event.actor_id.is_none()
                && matches!(
                    event.action,
                    fengqiao_domain::lifecycle::ActionKind::Intake
                        | fengqiao_domain::lifecycle::ActionKind::Supplement
                )
            {
                event.actor_name = "群众".into();
            }
        }
        EventView::from(event)
    }
}

impl From<Event> for EventView {
    fn from(event: Event) -> Self {
        let action_label = event.action.label();
        EventView {
            event,
            action_label,
        }
    }
}

/// What a citizen sees of their own case: progress, not the handling units' internals.
#[derive(Debug, Clone, Serialize)]
pub struct PublicCaseView {
    pub case_no: String,
    pub title: String,
    pub state_label: &'static str,
    pub created_at: Timestamp,
    pub reply: Option<String>,
    pub replied_at: Option<Timestamp>,
    pub progress: Vec<PublicStep>,
    /// The rating given (by the reporter or at the centre's follow-up), in words.
    pub satisfaction: Option<&'static str>,
    /// Whether the reporter may rate the reply now (the domain's answer).
    pub may_rate: bool,
    /// The ticket number of the case this one was merged into: its progress is that case's.
    pub merged_into: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicStep {
    pub at: Timestamp,
    pub step: &'static str,
}

pub use fengqiao_domain::publication::is_public_step;

impl PublicCaseView {
    pub fn build(c: &Case, events: &[Event]) -> Self {
        let progress = events
            .iter()
            .filter_map(|e| {
                let k = e.action;
                is_public_step(k).then(|| PublicStep {
                    at: e.at,
                    step: k.label(),
                })
            })
            .collect();
        PublicCaseView {
            case_no: c.case_no.to_string(),
            title: shown(&c.text.title, false),
            state_label: c.state.label(),
            created_at: c.created_at,
            // The reply can name a third party's phone or ID number: the public page masks it.
            reply: c.handling.reply.as_deref().map(fengqiao_triage::pii::mask),
            replied_at: c.handling.replied_at,
            progress,
            satisfaction: c.outcome.satisfaction.map(|s| s.label()),
            may_rate: false,
            merged_into: None,
        }
    }
}

/// A named group's open cases.
#[derive(Debug, Clone, Serialize)]
pub struct NamedCount {
    pub name: String,
    #[serde(flatten)]
    pub count: fengqiao_store::OpenCount,
}

/// Cases received through one channel.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelCount {
    pub channel: String,
    pub label: &'static str,
    pub count: u64,
}

/// Cases received in one week (Monday to Sunday) or one month, China time.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodCount {
    /// The week's Monday (`11/23`) or the month (`2026年11月`, `12月`).
    pub label: String,
    pub count: u64,
    /// The bar's height as a share of the busiest week, 0–100.
    pub share: u32,
}

/// The dashboard's figures: today's intake by channel, and open cases (with how many are
/// yellow and red) in all, by handling unit and by village.
#[derive(Debug, Clone, Serialize)]
pub struct OpenFigures {
    /// Intake over the last twelve weeks, oldest first, this week last.
    pub weekly: Vec<PeriodCount>,
    /// Intake over the last twelve months, oldest first, this month last.
    pub monthly: Vec<PeriodCount>,
    pub received_today: u64,
    pub today_by_channel: Vec<ChannelCount>,
    /// Today's intake by category ("未分类" for those not yet categorised), most first.
    pub today_by_category: Vec<(String, u64)>,
    pub open: fengqiao_store::OpenCount,
    pub by_unit: Vec<NamedCount>,
    pub by_village: Vec<NamedCount>,
}
