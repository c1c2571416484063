//! The README's API walk-through, run as written (bash, curl and python3, as a newcomer would)
//! against a freshly built demo township.

use std::io::Read;
use std::process::{Child, Command, Stdio};

/// The demo server, stopped when the test ends, pass or fail.
struct Demo(Child);
impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The first ```sh block under `heading` in the README.
fn block_under(readme: &str, heading: &str) -> String {
    let from = readme.find(heading).expect("the README has the heading");
    let start = readme[from..].find("```sh\n").expect("a sh block") + from + 6;
    let len = readme[start..].find("```\n").expect("the block ends");
    readme[start..start + len].to_string()
}

#[test]
fn the_readme_api_walk_through_runs_as_written_on_the_demo() {
    let dir = std::env::temp_dir().join(format!("fengqiao-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("demo.log");
    let db = dir.join("demo.db");
    let demo = Demo(
        Command::new(env!("CARGO_BIN_EXE_fengqiao"))
            .args([
                "demo",
                "--cases",
                "600",
                "--addr",
                "127.0.0.1:0",
                "--database",
            ])
            .arg(&db)
            .env("NO_COLOR", "1")
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut base = None;
    for _ in 0..600 {
        let mut text = String::new();
        std::fs::File::open(&log)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        if let Some(at) = text.find("serving on http://") {
            let rest = &text[at + "serving on ".len()..];
            base = Some(rest.split_whitespace().next().unwrap().to_string());
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let base = base.unwrap_or_else(|| {
        panic!(
            "the demo did not come up: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        )
    });
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let script = block_under(&readme, "## API walk-through");
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("FENGQIAO_URL", &base)
        .output()
        .expect("bash, curl and python3 (.ci/run installs them)");
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the walk-through stopped:\n{said}\n{err}"
    );
    let lines: Vec<&str> = said.lines().collect();
    // The new case: read, routed by triage, taken through to review by the people named.
    assert!(
        lines[0].contains("苍岩村"),
        "the village from the text: {said}"
    );
    for step in ["已签收", "办理中", "已办结", "已审核"] {
        assert!(lines.iter().any(|l| l.starts_with(step)), "{step}: {said}");
    }
    // The extension moved the reply deadline by two working days.
    let dues: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("办理中"))
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert!(dues.first() < dues.last(), "{said}");
    // The same-day follow-up is refused, saying from when.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("回访从办结次日起进行") && l.ends_with("→ 409")),
        "{said}"
    );
    // The citizen reads the reply; yesterday's reply is called back, closed and filed.
    assert!(lines.iter().any(|l| l.ends_with("已修复路面")), "{said}");
    for step in ["已回访", "已结案", "已归档"] {
        assert!(lines.iter().any(|l| l.starts_with(step)), "{step}: {said}");
    }
    assert!(said.contains("您反映的问题已办结"), "{said}");
    assert!(
        lines
            .last()
            .is_some_and(|l| l.contains("'回访', '结案', '归档'")),
        "{said}"
    );
    drop(demo);
    let _ = std::fs::remove_dir_all(&dir);
}
