//! The OpenAPI document.

use fengqiao_testkit::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_describes_every_route() {
    let t = spawn().await;
    let r = t
        .http
        .get(format!("{}/api/v1/openapi.json", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    // Every documented operation is served: asked without a token (and with ids that do not
    // exist), each answers for itself — never the router's "no such endpoint".
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() > 25, "{} paths", paths.len());
    for (path, item) in paths {
        let url = format!("{}/api/v1{}", t.base, path)
            .replace("{id}", "1")
            .replace("{proposal}", "1")
            .replace("{version}", "1")
            .replace("{case_no}", "FQ20261123000001");
        for method in item.as_object().unwrap().keys() {
            let req = match method.as_str() {
                "get" => t.http.get(&url),
                "post" => t.http.post(&url).json(&json!({})),
                other => panic!("{other} {path}: only get and post are served"),
            };
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            let fallback = body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("没有这个接口"));
            assert!(!fallback, "{method} {path} is described but not served");
            assert_ne!(status, 405, "{method} {path} is described but not served");
        }
    }
    // Every operation declares the statuses it can answer with.
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let codes = op["responses"].as_object().unwrap();
            assert!(codes.contains_key("500"), "{method} {path}");
            let public = op.get("security") == Some(&json!([]));
            if !public {
                assert!(codes.contains_key("401"), "{method} {path} needs a token");
            }
            if path.contains('{') {
                assert!(codes.contains_key("404"), "{method} {path}");
            }
        }
    }
    assert!(paths["/auth/login"]["post"]["responses"]
        .get("429")
        .is_some());
    // Every action a person may ask for has its own request schema, closed to unknown fields.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let one_of = schemas["Action"]["oneOf"].as_array().unwrap();
    assert!(one_of.len() >= 28, "{} actions described", one_of.len());
    for kind in [
        "register",
        "deny_return",
        "sub_dispatch",
        "reopen",
        "dispatch",
        "follow_up",
    ] {
        let s = &schemas[&format!("Action_{kind}")];
        assert_eq!(s["additionalProperties"], false, "{kind}");
        assert_eq!(s["properties"]["action"]["enum"][0], kind);
    }
    assert_eq!(
        schemas["Action_deny_return"]["required"],
        json!(["action", "reason"])
    );
    assert!(schemas["Action_dispatch"]["properties"]["co_units"].is_object());
    let r = t
        .http
        .get(format!("{}/healthz", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = t
        .http
        .get(format!("{}/api/v1/nothing-here", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
}
