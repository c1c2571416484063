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
