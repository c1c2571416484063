//! A grid worker inspects a place where there is no signal: the day page, opened online, keeps
//! the place's inspection form on the phone (also under the place's own code, for the scan at
//! its door); the network is cut through the DevTools protocol (the page's requests and its
//! service worker's) and at a relay in front of the server; the form is filled in with a photo
//! and kept; the page is reloaded, still offline, and the record is still there while the server
//! has nothing; meanwhile the centre re-grades the place; the network comes back and the
//! record is stored once — sent again, still once — with the conflict shown on the phone.

use super::*;
use crate::webdriver::Signal;
use chrono::Utc;
use fengqiao_app::PlaceInput;
use fengqiao_domain::ids::PlaceId;
use fengqiao_domain::places::RiskColor;
use std::time::Duration;

async fn inspections(t: &Township, place: PlaceId) -> usize {
    let admin = t.actor("admin").await;
    t.app
        .places
        .get(&admin, place)
        .await
        .unwrap()
        .inspections
        .len()
}

/// Waits until the page's text has `what` in the element `css`.
async fn wait_text(b: &Browser, css: &str, what: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        last = b
            .execute(&format!(
                "var e = document.querySelector({css:?}); return e ? e.textContent : '';"
            ))
            .await
            .as_str()
            .unwrap_or_default()
            .to_string();
        if last.contains(what) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{css} never said {what}: {last:?} at {}",
        b.current_url().await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inspection_made_offline_is_stored_once_when_the_network_returns() {
    let t = township(AppConfig::default()).await;
    // The phone stamps the inspection with its own clock: the server's stands beside it.
    t.clock.set(Utc::now());
    let grid = t.actor("grid").await;
    let region = t.grid();
    let place = t
        .app
        .places
        .register(
            &grid,
            PlaceInput {
                reg_no: "92330621MA2Y888".into(),
                name: "苍岩村溪边农家乐".into(),
                kind: "restaurant".into(),
                region_id: region,
                address: Some("苍岩村溪边路 8 号".into()),
                owner_name: None,
                owner_phone: None,
                latitude: None,
                longitude: None,
                color: Some("blue".into()),
            },
        )
        .await
        .unwrap();
    let server = fengqiao_testkit::serve(fengqiao_web::site(t.app.clone())).await;
    // The phone reaches the server through a signal that can be cut.
    let (signal, base) = Signal::relay(&server).await;
    let driver = Driver::start().await;
    let phone = driver.phone(390, 844).await;
    login(&phone, &base, "grid").await;

    // Online, the day page lists the place and keeps its form on the phone.
    phone.goto(&format!("{base}/field")).await;
    assert!(phone.text("main").await.contains("苍岩村溪边农家乐"));
    wait_text(&phone, "[data-kept-count]", "1").await;
    // Installing the worker caches the pages and assets first: on a loaded machine (CI beside
    // other work) that has taken over ten seconds. About one run in five here (2026-12-07,
    // Chromium 156) the worker is activated but `clients.claim()` never reaches the open page,
    // so it stays uncontrolled; the next page it loads is controlled, as on a phone (and
    // navigations, which are all the offline use needs, go through the active worker anyway).
    // So the test reloads once, saying what the registration was doing.
    let controlled = || async {
        for _ in 0..200 {
            if phone
                .execute("return !!navigator.serviceWorker.controller;")
                .await
                == true
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    };
    if !controlled().await {
        phone
            .execute(
                "navigator.serviceWorker.getRegistration().then(function (r) {
                   var w = r && (r.installing || r.waiting || r.active);
                   window.__sw = r ? (w ? w.state : 'no worker') : 'not registered';
                 }, function (e) { window.__sw = 'error: ' + e; }); return 0;",
            )
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        eprintln!(
            "the service worker had not taken the page after 20 s (registration: {}); reloading",
            phone.execute("return window.__sw;").await
        );
        phone.goto(&format!("{base}/field")).await;
        assert!(controlled().await, "the service worker never took the page");
    }
    phone.screenshot("field-1-day-page").await;

    // No signal: the worker scans the plate at the door; the kept form opens, checked in, and
    // is filled in, with a photo.
    signal.set(false);
    phone.offline(true).await;
    phone.goto(&format!("{base}/m/{}", place.code)).await;
    assert!(phone.text("h1").await.contains("苍岩村溪边农家乐"));
    assert!(phone.text("main").await.contains("已在场所现场扫码签到"));
    let items = phone
        .execute(
            "return Array.from(document.querySelectorAll('input[value=pass]')).map(e => e.name);",
        )
        .await;
    let items: Vec<String> = serde_json::from_value(items).unwrap();
    assert!(items.len() >= 3, "{items:?}");
    for (i, name) in items.iter().enumerate() {
        let answer = if i == 0 { "fail" } else { "pass" };
        phone
            .click(&format!("input[name='{name}'][value={answer}]"))
            .await;
    }
    let first_note = items[0].replace("item.", "note-");
    phone
        .type_into(&format!("#{first_note}"), "后厨油烟净化器未开启")
        .await;
    let photo = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pothole.jpg");
    phone.type_into("#photos", photo).await;
    phone.screenshot("field-2-offline-form").await;
    phone
        .click("form[data-offline-inspection] button[type=submit]")
        .await;
    wait_text(&phone, "#outbox", "待上传").await;
    assert!(phone.current_url().await.contains("/field?saved="));
    assert_eq!(inspections(&t, place.id).await, 0);

    // Reloaded, still offline: the page comes from the phone and the record is still there.
    phone.goto(&format!("{base}/field")).await;
    let kept = wait_text(&phone, "#outbox", "待上传").await;
    assert!(
        kept.contains("苍岩村溪边农家乐") && kept.contains("照片 1 张"),
        "{kept}"
    );
    assert_eq!(phone.text("[data-outbox-count]").await, "1");
    phone.screenshot("field-3-offline-queue").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        inspections(&t, place.id).await,
        0,
        "nothing reached the server offline"
    );

    // Meanwhile the centre re-grades the place.
    let operator = t.actor("op").await;
    let version = t
        .app
        .places
        .get(&operator, place.id)
        .await
        .unwrap()
        .place
        .version;
    t.app
        .places
        .regrade(
            &operator,
            place.id,
            version,
            RiskColor::Yellow,
            "群众投诉油烟扰民",
        )
        .await
        .unwrap();

    // What the phone holds, kept aside: sent again later as if the server's answer had been
    // lost on the way back.
    let held = phone.execute(OUTBOX_COPY).await;
    assert_eq!(held, 1);

    // Back online (the server's clock, manual, catches up with the phone's): the queue goes
    // by itself, and the conflict is shown, not lost.
    t.clock.set(Utc::now());
    signal.set(true);
    phone.offline(false).await;
    let done = wait_text(&phone, "#outbox", "冲突").await;
    assert!(
        done.contains("已被调整为黄色") && done.contains("请复核"),
        "{done}"
    );
    phone.screenshot("field-4-synced-with-conflict").await;
    let sheet = t.app.places.get(&operator, place.id).await.unwrap();
    assert_eq!(sheet.inspections.len(), 1);
    let record = &sheet.inspections[0];
    assert_eq!(record.photos.len(), 1);
    assert!(record.checked_in, "scanned at the door");
    assert!(record.conflict.is_some(), "{record:?}");
    assert_eq!(sheet.place.color, RiskColor::Yellow, "the re-grade stands");
    assert!(
        Utc::now() - record.inspected_at < chrono::Duration::minutes(5)
            && record.inspected_at < record.recorded_at,
        "the time is the phone's, when it was filled in: {record:?}"
    );

    // The same record again, photo and all: stored once.
    assert_eq!(phone.execute(OUTBOX_RESTORE).await, true);
    phone.goto(&format!("{base}/field")).await;
    wait_text(&phone, "#outbox", "冲突").await;
    for _ in 0..50 {
        if !phone.text("#outbox").await.contains("待上传") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!phone.text("#outbox").await.contains("待上传"));
    assert_eq!(inspections(&t, place.id).await, 1);
}

/// Copies the phone's one queued record aside (in the page, photo blobs included).
const OUTBOX_COPY: &str = "return new Promise(function (ok) { \
  var r = indexedDB.open('fengqiao-field', 1); \
  r.onsuccess = function () { \
    var q = r.result.transaction('outbox', 'readonly').objectStore('outbox').getAll(); \
    q.onsuccess = function () { window.held = q.result[0]; r.result.close(); ok(q.result.length); }; \
  }; });";

/// Puts the copied record back in the queue, waiting to be sent.
const OUTBOX_RESTORE: &str = "return new Promise(function (ok) { \
  var r = indexedDB.open('fengqiao-field', 1); \
  r.onsuccess = function () { \
    var t = r.result.transaction('outbox', 'readwrite'); \
    t.objectStore('outbox').put(window.held); \
    t.oncomplete = function () { r.result.close(); ok(true); }; \
  }; });";
