//! The registry as a file: imported once, corrected by importing again, exported as each
//! viewer sees it.

use fengqiao_app::PlaceImport;
use fengqiao_domain::org::Actor;
use fengqiao_domain::places::RiskColor;
use fengqiao_testkit::{township, Township};

async fn import(t: &Township, who: &Actor, csv: &str) -> PlaceImport {
    t.app
        .places
        .import(who, csv.as_bytes(), Some("places.csv"))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_registry_file_imports_once_reports_bad_rows_and_exports_as_each_sees_it() {
    let t = township(Default::default()).await;
    let (op, leader) = (t.actor("op").await, t.actor("leader").await);
    let csv = "\u{feff}登记编号,名称,类型,所在村（网格）,地址,负责人,联系电话,风险等级\n\
        JX-1,苍岩村便民超市,九小场所,苍岩村第一网格,村口 1 号,周国强,13857500001,蓝色\n\
        JX-2,长安村小吃店,餐饮单位,长安村,,,,\n\
        JX-3,无名店,小卖部,苍岩村,,,,\n\
        JX-4,外村店,九小场所,外村,,,,\n\
        JX-5,电话错,九小场所,苍岩村,,,12345,\n\
        ,,,,,,,\n\
        ,缺编号,九小场所,苍岩村,,,,\n";
    let first = t
        .app
        .places
        .import(&op, csv.as_bytes(), Some("places.csv"))
        .await
        .unwrap();
    assert_eq!((first.created, first.existing), (2, 0), "{first:?}");
    let failed: Vec<(usize, &str)> = first
        .failed
        .iter()
        .map(|e| (e.row, e.column.as_str()))
        .collect();
    assert_eq!(
        failed,
        vec![
            (4, "类型"),
            (5, "所在村（网格）"),
            (6, "联系电话"),
            (8, "登记编号")
        ],
        "{first:?}"
    );
    let again = t
        .app
        .places
        .import(&op, csv.as_bytes(), Some("places.csv"))
        .await
        .unwrap();
    assert_eq!(
        (again.created, again.existing),
        (0, 2),
        "idempotent by number"
    );
    let missing = import(&t, &op, "名称\n店\n").await;
    assert!(missing.failed[0].reason.contains("缺少列"), "{missing:?}");

    let rows = t.app.places.export_rows(&leader).await.unwrap();
    let shop = rows.iter().find(|r| r[0] == "JX-1").unwrap();
    assert_eq!(
        (
            shop[2].as_str(),
            shop[3].as_str(),
            shop[6].as_str(),
            shop[7].as_str()
        ),
        ("九小场所", "苍岩村第一网格", "138****0001", "蓝色")
    );
    let op_rows = t.app.places.export_rows(&op).await.unwrap();
    assert!(op_rows.iter().any(|r| r[6] == "13857500001"));
    // An exported file imports back as nothing new.
    let mut out = String::from("登记编号,名称,类型,所在村（网格）\n");
    for r in &op_rows {
        out.push_str(&format!("{},{},{},{}\n", r[0], r[1], r[2], r[3]));
    }
    let back = import(&t, &op, &out).await;
    assert_eq!((back.created, back.existing, back.failed.len()), (0, 2, 0));

    // A corrected registry: a new name and owner for JX-1, JX-2 moved into a grid; a masked
    // phone (a leader's export) and blank cells leave what is stored; the colour in a file
    // never re-grades a registered place.
    let fixed = "登记编号,名称,类型,所在村（网格）,地址,负责人,联系电话,风险等级\n\
        JX-1,苍岩村便民超市（新店名）,九小场所,苍岩村第一网格,,王建华,138****0001,红色\n\
        JX-2,长安村小吃店,餐饮单位,长安村,长安村桥头 3 号,,,\n";
    let revised = import(&t, &op, fixed).await;
    assert_eq!(
        (
            revised.created,
            revised.updated,
            revised.existing,
            revised.failed.len()
        ),
        (0, 2, 0, 0),
        "{revised:?}"
    );
    let shop = t
        .app
        .places
        .list(
            &op,
            None,
            fengqiao_store::PlaceFilter {
                q: Some("JX-1".into()),
                page: 1,
                page_size: 5,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items
        .remove(0);
    assert_eq!(shop.name, "苍岩村便民超市（新店名）");
    assert_eq!(shop.owner_name.as_deref(), Some("王建华"));
    assert_eq!(
        shop.owner_phone.as_deref(),
        Some("13857500001"),
        "a masked cell changes nothing"
    );
    assert_eq!(
        shop.address.as_deref(),
        Some("村口 1 号"),
        "a blank cell changes nothing"
    );
    assert_eq!(shop.color, RiskColor::Blue, "no re-grade from a file");
    let again = import(&t, &op, fixed).await;
    assert_eq!(
        (again.updated, again.existing),
        (0, 2),
        "the same file twice"
    );
    // The change is in the audit log, without the phone number.
    let audit = t
        .app
        .admin
        .audit_log(&t.actor("admin").await, 50)
        .await
        .unwrap();
    let line = audit
        .iter()
        .find(|a| {
            a.action == "place.update" && a.detail.as_deref().unwrap_or("").contains("新店名")
        })
        .expect("audited");
    let detail = line.detail.as_deref().unwrap_or_default();
    assert!(
        detail.contains("负责人「周国强」→「王建华」") && !detail.contains("1385750"),
        "{detail}"
    );
    // A village's operator cannot move another village's place, nor into another village.
    let other = t.actor("op_changan").await;
    let moved = "登记编号,名称,类型,所在村（网格）\nJX-1,苍岩村便民超市,九小场所,长安村\n";
    let refused = import(&t, &other, moved).await;
    assert_eq!(
        (refused.updated, refused.failed.len()),
        (0, 1),
        "{refused:?}"
    );
}
