//! Reads of cases for people: scoped to the actor, with personal data masked for those who may
//! not see it.

use crate::core::Core;
use crate::views::*;
use crate::{AppError, Result};
use fengqiao_domain::access::can_see_personal_data;
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::case::Case;
use fengqiao_domain::ids::{CaseId, Phone};
use fengqiao_domain::org::Actor;
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use std::sync::Arc;

/// Case views, lists and histories.
pub struct CaseQueries {
    core: Arc<Core>,
    /// Intake by day before today, per scope: (read at, today then, days).
    past_days: std::sync::Mutex<std::collections::HashMap<String, PastDays>>,
}

type PastDays = (Timestamp, chrono::NaiveDate, Vec<(chrono::NaiveDate, u64)>);

/// How long the dashboard's counts of past days are reused before being read again. Past days
/// change only when work orders are imported with their original, earlier times.
const PAST_DAYS_FRESH_MINUTES: i64 = 5;

impl CaseQueries {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        CaseQueries {
            core,
            past_days: Default::default(),
        }
    }

    /// Cases received per China-time day from `start` (a day before today) up to now: the days
    /// before today from a copy at most [`PAST_DAYS_FRESH_MINUTES`] old (a year of them is the
    /// dashboard's largest read), today always read afresh.
    async fn received_by_day_since(
        &self,
        scope: &fengqiao_domain::access::Scope,
        start: chrono::NaiveDate,
    ) -> Result<Vec<(chrono::NaiveDate, u64)>> {
        let now = self.core.now();
        let today = fengqiao_domain::deadline::local_date(now);
        let instant = |d: chrono::NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| {
                    t.and_local_timezone(fengqiao_domain::china_offset())
                        .single()
                })
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or(now)
        };
        let key = format!("{scope:?}|{start}");
        let cached = self
            .past_days
            .lock()
            .expect("cache lock")
            .get(&key)
            .filter(|(at, day, _)| {
                *day == today && now - *at < chrono::Duration::minutes(PAST_DAYS_FRESH_MINUTES)
            })
            .map(|(_, _, days)| days.clone());
        let mut days = match cached {
            Some(d) => d,
            None => {
                let mut d = self
                    .core
                    .store
                    .received_by_day(scope, instant(start))
                    .await?;
                d.retain(|(day, _)| *day < today);
                let mut cache = self.past_days.lock().expect("cache lock");
                if cache.len() > 1_000 {
                    cache.clear();
                }
                cache.insert(key, (now, today, d.clone()));
                d
            }
        };
        days.extend(
            self.core
                .store
                .received_by_day(scope, instant(today))
                .await?
                .into_iter()
                .filter(|(day, _)| *day >= today),
        );
        Ok(days)
    }

    pub async fn case_view(&self, actor: &Actor, id: CaseId) -> Result<CaseView> {
        let sheet = self.core.visible_sheet(actor, id).await?;
        Ok(self.sheet_view(actor, sheet))
    }

    /// The view of the case an intake just stored: from the sheet its transaction wrote (as
    /// triage's own dispatch left it), else read as [`CaseQueries::case_view`] reads it (a
    /// repeated key's earlier case). Under a surge, reading every new case back was a tenth of
    /// intake's work.
    pub async fn intake_view(&self, actor: &Actor, outcome: IntakeOutcome) -> Result<CaseView> {
        match outcome.sheet {
            Some(sheet) => Ok(self.sheet_view(actor, self.core.sheet_if_visible(actor, sheet)?)),
            None => self.case_view(actor, outcome.case.id).await,
        }
    }

    fn sheet_view(&self, actor: &Actor, sheet: CaseSheet) -> CaseView {
        let mut view = self.view(actor, sheet.record);
        view.suggestion = sheet
            .suggestion
            .map(|s| SuggestionView::build(s, &self.core.units(), &self.core.categories()));
        view.duplicate_proposals = sheet.duplicate_proposals;
        view.client_name = sheet.client_name;
        view.attributes = sheet
            .attributes
            .into_iter()
            .map(|(code, value)| AttributeAnswer { code, value })
            .collect();
        view.media_urls = sheet.media;
        if view.personal_data_visible && view.media_urls.iter().any(|m| m.starts_with("/photos/")) {
            view.photo_places = sheet.photo_places;
        }
        view
    }

    /// How many cases each filter would list for the actor, in one read (a workbench's tabs).
    /// Filters that search by personal data count nothing for those who may not search so.
    pub async fn count_each(&self, actor: &Actor, filters: Vec<CaseFilter>) -> Result<Vec<u64>> {
        if filters.iter().any(|f| {
            f.q.as_deref().is_some_and(access::searches_personal_data)
                && !access::may_search_personal_data(actor)
        }) {
            return Err(AppError::Forbidden(
                "无权按电话、证件或银行卡号码检索工单；请按工单编号或文字检索".into(),
            ));
        }
        Ok(self
            .core
            .store
            .count_each(&self.core.scope_for(actor), &filters)
            .await?)
    }

    /// The dashboard's figures within the actor's scope: today's intake (China time) by
    /// channel, and open and overdue cases by handling unit and by village, largest first. Each
    /// a grouped read of open or recent cases, never of the whole history.
    pub async fn open_figures(&self, actor: &Actor) -> Result<OpenFigures> {
        let scope = self.core.scope_for(actor);
        let today = fengqiao_domain::deadline::local_date(self.core.now())
            .and_hms_opt(0, 0, 0)
            .and_then(|t| {
                t.and_local_timezone(fengqiao_domain::china_offset())
                    .single()
            })
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_else(|| self.core.now());
        let today_by_channel: Vec<ChannelCount> = self
            .core
            .store
            .received_by_channel(&scope, today)
            .await?
            .into_iter()
            .map(|(channel, count)| ChannelCount {
                label: fengqiao_domain::case::Channel::parse(&channel)
                    .map_or("其他", |c| c.label()),
                channel,
                count,
            })
            .collect();
        // Twelve weeks (Monday to Sunday) and twelve months, this one last, from one read of
        // the days since the earlier of the two starts.
        let today_date = fengqiao_domain::deadline::local_date(self.core.now());
        let monday = today_date
            - chrono::Duration::days(
                chrono::Datelike::weekday(&today_date).num_days_from_monday() as i64,
            );
        let first_week = monday - chrono::Duration::weeks(11);
        let month_index = |d: chrono::NaiveDate| {
            chrono::Datelike::year(&d) * 12 + chrono::Datelike::month0(&d) as i32
        };
        let this_month = month_index(today_date);
        let first_month = chrono::NaiveDate::from_ymd_opt(
            (this_month - 11).div_euclid(12),
            (this_month - 11).rem_euclid(12) as u32 + 1,
            1,
        )
        .expect("a month");
        let start = first_week.min(first_month);
        let mut weeks = [0u64; 12];
        let mut months = [0u64; 12];
        for (day, n) in self.received_by_day_since(&scope, start).await? {
            if day >= first_week {
                weeks[((day - first_week).num_days() / 7).clamp(0, 11) as usize] += n;
            }
            if day >= first_month {
                months[(month_index(day) - month_index(first_month)).clamp(0, 11) as usize] += n;
            }
        }
        let bars = |counts: &[u64; 12], label: &dyn Fn(usize) -> String| -> Vec<PeriodCount> {
            let busiest = counts.iter().copied().max().unwrap_or(0).max(1);
            counts
                .iter()
                .enumerate()
                .map(|(i, &count)| PeriodCount {
                    label: label(i),
                    count,
                    share: (count * 100 / busiest) as u32,
                })
                .collect()
        };
        let weekly = bars(&weeks, &|i| {
            let d = first_week + chrono::Duration::weeks(i as i64);
            format!(
                "{}/{}",
                chrono::Datelike::month(&d),
                chrono::Datelike::day(&d)
            )
        });
        let monthly = bars(&months, &|i| {
            let m = month_index(first_month) + i as i32;
            match m.rem_euclid(12) {
                0 => format!("{}年1月", m.div_euclid(12)),
                k => format!("{}月", k + 1),
            }
        });
        let today_by_category = self
            .core
            .store
            .received_by_category(&scope, today)
            .await?
            .into_iter()
            .map(|(c, n)| {
                let name = match c {
                    Some(_) => self.core.category_name(c).unwrap_or_else(|| "其他".into()),
                    None => "未分类".to_string(),
                };
                (name, n)
            })
            .collect();
        let units = self.core.units();
        let by_unit: Vec<NamedCount> = self
            .core
            .store
            .open_by_unit(&scope)
            .await?
            .into_iter()
            .map(|(u, count)| {
                let name = match u {
                    Some(u) => units
                        .iter()
                        .find(|x| x.id == u)
                        .map_or_else(|| format!("单位 {u}"), |x| x.name.clone()),
                    None => "未派单".to_string(),
                };
                NamedCount { name, count }
            })
            .collect();
        // Grids fold into their village; the township's own and unplaced cases stay apart.
        let regions = self.core.regions();
        let mut by_village: Vec<NamedCount> = Vec::new();
        for (path, count) in self.core.store.open_by_region(&scope).await? {
            let village_path = path.as_deref().map(|p| {
                let cut = p.match_indices('/').nth(2).map_or(p.len(), |(i, _)| i + 1);
                &p[..cut]
            });
            let name = match village_path.and_then(|vp| regions.iter().find(|r| r.path == vp)) {
                Some(r) if r.parent_id.is_some() => r.name.clone(),
                Some(_) => "镇本级".to_string(),
                None => "未定位".to_string(),
            };
            match by_village.iter_mut().find(|n| n.name == name) {
                Some(n) => {
                    n.count.open += count.open;
                    n.count.yellow += count.yellow;
                    n.count.red += count.red;
                }
                None => by_village.push(NamedCount { name, count }),
            }
        }
        by_village.sort_by_key(|n| std::cmp::Reverse(n.count.open));
        let open = by_unit.iter().fold(OpenCount::default(), |mut sum, n| {
            sum.open += n.count.open;
            sum.yellow += n.count.yellow;
            sum.red += n.count.red;
            sum
        });
        Ok(OpenFigures {
            weekly,
            monthly,
            today_by_category,
            received_today: today_by_channel.iter().map(|c| c.count).sum(),
            today_by_channel,
            open,
            by_unit,
            by_village,
        })
    }

    /// A photo of a case the actor may see ("not found" otherwise). Where it was taken is
    /// only for those who may see the case's personal data.
    pub async fn photo(&self, actor: &Actor, id: i64) -> Result<StoredPhoto> {
        let not_found = || AppError::NotFound(format!("照片 {id} 不存在"));
        let mut photo = self.core.store.photo(id).await?.ok_or_else(not_found)?;
        let rec = self
            .core
            .visible_case(actor, photo.case_id)
            .await
            .map_err(|_| not_found())?;
        if !can_see_personal_data(actor, &rec.case) {
            photo.latitude = None;
            photo.longitude = None;
        }
        Ok(photo)
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

    pub async fn list_cases(
        &self,
        actor: &Actor,
        mut filter: CaseFilter,
    ) -> Result<Page<CaseSummary>> {
        // A phone however typed ("139 1234 5678") is searched as stored.
        if let Some(p) = filter.q.as_deref().and_then(|q| Phone::parse(q).ok()) {
            filter.q = Some(p.as_str().to_string());
        }
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
        Ok(masked_events(self.core.store.events(id).await?, unmasked))
    }

    pub async fn notifications(&self, actor: &Actor, id: CaseId) -> Result<Vec<Notification>> {
        let rec = self.core.visible_case(actor, id).await?;
        let unmasked = can_see_personal_data(actor, &rec.case);
        Ok(masked_notifications(
            self.core.store.notifications(id).await?,
            unmasked,
        ))
    }

    /// A case's page: the case, its history and what its reporters were told, after one check
    /// of who may see it (each read on its own checks again).
    pub async fn case_page(&self, actor: &Actor, id: CaseId) -> Result<CasePage> {
        let view = self.case_view(actor, id).await?;
        let unmasked = view.personal_data_visible;
        let (events, notifications) = tokio::try_join!(
            self.core.store.events(id),
            self.core.store.notifications(id)
        )?;
        Ok(CasePage {
            view,
            events: masked_events(events, unmasked),
            notifications: masked_notifications(notifications, unmasked),
        })
    }

    pub async fn overview(&self, actor: &Actor) -> Result<StateCount> {
        Ok(self
            .core
            .store
            .count_cases(&self.core.scope_for(actor))
            .await?)
    }

    /// Whole cases as stored, for the system itself (the command line, the demo): no masking,
    /// so no person may call it.
    pub async fn records(&self, actor: &Actor, filter: CaseFilter) -> Result<Page<Case>> {
        access::require(actor, Capability::ReadUnmaskedRecords)?;
        Ok(self.core.store.list_cases(&Scope::All, &filter).await?)
    }
}

/// A case with its history and notifications, as its page shows them.
pub struct CasePage {
    pub view: CaseView,
    pub events: Vec<EventView>,
    pub notifications: Vec<Notification>,
}

fn masked_events(events: Vec<fengqiao_domain::case::Event>, unmasked: bool) -> Vec<EventView> {
    events
        .into_iter()
        .map(|e| EventView::masked(e, unmasked))
        .collect()
}

/// The numbers told masked, for those who may not see the reporters' personal data.
fn masked_notifications(mut list: Vec<Notification>, unmasked: bool) -> Vec<Notification> {
    if !unmasked {
        for n in &mut list {
            n.phone = n
                .phone
                .as_deref()
                .and_then(|p| Phone::parse(p).ok())
                .map(|p| p.masked());
        }
    }
    list
}
