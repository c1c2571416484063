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
    let m = Mapping::default();
    let csv = format!(
        "{HEADER}HL-1,上周三,张三,13700137000,噪音扰民,,,很急,\nHL-2,2026-11-20 08:30:00,,,路灯坏了,,,,\n"
    );
    let (orders, errors) = read_file(csv.as_bytes(), Some("orders.csv"), &m);
    let r = t
        .app
        .hotline
        .import(&op, orders, errors, &m, false)
        .await
        .unwrap();
    assert_eq!(r.errors.len(), 2, "{r:?}");
    assert_eq!(r.failed_rows, 1);
    assert_eq!(r.created, 1);
}
