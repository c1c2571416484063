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

/// A surge: a burst main reported 1,200 times within the hour in one village, in the same
/// words. Every report
/// joins the one hot spot, and the last reports are still proposed as duplicates of the
/// earlier ones (the village's every word is then "common", which once left such reports with
/// nothing to compare by). The hot spot's store row is written per report without reading its
/// members back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_surge_of_one_report_is_one_hot_spot_and_its_last_reports_still_find_duplicates() {
    let t = township(AppConfig::default()).await;
    let op = t.actor("op").await;
    let report = || async {
        t.app
            .intake
            .submit(
                &op,
                IntakeInput {
                    region_id: Some(t.village),
                    ..pothole("苍岩村老街自来水管爆了，水漫到路上，家里停水了")
                },
            )
            .await
            .unwrap()
            .case
    };
    let mut last = None;
    for i in 0..1200 {
        if i % 100 == 0 {
            t.clock.advance(chrono::Duration::minutes(5));
        }
        last = Some(report().await);
    }
    // The next report joins the hot spot with its own intake: one write, nothing after.
    let writes = t.store.writer_stats().sent;
    report().await;
    assert_eq!(t.store.writer_stats().sent - writes, 1, "one transaction");
    let hot = t.app.triage.hotspots(&op).await.unwrap();
    assert_eq!(hot.len(), 1, "one hot spot, not one per burst");
    assert_eq!(hot[0].size, 1201);
    assert!(
        hot[0]
            .hotspot
            .keywords
            .iter()
            .any(|w| w.contains("水管") || w.contains("停水")),
        "{:?}",
        hot[0].hotspot.keywords
    );
    let proposals = t
        .app
        .triage
        .duplicate_proposals(&op, last.unwrap().id)
        .await
        .unwrap();
    assert_eq!(proposals.len(), 5, "capped at five per case");
}
