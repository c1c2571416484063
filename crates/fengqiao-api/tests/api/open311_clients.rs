//! Open311 through a client library nobody here wrote: Python's `georeport` reading XML only
//! (as FixMyStreet reads), and the multipart photo upload that phone apps send
//! (`tests/open311_clients.py`).

use crate::support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_clients_read_xml_only_and_post_photos_unmodified() {
    let Some(python) = test_python("the outside Open311 clients") else {
        return;
    };
    let t = fengqiao_testkit::spawn().await;
    let admin = t.login("admin").await;
    let (s, v) = t.post(&admin, "/clients", json!({"name": "随手拍"})).await;
    assert_eq!(s, 201, "{v}");
    let key = v["api_key"].as_str().unwrap().to_string();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let args = [
        dir.join("tests/open311_clients.py").display().to_string(),
        format!("{}/open311/v2", t.base),
        key,
        t.road.to_string(),
        dir.join("../fengqiao-web/tests/fixtures/pothole.jpg")
            .display()
            .to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    assert!(said.contains("all Open311 client checks passed"), "{said}");

    // What the client sent is one case: photo stored, the foreign number kept and flagged.
    let op = t.login("op").await;
    let list = t.get_ok(&op, "/cases?channel=open311").await;
    assert_eq!(list["total"], 1, "{list}");
    let case = t
        .get_ok(&op, &format!("/cases/{}", list["items"][0]["id"]))
        .await;
    let media = case["media_urls"].as_array().unwrap();
    assert_eq!(media.len(), 1, "{case}");
    assert!(media[0].as_str().unwrap().starts_with("/photos/"), "{case}");
    assert_eq!(case["reporters"][0]["phone_unread"], "111-111-1111");
    assert_eq!(case["body"], "桥头那段路塌了，晚上看不见，很危险");
}
