//! 12345 hotline work orders: import from the platform's CSV export with a column mapping, and
//! export cases with their replies in the same layout.
//!
//! Import is idempotent by the external work-order number (the case's idempotency key is
//! `12345:{number}`): a re-import creates nothing twice, corrects the text of a work order nobody
//! has registered yet, and leaves cases already in handling alone. Each row is its own
//! transaction (the ordinary intake), so a bad row never half-imports and never stops the good
//! ones; every bad row is reported with its row number, column and reason.

use crate::core::Core;
use crate::formats::hotline::*;
use crate::intake::IntakeService;
use crate::jobs::{JobView, Jobs};
use crate::{AppError, IntakeInput, Result};
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::ids::CaseId;
use fengqiao_domain::org::Actor;
use fengqiao_domain::{china_offset, Timestamp};
use fengqiao_store::{CaseAmendment, ExportRow};
use serde::Serialize;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// What an import did, or with `dry_run`, would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Already registered here: the source's changes are not applied to a case in handling.
    pub in_handling: usize,
    /// Rows that are this platform's own cases (a re-import of its own export): never a
    /// second case, never changed by the file.
    pub own: usize,
    /// Rows with at least one error (a row can have several, each in `errors`).
    pub failed_rows: usize,
    pub errors: Vec<RowError>,
}

const KEY_PREFIX: &str = "12345:";

/// Rows imported at once. Each takes one of intake's admission turns (128 by default): half
/// of them, so reports sent while a bulk import runs do not queue behind the file. 128 rows in
/// flight imported about 7% faster (BENCHMARKS.md, twelfth session).
const IMPORT_CONCURRENCY: usize = 64;

/// What became of one row.
enum Outcome {
    Created,
    Updated,
    Unchanged,
    InHandling,
    Own,
    Failed(RowError),
}

/// Cases read per query when exporting.
const EXPORT_PAGE: u32 = 5_000;

/// The 12345 hotline: import of work orders through the one intake, and export.
pub struct Hotline {
    core: Arc<Core>,
    intake: Arc<IntakeService>,
    jobs: Arc<Jobs<ImportReport>>,
}

impl Hotline {
    pub(crate) fn new(core: Arc<Core>, intake: Arc<IntakeService>) -> Self {
        Hotline {
            core,
            intake,
            jobs: Arc::default(),
        }
    }

    /// Starts an import in the background and returns its job number at once; the page follows
    /// it with [`Hotline::import_progress`]. Each row is still its own transaction: a job that
    /// stops (the server restarted) has imported what it reported, and importing the file
    /// again completes it without duplicates.
    pub fn start_import(
        self: &Arc<Self>,
        actor: &Actor,
        orders: Vec<WorkOrder>,
        errors: Vec<RowError>,
        mapping: &Mapping,
        dry_run: bool,
    ) -> Result<u64> {
        access::require(actor, Capability::ImportHotline)?;
        let total = orders.len() + errors.len();
        let (this, who, mapping) = (self.clone(), actor.clone(), mapping.clone());
        Ok(self.jobs.start(
            actor.user_id,
            self.core.now(),
            total,
            move |done| async move {
                this.import_counted(&who, orders, errors, &mapping, dry_run, &done)
                    .await
            },
        ))
    }

    /// How an import job stands; only the person who started it may follow it.
    pub fn import_progress(&self, actor: &Actor, id: u64) -> Result<JobView<ImportReport>> {
        access::require(actor, Capability::ImportHotline)?;
        self.jobs.view(actor.user_id, id)
    }

    /// Imports work orders (admins and operators; the command line acts as the system).
    pub async fn import(
        self: &Arc<Self>,
        actor: &Actor,
        orders: Vec<WorkOrder>,
        errors: Vec<RowError>,
        mapping: &Mapping,
        dry_run: bool,
    ) -> Result<ImportReport> {
        let done = AtomicUsize::new(0);
        self.import_counted(actor, orders, errors, mapping, dry_run, &done)
            .await
    }

