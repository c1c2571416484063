//! 12345 work orders imported again: what changed is kept in the case's history, the
//! platform's own export never makes a second case, and a row is counted once however many of
//! its cells are wrong.

use crate::pothole;
use fengqiao_app::hotline::{read_file, ExportFormat, Mapping};
use fengqiao_app::AppConfig;
use fengqiao_domain::lifecycle::ActionKind;
use fengqiao_testkit::township;

const HEADER: &str =
    "工单编号,来电时间,诉求人,联系电话,诉求内容,事发地址,诉求类型,紧急程度,办理时限\n";

/// Imports a CSV file in the platform's default layout.
async fn import_csv(
    t: &fengqiao_testkit::Township,
    actor: &fengqiao_domain::org::Actor,
    csv: &str,
) -> fengqiao_app::hotline::ImportReport {
    let m = Mapping::default();
    let (orders, errors) = read_file(csv.as_bytes(), Some("orders.csv"), &m);
    t.app
        .hotline
        .import(actor, orders, errors, &m, false)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reimported_work_order_keeps_its_old_text_in_the_history() {
    let t = township(AppConfig::default()).await;
    let op = t.actor("op").await;
    let m = Mapping::default();
    let import = |csv: String| {
        let (orders, errors) = read_file(csv.as_bytes(), Some("orders.csv"), &m);
        let app = t.app.clone();
        let (op, m) = (op.clone(), m.clone());
        async move {
            app.hotline
                .import(&op, orders, errors, &m, false)
                .await
                .unwrap()
        }
    };
    let row = "HL-001,2026-11-20 08:30:00,王建国,13800138000,村口路灯坏了一个月,苍岩村村口,,一般,";
    let r = import(format!("{HEADER}{row}\n")).await;
    assert_eq!(r.created, 1);
    let changed = row
        .replace("村口路灯坏了一个月", "村口两盏路灯坏了一个月")
        .replace(",一般,", ",紧急,");
    let r = import(format!("{HEADER}{changed}\n")).await;
    assert_eq!(r.updated, 1);
    let page = t
        .app
        .queries
        .list_cases(&op, Default::default())
        .await
        .unwrap();
    let id = fengqiao_domain::ids::CaseId(page.items[0].id);
    let view = t.app.queries.case_view(&op, id).await.unwrap();
    assert_eq!(view.case.text.body, "村口两盏路灯坏了一个月");
    let events = t.app.queries.events(&op, id).await.unwrap();
    let amend = events
        .iter()
        .find(|e| e.event.action == ActionKind::Amend)
        .expect("the amendment is in the history");
    assert_eq!(amend.action_label, "更新诉求内容");
    let remark = amend.event.remark.as_deref().unwrap();
    assert!(
        remark.contains("原诉求内容：村口路灯坏了一个月"),
        "{remark}"
    );
    assert!(remark.contains("原紧急程度：一般"), "{remark}");
    assert!(
        !remark.contains("原事发地址"),
        "the address did not change: {remark}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importing_our_own_export_makes_no_second_case() {
    let t = township(AppConfig::default()).await;
    let op = t.actor("op").await;
    t.app
        .intake
        .submit(&op, pothole("苍岩村村口水泥路塌了"))
        .await
        .unwrap();
    let mut export = Vec::new();
    t.app
        .hotline
        .export(&op, &mut export, ExportFormat::Csv)
        .await
        .unwrap();
    let m = Mapping::default();
    let (orders, errors) = read_file(&export, Some("export.csv"), &m);
    let r = t
        .app
        .hotline
        .import(&op, orders, errors, &m, false)
        .await
        .unwrap();
    assert_eq!((r.created, r.own), (0, 1), "{r:?}");
    let page = t
        .app
        .queries
        .list_cases(&op, Default::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_with_two_bad_cells_is_one_failed_row() {
    let t = township(AppConfig::default()).await;
    let op = t.actor("op").await;
    let csv = format!(
        "{HEADER}HL-1,上周三,张三,13700137000,噪音扰民,,,很急,\nHL-2,2026-11-20 08:30:00,,,路灯坏了,,,,\n"
    );
    let r = import_csv(&t, &op, &csv).await;
    assert_eq!(r.errors.len(), 2, "{r:?}");
    assert_eq!(r.failed_rows, 1);
    assert_eq!(r.created, 1);
}

/// The rows of one file are imported many at once. Work orders in it about one problem are
/// still found to be one problem: each is proposed as a duplicate of an earlier one, and
/// together they raise a hot spot, as they would had they come in one after the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_orders_of_one_file_about_one_problem_are_found_alike() {
    let t = township(AppConfig::default()).await;
    let op = t.actor("op").await;
    let mut csv = HEADER.to_string();
    for i in 0..6 {
        csv.push_str(&format!(
            "HL-{i},2026-11-23 08:3{i}:00,村民{i},1380013800{i},苍岩村村口的路灯坏了半个多月一直不亮，晚上出行很不方便，希望尽快处理,苍岩村村口,,一般,\n"
        ));
    }
    let r = import_csv(&t, &op, &csv).await;
    assert_eq!(r.created, 6, "{r:?}");
    let mut proposed = 0;
    for id in 1..=6 {
        let id = fengqiao_domain::ids::CaseId(id);
        let props = t.app.triage.duplicate_proposals(&op, id).await.unwrap();
        if props.iter().any(|p| p.case_id == id) {
            proposed += 1;
        }
    }
    assert_eq!(
        proposed, 5,
        "every work order but one is proposed as a duplicate of another"
    );
    let spots = t.app.triage.hotspots(&op).await.unwrap();
    assert_eq!(spots.len(), 1, "{spots:?}");
    assert_eq!(spots[0].size, 6);
}
