//! The conformance suite every store backend passes. Each check is a function written against
//! the store traits; [`conformance_tests!`] turns every check into its own test for a backend, so
//! one failure hides no other. Backends supply a [`Harness`]: how to get a fresh, empty store and
//! how to open the same database again (for durability).
//!
//! This crate is a dev-dependency only; nothing of it is compiled into the server.

pub mod audit;
pub mod auth;
pub mod case_commands;
pub mod case_queries;
pub mod clients;
pub mod config;
pub mod durability;
pub mod escalations;
pub mod field_reports;
pub mod figures;
pub mod kpis;
pub mod map;
pub mod notifications;
pub mod org;
pub mod photos;
pub mod places;
pub mod rules;
pub mod saved_filters;
pub mod search;
pub mod triage;

use chrono::{TimeZone, Utc};
use fengqiao_domain::case::{Case, CaseState, Channel, Intake};
use fengqiao_domain::ids::{Phone, RegionId};
use fengqiao_domain::lifecycle::{ActionKind, Effect, EventDraft};
use fengqiao_domain::org::{Region, RegionLevel};
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use std::future::Future;
use std::sync::Arc;

/// How the suite gets stores of one backend.
pub trait Harness {
    /// A store on a new, empty database, and the name of that database for [`Harness::reopen`].
    fn fresh(&self) -> impl Future<Output = (Arc<dyn Store>, String)>;
    /// Opens the named database again, after every earlier handle to it has been dropped.
    fn reopen(&self, location: &str) -> impl Future<Output = Arc<dyn Store>>;
}