    /// [`Hotline::import`], counting the rows done in `done` as it goes.
    async fn import_counted(
        self: &Arc<Self>,
        actor: &Actor,
        orders: Vec<WorkOrder>,
        mut errors: Vec<RowError>,
        mapping: &Mapping,
        dry_run: bool,
        done: &AtomicUsize,
    ) -> Result<ImportReport> {
        access::require(actor, Capability::ImportHotline)?;
        done.store(errors.len(), Ordering::Relaxed);
        let mut report = ImportReport {
            dry_run,
            rows: orders.len() + errors.len(),
            ..ImportReport::default()
        };
        // Rows run concurrently, so the durable commits of many rows share their fsyncs. A
        // number seen again later in the file waits for a second, sequential pass: it then
        // finds the case its first row created.
        let mut seen = std::collections::HashSet::new();
        let (first, again): (Vec<WorkOrder>, Vec<WorkOrder>) = orders
            .into_iter()
            .partition(|o| seen.insert(o.number.clone()));
        let mapping = Arc::new(mapping.clone());
        let mut tally = |outcome: Outcome| {
            done.fetch_add(1, Ordering::Relaxed);
            match outcome {
                Outcome::Created => report.created += 1,
                Outcome::Updated => report.updated += 1,
                Outcome::Unchanged => report.unchanged += 1,
                Outcome::InHandling => report.in_handling += 1,
                Outcome::Own => report.own += 1,
                Outcome::Failed(e) => errors.push(e),
            }
        };
        let mut batch = tokio::task::JoinSet::new();
        for o in first {
            if batch.len() >= IMPORT_CONCURRENCY {
                let done = batch.join_next().await.expect("a running row");
                tally(done.map_err(|e| AppError::internal(e.to_string()))??);
            }
            let (app, actor, mapping) = (self.clone(), actor.clone(), mapping.clone());
            batch.spawn(async move { app.import_one(&actor, o, &mapping, dry_run).await });
        }
        while let Some(done) = batch.join_next().await {
            tally(done.map_err(|e| AppError::internal(e.to_string()))??);
        }
        for o in again {
            tally(self.import_one(actor, o, &mapping, dry_run).await?);
        }
        errors.sort_by_key(|e| e.row);
        report.failed_rows = {
            let mut rows: Vec<usize> = errors.iter().map(|e| e.row).collect();
            rows.dedup();
            rows.len()
        };
        report.errors = errors;
        Ok(report)
    }

