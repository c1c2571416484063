use crate::pothole;
use fengqiao_app::{AppConfig, AppError, IntakeInput};
use fengqiao_domain::case::{CaseState, Channel};
use fengqiao_domain::ids::RegionId;
use fengqiao_domain::org::Actor;
use fengqiao_testkit::township;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_reports_only_through_the_citizen_channels() {
    let t = township(AppConfig::default()).await;
    let citizen = Actor::citizen("居民");
    let err = t
        .app
        .intake
        .submit(&citizen, pothole("村口路面塌了"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    let out = t
        .app
        .intake
        .submit(
            &citizen,
            IntakeInput {
                channel: None,
                ..pothole("村口路面塌了")
            },
        )
        .await
        .unwrap();
    assert!(out.created);
    assert_eq!(
        out.case.channel,
        Channel::CitizenWeb,
        "the citizen's own channel"
    );
    assert_eq!(out.case.state, CaseState::Reported);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_does_not_register_cases() {
    let t = township(AppConfig::default()).await;
    let leader = t.actor("leader").await;
    let err = t
        .app
        .intake
        .submit(&leader, pothole("路坏了"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_naming_a_village_places_the_case_there() {
    let t = township(AppConfig::default()).await;
    let op = t.actor("op").await;
    let out = t
        .app
        .intake
        .submit(
            &op,
            IntakeInput {
                address: Some("甘霖镇苍岩村三组村口".into()),
                ..pothole("水泥路塌了一个大坑")
            },
        )
        .await
        .unwrap();
    assert_eq!(out.case.location.region_id, Some(RegionId(t.village)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_key_returns_the_first_case() {
    let t = township(AppConfig::default()).await;
    let op = t.actor("op").await;
    let keyed = |body: &str| IntakeInput {
        idempotency_key: Some("12345-20261123-0001".into()),
        ..pothole(body)
    };
    let first = t.app.intake.submit(&op, keyed("路灯坏了")).await.unwrap();
    let again = t.app.intake.submit(&op, keyed("路灯坏了")).await.unwrap();
    assert!(first.created && !again.created);
    assert_eq!(again.case.id, first.case.id);
    let other = t
        .app
        .intake
        .submit(&op, keyed("井盖丢了"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            other,
            AppError::Invalid {
                field: "idempotency_key",
                ..
            }
        ),
        "another request under the same key is refused: {other:?}"
    );
}

/// Intake limited to one report at a time with a short wait, the one in flight held at the
/// writer: what a surge beyond the machine looks like to the next caller.
async fn surge_township() -> fengqiao_testkit::Township {
    township(AppConfig {
        intake_limits: fengqiao_app::IntakeLimits {
            in_flight: 1,
            queue_wait: std::time::Duration::from_millis(200),
        },
        ..AppConfig::default()
    })
    .await
}

/// Takes intake's only turn with a report that waits at the writer (held by the caller since
/// `before` was read); returns once the writer has it.
async fn take_the_only_turn(
    t: &fengqiao_testkit::Township,
    op: &fengqiao_domain::org::Actor,
    before: u64,
) -> tokio::task::JoinHandle<fengqiao_app::Result<fengqiao_store::IntakeOutcome>> {
    let (app, op) = (t.app.clone(), op.clone());
    let first =
        tokio::spawn(async move { app.intake.submit(&op, pothole("第一件：路面塌陷")).await });
    for _ in 0..500 {
        if t.store.writer_stats().sent > before {
            return first;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the writer was never handed the intake");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_that_cannot_start_in_time_is_turned_away_having_stored_nothing() {
    let t = surge_township().await;
    let op = t.actor("op").await;
    let before = t.store.writer_stats().sent;
    let hold = t.store.hold_writer();
    let first = take_the_only_turn(&t, &op, before).await;

    // Staff and citizens alike are told to come back, and when (Open311: the API's tests).
    let err = t
        .app
        .intake
        .submit(&op, pothole("第二件：路面塌陷"))
        .await
        .unwrap_err();
    let AppError::Busy {
        message,
        retry_after_seconds,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*retry_after_seconds, 1);
    assert!(message.contains("请 1 秒后重新提交"), "{message}");
    let citizen = t
        .app
        .intake
        .submit_public(
            "居民",
            Some("10.1.2.3"),
            IntakeInput {
                channel: None,
                ..pothole("第三件：路面塌陷")
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(citizen, AppError::Busy { .. }), "{citizen:?}");
    assert_eq!(
        t.store.writer_stats().sent,
        before + 1,
        "a report turned away wrote nothing"
    );

    drop(hold);
    assert!(first.await.unwrap().unwrap().created);
    // Once the surge has passed, the same reports are taken; the citizen's turned-away attempt
    // did not use up the address's allowance.
    assert!(
        t.app
            .intake
            .submit(&op, pothole("第二件：路面塌陷"))
            .await
            .unwrap()
            .created
    );
    for i in 0..10 {
        t.app
            .intake
            .submit_public(
                "居民",
                Some("10.1.2.3"),
                IntakeInput {
                    channel: None,
                    ..pothole(&format!("第{i}次反映：路面塌陷"))
                },
            )
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_12345_import_waits_for_its_turn_instead_of_losing_rows() {
    let t = surge_township().await;
    let op = t.actor("op").await;
    let before = t.store.writer_stats().sent;
    let hold = t.store.hold_writer();
    let first = take_the_only_turn(&t, &op, before).await;

    let m = fengqiao_app::hotline::Mapping::default();
    let csv = "工单编号,来电时间,诉求人,联系电话,诉求内容,事发地址,诉求类型,紧急程度,办理时限\n\
               HL-900,2026-11-20 08:30:00,王建国,13800138000,村口路灯坏了一个月,苍岩村村口,,一般,\n";
    let (orders, errors) = fengqiao_app::hotline::read_file(csv.as_bytes(), Some("o.csv"), &m);
    let (app, import_op) = (t.app.clone(), op.clone());
    let import = tokio::spawn(async move {
        app.hotline
            .import(&import_op, orders, errors, &m, false)
            .await
    });
    // Well past the queue wait, with the only turn still taken.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert!(!import.is_finished(), "the import waits for its turn");
    drop(hold);
    assert!(first.await.unwrap().unwrap().created);
    let report = import.await.unwrap().unwrap();
    assert_eq!(report.created, 1, "{report:?}");
    assert_eq!(report.failed_rows, 0, "{report:?}");
}
