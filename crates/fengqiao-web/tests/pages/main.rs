//! The pages over HTTP, without a browser: sessions and CSRF, stale forms, bad input, scope,
//! and the headers every page carries.

use fengqiao_app::AppConfig;
use fengqiao_store::CaseFilter;
use fengqiao_testkit::{township, Township, PW};
use reqwest::redirect::Policy;
use reqwest::StatusCode;

mod admin;
mod field;
mod kpis;
mod places;

struct Site {
    t: Township,
    base: String,
    http: reqwest::Client,
}

async fn site() -> Site {
    site_with(AppConfig::default()).await
}

async fn site_with(config: AppConfig) -> Site {
    let t = township(config).await;
    Site {
        base: fengqiao_testkit::serve(fengqiao_web::site(t.app.clone())).await,
        t,
        http: reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap(),
    }
}

impl Site {
    /// Logs in through the form; the session cookie.
    async fn login(&self, user: &str) -> String {
        self.login_with(user, PW).await
    }

    async fn login_with(&self, user: &str, password: &str) -> String {
        let r = self
            .http
            .post(format!("{}/login", self.base))
            .form(&[
                ("username", user),
                ("password", password),
                ("next", "/workbench"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        cookie.split(';').next().unwrap().to_string()
    }

    async fn get_raw(&self, cookie: &str, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, cookie: &str, path: &str) -> (StatusCode, String) {
        let r = self.get_raw(cookie, path).await;
        (r.status(), r.text().await.unwrap())
    }

    async fn post(&self, cookie: &str, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        (status, location.unwrap_or(r.text().await.unwrap()))
    }

    /// The report page's form (multipart, for its photos): status and page or location.
    async fn send_report(
        &self,
        village: i64,
        fields: &[(&str, &str)],
        photos: &[(&str, Vec<u8>)],
    ) -> (StatusCode, String) {
        let path = format!("/m/{village}/report");
        self.post_multipart("", &path, fields, photos).await
    }

    /// A staff form with photos (multipart): status and page or location.
    async fn post_multipart(
        &self,
        cookie: &str,
        path: &str,
        fields: &[(&str, &str)],
        photos: &[(&str, Vec<u8>)],
    ) -> (StatusCode, String) {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (name, bytes) in photos {
            let part = reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string());
            form = form.part("photos", part);
        }
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        match r.headers().get("location") {
            Some(l) => (status, l.to_str().unwrap().to_string()),
            None => (status, r.text().await.unwrap()),
        }
    }

    /// A form with one file (field `file`).
    async fn post_file(
        &self,
        cookie: &str,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, Vec<u8>),
    ) -> (StatusCode, String) {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(file.1).file_name(file.0.to_string()),
        );
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        (status, location.unwrap_or(r.text().await.unwrap()))
    }

    /// A citizen's report through the village's 民情码; its ticket number.
    async fn report(&self, village: i64, body: &str) -> String {
        let fields = [("body", body), ("reporter_phone", "13912345678")];
        let (status, location) = self.send_report(village, &fields, &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
        location.trim_start_matches("/t/").to_string()
    }

    async fn state(&self, id: i64) -> &'static str {
        let admin = self.t.actor("admin").await;
        let view = self
            .t
            .app
            .queries
            .case_view(&admin, fengqiao_domain::ids::CaseId(id));
        view.await.unwrap().case.state.as_str()
    }

    async fn case_id(&self, ticket: &str) -> i64 {
        let admin = self.t.actor("admin").await;
        let filter = CaseFilter {
            case_nos: vec![ticket.into()],
            page_size: 1,
            ..CaseFilter::default()
        };
        self.t
            .app
            .queries
            .list_cases(&admin, filter)
            .await
            .unwrap()
            .items[0]
            .id
    }
}

fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"_csrf\" value=\"").expect("a CSRF field") + 20;
    page[at..at + 32].to_string()
}

