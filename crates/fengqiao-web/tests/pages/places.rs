//! The place and hazard pages as their people use them: a grid worker registers a venue and
//! inspects it from the phone form (sent twice, stored once), the centre assigns the hazard,
//! the unit rectifies with a photo, and each refusal comes back as the page with its reason.

use super::*;

fn hidden(page: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = page.find(&key).unwrap_or_else(|| panic!("no field {name}")) + key.len();
    page[at..].split('"').next().unwrap().to_string()
}

fn grid_id(s: &Site) -> i64 {
    s.t.grid()
}

#[tokio::test]
async fn a_venue_is_registered_inspected_once_and_its_hazard_assigned_and_rectified() {
    let s = site().await;
    let grid = s.login("grid").await;
    let (status, form) = s.get(&grid, "/places/new").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&form);
    let region = grid_id(&s).to_string();
    let fields = [
        ("_csrf", csrf.as_str()),
        ("name", "苍岩村王记小吃店"),
        ("reg_no", "92330621MA2Y777"),
        ("kind", "small_venue"),
        ("region_id", region.as_str()),
        ("owner_name", "王建军"),
        ("owner_phone", "13857500777"),
        ("color", "blue"),
    ];
    let (status, location) = s.post(&grid, "/places/new", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let place = location
        .trim_start_matches("/places/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    // The same number again: the form comes back with the reason and what was typed.
    let (status, page) = s.post(&grid, "/places/new", &fields).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("92330621MA2Y777") && page.contains("已被其他场所使用"),
        "{page}"
    );

    // Registered today, it is due today: the grid worker's workbench says so.
    let (_, bench) = s.get(&grid, "/workbench").await;
    assert!(bench.contains("今日应检场所 1 处"), "{bench}");
    // The checklist form: sent twice from the phone, stored once.
    let (status, form) = s.get(&grid, &format!("/places/{place}/inspect")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains("安全出口") && form.contains("第 1 版"),
        "{form}"
    );
    let (csrf, key, template, seen) = (
        csrf_of(&form),
        hidden(&form, "client_key"),
        hidden(&form, "template_id"),
        hidden(&form, "seen_color"),
    );
    assert_eq!(seen, "blue");
    let mut answers = vec![
        ("_csrf", csrf.as_str()),
        ("client_key", key.as_str()),
        ("template_id", template.as_str()),
        ("seen_color", seen.as_str()),
    ];
    for code in ["exit", "living", "wiring", "gas", "license"] {
        answers.push((Box::leak(format!("item.{code}").into_boxed_str()), "pass"));
    }
    answers.push(("item.extinguisher", "fail"));
    let path = format!("/places/{place}/inspect");
    let (status, page) = s.post_multipart(&grid, &path, &answers, &[]).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a failure needs a note"
    );
    assert!(
        page.contains("请写明发现的问题") && page.contains(&key),
        "the form keeps its key"
    );
    answers.push(("note.extinguisher", "两具灭火器过期"));
    let photo = [("现场.jpg", super::PHOTO.to_vec())];
    for _ in 0..2 {
        let (status, location) = s.post_multipart(&grid, &path, &answers, &photo).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    }
    let (_, page) = s.get(&grid, &format!("/places/{place}")).await;
    assert_eq!(page.matches("1 项不合格").count(), 1, "stored once: {page}");
    assert!(
        page.contains("/field-photos/"),
        "the inspection's photo is shown"
    );
    assert!(page.contains("13857500777"));

    // The centre assigns the hazard from its page.
    let op = s.login("op").await;
    let (_, bench) = s.get(&op, "/workbench").await;
    assert!(bench.contains("待交办隐患 1 个"), "{bench}");
    let (_, list) = s.get(&op, "/hazards?tab=found").await;
    let at = list.find("href=\"/hazards/").expect("the hazard is listed") + 15;
    let hazard: String = list[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let (_, page) = s.get(&op, &format!("/hazards/{hazard}")).await;
    assert!(
        page.contains("交办") && page.contains("两具灭火器过期"),
        "{page}"
    );
    let unit = s.t.unit.to_string();
    let assign = [
        ("_csrf", csrf_of(&page)),
        ("action", "assign".to_string()),
        ("version", version_of(&page)),
        ("owner_unit_id", unit.clone()),
        ("leader", "分管副镇长 王伟".to_string()),
        ("due_at", "2026-11-27".to_string()),
    ];
    let assign: Vec<(&str, &str)> = assign.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let act = format!("/hazards/{hazard}/act");
    let (status, location) = s.post_multipart(&op, &act, &assign, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (status, page) = s.post_multipart(&op, &act, &assign, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "a stale form");
    assert!(page.contains("刚被他人处理过"), "{page}");

    // It needs another unit's work too: turned into an ordinary case from the page, once.
    let (_, page) = s.get(&op, &format!("/hazards/{hazard}")).await;
    let open = [
        ("_csrf", csrf_of(&page)),
        ("action", "open_case".to_string()),
        ("version", version_of(&page)),
        ("remark", "灭火器由消防站统一更换".to_string()),
    ];
    let open: Vec<(&str, &str)> = open.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location) = s.post_multipart(&op, &act, &open, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert!(location.ends_with("done=open_case"), "{location}");
    let (_, page) = s.get(&op, &format!("/hazards/{hazard}")).await;
    assert!(
        page.contains("已转为工单") && page.contains("转办工单") && page.contains("href=\"/cases/"),
        "{page}"
    );

    // The unit rectifies: not without a photo; then with one.
    let staff = s.login("staff").await;
    let (_, page) = s.get(&staff, &format!("/hazards/{hazard}")).await;
    assert!(page.contains("整改后照片"), "{page}");
    let rectify = [
        ("_csrf", csrf_of(&page)),
        ("action", "rectify".to_string()),
        ("version", version_of(&page)),
        ("remark", "已更换灭火器".to_string()),
    ];
    let rectify: Vec<(&str, &str)> = rectify.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, page) = s.post_multipart(&staff, &act, &rectify, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请上传整改后的照片"), "{page}");
    let (status, _) = s.post_multipart(&staff, &act, &rectify, &photo).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = s.get(&op, &format!("/hazards/{hazard}")).await;
    assert!(
        page.contains("待复查") && page.contains("整改照片"),
        "{page}"
    );

    // Leaders read the place with its owner masked; another village's operator cannot open it.
    let (_, page) = s
        .get(&s.login("leader").await, &format!("/places/{place}"))
        .await;
    assert!(
        page.contains("138****0777") && !page.contains("13857500777"),
        "{page}"
    );
    let (status, _) = s
        .get(&s.login("op_changan").await, &format!("/places/{place}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_leader_launches_a_campaign_and_reads_prints_and_downloads_its_daily_report() {
    let s = site().await;
    let leader = s.login("leader").await;
    let (_, page) = s.get(&leader, "/campaigns").await;
    let csrf = csrf_of(&page);
    let mut form = vec![
        ("_csrf", csrf.as_str()),
        ("name", "大气污染防治专项行动"),
        ("starts_on", "2026-11-20"),
        ("ends_on", "2026-11-10"),
        ("target.emitting_firm", "150"),
    ];
    let (status, page) = s.post(&leader, "/campaigns", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("结束日期不能早于开始日期") && page.contains("value=\"150\""),
        "kept: {page}"
    );
    form[3] = ("ends_on", "2026-12-31");
    let (status, location) = s.post(&leader, "/campaigns", &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (status, page) = s.get(&leader, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("专班日报") && page.contains("涉气企业") && page.contains("第 3 天"),
        "{page}"
    );
    let r = s
        .get_raw(&leader, &format!("{location}/report.xlsx?date=2026-11-22"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let (status, page) = s.get(&leader, &format!("{location}?date=2027-01-05")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("日报日期须在"), "{page}");
}

#[tokio::test]
async fn the_centre_sets_a_patrol_day_and_reads_the_weeks_tasks_and_coverage() {
    let s = site().await;
    let op = s.login("op").await;
    let (status, page) = s.get(&op, "/patrols").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("还没有设置巡查日") && page.contains("按时检查覆盖率"),
        "{page}"
    );
    let csrf = csrf_of(&page);
    let (status, page) = s
        .post(
            &op,
            "/patrol-schedules",
            &[("_csrf", &csrf), ("name", ""), ("weekday", "2")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let (status, _) = s
        .post(
            &op,
            "/patrol-schedules",
            &[("_csrf", &csrf), ("name", "下村日"), ("weekday", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = s.get(&op, "/patrols").await;
    assert!(
        page.contains("每周一 <strong>下村日</strong>") && page.contains("下村日：待巡查"),
        "{page}"
    );
    let grid = s.login("grid").await;
    let (_, bench) = s.get(&grid, "/workbench").await;
    assert!(bench.contains("今天是下村日"), "{bench}");
}

#[tokio::test]
async fn the_registry_is_imported_from_a_file_once_and_exported_as_each_sees_it() {
    let s = site().await;
    let op = s.login("op").await;
    let (_, page) = s.get(&op, "/places").await;
    assert!(page.contains("批量导入场所"));
    let csrf = csrf_of(&page);
    let csv = "登记编号,名称,类型,所在村（网格）,联系电话\nJX-7,苍岩村周记面馆,餐饮单位,苍岩村第一网格,13857500777\nJX-8,坏行,小卖部,苍岩村,\n";
    let (status, page) = s
        .post_file(
            &op,
            "/places/import",
            &[("_csrf", csrf.as_str())],
            ("places.csv", csv.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a bad row is reported"
    );
    assert!(
        page.contains("新登记 1 处") && page.contains("第 3 行「类型」"),
        "{page}"
    );
    let (_, page) = s
        .post_file(
            &op,
            "/places/import",
            &[("_csrf", csrf.as_str())],
            ("places.csv", csv.as_bytes().to_vec()),
        )
        .await;
    assert!(
        page.contains("新登记 0 处，更正 0 处，已登记（未改动）1 处"),
        "{page}"
    );
    // A village's operator registers and imports within the village too.
    let (_, page) = s.get(&s.login("op_changan").await, "/places").await;
    assert!(
        page.contains("批量导入场所") && page.contains("登记场所"),
        "{page}"
    );
    let r = s.get_raw(&op, "/places/export.csv").await;
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let body = r.text().await.unwrap();
    assert!(
        body.contains("JX-7,苍岩村周记面馆,餐饮单位,苍岩村第一网格")
            && body.contains("13857500777"),
        "{body}"
    );
    let leader = s.login("leader").await;
    let body = s
        .get_raw(&leader, "/places/export.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("138****0777") && !body.contains("13857500777"),
        "{body}"
    );
    let r = s.get_raw(&leader, "/places/export.xlsx").await;
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let (status, _) = s
        .post_file(
            &leader,
            "/places/import",
            &[(
                "_csrf",
                csrf_of(&s.get(&leader, "/places").await.1).as_str(),
            )],
            ("p.csv", csv.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "leaders read the registry, they do not import"
    );
}

#[tokio::test]
async fn an_admin_publishes_a_new_checklist_version_from_its_page() {
    let s = site().await;
    let admin = s.login("admin").await;
    let (status, page) = s.get(&admin, "/admin/checklists").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("九小场所") && page.contains("exit|重大|"),
        "{page}"
    );
    let csrf = csrf_of(&page);
    let (status, page) = s
        .post(
            &admin,
            "/admin/checklists/small_venue",
            &[
                ("_csrf", csrf.as_str()),
                ("name", "九小场所检查表"),
                ("items", "exit|重大|安全出口畅通\nexit 无严重程度"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("第 2 行") && page.contains("exit 无严重程度"),
        "the reason, and what was typed: {page}"
    );
    let (status, page) = s
        .post(
            &admin,
            "/admin/checklists/small_venue",
            &[
                ("_csrf", csrf.as_str()),
                ("name", "九小场所检查表"),
                (
                    "items",
                    "exit|重大|安全出口畅通\ncctv|一般|店内监控正常录像",
                ),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("已发布九小场所检查表第 2 版（2 项）"),
        "{page}"
    );
    let op = s.login("op").await;
    let (status, _) = s.get(&op, "/admin/checklists").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
