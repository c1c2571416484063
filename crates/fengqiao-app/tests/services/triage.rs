use crate::pothole;
use fengqiao_app::{AppConfig, IntakeInput};
use fengqiao_domain::ids::RegionId;
use fengqiao_testkit::township;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_in_the_same_village_is_proposed_as_a_duplicate() {
    let t = township(AppConfig::default()).await;
    let op = t.actor("op").await;
    let in_village = |body: &str| IntakeInput {
        region_id: Some(t.village),
        ..pothole(body)
    };
    let first = t
        .app
        .intake
        .submit(
            &op,
            in_village("苍岩村村口的水泥路塌了一个大坑，电瓶车经过差点摔倒"),
        )
        .await
        .unwrap()
        .case;
    let repeat = t
        .app
        .intake
        .submit(
            &op,
            in_village("苍岩村村口水泥路塌了个大坑，电瓶车差点摔倒，请尽快修"),
        )
        .await
        .unwrap()
        .case;
    let elsewhere = t
        .app
        .intake
        .submit(
            &op,
            IntakeInput {
                region_id: Some(t.other_village),
                ..pothole("长安村村口的水泥路塌了一个大坑，电瓶车经过差点摔倒")
            },
        )
        .await
        .unwrap()
        .case;
    assert_eq!(repeat.location.region_id, Some(RegionId(t.village)));
    let proposals = t
        .app
        .triage
        .duplicate_proposals(&op, repeat.id)
        .await
        .unwrap();
    assert_eq!(
        proposals.iter().map(|p| p.candidate_id).collect::<Vec<_>>(),
        vec![first.id]
    );
    let none = t
        .app
        .triage
        .duplicate_proposals(&op, elsewhere.id)
        .await
        .unwrap();
    assert!(
        none.is_empty(),
        "another village's road is another problem: {none:?}"
    );
}
