//! The field app over HTTP: what makes it installable, and the answers the phone's queue
//! depends on — JSON, stored once however often sent, refusals with their reason, and a fresh
//! form token only for the logged-in.

use super::*;
use fengqiao_app::PlaceInput;

fn place_input(reg_no: &str, name: &str, region_id: i64) -> PlaceInput {
    PlaceInput {
        reg_no: reg_no.into(),
        name: name.into(),
        kind: "small_venue".into(),
        region_id,
        address: None,
        owner_name: None,
        owner_phone: None,
        latitude: None,
        longitude: None,
        color: Some("blue".into()),
    }
}

/// A small venue registered by the grid worker (or, outside the grid, by the admin).
async fn register(
    s: &Site,
    by: &str,
    reg_no: &str,
    name: &str,
    region: i64,
) -> fengqiao_domain::places::Place {
    let actor = s.t.actor(by).await;
    s.t.app
        .places
        .register(&actor, place_input(reg_no, name, region))
        .await
        .unwrap()
}

/// Sends an inspection as the phone's queue does (multipart, asking for JSON).
async fn queue_send(
    s: &Site,
    cookie: &str,
    place: i64,
    fields: &[(&str, &str)],
) -> (StatusCode, serde_json::Value) {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let r = s
        .http
        .post(format!("{}/places/{place}/inspect", s.base))
        .header("cookie", cookie)
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON ({status}): {body}")),
    )
}

#[tokio::test]
async fn the_phones_queue_gets_json_answers_and_a_resend_is_stored_once() {
    let s = site().await;
    let grid_region = s.t.grid();
    let admin = s.t.actor("admin").await;
    let mine = register(&s, "grid", "FQ-FIELD-1", "苍岩村山脚小卖部", grid_region).await;
    let elsewhere = register(
        &s,
        "admin",
        "FQ-FIELD-2",
        "长安村桥头小卖部",
        s.t.other_village,
    )
    .await;

    let grid = s.login("grid").await;
    // The day page lists the place due, its form marked to be kept on the phone.
    let (status, day) = s.get(&grid, "/field").await;
    assert_eq!(status, StatusCode::OK);
    let link = format!("href=\"/places/{}/inspect\" data-offline", mine.id.0);
    assert!(
        day.contains("苍岩村山脚小卖部") && day.contains(&link),
        "{day}"
    );
    assert!(
        !day.contains("长安村桥头小卖部"),
        "only the worker's own grid"
    );

    // A fresh token for the logged-in; the login page for anyone else.
    let r = s.get_raw(&grid, "/field/token").await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    let token: serde_json::Value = r.json().await.unwrap();
    assert_eq!(token["csrf"], csrf_of(&day));
    let (status, _) = s.get("", "/field/token").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let csrf = token["csrf"].as_str().unwrap().to_string();
    let mut fields = vec![
        ("client_key", "phone-test-1"),
        ("seen_color", "blue"),
        ("inspected_at", "2026-11-23T08:30"),
        ("item.exit", "pass"),
        ("item.living", "pass"),
        ("item.wiring", "pass"),
        ("item.gas", "pass"),
        ("item.license", "pass"),
        ("item.extinguisher", "fail"),
    ];
    // A kept page's stale token: refused, as JSON, nothing stored.
    let stale = [
        &fields[..],
        &[("_csrf", "0123456789abcdef0123456789abcdef")],
    ]
    .concat();
    let (status, body) = queue_send(&s, &grid, mine.id.0, &stale).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["error"].as_str().unwrap().contains("刷新页面"),
        "{body}"
    );
    fields.push(("_csrf", csrf.as_str()));
    // A failed item without its note: the reason, in Chinese.
    let (status, body) = queue_send(&s, &grid, mine.id.0, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"].as_str().unwrap().contains("请写明发现的问题"),
        "{body}"
    );
    fields.push(("note.extinguisher", "灭火器过期"));
    let (status, first) = queue_send(&s, &grid, mine.id.0, &fields).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["status"], "stored");
    assert_eq!(first["hazards"], 1);
    assert!(first["conflict"].is_null());
    // The answer lost on the way back, the same record sent again: stored once.
    let (status, again) = queue_send(&s, &grid, mine.id.0, &fields).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["status"], "replayed");
    assert_eq!(again["inspection_id"], first["inspection_id"]);
    let sheet = s.t.app.places.get(&admin, mine.id).await.unwrap();
    assert_eq!(sheet.inspections.len(), 1);
    // Outside the worker's grid: refused with the reason, for the phone to keep and show.
    fields[0] = ("client_key", "phone-test-2");
    let (status, body) = queue_send(&s, &grid, elsewhere.id.0, &fields).await;
    assert!(status.is_client_error(), "{status}");
    assert!(!body["error"].as_str().unwrap().is_empty());
    assert!(s
        .t
        .app
        .places
        .get(&admin, elsewhere.id)
        .await
        .unwrap()
        .inspections
        .is_empty());
}