    async fn import_one(
        &self,
        actor: &Actor,
        o: WorkOrder,
        mapping: &Mapping,
        dry_run: bool,
    ) -> Result<Outcome> {
        let fail = |column: &String, reason: String| {
            Ok(Outcome::Failed(RowError {
                row: o.row,
                column: column.clone(),
                reason,
            }))
        };
        let key = format!("{KEY_PREFIX}{}", o.number);
        let category_id = match &o.category {
            None => None,
            Some(name) => match self.core.categories().iter().find(|c| &c.name == name) {
                Some(c) => Some(c.id.0),
                None => return fail(&mapping.category, format!("没有名为「{name}」的分类")),
            },
        };
        let title: String = o.content.chars().take(30).collect();
        // This platform's own case, as its export writes it (the number is the case number):
        // importing our own export back must not make a second case, nor change ours.
        if let Ok(no) = fengqiao_domain::ids::CaseNo::parse(&o.number) {
            if self.core.store.case_id_by_no(&no).await?.is_some() {
                return Ok(Outcome::Own);
            }
        }
        match self.core.store.case_id_by_idempotency_key(&key).await? {
            Some(id) => {
                let rec = self
                    .core
                    .store
                    .case(id)
                    .await?
                    .ok_or_else(|| AppError::internal(format!("case {id} vanished")))?;
                let c = &rec.case;
                if c.text.body == o.content
                    && c.location.address == o.address
                    && c.priority == o.priority
                {
                    return Ok(Outcome::Unchanged);
                }
                if c.state != fengqiao_domain::case::CaseState::Reported {
                    return Ok(Outcome::InHandling);
                }
                if dry_run {
                    return Ok(Outcome::Updated);
                }
                let amendment = CaseAmendment {
                    id: CaseId(id.0),
                    title,
                    body: o.content.clone(),
                    address: o.address.clone(),
                    priority: o.priority,
                };
                Ok(
                    match self
                        .core
                        .store
                        .amend_reported_case(amendment, self.core.audit(actor))
                        .await?
                    {
                        true => Outcome::Updated,
                        false => Outcome::InHandling,
                    },
                )
            }
            None if dry_run => {
                // Check what intake would check, without writing.
                let limit = fengqiao_domain::limits::BODY_MAX_CHARS;
                if let Err(e) = fengqiao_domain::check_text("body", &o.content, limit) {
                    return fail(&mapping.content, e.to_string());
                }
                if let Some(Err(reason)) =
                    o.phone.as_deref().map(fengqiao_domain::ids::Phone::parse)
                {
                    return fail(&mapping.phone, reason);
                }
                Ok(Outcome::Created)
            }
            None => {
                let input = IntakeInput {
                    title: Some(title),
                    body: o.content.clone(),
                    channel: Some("hotline".into()),
                    category_id,
                    priority: Some(o.priority.as_str().to_string()),
                    address: o.address.clone(),
                    reporter_name: o.name.clone(),
                    reporter_phone: o.phone.clone(),
                    idempotency_key: Some(o.number.clone()),
                    key_scope: Some(crate::KeyScope::Hotline),
                    received_at: o.received_at,
                    ..IntakeInput::default()
                };
                match self.intake.submit_in_turn(actor, input).await {
                    Ok(_) => Ok(Outcome::Created),
                    Err(AppError::Invalid { field, message }) => fail(
                        match field {
                            "reporter_phone" => &mapping.phone,
                            "address" => &mapping.address,
                            "reporter_name" => &mapping.name,
                            "priority" => &mapping.priority,
                            _ => &mapping.content,
                        },
                        message,
                    ),
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// Writes every case with its reply in the 12345 layout, as CSV or XLSX, page by page, so
    /// memory stays flat however many cases there are (XLSX in the writer's constant-memory
    /// mode). Returns the number of rows written.
    pub async fn export<W: Write + Send>(
        &self,
        actor: &Actor,
        out: W,
        format: ExportFormat,
    ) -> Result<u64> {
        access::require(actor, Capability::ExportCases)?;
        let m = Mapping::default();
        let header: Vec<String> = m
            .headers()
            .into_iter()
            .chain(["本地编号", "办理状态", "承办单位", "答复内容", "答复时间"])
            .map(str::to_string)
            .collect();
        let mut sink = Sink::new(format, out)?;
        sink.row(&header)?;
        let categories = self.core.categories();
        let units = self.core.units();
        // China time as the 12345 platform writes it. Formatted by hand: chrono's `format`
        // parses its pattern for every call, a tenth of an export's time.
        let local = |t: Timestamp| {
            use chrono::{Datelike, Timelike};
            let t = t.with_timezone(&china_offset());
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        };
        let mut after = CaseId(0);
        let mut n = 0u64;
        // The next page is read (on the store's thread) while this one is written, so reading
        // and writing each keep a core busy.
        let fetch = |after: CaseId| {
            let store = self.core.store.clone();
            tokio::spawn(async move { store.export_page(after, EXPORT_PAGE).await })
        };
        let mut next = fetch(after);
        loop {
            let page: Vec<ExportRow> = next
                .await
                .map_err(|e| AppError::internal(e.to_string()))??;
            let Some(last) = page.last() else { break };
            after = last.case.id;
            next = fetch(after);
            for r in &page {
                let c = &r.case;
                let number = r
                    .idempotency_key
                    .as_deref()
                    .and_then(|k| k.strip_prefix(KEY_PREFIX))
                    .map(str::to_string)
                    .unwrap_or_else(|| c.case_no.to_string());
                let cat = c
                    .category_id
                    .and_then(|id| categories.iter().find(|x| x.id == id))
                    .map(|x| x.name.clone());
                let unit = c
                    .handling
                    .unit_id
                    .and_then(|id| units.iter().find(|u| u.id == id))
                    .map(|u| u.name.clone());
                let reporter = r.reporter.as_ref();
                sink.row(&[
                    number,
                    local(c.created_at),
                    reporter.and_then(|p| p.name.clone()).unwrap_or_default(),
                    reporter
                        .and_then(|p| p.phone.as_ref())
                        .map(|p| p.as_str().to_string())
                        .unwrap_or_default(),
                    c.text.body.clone(),
                    c.location.address.clone().unwrap_or_default(),
                    cat.unwrap_or_default(),
                    priority_text(c.priority).to_string(),
                    c.deadlines.reply_due.map(local).unwrap_or_default(),
                    c.case_no.to_string(),
                    c.state.label().to_string(),
                    unit.unwrap_or_default(),
                    c.handling.reply.clone().unwrap_or_default(),
                    c.handling.replied_at.map(local).unwrap_or_default(),
                ])?;
                n += 1;
            }
        }
        sink.finish()?;
        Ok(n)
    }
}
