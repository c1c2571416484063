//! 考核指标 and 晾晒 pages: the table, bad periods, the ranking's sheet and workbook, weights and
//! posting by who may, and a posted ranking kept as posted.

use super::*;
use fengqiao_domain::ids::{CategoryId, RegionId, UnitId};
use fengqiao_domain::lifecycle::Action;

#[tokio::test]
async fn leaders_read_the_kpis_and_post_the_villages_ranking() {
    let s = site().await;
    let t = &s.t;
    let op = t.actor("op").await;
    let case = t
        .app
        .intake
        .submit(
            &op,
            fengqiao_app::IntakeInput {
                body: "苍岩村村口路灯不亮".into(),
                channel: Some("hotline".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .case;
    for action in [
        Action::Register {
            category_id: Some(CategoryId(t.road)),
            priority: None,
            region_id: Some(RegionId(t.village)),
            remark: None,
        },
        Action::Dispatch {
            unit_id: UnitId(t.unit),
            co_units: vec![],
            remark: None,
        },
    ] {
        t.app.actions.act(&op, case.id, action).await.unwrap();
    }
    let leader = s.login("leader").await;
    let (status, page) = s.get(&leader, "/kpis?period=2026-W49").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("全镇合计") && page.contains("苍岩村") && page.contains("2026年第49周"),
        "{page}"
    );
    let (status, page) = s.get(&leader, "/kpis?period=2026-13").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("统计周期「2026-13」无法识别"), "{page}");

    let (status, page) = s.get(&leader, "/rankings?period=2026-W49").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("发布本期晾晒") && page.contains("调整考核权重") && page.contains("长安村"),
        "{page}"
    );
    let grid = s.login("grid").await;
    let (status, page) = s.get(&grid, "/rankings?period=2026-W49").await;
    assert_eq!(status, StatusCode::OK, "晾晒 is posted for everyone to see");
    assert!(!page.contains("发布本期晾晒") && !page.contains("调整考核权重"));

    let csrf = csrf_of(&s.get(&leader, "/rankings").await.1);
    let typed = "on_time=60\nsatisfaction=30";
    let (status, page) = s
        .post(
            &leader,
            "/rankings/weights",
            &[
                ("_csrf", &csrf),
                ("object", "village"),
                ("period", "2026-W49"),
                ("weights", typed),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("各项权重之和应为 100，现为 90") && page.contains(typed),
        "refused and kept: {page}"
    );

    let r = s
        .get_raw(&leader, "/rankings.xlsx?object=unit&period=2026-W49")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let (status, location) = s
        .post(
            &leader,
            "/rankings/publish",
            &[
                ("_csrf", &csrf),
                ("object", "village"),
                ("period", "2026-W49"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert!(location.starts_with("/rankings/published/"), "{location}");
    let (status, page) = s.get(&grid, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("发布后不再变动") && page.contains("苍岩村"),
        "{page}"
    );
    let r = s.get_raw(&grid, &format!("{location}/sheet.xlsx")).await;
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let (status, _) = s
        .post(
            &grid,
            "/rankings/publish",
            &[
                ("_csrf", &csrf_of(&s.get(&grid, "/rankings").await.1)),
                ("object", "village"),
                ("period", "2026-W49"),
            ],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a grid worker cannot post a ranking"
    );
}

#[tokio::test]
async fn the_monthly_report_is_a_page_a_workbook_and_a_pdf() {
    let s = site().await;
    let leader = s.login("leader").await;
    let (status, page) = s.get(&leader, "/reports?period=2026-11").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("甘霖镇2026年11月基层治理月报")
            && page.contains("全镇共受理群众诉求0件")
            && page.contains("<svg"),
        "{page}"
    );
    let (status, page) = s.get(&leader, "/reports?period=last-month").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("统计周期"), "{page}");
    let r = s.get_raw(&leader, "/reports.xlsx?period=2026").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let r = s.get_raw(&leader, "/reports.pdf?period=2026-Q4").await;
    if r.status() == StatusCode::SERVICE_UNAVAILABLE && std::env::var_os("CI").is_none() {
        return; // no Chinese font on this machine; CI installs fonts-noto-cjk
    }
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
}
