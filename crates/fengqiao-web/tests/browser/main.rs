//! The whole loop in a real browser (Debian's headless Chromium through chromedriver): a
//! citizen scans a village's 民情码 on a phone-sized window and reports with a photo; an operator finds it in
//! the queue, registers and dispatches it; the unit accepts, handles and replies; the citizen
//! reads the reply, rates it and says it is not solved; the leader's dashboard counts change; a village
//! cadre cannot open another village's case. Screenshots of every key page are written to
//! `target/screenshots/`.

mod offline;
mod webdriver;

use fengqiao_app::AppConfig;
use fengqiao_store::CaseFilter;
use fengqiao_testkit::{township, Township, PW};
use std::sync::Arc;
use webdriver::{Browser, Driver};

async fn login(b: &Browser, base: &str, user: &str) {
    b.login(base, user, PW).await;
}

/// Opens an action's form on the case page (if not open) and submits it.
async fn act(b: &Browser, kind: &str, fill: impl AsyncFnOnce(&Browser)) {
    if !b.exists(&format!("details[data-kind={kind}][open]")).await {
        b.click(&format!("details[data-kind={kind}] summary")).await;
    }
    fill(b).await;
    b.click(&format!("details[data-kind={kind}] button[type=submit]"))
        .await;
    let done = format!("done={kind}");
    for _ in 0..50 {
        if b.current_url().await.contains(&done) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{kind} was not done: {}", b.text("main").await);
}

async fn case_id(t: &Township, ticket: &str) -> i64 {
    let admin = t.actor("admin").await;
    let page = t
        .app
        .queries
        .list_cases(
            &admin,
            CaseFilter {
                case_nos: vec![ticket.to_string()],
                page_size: 1,
                ..CaseFilter::default()
            },
        )
        .await
        .unwrap();
    page.items[0].id
}

async fn report(phone: &Browser, base: &str, village: i64, text: &str, number: &str) -> String {
    phone.goto(&format!("{base}/m/{village}")).await;
    phone.click("a.button.primary").await;
    phone.type_into("#body", text).await;
    phone.type_into("#reporter_phone", number).await;
    phone.click("form button[type=submit]").await;
    phone.text("#ticket").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_goes_round_the_whole_loop_in_a_browser() {
    let t = township(AppConfig::default()).await;
    let base = fengqiao_testkit::serve(fengqiao_web::site(t.app.clone())).await;
    let driver = Driver::start().await;
    let desk = driver.session(1366, 900).await;
    let phone = driver.phone(390, 844).await;

    login(&desk, &base, "leader").await;
    desk.goto(&format!("{base}/dashboard")).await;
    let open_before = desk.text("[data-count=open]").await;

    // The citizen, on a phone.
    phone.goto(&format!("{base}/m/{}", t.village)).await;
    assert!(phone.text("h1").await.contains("苍岩村"));
    phone.screenshot("phone-1-landing").await;
    phone.click("a.button.primary").await;
    phone
        .type_into(
            "#body",
            "村口的路面塌了一个大坑，电动车晚上经过很危险，请尽快修补",
        )
        .await;
    phone.type_into("#address", "村委会东侧50米").await;
    let photo = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pothole.jpg");
    phone.type_into("#photos", photo).await;
    phone.type_into("#reporter_phone", "13912345678").await;
    phone.screenshot("phone-2-report").await;
    phone.click("form button[type=submit]").await;
    let ticket = phone.text("#ticket").await;
    assert!(ticket.starts_with("FQ"), "{ticket}");
    phone.screenshot("phone-3-ticket").await;
    let id = case_id(&t, &ticket).await;

    // The operator finds it in the queue, registers it with a category and dispatches it.
    login(&desk, &base, "op").await;
    desk.goto(&format!("{base}/workbench?queue=reported")).await;
    assert!(desk.source().await.contains(&ticket), "not in the queue");
    desk.screenshot("desktop-1-workbench").await;
    desk.goto(&format!("{base}/qr?village={}", t.village)).await;
    assert!(desk.text(".qr-sheet").await.contains("苍岩村"));
    desk.screenshot("desktop-0-qr-sheet").await;
    desk.goto(&format!("{base}/cases/{id}")).await;
    assert!(
        desk.exists(".photos img").await,
        "the citizen's photo is on the case page"
    );
    desk.screenshot("desktop-2-case-reported").await;
    let road = t.road;
    act(&desk, "register", async |b: &Browser| {
        b.click(&format!("#register-category_id option[value='{road}']"))
            .await;
    })
    .await;
    let unit = t.unit;
    act(&desk, "dispatch", async |b: &Browser| {
        b.click(&format!("#dispatch-unit_id option[value='{unit}']"))
            .await;
    })
    .await;
    assert!(desk.text(".case-head").await.contains("已派单"));
    desk.screenshot("desktop-3-case-dispatched").await;

    // The unit accepts, starts and replies.
    login(&desk, &base, "staff").await;
    desk.goto(&format!("{base}/workbench?queue=to_accept"))
        .await;
    assert!(desk.source().await.contains(&ticket), "not in 待签收");
    desk.goto(&format!("{base}/cases/{id}")).await;
    act(&desk, "accept", async |_: &Browser| {}).await;
    act(&desk, "handle", async |_: &Browser| {}).await;
    // A session that ends while a reply is being written: log in again, the words are still
    // there.
    if !desk.exists("details[data-kind=reply][open]").await {
        desk.click("details[data-kind=reply] summary").await;
    }
    desk.type_into("#reply-content", "已安排施工队").await;
    desk.delete_cookies().await;
    desk.click("details[data-kind=reply] button[type=submit]")
        .await;
    desk.type_into("#username", "staff").await;
    desk.type_into("#password", PW).await;
    desk.click("main form button[type=submit]").await;
    let mut kept = String::new();
    for _ in 0..50 {
        kept = desk.value("#reply-content").await;
        if !kept.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(kept, "已安排施工队", "the draft survived logging in again");
    desk.clear("#reply-content").await;
    act(&desk, "reply", async |b: &Browser| {
        b.type_into(
            "#reply-content",
            "已安排施工队于今日修补路面坑洞，并设置了警示标志。",
        )
        .await;
    })
    .await;
    assert!(desk.text(".case-head").await.contains("已办结"));
    desk.screenshot("desktop-4-case-replied").await;

    // The citizen reads the reply and says the problem is still there.
    phone
        .goto(&format!("{base}/progress?ticket={ticket}"))
        .await;
    phone.type_into("#tail", "5678").await;
    phone.click("form button[type=submit]").await;
    assert!(phone.text(".panel .body").await.contains("已安排施工队"));
    phone.screenshot("phone-4-progress").await;
    phone.click("form.rate button[value=unsatisfied]").await;
    assert!(phone.text(".alert.ok").await.contains("感谢您的评价"));
    assert!(!phone.exists("form.rate").await, "rated once");
    phone.screenshot("phone-5-rated").await;
    phone
        .type_into("#content", "坑只填了一半，下雨后又塌了")
        .await;
    phone.click("details form button[type=submit]").await;
    // The rating's notice also mentions 问题仍未解决: wait for the supplement's own answer, not
    // the page it was sent from.
    let mut said = String::new();
    for _ in 0..50 {
        said = phone.text(".alert.ok").await;
        if said.contains("已收到您的反馈") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(said.contains("已收到您的反馈：问题仍未解决"), "{said}");
    let rated = t
        .app
        .queries
        .case_view(&t.actor("op").await, fengqiao_domain::ids::CaseId(id))
        .await
        .unwrap();
    assert_eq!(
        rated.case.outcome.satisfaction,
        Some(fengqiao_domain::case::Satisfaction::Unsatisfied),
        "the citizen's rating is on the case"
    );
    let history = t
        .app
        .queries
        .events(&t.actor("op").await, fengqiao_domain::ids::CaseId(id))
        .await
        .unwrap();
    assert!(
        history.iter().any(|e| e
            .event
            .remark
            .as_deref()
            .is_some_and(|r| r.contains("申请重办"))),
        "the reopen request is on the case's history"
    );

    // The leader's dashboard counts the new case.
    login(&desk, &base, "leader").await;
    desk.goto(&format!("{base}/dashboard")).await;
    let open_after = desk.text("[data-count=open]").await;
    assert_ne!(
        open_before, open_after,
        "the dashboard did not count the case"
    );
    desk.screenshot("desktop-5-dashboard").await;

    // A village cadre cannot open another village's case.
    let other = report(
        &phone,
        &base,
        t.other_village,
        "长安村文化礼堂门口的路灯坏了",
        "13812345678",
    )
    .await;
    let other_id = case_id(&t, &other).await;
    login(&desk, &base, "village").await;
    desk.goto(&format!("{base}/cases/{other_id}")).await;
    let page = desk.text("main").await;
    assert!(page.contains("不存在"), "{page}");
    assert!(!page.contains("长安村文化礼堂"));
    desk.screenshot("desktop-6-other-village-refused").await;

    // A grid worker reports from the phone: photo, a few words, send.
    login(&phone, &base, "grid").await;
    phone.goto(&format!("{base}/intake")).await;
    let photo = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pothole.jpg");
    phone.type_into("#photos", photo).await;
    phone.type_into("#body", "村道边有人倾倒建筑垃圾").await;
    phone.screenshot("phone-6-grid-report").await;
    phone.click("main form button[type=submit]").await;
    assert!(phone.text(".case-head").await.contains("网格巡查"));
    phone.screenshot("phone-7-grid-case").await;

    phone.close().await;
    desk.close().await;
    drop(Arc::clone(&t.app));
}

/// An admin places a village on the map, adds a category and issues an API key from the
/// pages, on a desktop and on a phone; the leader's dashboard draws the village.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_up_the_township_in_a_browser() {
    let t = township(AppConfig::default()).await;
    let base = fengqiao_testkit::serve(fengqiao_web::site(t.app.clone())).await;
    let driver = Driver::start().await;
    let desk = driver.session(1366, 900).await;
    let phone = driver.phone(390, 844).await;

    login(&desk, &base, "admin").await;
    desk.click("nav a[href='/admin']").await;
    assert!(desk.text("h1").await.contains("系统管理"));
    desk.screenshot("desktop-7-admin").await;

    desk.goto(&format!("{base}/admin/regions")).await;
    let v = t.village;
    desk.type_into(&format!("#lat-{v}"), "29.612").await;
    desk.type_into(&format!("#lon-{v}"), "120.781").await;
    desk.click(&format!("#lon-{v} ~ button")).await;
    assert!(desk.text(".alert").await.contains("已更新「苍岩村」的位置"));
    desk.screenshot("desktop-8-admin-regions").await;

    desk.goto(&format!("{base}/admin/categories")).await;
    desk.type_into("#name", "森林防火").await;
    desk.click("main form button[type=submit]").await;
    assert!(desk.text(".alert").await.contains("已新增分类「森林防火」"));
    desk.goto(&format!("{base}/admin/policies")).await;
    desk.screenshot("desktop-9-admin-policies").await;

    desk.goto(&format!("{base}/admin/clients")).await;
    desk.type_into("#name", "县12345平台").await;
    desk.click("main form button[type=submit]").await;
    assert!(desk.text("#issued-key").await.starts_with("fq_"));
    desk.screenshot("desktop-10-admin-key").await;

    login(&desk, &base, "leader").await;
    desk.goto(&format!("{base}/dashboard")).await;
    assert!(desk.exists("svg.map circle").await);
    assert!(desk.text("main").await.contains("未标注位置"));

    login(&phone, &base, "admin").await;
    phone.goto(&format!("{base}/admin")).await;
    phone.screenshot("phone-8-admin").await;
    phone.goto(&format!("{base}/admin/regions")).await;
    phone.screenshot("phone-9-admin-regions").await;

    phone.close().await;
    desk.close().await;
}
