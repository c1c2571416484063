//! The command line as an operator meets it: `fengqiao eval` on our own small files, including
//! bytes that are not UTF-8 and files that are not what they should be.

use std::process::Command;

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn labelled() -> Vec<u8> {
    let mut out = b"title,body,label\n".to_vec();
    let road = [
        "路灯坏了晚上一片漆黑",
        "路面塌陷出现大坑",
        "排水沟堵塞雨天积水",
        "道路破损车辆难行",
    ];
    let env = [
        "养殖场臭气熏天",
        "河道里倒满垃圾",
        "工厂夜间偷排污水",
        "焚烧秸秆浓烟呛人",
    ];
    for i in 0..6 {
        for (k, (r, e)) in road.iter().zip(env).enumerate() {
            out.extend(format!(",第{i}组{r}，请处理{k},城乡建设\n").bytes());
            out.extend(format!(",第{i}组附近{e}，群众意见大{k},环境保护\n").bytes());
        }
    }
    out
}

#[test]
fn eval_scores_files_and_survives_bad_bytes() {
    let dir = std::env::temp_dir().join(format!("fengqiao-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let train = write(&dir, "train.csv", &labelled());
    let mut test = b"title,body,label\n".to_vec();
    test.extend(b",\xff\xfe\xfd\xe8\xb7\xaf\xe7\x81\xaf\xe5\x9d\x8f\xe4\xba\x86,\xe5\x9f\x8e\xe4\xb9\xa1\xe5\xbb\xba\xe8\xae\xbe\n");
    test.extend(",河道里倒满垃圾,环境保护\n,😀😀😀,环境保护\n".as_bytes());
    let test = write(&dir, "test.csv", &test);
    let out = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .args(["eval", "--train"])
        .arg(&train)
        .arg("--test")
        .arg(&test)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("macro_f1="), "{stdout}");
    assert!(
        stdout.contains("样本 3"),
        "every test row is scored: {stdout}"
    );
    assert!(stderr.contains("1 条含无效 UTF-8"), "{stderr}");

    let cv = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .args(["eval", "--folds", "3"])
        .arg(&train)
        .output()
        .unwrap();
    assert!(cv.status.success());
    let text = String::from_utf8_lossy(&cv.stdout);
    let f1: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("macro_f1="))
        .unwrap()
        .parse()
        .unwrap();
    assert!(f1 > 0.9, "two well-separated topics: {text}");

    // Wrong columns and a single class are errors a person can act on, with a failing exit code.
    let wrong = write(&dir, "wrong.csv", "编号,内容\n1,路灯坏了\n".as_bytes());
    let out = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .args(["eval", "--folds", "5"])
        .arg(&wrong)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("缺少 label 或 body 列"));
    let one = write(
        &dir,
        "one.csv",
        "title,body,label\n,路灯坏了,城乡建设\n,路面塌陷,城乡建设\n".as_bytes(),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .args(["eval", "--train"])
        .arg(&one)
        .arg("--test")
        .arg(&one)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("至少需要两个类别"));
    let _ = std::fs::remove_dir_all(&dir);
}