fn version_of(page: &str) -> String {
    let at = page
        .find("name=\"version\" value=\"")
        .expect("a version field")
        + 22;
    page[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn staff_pages_need_a_session_and_come_back_after_login() {
    let s = site().await;
    let r = s
        .http
        .get(format!("{}/workbench?queue=red", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        "/login?next=/workbench%3Fqueue%3Dred"
    );
    // A wrong password: 401 on the login page, in Chinese, the username kept.
    let (status, page) = s
        .post(
            "",
            "/login",
            &[("username", "op"), ("password", "wrong"), ("next", "/")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("用户名或密码不正确") && page.contains("value=\"op\""));
    // Only a path on this site is followed after logging in.
    let r = s
        .http
        .post(format!("{}/login", s.base))
        .form(&[
            ("username", "op"),
            ("password", PW),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/workbench");
    // An ended session is no session.
    let cookie = s.login("op").await;
    let (_, page) = s.get(&cookie, "/workbench").await;
    let (status, _) = s
        .post(&cookie, "/logout", &[("_csrf", &csrf_of(&page))])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = s.get(&cookie, "/workbench").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "logged out");
}

#[tokio::test]
async fn a_form_without_its_csrf_token_or_from_a_stale_page_changes_nothing() {
    let s = site().await;
    let ticket = s
        .report(s.t.village, "村口的路面塌了一个大坑，请尽快修补")
        .await;
    let id = s.case_id(&ticket).await;
    let cookie = s.login("op").await;
    let (status, page) = s.get(&cookie, &format!("/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (csrf, version) = (csrf_of(&page), version_of(&page));
    let road = s.t.road.to_string();
    let act = async |csrf: &str, version: &str| {
        let form = [
            ("_csrf", csrf),
            ("version", version),
            ("action", "register"),
            ("category_id", road.as_str()),
        ];
        s.post(&cookie, &format!("/cases/{id}/act"), &form).await
    };
    // No CSRF token, or another session's: refused, nothing applied.
    let (status, body) = act("", &version).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = act(&"0".repeat(32), &version).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(s.state(id).await, "reported");
    // The real form: registered, and back to the case page.
    let (status, location) = act(&csrf, &version).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/cases/{id}?done=register"));
    assert_eq!(s.state(id).await, "registered");
    // The same page's form again: the case moved on, so 409 with the fresh page, and nothing.
    let (status, page) = act(&csrf, &version).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("工单已有新的变化") && page.contains("已受理"),
        "{page}"
    );
    assert_eq!(s.state(id).await, "registered");
    // A required field left empty is named, in Chinese, on the page; nothing applied.
    let (_, page) = s.get(&cookie, &format!("/cases/{id}")).await;
    let version = version_of(&page);
    let form = [
        ("_csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("action", "reject_intake"),
        ("reason", ""),
    ];
    let (status, page) = s.post(&cookie, &format!("/cases/{id}/act"), &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("不予受理的理由"), "{page}");
    assert_eq!(s.state(id).await, "registered");

    // Dispatched with a co-unit ticked on the form: the co-unit gets its own task.
    let (_, page) = s.get(&cookie, &format!("/cases/{id}")).await;
    assert!(
        page.contains("name=\"co_unit\""),
        "the dispatch form offers co-units"
    );
    let version = version_of(&page);
    let (unit, co) = (s.t.unit.to_string(), s.t.other_unit.to_string());
    let form = [
        ("_csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("action", "dispatch"),
        ("unit_id", unit.as_str()),
        ("co_unit", co.as_str()),
        ("co_instructions", "负责清理现场"),
    ];
    let (status, _) = s.post(&cookie, &format!("/cases/{id}/act"), &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let admin = s.t.actor("admin").await;
    let view =
        s.t.app
            .queries
            .case_view(&admin, fengqiao_domain::ids::CaseId(id))
            .await
            .unwrap();
    assert_eq!(s.state(id).await, "dispatched");
    assert!(
        view.tasks
            .iter()
            .any(|t| t.task.unit_id.0 == s.t.other_unit && t.task.instructions == "负责清理现场"),
        "{:?}",
        view.tasks
    );
}

#[tokio::test]
async fn the_case_page_offers_only_what_this_user_may_do_and_hides_other_villages() {
    let s = site().await;
    let ticket = s
        .report(s.t.village, "村里的垃圾三天没有清运了，气味很大")
        .await;
    let id = s.case_id(&ticket).await;
    let op = s.login("op").await;
    let (_, page) = s.get(&op, &format!("/cases/{id}")).await;
    assert!(page.contains("data-kind=\"register\""));
    assert!(
        !page.contains("data-kind=\"accept\""),
        "the operator cannot accept"
    );
    assert!(page.contains("13912345678"), "the centre sees the phone");
    let leader = s.login("leader").await;
    let (_, page) = s.get(&leader, &format!("/cases/{id}")).await;
    assert!(!page.contains("data-kind=\"register\""));
    assert!(
        page.contains("139****5678") && !page.contains("13912345678"),
        "masked for leaders"
    );
    // A village committee's staff cannot open another village's case: 404, nothing of it shown.
    let other = s
        .report(s.t.other_village, "长安村文化礼堂门口的路灯坏了")
        .await;
    let other_id = s.case_id(&other).await;
    let cadre = s.login("village").await;
    let (status, page) = s.get(&cadre, &format!("/cases/{other_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!page.contains("文化礼堂"));
}

#[tokio::test]
async fn citizens_get_clear_errors_and_the_phone_tail_cannot_be_guessed() {
    let s = site().await;
    // Too short, or no phone: 422 with the form kept.
    let v = s.t.village;
    let (status, page) = s
        .send_report(
            v,
            &[("body", "坏了"), ("reporter_phone", "13912345678")],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("不少于5个字"));
    let (status, page) = s
        .send_report(v, &[("body", "路灯坏了一个星期了")], &[])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("手机号码") && page.contains("路灯坏了一个星期了"));
    // An unknown 民情码.
    let (status, page) = s.get("", "/m/99999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("民情码已失效"));
    // Progress: the right tail shows it; wrong tails are counted, then the lookup waits.
    let ticket = s
        .report(s.t.village, "桥头的护栏断了，小孩经过很危险")
        .await;
    let (status, page) = s
        .post("", "/progress", &[("ticket", &ticket), ("tail", "5678")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("桥头的护栏断了"));
    let mut statuses = Vec::new();
    for tail in 1000..1012 {
        let (status, _) = s
            .post(
                "",
                "/progress",
                &[("ticket", &ticket), ("tail", &tail.to_string())],
            )
            .await;
        statuses.push(status);
    }
    assert_eq!(statuses[0], StatusCode::NOT_FOUND);
    assert_eq!(*statuses.last().unwrap(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn pages_carry_their_security_headers_and_assets_come_from_the_binary() {
    let s = site().await;
    for path in ["/", "/login", "/progress", &format!("/m/{}", s.t.village)] {
        let r = s
            .http
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        let html = r.text().await.unwrap();
        assert!(html.contains("lang=\"zh-CN\""));
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{path} links outside"
        );
    }
    for (asset, mime) in [("app.css", "text/css"), ("app.js", "text/javascript")] {
        let r = s
            .http
            .get(format!("{}/static/{asset}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(mime));
        assert!(r.headers().get("content-encoding").is_none());
        let plain = r.bytes().await.unwrap();
        // Gzipped for a browser that says it takes it: the same bytes, a fraction of the size.
        let r = s
            .http
            .get(format!("{}/static/{asset}", s.base))
            .header("accept-encoding", "gzip, deflate, br")
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-encoding"], "gzip");
        let gz = r.bytes().await.unwrap();
        assert!(
            gz.len() * 2 < plain.len(),
            "{asset}: {} of {}",
            gz.len(),
            plain.len()
        );
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped)
            .unwrap();
        assert_eq!(unzipped, plain);
    }
    let r = s
        .http
        .get(format!("{}/m/{}/qr.svg", s.base, s.t.village))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert!(r.text().await.unwrap().starts_with("<?xml"));
}

#[tokio::test]
async fn a_citizen_rates_a_reply_once_and_only_after_it_came() {
    let s = site().await;
    let ticket = s.report(s.t.village, "路边的排水沟堵了，下雨就积水").await;
    let rate = async |value: &str| {
        s.post(
            "",
            "/progress/rate",
            &[
                ("ticket", ticket.as_str()),
                ("tail", "5678"),
                ("satisfaction", value),
            ],
        )
        .await
    };
    // Before the reply there is nothing to rate: the page does not offer it and the server
    // refuses it.
    let (_, page) = s
        .post("", "/progress", &[("ticket", &ticket), ("tail", "5678")])
        .await;
    assert!(!page.contains("您对答复满意吗"));
    let (status, _) = rate("satisfied").await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Through the lifecycle to a reply.
    let id = fengqiao_domain::ids::CaseId(s.case_id(&ticket).await);
    let (op, staff) = (s.t.actor("op").await, s.t.actor("staff").await);
    use fengqiao_domain::lifecycle::Action;
    let unit = fengqiao_domain::ids::UnitId(s.t.unit);
    let road = fengqiao_domain::ids::CategoryId(s.t.road);
    for (actor, action) in [
        (
            &op,
            Action::Register {
                category_id: Some(road),
                priority: None,
                region_id: None,
                remark: None,
            },
        ),
        (
            &op,
            Action::Dispatch {
                unit_id: unit,
                co_units: vec![],
                remark: None,
            },
        ),
        (&staff, Action::Accept { remark: None }),
        (&staff, Action::Handle { remark: None }),
        (
            &staff,
            Action::Reply {
                content: "已清理排水沟".into(),
            },
        ),
    ] {
        s.t.app.actions.act(actor, id, action).await.unwrap();
    }
    let (_, page) = s
        .post("", "/progress", &[("ticket", &ticket), ("tail", "5678")])
        .await;
    assert!(page.contains("您对答复满意吗"));
    // No choice: said on the page.
    let (status, page) = rate("").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请选择满意"));
    let (status, page) = rate("basically_satisfied").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("感谢您的评价") && page.contains("评价：基本满意"));
    assert!(!page.contains("您对答复满意吗"));
    // Once.
    let (status, page) = rate("unsatisfied").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("已评价过"));
    let view = s.t.app.queries.case_view(&op, id).await.unwrap();
    assert_eq!(
        view.case.outcome.satisfaction,
        Some(fengqiao_domain::case::Satisfaction::BasicallySatisfied)
    );
}

const PHOTO: &[u8] = include_bytes!("../fixtures/pothole.jpg");

#[tokio::test]
async fn photos_are_kept_without_their_metadata_and_shown_only_to_those_who_see_the_case() {
    let s = site().await;
    let fields = [
        ("body", "村口的路面塌了一个大坑，照片在这里"),
        ("reporter_phone", "13912345678"),
    ];
    let (status, location) = s
        .send_report(s.t.village, &fields, &[("坑.jpg", PHOTO.to_vec())])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let id = s.case_id(location.trim_start_matches("/t/")).await;
    let op = s.login("op").await;
    let (_, page) = s.get(&op, &format!("/cases/{id}")).await;
    assert!(
        page.contains("照片拍摄位置：北纬 29.7，东经 120.23333"),
        "the centre sees where it was taken"
    );
    let leader = s.login("leader").await;
    let (_, seen) = s.get(&leader, &format!("/cases/{id}")).await;
    assert!(
        seen.contains("<img src=") && !seen.contains("拍摄位置"),
        "not for leaders"
    );
    let at = page
        .find("<img src=\"")
        .expect("the photo on the case page")
        + 10;
    let path = page[at..].split('"').next().unwrap().replace("&#x2f;", "/");
    assert!(path.starts_with("/photos/"), "{path}");
    let r = s.get_raw(&op, &path).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let bytes = r.bytes().await.unwrap();
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(bytes.starts_with(&[0xFF, 0xD8]) && bytes.ends_with(&[0xFF, 0xD9]));
    assert!(!has(b"Exif") && !has("王小明".as_bytes()) && !has(b"13912345678"));
    // The place the phone recorded is kept for staff.
    let photo_id: i64 = path.trim_start_matches("/photos/").parse().unwrap();
    let stored =
        s.t.app
            .queries
            .photo(&s.t.actor("op").await, photo_id)
            .await
            .unwrap();
    assert!((stored.latitude.unwrap() - 29.7).abs() < 1e-6);
    assert!((stored.longitude.unwrap() - (120.0 + 14.0 / 60.0)).abs() < 1e-6);
    // Without a session, or from another village: not found.
    let r = s
        .http
        .get(format!("{}{path}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let other = s.login("op_changan").await;
    assert_eq!(
        s.get_raw(&other, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    // Not a photo: refused, naming which one, the report kept for another try.
    let (status, page) = s
        .send_report(
            s.t.village,
            &fields,
            &[
                ("a.jpg", PHOTO.to_vec()),
                ("b.pdf", b"%PDF-1.7 ...".to_vec()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("第 2 张照片") && page.contains("JPG 或 PNG"),
        "{page}"
    );
    assert!(page.contains("照片在这里"));
}

#[tokio::test]
async fn a_village_committee_sees_its_village_and_acts_only_on_what_was_sent_to_it() {
    let s = site().await;
    let ticket = s.report(s.t.village, "村道边的树倒了，压住了半边路").await;
    let id = fengqiao_domain::ids::CaseId(s.case_id(&ticket).await);
    let op = s.t.actor("op").await;
    use fengqiao_domain::ids::{CategoryId, UnitId};
    use fengqiao_domain::lifecycle::Action;
    for action in [
        Action::Register {
            category_id: Some(CategoryId(s.t.road)),
            priority: None,
            region_id: None,
            remark: None,
        },
        // Sent to the township's office, not to the village committee.
        Action::Dispatch {
            unit_id: UnitId(s.t.unit),
            co_units: vec![],
            remark: None,
        },
    ] {
        s.t.app.actions.act(&op, id, action).await.unwrap();
    }
    let cadre = s.login("village").await;
    let (status, page) = s.get(&cadre, "/workbench?queue=village").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("本村在办") && page.contains(&ticket),
        "in the village's list"
    );
    let (status, page) = s.get(&cadre, &format!("/cases/{}", id.0)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("村道边的树倒了"));
    assert!(
        !page.contains("data-kind="),
        "read-only: another unit handles it"
    );
    assert!(
        !page.contains("13912345678"),
        "the reporter's phone is for the unit handling it"
    );
    // The dashboard counts it for the office and for the village.
    let leader = s.login("leader").await;
    let (status, page) = s.get(&leader, "/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("按承办单位") && page.contains("农业农村办公室"));
    assert!(page.contains("按村（社区）") && page.contains("苍岩村"));
    assert!(
        page.contains("近十二周受理量") && page.contains("11&#x2f;23起 1 件"),
        "{page}"
    );
    assert!(
        page.contains("近十二个月受理量") && page.contains("11月 1 件"),
        "{page}"
    );
    assert!(page.contains("今日分类："), "{page}");
    // The same case in the other village's committee's sight: none.
    let other = s.report(s.t.other_village, "长安村的水渠堵了").await;
    let (_, page) = s.get(&cadre, "/workbench?queue=village").await;
    assert!(!page.contains(&other));
}

#[tokio::test]
async fn a_long_queue_pages_and_keeps_its_search() {
    let s = site().await;
    let op = s.t.actor("op").await;
    for i in 0..55 {
        let input = fengqiao_app::IntakeInput {
            body: format!("第{i}号路灯不亮，晚上很黑"),
            channel: Some("service_counter".into()),
            region_id: Some(s.t.village),
            ..Default::default()
        };
        s.t.app.intake.submit(&op, input).await.unwrap();
    }
    let cookie = s.login("op").await;
    let (status, page) = s.get(&cookie, "/workbench?queue=reported").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("共 55 件") && page.contains("第 1/2 页") && page.contains("下一页"));
    let (status, page) = s.get(&cookie, "/workbench?queue=reported&page=2").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("上一页"));
    // A search keeps its words in the pager's links.
    let (status, page) = s.get(&cookie, "/workbench?q=%E8%B7%AF%E7%81%AF").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("q=%E8%B7%AF%E7%81%AF"), "the search is kept");

    // By the day received (China time) and the unit: the pager keeps every field.
    let today = fengqiao_domain::deadline::local_date(s.t.app.core.now());
    let yesterday = today - chrono::Duration::days(1);
    let (_, page) = s
        .get(
            &cookie,
            &format!("/workbench?q=%E8%B7%AF%E7%81%AF&from={today}&to={today}"),
        )
        .await;
    assert!(page.contains("共 55 件"), "received today");
    assert!(page.contains(&format!("from={today}")), "kept in the pager");
    let (_, page) = s
        .get(
            &cookie,
            &format!("/workbench?from={yesterday}&to={yesterday}"),
        )
        .await;
    assert!(page.contains("共 0 件"), "nothing the day before");
    let (_, page) = s.get(&cookie, "/workbench?from=2026-13-01").await;
    assert!(
        page.contains("起始日期「2026-13-01」不是有效日期"),
        "{page}"
    );
    let (_, page) = s
        .get(&cookie, &format!("/workbench?unit_id={}", s.t.unit))
        .await;
    assert!(page.contains("共 0 件"), "none dispatched yet");
}

#[tokio::test]
async fn staff_print_a_sheet_of_their_villages_codes() {
    let s = site().await;
    let op = s.login("op_changan").await;
    let (status, page) = s.get(&op, "/qr").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("长安村") && !page.contains("苍岩村"),
        "only its own village"
    );
    assert!(page.contains(&format!("/m/{}", s.t.other_village)));
}

#[tokio::test]
async fn a_grid_worker_reports_from_the_phone_and_the_centre_registers_at_the_counter() {
    let s = site().await;
    // The grid worker: photo and a few words; their grid and their channel by default.
    let grid = s.login("grid").await;
    let (status, page) = s.get(&grid, "/intake").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("巡查上报") && page.contains("网格巡查"));
    assert!(
        !page.contains("value=\"hotline\""),
        "only the grid worker's channels"
    );
    let csrf = csrf_of(&page);
    let (status, location) = s
        .post_multipart(
            &grid,
            "/intake",
            &[("_csrf", &csrf), ("body", "河道边有人倾倒建筑垃圾")],
            &[("河道.jpg", PHOTO.to_vec())],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let id: i64 = location
        .trim_start_matches("/cases/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let view =
        s.t.app
            .queries
            .case_view(&s.t.actor("op").await, fengqiao_domain::ids::CaseId(id))
            .await
            .unwrap();
    assert_eq!(view.case.channel.as_str(), "grid_patrol");
    assert_eq!(view.region_name.as_deref(), Some("苍岩村第一网格"));
    assert_eq!(view.media_urls.len(), 1);
    // Without the CSRF token: refused, nothing filed.
    let (status, _) = s
        .post_multipart(&grid, "/intake", &[("body", "又一处垃圾")], &[])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The centre at the counter, with the caller's phone.
    let op = s.login("op").await;
    let (_, page) = s.get(&op, "/intake").await;
    let fields = [
        ("_csrf", csrf_of(&page)),
        ("body", "来访群众反映低保金迟迟未发放".to_string()),
        ("channel", "service_counter".to_string()),
        ("region_id", s.t.village.to_string()),
        ("reporter_phone", "13712345678".to_string()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location) = s.post_multipart(&op, "/intake", &fields, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    // Leaders and handling units do not file cases: no page for them.
    let leader = s.login("leader").await;
    let (status, _) = s.get(&leader, "/intake").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_centre_settles_repeats_side_by_side_from_the_merge_queue() {
    let s = site().await;
    let first = s
        .report(
            s.t.village,
            "苍岩村村口的水泥路塌了一个大坑，电瓶车经过差点摔倒",
        )
        .await;
    let repeat = s
        .report(
            s.t.village,
            "苍岩村村口水泥路塌了个大坑，电瓶车差点摔倒，请尽快修",
        )
        .await;
    let repeat_id = s.case_id(&repeat).await;
    let op = s.login("op").await;
    let (_, page) = s.get(&op, "/workbench?queue=merges").await;
    assert!(
        page.contains("合并建议") && page.contains(&repeat),
        "in the merge queue"
    );
    let (_, page) = s.get(&op, &format!("/cases/{repeat_id}")).await;
    assert!(page.contains("疑似重复") && page.contains(&format!("合并到 {first}")));
    assert!(page.contains("不是同一问题"));
    // "Not the same problem": the proposal closes and the queue empties.
    let at = page.find("/duplicates/").unwrap() + 12;
    let proposal: String = page[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let csrf = csrf_of(&page);
    let (status, location) = s
        .post(
            &op,
            &format!("/cases/{repeat_id}/duplicates/{proposal}/dismiss"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/cases/{repeat_id}?done=dismissed"));
    let (_, page) = s.get(&op, "/workbench?queue=merges").await;
    assert!(!page.contains(&repeat), "settled");
    // A third report of it, merged from its page into the first.
    let third = s
        .report(s.t.village, "村口水泥路上的大坑还在，电瓶车经过会摔倒")
        .await;
    let third_id = s.case_id(&third).await;
    let (_, page) = s.get(&op, &format!("/cases/{third_id}")).await;
    assert!(page.contains(&format!("合并到 {first}")), "{page}");
    let first_id = s.case_id(&first).await.to_string();
    let (status, _) = s
        .post(
            &op,
            &format!("/cases/{third_id}/act"),
            &[
                ("_csrf", csrf.as_str()),
                ("version", version_of(&page).as_str()),
                ("action", "merge"),
                ("into", first_id.as_str()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(s.state(third_id).await, "merged");
}

#[tokio::test]
async fn the_centre_dispatches_many_at_once_and_is_told_case_by_case_what_was_not_done() {
    let s = site().await;
    let op_actor = s.t.actor("op").await;
    let mut ids = Vec::new();
    for (i, categorised) in [true, true, false].into_iter().enumerate() {
        let input = fengqiao_app::IntakeInput {
            body: format!("第{i}处路面破损，需要修补"),
            channel: Some("service_counter".into()),
            region_id: Some(s.t.village),
            ..Default::default()
        };
        let c = s.t.app.intake.submit(&op_actor, input).await.unwrap().case;
        let register = fengqiao_domain::lifecycle::Action::Register {
            category_id: categorised.then_some(fengqiao_domain::ids::CategoryId(s.t.road)),
            priority: None,
            region_id: None,
            remark: None,
        };
        s.t.app
            .actions
            .act(&op_actor, c.id, register)
            .await
            .unwrap();
        ids.push(c.id.0);
    }
    let op = s.login("op").await;
    let (_, page) = s.get(&op, "/workbench?queue=registered").await;
    assert!(page.contains("批量派单"));
    let csrf = csrf_of(&page);
    let unit = s.t.unit.to_string();
    let id_text: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let mut form = vec![
        ("_csrf", csrf.as_str()),
        ("queue", "registered"),
        ("unit_id", unit.as_str()),
    ];
    for id in &id_text {
        form.push(("case", id.as_str()));
    }
    let (status, page) = s.post(&op, "/workbench/bulk", &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("已派单 2 件，1 件未执行"), "{page}");
    assert!(
        page.contains("派单前请先在受理时选择分类"),
        "why the third was not"
    );
    assert_eq!(s.state(ids[0]).await, "dispatched");
    assert_eq!(s.state(ids[2]).await, "registered");
    // Units have no bulk dispatch.
    let staff = s.login("staff").await;
    let (_, page) = s.get(&staff, "/workbench?queue=to_accept").await;
    assert!(!page.contains("批量"));
}

#[tokio::test]
async fn every_staff_page_says_when_next_years_holidays_are_missing() {
    let s = site().await;
    let op = s.login("op").await;
    // The clock stands in November 2026; the built-in calendar ends with 2026.
    let (_, page) = s.get(&op, "/workbench").await;
    assert!(page.contains("尚未导入 2027 年的节假日安排"), "{page}");
    let days = fengqiao_domain::calendar::parse_csv(
        "2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n2027-02-20,workday,春节调休",
    )
    .unwrap();
    let admin = s.t.actor("admin").await;
    s.t.app.admin.import_calendar(&admin, days).await.unwrap();
    let (_, page) = s.get(&op, "/workbench").await;
    assert!(!page.contains("尚未导入"));
    // Citizens never see it.
    let (_, page) = s.get("", &format!("/m/{}", s.t.village)).await;
    assert!(!page.contains("节假日"));
}

#[tokio::test]
async fn what_a_reporter_adds_reaches_the_centres_queue() {
    let s = site().await;
    let ticket = s
        .report(s.t.village, "小区门口的下水道堵了，污水外溢")
        .await;
    let op = s.login("op").await;
    let (_, page) = s.get(&op, "/workbench?queue=supplements").await;
    assert!(page.contains("补充诉求") && !page.contains(&ticket));
    let (status, _) = s
        .post(
            "",
            "/progress/supplement",
            &[
                ("ticket", ticket.as_str()),
                ("tail", "5678"),
                ("content", "今天更严重了，已经漫到路上"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = s.get(&op, "/workbench?queue=supplements").await;
    assert!(page.contains(&ticket), "the supplement is in the queue");
}

#[tokio::test]
async fn a_search_is_saved_under_a_name_for_its_owner_only() {
    let s = site().await;
    s.report(s.t.village, "苍岩村村口的路灯坏了").await;
    let op = s.login("op").await;
    let search = format!("/workbench?q=%E8%B7%AF%E7%81%AF&region_id={}", s.t.village);
    let (_, page) = s.get(&op, &search).await;
    assert!(page.contains("保存为常用筛选"));
    let csrf = csrf_of(&page);
    let query = format!("q=%E8%B7%AF%E7%81%AF&region_id={}", s.t.village);
    let save = async |name: &str, query: &str| {
        s.post(
            &op,
            "/workbench/filters",
            &[("_csrf", csrf.as_str()), ("name", name), ("query", query)],
        )
        .await
    };
    let (status, page) = save("  ", &query).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("alert error"), "{page}");
    let (status, _) = save("路灯", "password=x").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only search fields"
    );
    let (status, location) = save("苍岩村路灯", &query).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/workbench?{query}"));
    let (_, page) = s.get(&op, "/workbench").await;
    assert!(page.contains("常用筛选") && page.contains("苍岩村路灯"));
    assert!(
        page.replace("&amp;", "&").contains(&query),
        "the link runs the search"
    );
    // Another operator has their own.
    let other = s.login("op_changan").await;
    assert!(!s.get(&other, "/workbench").await.1.contains("苍岩村路灯"));
    let id =
        s.t.app
            .saved_filters
            .list(&s.t.actor("op").await)
            .await
            .unwrap()[0]
            .id;
    let other_csrf = csrf_of(&s.get(&other, "/workbench").await.1);
    let (status, _) = s
        .post(
            &other,
            &format!("/workbench/filters/{id}/delete"),
            &[("_csrf", other_csrf.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not theirs to delete");
    let (status, _) = s
        .post(
            &op,
            &format!("/workbench/filters/{id}/delete"),
            &[("_csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!s.get(&op, "/workbench").await.1.contains("苍岩村路灯"));
}

#[tokio::test]
async fn the_map_draws_over_the_townships_own_tile_server_when_it_has_one() {
    let t = township(AppConfig {
        map_tiles: Some("https://tiles.example.gov.cn/{z}/{x}/{y}.png".into()),
        ..AppConfig::default()
    })
    .await;
    let s = Site {
        base: fengqiao_testkit::serve(fengqiao_web::site(t.app.clone())).await,
        t,
        http: reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap(),
    };
    s.t.app
        .map
        .set_centre(
            &fengqiao_domain::org::Actor::system(),
            fengqiao_domain::ids::RegionId(s.t.village),
            29.61,
            120.78,
        )
        .await
        .unwrap();
    let leader = s.login("leader").await;
    let r = s.get_raw(&leader, "/dashboard").await;
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("img-src 'self' data: https://tiles.example.gov.cn;"),
        "{csp}"
    );
    let page = r.text().await.unwrap().replace("&#x2f;", "/");
    assert!(
        page.contains("<image href=\"https://tiles.example.gov.cn/17/"),
        "{page}"
    );
    // Without one, the schematic only, and images from nowhere else.
    let plain = site().await;
    let leader = plain.login("leader").await;
    let r = plain.get_raw(&leader, "/dashboard").await;
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("img-src 'self' data:;"), "{csp}");
}

/// The trend's past days are read at most every five minutes; today's figures are always live,
/// and a work order imported with an earlier time joins its day within those five minutes.
#[tokio::test]
async fn the_dashboards_trend_keeps_up_with_today_and_with_backdated_imports() {
    let s = site().await;
    let leader = s.t.actor("leader").await;
    let op = s.t.actor("op").await;
    let intake = |received_at: Option<fengqiao_domain::Timestamp>| fengqiao_app::IntakeInput {
        body: "村口的路灯坏了，晚上很黑".into(),
        channel: Some("hotline".into()),
        region_id: Some(s.t.village),
        received_at,
        ..Default::default()
    };
    let monday = s.t.app.core.now();
    s.t.app.intake.submit(&op, intake(None)).await.unwrap();
    s.t.clock.advance(chrono::Duration::days(1));
    let week = |f: &fengqiao_app::OpenFigures| f.weekly.last().unwrap().count;
    let f = s.t.app.queries.open_figures(&leader).await.unwrap();
    assert_eq!((week(&f), f.received_today), (1, 0));
    // Today: counted at once.
    s.t.app.intake.submit(&op, intake(None)).await.unwrap();
    let f = s.t.app.queries.open_figures(&leader).await.unwrap();
    assert_eq!((week(&f), f.received_today), (2, 1));
    // Yesterday's call, imported today: in its day within five minutes.
    let system = fengqiao_domain::org::Actor::system();
    s.t.app
        .intake
        .submit(&system, intake(Some(monday + chrono::Duration::hours(1))))
        .await
        .unwrap();
    s.t.clock.advance(chrono::Duration::minutes(6));
    let f = s.t.app.queries.open_figures(&leader).await.unwrap();
    assert_eq!((week(&f), f.received_today), (3, 1));
    assert_eq!(f.monthly.last().unwrap().count, 3);
}

/// The centre's 待回访 queue holds a case reviewed on the day of its reply, and its page says
/// from which day the call may be made; the next day the follow-up form is there.
#[tokio::test]
async fn the_case_page_says_when_the_follow_up_call_may_be_made() {
    use fengqiao_domain::lifecycle::Action;
    let s = site().await;
    let ticket = s.report(s.t.village, "村口的路面塌了一个大坑").await;
    let id = fengqiao_domain::ids::CaseId(s.case_id(&ticket).await);
    let (op, staff) = (s.t.actor("op").await, s.t.actor("staff").await);
    let steps = [
        (
            &op,
            Action::Register {
                category_id: Some(fengqiao_domain::ids::CategoryId(s.t.road)),
                priority: None,
                region_id: None,
                remark: None,
            },
        ),
        (
            &op,
            Action::Dispatch {
                unit_id: fengqiao_domain::ids::UnitId(s.t.unit),
                co_units: vec![],
                remark: None,
            },
        ),
        (&staff, Action::Accept { remark: None }),
        (&staff, Action::Handle { remark: None }),
        (
            &staff,
            Action::Reply {
                content: "已修补路面".into(),
            },
        ),
        (&op, Action::ReviewPass { remark: None }),
    ];
    for (who, action) in steps {
        s.t.app.actions.act(who, id, action).await.unwrap();
    }
    let cookie = s.login("op").await;
    let (_, page) = s.get(&cookie, &format!("/cases/{}", id.0)).await;
    assert!(
        page.contains("起可回访") && !page.contains("data-kind=\"follow_up\""),
        "{page}"
    );
    s.t.clock.advance(chrono::Duration::days(1));
    let cookie = s.login("op").await;
    let (_, page) = s.get(&cookie, &format!("/cases/{}", id.0)).await;
    assert!(page.contains("data-kind=\"follow_up\"") && !page.contains("起可回访"));
}
