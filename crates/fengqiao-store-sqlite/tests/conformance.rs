//! The SQLite backend against the store conformance suite (one test per check), plus what only
//! SQLite itself can show: its triggers refuse to rewrite history, and group commit keeps a failing
//! job from sinking its batch.

use fengqiao_store::{CaseCommandStore, CaseQueryStore, NewCase, Store};
use fengqiao_store_conformance::Harness;
use fengqiao_store_sqlite::SqliteStore;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

fn temp_db() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "fengqiao-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("test.db")
}

/// Fresh SQLite databases in temporary files; reopening opens the same file.
struct SqliteHarness;

impl Harness for SqliteHarness {
    async fn fresh(&self) -> (Arc<dyn Store>, String) {
        let path = temp_db();
        let store = SqliteStore::open(&path).unwrap();
        (Arc::new(store), path.to_string_lossy().into_owned())
    }
    async fn reopen(&self, location: &str) -> Arc<dyn Store> {
        Arc::new(SqliteStore::open(location).unwrap())
    }
}

fengqiao_store_conformance::conformance_tests!(SqliteHarness);

fn intake(i: usize) -> NewCase {
    NewCase {
        intake: fengqiao_domain::case::Intake::text(
            format!("第{i}件"),
            "路灯坏了",
            fengqiao_domain::Channel::Hotline,
        ),
        reporter_name: None,
        reporter_phone: None,
        reporter_phone_unread: None,
        idempotency_key: Some(format!("key-{i}")),
        fingerprint: None,
        actor_name: "t".into(),
        received_at: chrono::Utc::now(),
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

#[test]
fn history_is_append_only() {
    let path = temp_db();
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "INSERT INTO cases (id, case_no, title, body, channel, priority, state, is_petition, reopen_count, return_count, urge_count,
           supervise_count, listed_supervision, overdue_level, extended_days, unit_at_fault, created_at, updated_at, version)
         VALUES (1, 'FQ20261128000001', 't', 'b', 'hotline', 'normal', 'reported', 0, 0, 0, 0, 0, 0, 'green', 0, 0, 0, 0, 0);
         INSERT INTO case_events (case_id, action, to_state, actor_name, at) VALUES (1, 'intake', 'reported', 'x', 0);",
    )
    .unwrap();
    assert!(conn
        .execute("UPDATE case_events SET remark = 'rewritten'", [])
        .is_err());
    assert!(conn.execute("DELETE FROM case_events", []).is_err());
    assert!(
        conn.execute("DELETE FROM audit_log", []).is_ok(),
        "deleting nothing is not refused"
    );
    conn.execute(
        "INSERT INTO audit_log (at, actor_name, action, target) VALUES (0, 'a', 'b', 'c')",
        [],
    )
    .unwrap();
    assert!(conn.execute("DELETE FROM audit_log", []).is_err());
}

/// Group commit must not couple strangers: in one batch, a job that fails half-way is rolled back
/// alone (its savepoint) and the others still commit. The writer is held while the jobs queue,
/// so all of them — failing and succeeding — go into one transaction, which the writer's
/// counters confirm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_write_does_not_sink_its_batch() {
    use fengqiao_domain::case::{new_case, Intake};
    use fengqiao_store::{CaseBundle, CaseFilter, Scope};
    let store = Arc::new(SqliteStore::open(temp_db()).unwrap());
    let first = store.intake(intake(10_000)).await.unwrap().case;
    let bundle = |id: i64| CaseBundle {
        case: new_case(
            fengqiao_domain::CaseId(id),
            Intake::text("t", "b", fengqiao_domain::Channel::Hotline),
            chrono::Utc::now(),
        ),
        reporters: vec![],
        tasks: vec![],
        events: vec![],
        idempotency_key: None,
    };
    let before = store.writer_stats();
    let hold = store.hold_writer();
    let mut intakes = Vec::new();
    let mut broken = Vec::new();
    for i in 0..300 {
        let s = store.clone();
        if i % 10 == 0 {
            // Writes case 50_000+i, then collides with an existing case: the job fails after writing.
            let jobs = vec![bundle(50_000 + i), bundle(first.id.0)];
            broken.push(tokio::spawn(async move { s.insert_bundles(jobs).await }));
        } else {
            intakes.push(tokio::spawn(
                async move { s.intake(intake(i as usize)).await },
            ));
        }
    }
    // Every job is queued behind the hold before the writer may take any of them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while store.writer_stats().sent < before.sent + 300 {
        assert!(std::time::Instant::now() < deadline, "jobs were not queued");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    drop(hold);
    for h in broken {
        assert!(h.await.unwrap().is_err(), "a colliding bundle must fail");
    }
    for h in intakes {
        let out = h
            .await
            .unwrap()
            .expect("an intake batched with a failing job still commits");
        assert!(store.case(out.case.id).await.unwrap().is_some());
    }
    let after = store.writer_stats();
    assert_eq!(
        (after.batches - before.batches, after.taken - before.taken),
        (1, 300),
        "all 300 jobs, failing and succeeding, shared one transaction"
    );
    for i in (0..300).step_by(10) {
        assert!(
            store
                .case(fengqiao_domain::CaseId(50_000 + i))
                .await
                .unwrap()
                .is_none(),
            "half of a failed job was kept"
        );
    }
    let all = CaseFilter {
        page: 1,
        page_size: 500,
        ..Default::default()
    };
    assert_eq!(
        store.list_cases(&Scope::All, &all).await.unwrap().total,
        1 + 270
    );
}

/// A case's text changed twice within one batch (two corrections of a work order queued behind
/// each other) is indexed once, with its last text: a search finds the last words, not the
/// first correction's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_changed_twice_in_one_batch_is_indexed_with_its_last_words() {
    use fengqiao_store::{CaseAmendment, CaseFilter, Scope};
    let store = Arc::new(SqliteStore::open(temp_db()).unwrap());
    let case = store.intake(intake(1)).await.unwrap().case;
    let amend = |body: &str| CaseAmendment {
        id: case.id,
        title: "更正".into(),
        body: body.into(),
        address: None,
        priority: case.priority,
    };
    let before = store.writer_stats();
    let hold = store.hold_writer();
    let mut jobs = Vec::new();
    for (n, body) in ["村口井盖缺失", "村口水管爆裂"].into_iter().enumerate() {
        let (s, a) = (store.clone(), amend(body));
        jobs.push(tokio::spawn(async move {
            s.amend_reported_case(a, fengqiao_store_conformance::admin())
                .await
        }));
        // Queued in this order behind the hold.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while store.writer_stats().sent < before.sent + n as u64 + 1 {
            assert!(std::time::Instant::now() < deadline, "not queued");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
    drop(hold);
    for j in jobs {
        assert!(j.await.unwrap().unwrap(), "a reported case is amended");
    }
    assert_eq!(
        store.writer_stats().batches - before.batches,
        1,
        "one batch"
    );
    let found = |q: &str| {
        let s = store.clone();
        let q = q.to_string();
        async move {
            s.list_cases(
                &Scope::All,
                &CaseFilter {
                    q: Some(q),
                    page: 1,
                    page_size: 10,
                    ..CaseFilter::default()
                },
            )
            .await
            .unwrap()
            .total
        }
    };
    assert_eq!(found("水管爆裂").await, 1);
    assert_eq!(found("井盖缺失").await, 0);
    assert_eq!(found("路灯坏了").await, 0);
}
