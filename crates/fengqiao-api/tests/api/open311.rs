//! Open311 GeoReport v2 as an outside client sees it.

use crate::support::*;
use fengqiao_store::CaseQueryStore;
use fengqiao_testkit::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open311_client_lists_posts_resolves_and_reads_requests() {
    let t = spawn().await;
    let admin = t.login("admin").await;
    let (s, v) = t
        .post(&admin, "/clients", json!({"name": "市12345平台"}))
        .await;
    assert_eq!(s, 201, "{v}");
    let key = v["api_key"].as_str().unwrap().to_string();
    let client_id = v["client"]["id"].as_i64().unwrap();
    // The road category asks how deep the hole is (required), what it is, and what is near.
    let road_id = t.road;
    for (body, status) in [
        (
            json!({"code": "depth", "datatype": "number", "required": true, "description": "坑有多深（米）", "order": 1}),
            201,
        ),
        (
            json!({"code": "kind", "datatype": "singlevaluelist", "description": "损坏类型", "order": 2,
                "values": [{"key": "hole", "name": "坑洞"}, {"key": "crack", "name": "裂缝"}]}),
            201,
        ),
        (
            json!({"code": "near", "datatype": "multivaluelist", "description": "附近有", "order": 3,
                "values": [{"key": "school", "name": "学校"}, {"key": "market", "name": "集市"}]}),
            201,
        ),
        (
            json!({"code": "depth", "datatype": "string", "description": "重复", "order": 4}),
            409,
        ),
        (
            json!({"code": "bad code", "datatype": "string", "description": "x", "order": 5}),
            422,
        ),
        (
            json!({"code": "pick", "datatype": "singlevaluelist", "description": "x", "order": 6}),
            422,
        ),
    ] {
        let (s, v) = t
            .post(
                &admin,
                &format!("/categories/{road_id}/attributes"),
                body.clone(),
            )
            .await;
        assert_eq!(s, status, "{body} → {v}");
    }
    let o = |path: &str| format!("{}/open311/v2{path}", t.base);
    let json_of = |path: &str| {
        let req = t.http.get(o(path));
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let text_of = |path: &str| {
        let req = t.http.get(o(path));
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let status_of = |path: &str| {
        let req = t.http.get(o(path));
        async move { req.send().await.unwrap().status().as_u16() }
    };

    // Discovery and services, in both formats.
    let r = t.http.get(o("/discovery.json")).send().await.unwrap();
    assert_eq!(
        r.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let d: Value = r.json().await.unwrap();
    assert_eq!(
        d["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    let r = t.http.get(o("/discovery.xml")).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/xml; charset=utf-8");
    let x = r.text().await.unwrap();
    assert!(
        x.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><discovery>"),
        "{x}"
    );
    assert!(
        x.contains("<formats><format>text/xml</format><format>application/json</format></formats>"),
        "{x}"
    );
    let services: Value = json_of("/services.json").await;
    let road = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_name"] == "道路破损")
        .unwrap()
        .clone();
    let code = road["service_code"].as_str().unwrap().to_string();
    assert_eq!(road["metadata"], true);
    let x = text_of("/services.xml").await;
    assert!(
        x.contains(&format!(
            "<service><service_code>{code}</service_code><service_name>道路破损</service_name>"
        )),
        "{x}"
    );
    let def: Value = json_of(&format!("/services/{code}.json")).await;
    assert_eq!(def["service_code"], code.as_str());
    let attrs = def["attributes"].as_array().unwrap();
    assert_eq!(attrs.len(), 3);
    assert_eq!(
        (
            attrs[0]["code"].as_str(),
            attrs[0]["required"].as_bool(),
            attrs[0]["order"].as_u64()
        ),
        (Some("depth"), Some(true), Some(1))
    );
    assert_eq!(attrs[1]["values"][1]["key"], "crack");
    let services_xml = Xml::parse(&text_of("/services.xml").await);
    assert_eq!(services_xml.name, "services");
    let road_xml = services_xml
        .all("service")
        .into_iter()
        .find(|s| s.get("service_name") == "道路破损")
        .unwrap();
    assert_eq!(road_xml.get("service_code"), code);
    assert_eq!(road_xml.get("metadata"), "true");
    let def_xml = Xml::parse(&text_of(&format!("/services/{code}.xml")).await);
    assert_eq!(def_xml.name, "service_definition");
    let attrs_xml = def_xml.one("attributes").all("attribute");
    assert_eq!(attrs_xml.len(), 3);
    assert_eq!(
        attrs_xml[1].one("values").all("value")[0].get("name"),
        "坑洞"
    );
    let x = text_of(&format!("/services/{code}.xml")).await;
    assert!(
        x.contains("<attributes><attribute><variable>true</variable><code>depth</code>"),
        "{x}"
    );
    assert!(
        x.contains("<values><value><key>hole</key><name>坑洞</name></value>"),
        "{x}"
    );
    let r = t.http.get(o("/services/999.json")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e[0]["code"], 404);
    let r = t.http.get(o("/services/999.xml")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("<errors><error><code>404</code><description>"));

    // Posting: the key, the service and a location are required, in the spec's statuses.
    let post = |form: Vec<(&'static str, String)>| {
        let http = t.http.clone();
        let url = o("/requests.json");
        async move {
            let r = http.post(url).form(&form).send().await.unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let good = |k: &str| -> Vec<(&'static str, String)> {
        vec![
            ("api_key", k.to_string()),
            ("service_code", code.clone()),
            ("lat", "29.58".to_string()),
            ("long", "120.76".to_string()),
            (
                "description",
                "苍岩村村口水泥路塌了一个大坑，电话13912345678".to_string(),
            ),
            ("first_name", "建国".to_string()),
            ("last_name", "王".to_string()),
            ("phone", "13912345678".to_string()),
            ("attribute[depth]", "0.3".to_string()),
            ("attribute[near][]", "school".to_string()),
            ("attribute[near][]", "market".to_string()),
        ]
    };
    let (s, e) = post(good("")).await;
    assert_eq!(s, 403, "{e}");
    let (s, _) = post(good("fq_wrong")).await;
    assert_eq!(s, 403);
    let mut no_place = good(&key);
    no_place.retain(|(k, _)| *k != "lat" && *k != "long");
    let (s, e) = post(no_place).await;
    assert_eq!(s, 400, "{e}");
    assert!(e[0]["description"].as_str().unwrap().contains("location"));
    let mut not_pinned = good(&key);
    not_pinned.retain(|(k, _)| *k != "lat" && *k != "long");
    not_pinned.push(("address_id", "#NOTPINPOINTED#".into()));
    let (s, e) = post(not_pinned).await;
    assert_eq!(s, 400, "FixMyStreet's unpinned marker is no location: {e}");
    let mut unknown = good(&key);
    unknown[1].1 = "999".into();
    assert_eq!(post(unknown).await.0, 404);
    // A phone we cannot read no longer loses the report (below: kept and flagged).
    let mut bad_phone = good(&key);
    bad_phone[7].1 = "12".into();
    assert_eq!(post(bad_phone).await.0, 201);
    let mut no_depth = good(&key);
    no_depth.retain(|(k, _)| *k != "attribute[depth]");
    let (s, e) = post(no_depth).await;
    assert_eq!(s, 400, "a required attribute is missing: {e}");
    let mut bad_kind = good(&key);
    bad_kind.push(("attribute[kind]", "tree".into()));
    assert_eq!(post(bad_kind).await.0, 400, "not one of the list's keys");
    let (s, v) = post(good(&key)).await;
    assert_eq!(s, 201, "{v}");
    let id = v[0]["service_request_id"].as_str().unwrap().to_string();
    assert!(v[0].get("token").is_none(), "id XOR token");

    // The case went through the one intake: open311 channel, the client recorded.
    let op = t.login("op").await;
    let list = t.get_ok(&op, &format!("/cases?q={id}")).await;
    let case = &list["items"][0];
    assert_eq!(case["channel"], "open311");
    let full = t.get_ok(&op, &format!("/cases/{}", case["id"])).await;
    assert_eq!(full["reporters"][0]["name"], "王建国");
    assert_eq!(
        full["client_name"], "市12345平台",
        "the case records its client"
    );
    let rec = t
        .store
        .case(fengqiao_domain::ids::CaseId(case["id"].as_i64().unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rec.case.channel, fengqiao_domain::Channel::Open311);
    let answers = t
        .store
        .case_attributes(fengqiao_domain::ids::CaseId(case["id"].as_i64().unwrap()))
        .await
        .unwrap();
    assert_eq!(
        answers,
        vec![
            ("depth".to_string(), "0.3".to_string()),
            ("near".to_string(), "school".to_string()),
            ("near".to_string(), "market".to_string())
        ]
    );

    // Token, one request, the list with filters, in both formats; personal data masked.
    let tok: Value = json_of(&format!("/tokens/{id}.json")).await;
    assert_eq!(tok[0]["service_request_id"], id.as_str());
    let one: Value = json_of(&format!("/requests/{id}.json")).await;
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["status"], "open");
    assert_eq!(one[0]["service_code"], code.as_str());
    assert_eq!(
        one[0]["description"],
        "苍岩村村口水泥路塌了一个大坑，电话139****5678"
    );
    assert!(one[0].get("status_notes").is_none(), "absent, not null");
    assert!(one[0]["requested_datetime"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    let x = text_of(&format!("/requests/{id}.xml")).await;
    let req_xml = Xml::parse(&x);
    assert_eq!(req_xml.name, "service_requests");
    let r = req_xml.one("request");
    assert_eq!(
        (r.get("service_request_id"), r.get("status")),
        (id.as_str(), "open")
    );
    assert_eq!(
        r.get("description"),
        "苍岩村村口水泥路塌了一个大坑，电话139****5678"
    );
    assert!(r.all("status_notes").is_empty(), "absent, not empty");
    let mut markup = good(&key);
    markup[4].1 = "路面塌陷 <注意> & \"危险\" 'R'".into();
    let (s, v) = post(markup).await;
    assert_eq!(s, 201, "{v}");
    let mid = v[0]["service_request_id"].as_str().unwrap().to_string();
    let m = Xml::parse(&text_of(&format!("/requests/{mid}.xml")).await);
    assert_eq!(
        m.one("request").get("description"),
        "路面塌陷 <注意> & \"危险\" 'R'",
        "escaped and back"
    );
    assert!(x.contains(&format!("<service_requests><request><service_request_id>{id}</service_request_id><status>open</status>")), "{x}");
    // Photos: `media_url` (repeatable, also `media_url[]`); lists show the first, extensions all.
    assert!(one[0].get("media_url").is_none(), "absent without photos");
    let mut photos = good(&key);
    photos.push(("media_url[]", "https://img.example.cn/p/1.jpg".into()));
    photos.push(("media_url[]", "https://img.example.cn/p/2.jpg".into()));
    let (s, v) = post(photos).await;
    assert_eq!(s, 201, "{v}");
    let pid = v[0]["service_request_id"].as_str().unwrap().to_string();
    let p1: Value = json_of(&format!("/requests/{pid}.json")).await;
    assert_eq!(p1[0]["media_url"], "https://img.example.cn/p/1.jpg");
    let px: Value = json_of(&format!(
        "/requests.json?service_request_id={pid}&extensions=true"
    ))
    .await;
    assert_eq!(
        px[0]["extended_attributes"]["photos"],
        json!([
            "https://img.example.cn/p/1.jpg",
            "https://img.example.cn/p/2.jpg"
        ])
    );
    // A client that uploads its photo (multipart, GeoReport v2.1's `media`): stored with the
    // case as the web's uploads are, its metadata stripped.
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in good(&key) {
        form = form.text(k, v);
    }
    let jpeg = include_bytes!("../../../fengqiao-web/tests/fixtures/pothole.jpg").to_vec();
    form = form.part(
        "media",
        reqwest::multipart::Part::bytes(jpeg)
            .file_name("pothole.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let r = t
        .http
        .post(o("/requests.json"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let mid = v[0]["service_request_id"].as_str().unwrap().to_string();
    let mx: Value = json_of(&format!(
        "/requests.json?service_request_id={mid}&extensions=true"
    ))
    .await;
    let photos = mx[0]["extended_attributes"]["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 1, "{mx}");
    assert!(photos[0].as_str().unwrap().contains("/photos/"), "{mx}");
    // The same fields as a JSON object are taken too; any other body is refused by name.
    let mut body = serde_json::Map::new();
    for (k, v) in good(&key) {
        match body.get_mut(k) {
            // A repeated field becomes a list.
            Some(Value::Array(a)) => a.push(Value::String(v)),
            Some(one) => *one = json!([one.clone(), v]),
            None => {
                body.insert(k.to_string(), Value::String(v));
            }
        }
    }
    body.insert("lat".into(), json!(29.58));
    let r = t
        .http
        .post(o("/requests.json"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = t
        .http
        .post(o("/requests.json"))
        .header("content-type", "text/plain")
        .body("service_code=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert!(r.text().await.unwrap().contains("multipart/form-data"));
    // A number the app took down that we cannot read: the report is kept, the number kept as
    // sent and flagged for the centre, masked for a leader.
    for odd in ["111-111-1111", "+86-575-87654321"] {
        let mut form = good(&key);
        form.retain(|(k, _)| *k != "phone");
        form.push(("phone", odd.to_string()));
        let (s, v) = post(form).await;
        assert_eq!(s, 201, "{odd}: {v}");
        let no = v[0]["service_request_id"].as_str().unwrap().to_string();
        let op = t.login("op").await;
        let list = t.get_ok(&op, &format!("/cases?q={no}")).await;
        let case = t
            .get_ok(&op, &format!("/cases/{}", list["items"][0]["id"]))
            .await;
        assert!(case["reporters"][0]["phone"].is_null(), "{case}");
        assert_eq!(case["reporters"][0]["phone_unread"], odd, "{case}");
        let leader = t.login("leader").await;
        let masked = t
            .get_ok(&leader, &format!("/cases/{}", list["items"][0]["id"]))
            .await;
        let shown = masked["reporters"][0]["phone_unread"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            shown.contains('*') && !shown.contains("1111-1") && shown != odd,
            "{shown}"
        );
    }
    let mut bad_media = good(&key);
    bad_media.push(("media_url", "javascript:alert(1)".into()));
    let (s, e) = post(bad_media).await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e[0]["description"].as_str().unwrap().contains("media_url"),
        "{e}"
    );
    assert_eq!(status_of("/requests/FQ20200101000001.json").await, 404);
    let all: Value = json_of("/requests.json").await;
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["service_request_id"] == id.as_str()));
    let closed: Value = json_of("/requests.json?status=closed").await;
    assert!(closed.as_array().unwrap().is_empty());
    // Repeated keys add up, as commas do; FixMyStreet's statuses in any case are understood.
    let n = all.as_array().unwrap().len();
    let both: Value = json_of("/requests.json?status=open&status=closed").await;
    assert_eq!(both.as_array().unwrap().len(), n, "open and closed: all");
    let waiting: Value = json_of("/requests.json?status=Investigating&status=FIXED").await;
    assert!(waiting
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["service_request_id"] == id.as_str()));
    let code = all[0]["service_code"].as_str().unwrap().to_string();
    let one_code: Value = json_of(&format!("/requests.json?service_code={code}")).await;
    let repeated: Value = json_of(&format!(
        "/requests.json?service_code={code}&service_code=999999"
    ))
    .await;
    assert_eq!(one_code, repeated, "the second code adds its (no) requests");
    let by_id: Value = json_of(&format!(
        "/requests.json?service_request_id={id}&status=closed"
    ))
    .await;
    assert_eq!(
        by_id.as_array().unwrap().len(),
        1,
        "service_request_id overrides other filters"
    );
    for bad in [
        "status=pending",
        "start_date=2026-11-01",
        "page=0",
        "page_size=1001",
    ] {
        let r = t
            .http
            .get(o(&format!("/requests.json?{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
    let r = t
        .http
        .get(o(
            "/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-11-01T00:00:00Z",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "more than 90 days");
    assert_eq!(status_of("/nothing.json").await, 404);

    assert_open311_schemas(&[
        ("services.json", &services),
        ("service-definition.json", &def),
        ("requests.json", &one),
        ("requests.json", &all),
    ]);

    // Updates (mySociety): the reporter's words join the history, once per update_id.
    let post_update = |form: Vec<(&'static str, String)>, fmt: &'static str| {
        let http = t.http.clone();
        let url = o(&format!("/servicerequestupdates.{fmt}"));
        async move {
            let r = http.post(url).form(&form).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let update = |uid: &str, request: &str, status: &str| -> Vec<(&'static str, String)> {
        vec![
            ("api_key", key.clone()),
            ("update_id", uid.to_string()),
            ("service_request_id", request.to_string()),
            ("status", status.to_string()),
            ("updated_datetime", "2026-11-23T02:00:00Z".to_string()),
            ("description", "坑越来越大了，电话13912345678".to_string()),
        ]
    };
    let (s, v) = post_update(update("fms-1", &id, "OPEN"), "json").await;
    assert_eq!(s, 200, "{v}");
    let first: Value = serde_json::from_str(&v).unwrap();
    let u1 = first[0]["update_id"].as_str().unwrap().to_string();
    let (s, again) = post_update(update("fms-1", &id, "OPEN"), "json").await;
    assert_eq!((s, again), (200, v), "a retried update_id answers the same");
    let (s, x) = post_update(update("fms-2", &id, "FIXED"), "xml").await;
    assert_eq!(s, 200, "{x}");
    let doc = Xml::parse(&x);
    assert_eq!(doc.name, "service_request_updates");
    let u2 = doc.one("request_update").get("update_id").to_string();
    assert_ne!(u1, u2);
    let mut long = update("fms-3", &id, "OPEN");
    long[5].1 = "坑".repeat(2_001);
    let (s, body) = post_update(long, "json").await;
    assert_eq!(s, 400, "{body}");
    assert!(body.contains("2000"), "the limit is named: {body}");
    for (form, status) in [
        (update("fms-3", &id, "WHATEVER"), 400),
        (update("fms-1", &mid, "OPEN"), 400),
        (update("fms-3", "FQ20200101000001", "OPEN"), 404),
        (update("fms-3", &id, "OPEN")[..5].to_vec(), 400),
        (update("fms-3", &id, "OPEN")[1..].to_vec(), 403),
    ] {
        let (s, body) = post_update(form.clone(), "json").await;
        assert_eq!(s, status, "{form:?} → {body}");
    }
    let case_id = fengqiao_domain::ids::CaseId(case["id"].as_i64().unwrap());
    let supplements: Vec<_> = t
        .store
        .events(case_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == fengqiao_domain::lifecycle::ActionKind::Supplement)
        .collect();
    assert_eq!(supplements.len(), 2, "two updates, each once");
    assert_eq!(supplements[0].actor_name, "市12345平台");
    assert_eq!(
        supplements[1].remark.as_deref(),
        Some("报告人反馈问题已解决：坑越来越大了，电话13912345678")
    );
    let tok: Value = json_of(&format!("/update_tokens/{u1}.json")).await;
    assert_eq!(
        (tok[0]["update_id"].as_str(), tok[0]["token"].as_str()),
        (Some(u1.as_str()), Some(u1.as_str()))
    );
    assert_eq!(status_of("/update_tokens/99999999.json").await, 404);
    let updates: Value = json_of("/servicerequestupdates.json").await;
    let mine = updates
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["update_id"] == u1.as_str())
        .expect("the posted update is listed");
    assert_eq!(mine["service_request_id"], id.as_str());
    assert_eq!(
        mine["description"], "补充诉求",
        "listed, but what the reporter added stays with the case (it can name the caller)"
    );

    // A revoked key no longer posts.
    let (s, _) = t
        .post(&admin, &format!("/clients/{client_id}/revoke"), json!({}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(post(good(&key)).await.0, 403);
}
