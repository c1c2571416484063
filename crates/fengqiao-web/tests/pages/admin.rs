//! The administration pages: users, the region tree and the map's places, units, categories
//! and their questions, time limits, the holiday calendar, API keys, triage's models and the
//! 12345 import.

use crate::{csrf_of, site};
use fengqiao_domain::org::Actor;
use reqwest::StatusCode;

#[tokio::test]
async fn an_admin_adds_and_disables_users_within_their_region() {
    let s = site().await;
    let admin = s.login("admin").await;
    let (status, page) = s.get(&admin, "/admin/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("op_changan") && page.contains("新增用户"));
    let csrf = csrf_of(&page);
    let region = s.t.village.to_string();
    let unit = s.t.other_unit.to_string();
    let add = |password: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("username", "wg02".to_string()),
            ("display_name", "网格员二".to_string()),
            ("password", password.to_string()),
            ("role", "grid_worker".to_string()),
            ("region_id", region.clone()),
            ("unit_id", unit.clone()),
        ]
    };
    let send = async |form: Vec<(&str, String)>| {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        s.post(&admin, "/admin/users", &form).await
    };
    // A weak password: said why, what was typed kept, the password not echoed.
    let (status, page) = send(add("abc")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("value=\"wg02\"") && !page.contains("value=\"abc\""));
    let (status, location) = send(add("Wangge2026x")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let new_user = s.login_with("wg02", "Wangge2026x").await;
    assert_eq!(s.get(&new_user, "/workbench").await.0, StatusCode::OK);
    // Disabling ends their session at once.
    let (_, page) = s.get(&admin, "/admin/users").await;
    let row = page.find("wg02").unwrap();
    let at = page[row..].find("/admin/users/").unwrap() + row + 13;
    let id: String = page[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let (status, page) = s
        .post(
            &admin,
            &format!("/admin/users/{id}/active"),
            &[("_csrf", csrf.as_str()), ("active", "false")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("已停用 网格员二"));
    assert_eq!(
        s.get(&new_user, "/workbench").await.0,
        StatusCode::SEE_OTHER
    );
    // A village operator has no user administration.
    let op = s.login("op_changan").await;
    let (status, _) = s.get(&op, "/admin/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_centre_imports_12345_work_orders_and_exports_the_cases_from_the_browser() {
    let s = site().await;
    let op = s.login("op").await;
    let (status, page) = s.get(&op, "/admin/hotline").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&page);
    let csv = "工单编号,来电时间,诉求人,联系电话,诉求内容,事发地址,诉求类型,紧急程度,办理时限\n\
               12345-001,2026-11-22 10:00,王先生,13912345678,村口路面塌陷已经一周,苍岩村村口,道路破损,一般,\n\
               12345-002,2026-11-22 11:00,李女士,13812345678,,长安村,道路破损,一般,\n";
    // The upload answers at once with the import's page, which follows it to its report.
    let import = async |fields: &[(&str, &str)]| {
        let (status, job) = s
            .post_file(
                &op,
                "/admin/hotline",
                fields,
                ("orders.csv", csv.as_bytes().to_vec()),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{job}");
        assert!(job.starts_with("/admin/hotline/jobs/"), "{job}");
        for _ in 0..100 {
            let (status, page) = s.get(&op, &job).await;
            assert_eq!(status, StatusCode::OK);
            if page.contains("导入结果") {
                assert!(
                    !page.contains("http-equiv=\"refresh\""),
                    "a finished job stays put"
                );
                return (job, page);
            }
            assert!(page.contains("<progress") && page.contains("http-equiv=\"refresh\""));
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the import did not finish");
    };
    // A rehearsal writes nothing and reports the bad row.
    let (job, page) = import(&[("_csrf", &csrf), ("dry_run", "on")]).await;
    // Only its starter follows a job.
    let other = s.login("admin").await;
    assert_eq!(s.get(&other, &job).await.0, StatusCode::NOT_FOUND);
    assert!(
        page.contains("演练") && page.contains("新建 1") && page.contains("出错 1"),
        "{page}"
    );
    let (_, list) = s.get(&op, "/workbench?q=12345-001").await;
    assert!(list.contains("共 0 件"));
    let (_, page) = import(&[("_csrf", &csrf)]).await;
    assert!(
        page.contains("新建 1") && !page.contains("未写入"),
        "{page}"
    );
    // The centre finds it by its 12345 number, and by the caller's phone however typed.
    let (_, list) = s.get(&op, "/workbench?q=12345-001").await;
    assert!(list.contains("共 1 件"), "{list}");
    let (_, list) = s.get(&op, "/workbench?q=139%201234%205678").await;
    assert!(list.contains("共 1 件"), "{list}");
    // Without the CSRF token nothing happens.
    let (status, _) = s
        .post_file(
            &op,
            "/admin/hotline",
            &[],
            ("orders.csv", csv.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The export is a workbook.
    let r = s.get_raw(&op, "/admin/hotline/export.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    // Units do not import.
    let staff = s.login("staff").await;
    assert_eq!(
        s.get(&staff, "/admin/hotline").await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_admin_uploads_next_years_holidays_and_the_banner_goes() {
    let s = site().await;
    let admin = s.login("admin").await;
    let (_, page) = s.get(&admin, "/admin/calendar").await;
    assert!(page.contains("2027 年：<strong>未导入</strong>"), "{page}");
    let csrf = csrf_of(&page);
    let bad = "2027-13-01,holiday,元旦\n";
    let (status, page) = s
        .post_file(
            &admin,
            "/admin/calendar",
            &[("_csrf", &csrf)],
            ("2027.csv", bad.into()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("第 1 行"), "{page}");
    let good = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-20,workday,春节调休\n";
    let (status, page) = s
        .post_file(
            &admin,
            "/admin/calendar",
            &[("_csrf", &csrf)],
            ("2027.csv", good.into()),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("已导入 2 天") && page.contains("2027 年：已导入"));
    assert!(!page.contains("尚未导入"));
}

/// A form's fields as `&str` pairs.
fn pairs<'a>(form: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn an_admin_builds_the_township_from_the_pages_and_every_change_is_audited() {
    let s = site().await;
    let admin = s.login("admin").await;
    let (status, page) = s.get(&admin, "/admin").await;
    assert_eq!(status, StatusCode::OK);
    let links = page.replace("&#x2f;", "/");
    for href in [
        "/admin/users",
        "/admin/regions",
        "/admin/units",
        "/admin/categories",
        "/admin/policies",
        "/admin/calendar",
        "/admin/clients",
        "/admin/models",
        "/admin/hotline",
        "/admin/audit",
    ] {
        assert!(links.contains(&format!("href=\"{href}\"")), "{href}");
        assert_eq!(s.get(&admin, href).await.0, StatusCode::OK, "{href}");
    }
    let csrf = csrf_of(&page);
    let village = s.t.village.to_string();

    // A grid under a village; a grid under a grid is refused with the rule, what was typed kept.
    let (status, page) = s
        .post(
            &admin,
            "/admin/regions",
            &pairs(&[
                ("_csrf", csrf.clone()),
                ("parent_id", village.clone()),
                ("level", "grid".into()),
                ("name", "苍岩村第九网格".into()),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("已新增网格「苍岩村第九网格」"), "{page}");
    let grid =
        s.t.app
            .core
            .regions()
            .iter()
            .find(|r| r.name == "苍岩村第九网格")
            .unwrap()
            .id;
    let (status, page) = s
        .post(
            &admin,
            "/admin/regions",
            &pairs(&[
                ("_csrf", csrf.clone()),
                ("parent_id", grid.0.to_string()),
                ("level", "grid".into()),
                ("name", "网格中的网格".into()),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("之下不能再设") && page.contains("value=\"网格中的网格\""));

    // The village's place on the map: nonsense is refused, degrees are kept, the dashboard
    // draws it.
    let centre = format!("/admin/regions/{village}/centre");
    let place = async |lat: &str, lon: &str| {
        let form = [
            ("_csrf", csrf.clone()),
            ("latitude", lat.to_string()),
            ("longitude", lon.to_string()),
        ];
        s.post(&admin, &centre, &pairs(&form)).await
    };
    let (status, page) = place("北纬29度", "120.7").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("纬度须为十进制度数"), "{page}");
    let (status, page) = place("129.6", "120.7").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("纬度须在 -90 到 90 之间"), "{page}");
    let (status, page) = place("29.612", "120.781").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("value=\"29.612000\""), "{page}");
    s.report(s.t.village, "村口路灯坏了好几天，晚上一片漆黑")
        .await;
    let (_, dash) = s.get(&admin, "/dashboard").await;
    let map = &dash[dash.find("各村在办示意图").expect("the map")..];
    assert!(map.contains("<circle") && map.contains(&format!("region_id={village}")));
    assert!(
        map.contains("在办 1 件"),
        "the village's open case is on the map"
    );
    assert!(
        map.contains("未标注位置"),
        "villages without a place are named"
    );

    // A unit, a category sent to it by default, a question with its choices, a time limit.
    let (status, page) = s
        .post(
            &admin,
            "/admin/units",
            &pairs(&[
                ("_csrf", csrf.clone()),
                ("name", "应急管理站".into()),
                ("kind", "station".into()),
                ("platform", "safety_law".into()),
                ("region_id", s.t.app.core.regions()[0].id.0.to_string()),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let unit =
        s.t.app
            .core
            .units()
            .iter()
            .find(|u| u.name == "应急管理站")
            .unwrap()
            .id;
    let (status, page) = s
        .post(
            &admin,
            "/admin/categories",
            &pairs(&[
                ("_csrf", csrf.clone()),
                ("name", "森林防火".into()),
                ("parent_id", "".into()),
                ("default_unit_id", unit.0.to_string()),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("已新增分类「森林防火」"));
    let (status, page) = s
        .post(
            &admin,
            "/admin/categories",
            &pairs(&[
                ("_csrf", csrf.clone()),
                ("name", "森林防火".into()),
                ("parent_id", "".into()),
            ]),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a second one of the same name"
    );
    assert!(page.contains("同一上级下已有同名分类"));
    let category =
        s.t.app
            .core
            .categories()
            .iter()
            .find(|c| c.name == "森林防火")
            .unwrap()
            .id;
    assert_eq!(
        s.t.app
            .core
            .categories()
            .iter()
            .find(|c| c.id == category)
            .unwrap()
            .default_unit_id,
        Some(unit)
    );
    let questions = format!("/admin/categories/{}/questions", category.0);
    let (status, page) = s
        .post(
            &admin,
            &questions,
            &pairs(&[
                ("_csrf", csrf.clone()),
                ("description", "火势大小".into()),
                ("code", "fire_size".into()),
                ("datatype", "singlevaluelist".into()),
                ("values", "small=冒烟\nbig＝明火".into()),
                ("order", "1".into()),
                ("required", "on".into()),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("明火（big）"), "{page}");
    let asked = s.t.app.core.category_attributes(category);
    assert_eq!(asked.len(), 1);
    assert!(asked[0].required && asked[0].variable);
    assert_eq!(asked[0].values[1].name, "明火");
    let (status, _) = s
        .post(
            &admin,
            &questions,
            &pairs(&[
                ("_csrf", csrf.clone()),
                ("description", "同一顺序".into()),
                ("code", "other".into()),
                ("datatype", "string".into()),
                ("order", "1".into()),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "two questions in one place");
    let (status, page) = s
        .post(
            &admin,
            "/admin/policies",
            &pairs(&[
                ("_csrf", csrf.clone()),
                ("category_id", category.0.to_string()),
                ("priority", "".into()),
                ("stage", "reply".into()),
                ("amount", "0".into()),
                ("unit", "hours".into()),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("时限须为 1–10000"), "{page}");
    let (status, page) = s
        .post(
            &admin,
            "/admin/policies",
            &pairs(&[
                ("_csrf", csrf.clone()),
                ("category_id", category.0.to_string()),
                ("priority", "".into()),
                ("stage", "reply".into()),
                ("amount", "2".into()),
                ("unit", "hours".into()),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("已设置：森林防火「办结」时限 2小时"),
        "{page}"
    );
    assert!(s
        .t
        .app
        .core
        .policies()
        .iter()
        .any(|p| p.category_id == Some(category)
            && p.limit
                == fengqiao_domain::deadline::TimeLimit::new(
                    2,
                    fengqiao_domain::deadline::LimitUnit::Hours
                )));

    let audit = s.t.app.admin.audit_log(&Actor::system(), 50).await.unwrap();
    for action in [
        "region.create",
        "region.centre",
        "unit.create",
        "category.create",
    ] {
        assert!(audit.iter().any(|e| e.action == action), "{action}");
    }
    // The admin reads the same trail on its page, in words.
    let (status, page) = s.get(&admin, "/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("设置村的位置") && page.contains("新增分类") && page.contains("设置时限"),
        "{page}"
    );

    // Township settings are the township admin's: an operator or a leader gets a refusal.
    for who in ["op", "leader"] {
        let cookie = s.login(who).await;
        for path in [
            "/admin/regions",
            "/admin/categories",
            "/admin/policies",
            "/admin/clients",
            "/admin/models",
        ] {
            assert_eq!(
                s.get(&cookie, path).await.0,
                StatusCode::FORBIDDEN,
                "{who} {path}"
            );
        }
        let (status, _) = s
            .post(
                &cookie,
                &centre,
                &pairs(&[
                    ("_csrf", csrf_of(&s.get(&cookie, "/workbench").await.1)),
                    ("latitude", "1".into()),
                    ("longitude", "1".into()),
                ]),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
    }
}

#[tokio::test]
async fn an_api_key_is_shown_once_and_stops_working_when_revoked() {
    let s = site().await;
    let admin = s.login("admin").await;
    let (_, page) = s.get(&admin, "/admin/clients").await;
    let csrf = csrf_of(&page);
    let (status, page) = s
        .post(
            &admin,
            "/admin/clients",
            &[("_csrf", csrf.as_str()), ("name", "  ")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请填写接入方名称"));
    let (status, page) = s
        .post(
            &admin,
            "/admin/clients",
            &[("_csrf", csrf.as_str()), ("name", "县12345平台")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let at = page.find("id=\"issued-key\">").expect("the key") + 16;
    let key: String = page[at..].chars().take_while(|c| *c != '<').collect();
    assert!(key.starts_with("fq_"), "{key}");
    let client = s.t.app.clients.for_key(Some(&key)).await.unwrap();
    assert_eq!(client.name, "县12345平台");
    // Never shown again.
    let (_, page) = s.get(&admin, "/admin/clients").await;
    assert!(!page.contains(&key) && page.contains(&key[..10]));
    let revoke = format!("/admin/clients/{}/revoke", client.id);
    let (status, page) = s.post(&admin, &revoke, &[("_csrf", csrf.as_str())]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("已吊销「县12345平台」的密钥"));
    assert!(s.t.app.clients.for_key(Some(&key)).await.is_err());
    let (status, page) = s.post(&admin, &revoke, &[("_csrf", csrf.as_str())]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("该密钥已吊销"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_compares_model_versions_and_switches_back() {
    let s = site().await;
    let admin = s.login("admin").await;
    let (_, page) = s.get(&admin, "/admin/models").await;
    assert!(page.contains("尚无模型"));
    let csrf = csrf_of(&page);
    // Training runs in the background and the page follows it. With nothing categorised yet
    // it ends by saying why.
    let (status, job) = s
        .post(&admin, "/admin/models/train", &[("_csrf", csrf.as_str())])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{job}");
    assert!(job.starts_with("/admin/models?training="), "{job}");
    let mut page = String::new();
    for _ in 0..100 {
        page = s.get(&admin, &job).await.1;
        if !page.contains("http-equiv=\"refresh\"") {
            break;
        }
        assert!(page.contains("正在训练"));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        page.contains("训练未完成") && page.contains("alert error"),
        "{page}"
    );
    // Nobody else follows it (an operator may not train at all).
    let op = s.login("op").await;
    assert_eq!(s.get(&op, &job).await.0, StatusCode::FORBIDDEN);
    let rows: Vec<(String, String, String)> = fengqiao_testkit::training_messages()
        .into_iter()
        .map(|(body, label)| (String::new(), body, label.to_string()))
        .collect();
    for source in ["第一批", "第二批"] {
        s.t.app
            .triage
            .train_and_store(&Actor::system(), rows.clone(), source.into(), Some(3))
            .await
            .unwrap();
    }
    let (_, page) = s.get(&admin, "/admin/models").await;
    assert!(page.contains("第 2 版") && page.contains("使用中"));
    assert!(
        page.contains("版本比较") && page.contains("河道污染"),
        "{page}"
    );
    let (status, page) = s
        .post(
            &admin,
            "/admin/models/1/activate",
            &[("_csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("已启用第 1 版"));
    let models = s.t.app.triage.models(&Actor::system()).await.unwrap();
    assert!(models.iter().find(|m| m.version == 1).unwrap().active);
    assert!(!models.iter().find(|m| m.version == 2).unwrap().active);
}

/// A notice the gateway never took: the operator is told on the workbench, finds it listed with
/// its case and the gateway's answer, and sends it again; a handling unit's staff cannot.
#[tokio::test]
async fn the_centre_sees_undelivered_notices_and_sends_them_again() {
    let s = crate::site_with(fengqiao_app::AppConfig {
        notify: fengqiao_app::NotifyConfig {
            sender: fengqiao_app::SenderConfig::Webhook {
                url: "http://127.0.0.1:9/sms".into(),
                token: None,
            },
            max_attempts: 1,
        },
        ..Default::default()
    })
    .await;
    let op_actor = s.t.actor("op").await;
    let case =
        s.t.app
            .intake
            .submit(
                &op_actor,
                fengqiao_app::IntakeInput {
                    body: "苍岩村村口路灯坏了".into(),
                    channel: Some("hotline".into()),
                    reporter_phone: Some("13800138000".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .case;
    assert_eq!(s.t.app.notifier.deliver_due().await.unwrap().failed, 1);

    let op = s.login("op").await;
    let (_, bench) = s.get(&op, "/workbench").await;
    assert!(
        bench.contains("有 1 条告知群众的短信多次发送失败"),
        "{bench}"
    );
    let (status, page) = s.get(&op, "/admin/notifications").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(case.case_no.as_str()) && page.contains("无法连接发送服务"),
        "{page}"
    );
    let id = s.t.app.notifier.failed(&op_actor).await.unwrap()[0].0.id;
    let csrf = csrf_of(&page);
    let (status, page) = s
        .post(
            &op,
            &format!("/admin/notifications/{id}/resend"),
            &[("_csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("已重新排队发送") && page.contains("没有发送失败的告知"),
        "{page}"
    );

    let staff = s.login("staff").await;
    let (status, _) = s.get(&staff, "/admin/notifications").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, bench) = s.get(&staff, "/workbench").await;
    assert!(!bench.contains("多次发送失败"));
}
