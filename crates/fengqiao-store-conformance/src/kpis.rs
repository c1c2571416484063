//! KPI rollups: a pass sees the cases whose history grew, applying counts moves every row they
//! count in by the difference (month rows agree with their days), and a pass that lost the
//! watermark race writes nothing.

use crate::*;
use chrono::NaiveDate;
use fengqiao_domain::ids::{CaseId, RegionId, UnitId};
use fengqiao_domain::kpi::{CaseFacts, Dim, Measure, Measures};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn counted(received: &str, due: Option<&str>, unit: i64, on_time: bool, bucket: i64) -> CaseFacts {
    let mut m = Measures::default();
    m.set(Measure::Received, 1);
    if due.is_some() {
        m.set(Measure::Due, 1);
        m.set(Measure::Replied, 1);
        m.set(Measure::RepliedOnTime, i64::from(on_time));
        m.set(Measure::HandlingMinutes, bucket * 60);
    }
    CaseFacts {
        received_day: d(received),
        due_day: due.map(d),
        village: Some(RegionId(3)),
        grid: None,
        unit: Some(UnitId(unit)),
        category: None,
        channel: fengqiao_domain::Channel::Hotline,
        measures: m,
        hours_bucket: due.map(|_| bucket),
    }
}

pub async fn rollups_move_by_differences_and_passes_do_not_race(store: &dyn Store) {
    let a = store
        .intake(new_case("村口路灯不亮", None, None))
        .await
        .unwrap()
        .case;
    let b = store
        .intake(new_case("河道有垃圾", None, None))
        .await
        .unwrap()
        .case;
    let changes = store.kpi_changes(1000).await.unwrap();
    assert_eq!(changes.from, 0);
    assert!(changes.to > 0);
    let ids: Vec<CaseId> = changes.cases.iter().map(|h| h.case.id).collect();
    assert_eq!(ids, vec![a.id, b.id]);
    assert!(changes.cases.iter().all(|h| !h.events.is_empty()));
    // a: received 30 Nov, due 2 Dec, unit 5, on time, 10 h; b: received 1 Dec, due 3 Dec, unit 6, late, 40 h.
    let fa = counted("2026-11-30", Some("2026-12-02"), 5, true, 10);
    let fb = counted("2026-12-01", Some("2026-12-03"), 6, false, 40);
    assert!(store
        .apply_kpi_facts(0, changes.to, vec![(a.id, fa.clone()), (b.id, fb.clone())])
        .await
        .unwrap());
    assert!(
        !store
            .apply_kpi_facts(0, changes.to, vec![(a.id, fa.clone())])
            .await
            .unwrap(),
        "a pass from an old watermark writes nothing"
    );
    assert_eq!(store.kpi_lag().await.unwrap(), (changes.to, changes.to));
    assert_eq!(store.kpi_facts(a.id).await.unwrap(), Some(fa.clone()));
    let again = store.kpi_changes(1000).await.unwrap();
    assert_eq!(
        (again.from, again.to, again.cases.len()),
        (changes.to, changes.to, 0)
    );

    let sum = |rows: &[KpiRow], m: Measure| rows.iter().map(|r| r.measures.get(m)).sum::<i64>();
    // December as a month row, and as its days: the same.
    let month = store
        .kpi_rollup(Dim::Township, d("2026-12-01"), d("2026-12-31"), None)
        .await
        .unwrap();
    let days = store
        .kpi_rollup(Dim::Township, d("2026-12-01"), d("2026-12-30"), None)
        .await
        .unwrap();
    assert_eq!(month, days);
    assert_eq!(
        sum(&month, Measure::Received),
        1,
        "b was received in December, a in November"
    );
    assert_eq!(sum(&month, Measure::Due), 2);
    assert_eq!(sum(&month, Measure::RepliedOnTime), 1);
    assert_eq!(month[0].histogram.iter().map(|h| h.1).sum::<i64>(), 2);
    let by_unit = store
        .kpi_rollup(Dim::Unit, d("2026-11-01"), d("2026-12-31"), None)
        .await
        .unwrap();
    assert_eq!(
        by_unit.iter().map(|r| r.key).collect::<Vec<_>>(),
        vec![5, 6]
    );
    let only6 = store
        .kpi_rollup(Dim::Unit, d("2026-11-01"), d("2026-12-31"), Some(vec![6]))
        .await
        .unwrap();
    assert_eq!(only6.len(), 1);
    assert_eq!(only6[0].histogram, vec![(40, 1)]);

    // A late change to a: reassigned to unit 6, now due in January and late. Its old rows lose
    // it, its new rows gain it.
    store
        .commit(change(a.clone(), ActionKind::Urge, a.state, vec![]))
        .await
        .unwrap();
    let changes = store.kpi_changes(1000).await.unwrap();
    assert_eq!(changes.cases.len(), 1);
    let fa2 = counted("2026-11-30", Some("2027-01-04"), 6, false, 48);
    assert!(store
        .apply_kpi_facts(changes.from, changes.to, vec![(a.id, fa2)])
        .await
        .unwrap());
    let dec = store
        .kpi_rollup(Dim::Unit, d("2026-12-01"), d("2026-12-31"), None)
        .await
        .unwrap();
    assert_eq!(
        dec.iter().map(|r| r.key).collect::<Vec<_>>(),
        vec![6],
        "unit 5 has nothing due in December now"
    );
    let jan = store
        .kpi_rollup(Dim::Unit, d("2027-01-01"), d("2027-01-31"), None)
        .await
        .unwrap();
    assert_eq!(
        (
            jan.len(),
            sum(&jan, Measure::Due),
            sum(&jan, Measure::RepliedOnTime)
        ),
        (1, 1, 0)
    );
    assert_eq!(jan[0].histogram, vec![(48, 1)]);
    let nov = store
        .kpi_rollup(Dim::Village, d("2026-11-01"), d("2026-11-30"), None)
        .await
        .unwrap();
    assert_eq!(
        (sum(&nov, Measure::Received), sum(&nov, Measure::Due)),
        (1, 0)
    );
}
