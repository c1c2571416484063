//! Test support of this suite: the sample intake, Open311 XML by element, and the Open311 JSON
//! schemas checked with Python.

use serde_json::{json, Value};

pub fn intake_body() -> Value {
    json!({"title": "村口道路塌陷", "body": "苍岩村村口水泥路塌了一个大坑", "channel": "hotline", "reporter_name": "王建国", "reporter_phone": "13800138000"})
}

/// An XML element, parsed: for checking Open311 XML by element rather than by text.
#[derive(Debug, Default)]
pub struct Xml {
    pub name: String,
    pub text: String,
    pub children: Vec<Xml>,
}

impl Xml {
    /// Parses a whole document; panics on anything that is not well-formed XML.
    pub fn parse(doc: &str) -> Xml {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(doc);
        let mut stack = vec![Xml::default()];
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) => stack.push(Xml {
                    name: e.name().as_ref().to_string(),
                    ..Xml::default()
                }),
                Event::End(_) => {
                    let done = stack.pop().unwrap();
                    stack.last_mut().unwrap().children.push(done);
                }
                Event::Text(t) => {
                    let text = t.xml10_content();
                    stack.last_mut().unwrap().text.push_str(&text);
                }
                Event::GeneralRef(r) => {
                    let s = match r.as_ref() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unexpected entity {other:?}"),
                    };
                    stack.last_mut().unwrap().text.push_str(s);
                }
                Event::Eof => break,
                Event::Decl(_) => {}
                other => panic!("unexpected XML event {other:?}"),
            }
        }
        assert_eq!(stack.len(), 1, "unclosed elements");
        let mut root = stack.pop().unwrap();
        assert_eq!(root.children.len(), 1, "one root element");
        root.children.pop().unwrap()
    }

    pub fn all(&self, name: &str) -> Vec<&Xml> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    pub fn one(&self, name: &str) -> &Xml {
        let found = self.all(name);
        assert_eq!(found.len(), 1, "exactly one <{name}> in <{}>", self.name);
        found[0]
    }

    pub fn get(&self, name: &str) -> &str {
        &self.one(name).text
    }
}

/// The Python `.ci/run` sets up with the tests' packages (jsonschema, georeport), named by
/// FENGQIAO_PYTHON; outside CI a test without it is skipped with a note saying `what`.
pub fn test_python(what: &str) -> Option<String> {
    let python = std::env::var("FENGQIAO_PYTHON").ok();
    if python.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI must run {what}: set FENGQIAO_PYTHON"
        );
        eprintln!("skipped: {what} (set FENGQIAO_PYTHON to the python .ci/run sets up)");
    }
    python
}

/// Checks Open311 JSON payloads against `../shared/open311/schema-validation` with Python's
/// jsonschema (`.ci/run` installs it and sets FENGQIAO_PYTHON). Skipped with a note when
/// neither is there outside CI.
pub fn assert_open311_schemas(payloads: &[(&str, &Value)]) {
    let schemas = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/open311/schema-validation");
    let (Some(python), true) = (test_python("Open311 schema validation"), schemas.is_dir()) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI must validate Open311 payloads: provide ../shared"
        );
        return;
    };
    let dir = std::env::temp_dir().join(format!("fengqiao-o311-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut args = vec![
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/open311_schemas.py")
            .display()
            .to_string(),
        schemas.display().to_string(),
    ];
    for (i, (schema, payload)) in payloads.iter().enumerate() {
        let file = dir.join(format!("{i}.json"));
        std::fs::write(&file, payload.to_string()).unwrap();
        args.push(schema.to_string());
        args.push(file.display().to_string());
    }
    let out = std::process::Command::new(python)
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