#[tokio::test]
async fn the_field_app_installs_from_the_binary() {
    let s = site().await;
    let r = s.get_raw("", "/manifest.webmanifest").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/manifest+json");
    let m: serde_json::Value = r.json().await.unwrap();
    assert_eq!(m["start_url"], "/field");
    assert_eq!(m["display"], "standalone");
    for icon in m["icons"].as_array().unwrap() {
        let r = s.get_raw("", icon["src"].as_str().unwrap()).await;
        assert_eq!(r.headers()["content-type"], "image/png");
        assert!(r.bytes().await.unwrap().starts_with(b"\x89PNG"));
    }
    let r = s.get_raw("", "/sw.js").await;
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(r.headers()["cache-control"], "no-cache");
    // Its pages may reach the site (the queue) and load its worker and manifest, nothing else.
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("connect-src 'self'") && csp.contains("manifest-src 'self'"),
        "{csp}"
    );
    let sw = r.text().await.unwrap();
    assert!(!sw.contains("__VERSION__"), "stamped with its version");
    assert!(
        !sw.contains("http://") && !sw.contains("https://"),
        "nothing fetched from outside"
    );
}

#[tokio::test]
async fn a_places_own_code_takes_citizens_to_a_report_about_it_and_inspectors_to_its_form() {
    let s = site().await;
    let shop = register(&s, "grid", "FQ-CODE-1", "苍岩村老李粮油店", s.t.grid()).await;
    let other = register(&s, "grid", "FQ-CODE-2", "苍岩村周记小吃", s.t.grid()).await;
    let code = format!("/m/{}", shop.code);

    // A citizen scans the plate: the place is named, the report's place is filled in.
    let (status, landing) = s.get("", &code).await;
    assert_eq!(status, StatusCode::OK);
    assert!(landing.contains("苍岩村老李粮油店"), "{landing}");
    let (_, form) = s.get("", &format!("{code}/report")).await;
    assert!(form.contains("value=\"苍岩村老李粮油店\""), "{form}");
    let (status, location) = s
        .post_multipart(
            "",
            &format!("{code}/report"),
            &[
                ("body", "店门口堆放油桶，占了消防通道"),
                ("address", "苍岩村老李粮油店"),
                ("reporter_phone", "13912345678"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let case = s.case_id(location.trim_start_matches("/t/")).await;
    let admin = s.t.actor("admin").await;
    let sheet =
        s.t.app
            .queries
            .case_view(&admin, fengqiao_domain::ids::CaseId(case))
            .await
            .unwrap();
    assert_eq!(
        sheet.case.location.region_id.map(|r| r.0),
        Some(s.t.grid()),
        "the place's grid"
    );
    assert_eq!(
        sheet.case.location.address.as_deref(),
        Some("苍岩村老李粮油店")
    );
    // Its QR code; an unknown code is a clear 404, never another place.
    let r = s.get_raw("", &format!("{code}/qr.svg")).await;
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let (status, page) = s.get("", "/m/p000000000000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("民情码已失效"));

    // The grid worker scans it: straight to the place's checklist, checked in.
    let grid = s.login("grid").await;
    let r = s.get_raw(&grid, &code).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        to,
        format!("/places/{}/inspect?checkin={}", shop.id.0, shop.code)
    );
    let (_, form) = s.get(&grid, &to).await;
    assert!(form.contains("已在场所现场扫码签到"), "{form}");
    let csrf = csrf_of(&form);
    let mut fields = vec![("_csrf", csrf.as_str()), ("checkin", shop.code.as_str())];
    for code in ["exit", "living", "wiring", "gas", "license", "extinguisher"] {
        fields.push((Box::leak(format!("item.{code}").into_boxed_str()), "pass"));
    }
    // Another place's code on this place's form: refused, with the reason.
    let mut wrong = fields.clone();
    wrong[1] = ("checkin", other.code.as_str());
    let (status, page) = s
        .post_multipart(
            &grid,
            &format!("/places/{}/inspect", shop.id.0),
            &wrong,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("扫描的二维码不是「苍岩村老李粮油店」的"),
        "{page}"
    );
    let (status, _) = s
        .post_multipart(
            &grid,
            &format!("/places/{}/inspect", shop.id.0),
            &fields,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let sheet = s.t.app.places.get(&admin, shop.id).await.unwrap();
    assert_eq!(sheet.inspections.len(), 1);
    assert!(sheet.inspections[0].checked_in);
    let (_, page) = s.get(&grid, &format!("/places/{}", shop.id.0)).await;
    assert!(page.contains("扫码签到") && page.contains(&format!("/m/{}/qr.svg", shop.code)));
    let (status, plate) = s.get(&grid, &format!("/places/{}/code", shop.id.0)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(plate.contains("FQ-CODE-1") && plate.contains(&shop.code));
}

#[tokio::test]
async fn the_centre_finds_supervised_overdue_inspections_on_its_list_and_workbench() {
    let s = site().await;
    let shop = register(&s, "grid", "FQ-LATE-9", "苍岩村老周五金店", s.t.grid()).await;
    s.t.clock.set(shop.next_due_at + chrono::Duration::days(4));
    let r = s.t.app.scheduler.tick().await.unwrap();
    assert_eq!(r.places_supervised, 1);
    let op = s.login("op").await;
    let (status, page) = s.get(&op, "/places?view=supervised").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("督办清单") && page.contains("苍岩村老周五金店") && page.contains("已督办"),
        "{page}"
    );
    let (_, bench) = s.get(&op, "/workbench").await;
    assert!(bench.contains("逾期未检、已督办的场所 1 处"), "{bench}");
    let (_, sheet) = s.get(&op, &format!("/places/{}", shop.id.0)).await;
    assert!(sheet.contains("逾期未检，提请督办"), "{sheet}");
}