/// One `#[tokio::test]` per check, for the backend whose [`Harness`] is `$harness` (an
/// expression that names a harness from the calling module, e.g. `SqliteHarness`).
#[macro_export]
macro_rules! conformance_tests {
    ($harness:expr) => {
        $crate::__store_checks!($harness;
            org {
                regions_nest_under_their_parent, region_with_unknown_parent_is_refused,
                units_round_trip, categories_and_their_attributes_round_trip,
                attribute_codes_are_unique_per_category, top_level_category_names_are_unique,
            }
            auth {
                usernames_are_unique, tokens_expire_and_revoke,
                disabling_a_user_ends_their_sessions, logging_out_everywhere_ends_every_session,
            }
            config { one_policy_per_category_priority_and_stage, calendar_days_upsert }
            case_commands {
                intake_is_idempotent, intake_with_unknown_region_is_refused,
                commit_refuses_stale_versions, commit_all_stores_every_change_or_none,
                merge_moves_reporters_and_notifies,
                sub_dispatch_creates_a_child_case, only_reported_cases_are_amended,
                bundles_are_written_whole, external_updates_apply_once,
                ids_and_numbers_are_distinct, events_record_the_unit_and_the_deadline_in_force,
                a_key_replayed_with_other_content_is_refused,
            }
            case_queries {
                lists_page_in_newest_first_order, lists_respect_region_scope,
                unit_scope_sees_its_cases_and_its_reporters,
                counts_follow_scope, export_pages_walk_every_case_once,
                idempotency_keys_find_their_case, open_timed_cases_are_those_on_a_clock,
                case_details_for_many_in_one_read, case_numbers_of_existing_cases,
                media_and_attributes_keep_their_order, queues_list_the_most_urgent_first,
                queues_of_pending_extensions_and_merge_proposals,
                a_case_sheet_is_its_parts_in_one_read, the_intake_returns_the_sheet_a_read_finds,
            }
            photos { photos_are_stored_with_their_case }
            notifications { the_queue_holds_each_notice_until_it_is_sent_or_given_up }
            map { region_centres_are_set_moved_and_audited }
            saved_filters { saved_filters_are_private_replaced_by_name_and_bounded }
            places {
                places_are_registered_graded_and_listed_by_due_time,
                an_inspection_is_stored_whole_and_once,
                a_relapse_links_the_signed_off_hazard_and_raises_the_colour,
            }
            escalations { overdue_inspections_are_urged_then_supervised_and_cleared }
            kpis { rollups_move_by_differences_and_passes_do_not_race }
            field_reports {
                campaign_tallies_count_the_records_of_their_window,
                patrol_days_and_coverage_are_counted_from_inspections,
            }
            figures {
                open_figures_group_by_unit_and_place, counts_of_many_lists_at_once_match_each_list,
            }
            search {
                search_is_literal, search_finds_exactly_the_substring_matches,
                search_finds_a_12345_number_or_a_reporters_phone,
            }
            clients { api_clients_round_trip, revoking_twice_is_a_conflict }
            triage {
                newest_model_is_active_until_switched, suggestions_and_proposals_are_written_with_the_case,
                proposals_are_dismissed_once, late_proposals_are_added_once,
                hotspots_gain_members_without_duplicates,
                open_texts_leave_out_closed_cases,
            }
            rules {
                petitions_and_uncategorised_cases_are_never_published,
                public_events_are_windowed_and_limited,
                the_model_never_learns_from_itself,
                history_is_only_appended,
                lists_show_exactly_the_cases_each_person_may_open,
            }
            audit {
                changes_are_audited_newest_first, health_check_answers,
                refusals_are_recorded_without_a_change,
            }
        );
        $crate::__harness_checks!($harness;
            durability { acknowledged_intakes_survive_reopening, keys_still_deduplicate_after_reopening }
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __store_checks {
    ($h:expr; $( $m:ident { $($f:ident),* $(,)? } )*) => {
        $(
            mod $m {
                #[allow(unused_imports)]
                use super::*;
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $f() {
                        let (store, _) = $crate::Harness::fresh(&$h).await;
                        $crate::$m::$f(&*store).await;
                    }
                )*
            }
        )*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __harness_checks {
    ($h:expr; $( $m:ident { $($f:ident),* $(,)? } )*) => {
        $(
            mod $m {
                #[allow(unused_imports)]
                use super::*;
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $f() {
                        $crate::$m::$f(&$h).await;
                    }
                )*
            }
        )*
    };
}

pub fn admin() -> Audit {
    Audit {
        actor_id: None,
        actor_name: "管理员".into(),
        at: t0(),
    }
}

pub fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap()
}

pub fn new_case(body: &str, key: Option<&str>, region: Option<RegionId>) -> NewCase {
    NewCase {
        intake: Intake {
            region_id: region,
            ..Intake::text("标题", body, Channel::Hotline)
        },
        reporter_name: Some("王建国".into()),
        reporter_phone: Some(Phone::parse("13800138000").unwrap()),
        reporter_phone_unread: None,
        idempotency_key: key.map(str::to_string),
        fingerprint: key.map(|_| "f".to_string()),
        actor_name: "受理员".into(),
        received_at: t0(),
        suggestion: None,
        duplicates: Vec::new(),
        client_id: None,
        attributes: Vec::new(),
        media: Vec::new(),
        photos: Vec::new(),
        place_note: None,
        notify_reporter: false,
        hotspot: None,
    }
}

pub fn change(case: Case, action: ActionKind, to: CaseState, effects: Vec<Effect>) -> Changeset {
    let (from, unit_id) = (case.state, case.handling.unit_id);
    let mut case = case;
    case.state = to;
    Changeset {
        case,
        event: EventDraft {
            action,
            from: Some(from),
            to,
            remark: None,
            unit_id,
            due_at: None,
        },
        effects,
        actor_id: None,
        actor_name: "测试".into(),
        at: t0(),
        feedback: None,
        settles: Vec::new(),
        external: None,
        auto_dispatched: false,
    }
}

/// One page of every case, `page_size` at a time.
pub fn page(page: u32, page_size: u32) -> CaseFilter {
    CaseFilter {
        page,
        page_size,
        ..Default::default()
    }
}

pub async fn region(
    store: &dyn Store,
    parent: Option<&Region>,
    name: &str,
    level: RegionLevel,
) -> Region {
    store
        .insert_region(
            NewRegion {
                parent_id: parent.map(|p| p.id),
                name: name.into(),
                level,
            },
            admin(),
        )
        .await
        .unwrap()
}
