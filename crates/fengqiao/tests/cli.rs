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

fn fengqiao(args: &[&str], db: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .args(args)
        .env("FENGQIAO_DATABASE", db)
        .env("FENGQIAO_PASSWORD", "a-long-test-password")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn hotline_work_orders_round_trip_through_import_and_export() {
    let dir = std::env::temp_dir().join(format!("fengqiao-hotline-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("a.db"), dir.join("b.db"));
    for db in [&a, &b] {
        let (code, _, err) = fengqiao(&["init", "--town", "甘霖镇"], db);
        assert_eq!(code, 0, "{err}");
    }
    let header = "工单编号,来电时间,诉求人,联系电话,诉求内容,事发地址,诉求类型,紧急程度,办理时限\n";
    let rows = [
        "HL-001,2026-11-20 08:30:00,王建国,13800138000,村口路灯坏了一个月,苍岩村村口,,一般,2026-11-27",
        "HL-002,2026-11-21 09:10:00,李秀英,13900139000,河道里倒满垃圾，气味难闻,施家岙村溪边,,紧急,",
        "HL-003,2026/11/22 10:00,,,菜市场占道经营,,,,",
        "HL-004,上周三,张三,13700137000,噪音扰民,,,,",
        "HL-005,2026-11-23 11:00:00,赵六,123,养殖场污水直排,,,,",
        ",,,,,,,,",
        "HL-006,2026-11-23 12:00:00,钱七,,,,,,",
    ];
    let file = write(
        &dir,
        "orders.csv",
        format!("{header}{}\n", rows.join("\n")).as_bytes(),
    );
    let f = file.to_str().unwrap();

    // A dry run writes nothing and says what would happen.
    let (code, out, _) = fengqiao(&["hotline", "import", f, "--dry-run"], &a);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("（演练，未写入）") && out.contains("新建 3"),
        "{out}"
    );
    let (_, exported, _) = fengqiao(&["hotline", "export", "-"], &a);
    assert_eq!(
        exported.lines().count(),
        1,
        "nothing written by a dry run: {exported}"
    );

    // Good rows import; each bad one is named by row, column and reason.
    let (code, out, _) = fengqiao(&["hotline", "import", f], &a);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("新建 3，更新 0，未变 0"), "{out}");
    assert!(
        out.contains("第 5 行 来电时间：无法识别的时间「上周三」"),
        "{out}"
    );
    assert!(out.contains("第 6 行 联系电话"), "{out}");
    assert!(out.contains("第 8 行 诉求内容：诉求内容为空"), "{out}");

    // Importing again changes nothing; a changed order nobody has registered is updated.
    let (_, out, _) = fengqiao(&["hotline", "import", f], &a);
    assert!(out.contains("新建 0，更新 0，未变 3"), "{out}");
    let changed = format!(
        "{header}{}\n",
        rows[0].replace("村口路灯坏了一个月", "村口两盏路灯坏了一个月")
    );
    let changed = write(&dir, "changed.csv", changed.as_bytes());
    let (code, out, _) = fengqiao(&["hotline", "import", changed.to_str().unwrap()], &a);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("新建 0，更新 1"), "{out}");

    // Export, then import the export elsewhere: the same work orders, once each.
    let export = dir.join("export.csv");
    let (code, _, err) = fengqiao(&["hotline", "export", export.to_str().unwrap()], &a);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("导出 3 件工单"), "{err}");
    let text = std::fs::read_to_string(&export).unwrap();
    assert!(text.starts_with("工单编号,来电时间,诉求人,联系电话,诉求内容,事发地址,诉求类型,紧急程度,办理时限,本地编号,办理状态,承办单位,答复内容,答复时间"));
    assert!(
        text.contains("HL-001,2026-11-20 08:30:00,王建国,13800138000,村口两盏路灯坏了一个月"),
        "{text}"
    );
    let (code, out, _) = fengqiao(&["hotline", "import", export.to_str().unwrap()], &b);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("新建 3"), "{out}");
    let (_, again, _) = fengqiao(&["hotline", "export", "-"], &b);
    // Rows import concurrently, so compare the work orders, not their order.
    let key = |t: &str| -> Vec<String> {
        let mut rows: Vec<String> = t
            .lines()
            .skip(1)
            .map(|l| l.split(',').take(6).collect::<Vec<_>>().join(","))
            .collect();
        rows.sort();
        rows
    };
    assert_eq!(
        key(&again),
        key(&text),
        "the round trip keeps every work order"
    );

    // The same through XLSX: export, import into a third township, same work orders.
    let c = dir.join("c.db");
    assert_eq!(fengqiao(&["init", "--town", "甘霖镇"], &c).0, 0);
    let xlsx = dir.join("export.xlsx");
    let (code, _, err) = fengqiao(&["hotline", "export", xlsx.to_str().unwrap()], &a);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        &std::fs::read(&xlsx).unwrap()[..2],
        b"PK",
        "an XLSX is a zip"
    );
    let (code, out, _) = fengqiao(&["hotline", "import", xlsx.to_str().unwrap()], &c);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("新建 3"), "{out}");
    let (_, from_xlsx, _) = fengqiao(&["hotline", "export", "-"], &c);
    assert_eq!(
        key(&from_xlsx),
        key(&text),
        "the XLSX round trip keeps every work order"
    );
    let fake = write(&dir, "fake.xlsx", b"this is not a workbook");
    let (code, out, _) = fengqiao(&["hotline", "import", fake.to_str().unwrap()], &c);
    assert_eq!(code, 3);
    assert!(
        out.contains("第 1 行") && out.contains("不是可读的 Excel 文件"),
        "{out}"
    );

    // Wrong columns: one clear error, nothing imported.
    let wrong = write(&dir, "wrong.csv", "编号,内容\n1,路灯坏了\n".as_bytes());
    let (code, out, _) = fengqiao(&["hotline", "import", wrong.to_str().unwrap()], &b);
    assert_eq!(code, 3);
    assert!(
        out.contains("第 1 行") && out.contains("找不到必需的列"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Only `init`, `migrate` and `demo` create a database: any other command on a path with no
/// database says which file it looked for and creates nothing.
#[test]
fn commands_do_not_create_a_database_by_accident() {
    let dir = std::env::temp_dir().join(format!("fengqiao-nodb-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("missing.db");
    let out = dir.join("cases.xlsx");
    for args in [
        vec!["hotline", "export", out.to_str().unwrap()],
        vec!["client", "list"],
        vec!["models"],
    ] {
        let (code, _, err) = fengqiao(&args, &db);
        assert_ne!(code, 0, "{args:?} succeeded");
        assert!(
            err.contains("没有找到数据库") && err.contains("missing.db"),
            "{args:?}: {err}"
        );
        assert!(!db.exists(), "{args:?} created the database");
    }
    assert!(!out.exists());
    let (code, _, err) = fengqiao(&["init", "--town", "甘霖镇"], &db);
    assert_eq!(code, 0, "{err}");
    assert!(db.exists());
}

/// `generate` fills a new database with years of cases and counts their KPIs; it never writes
/// over an existing one.
#[test]
fn generate_fills_a_new_database_and_counts_its_kpis() {
    let dir = std::env::temp_dir().join(format!("fengqiao-generate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("big.db");
    let path = db.to_str().unwrap();
    let args = [
        "generate",
        "--database",
        path,
        "--cases",
        "400",
        "--years",
        "2",
    ];
    let (code, out, err) = fengqiao(&args, &db);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("已生成 400 件工单（2 年）") && out.contains("考核指标汇总 400 件"),
        "{out}"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (cases, counted, first): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM kpi_facts), (SELECT MIN(created_at) FROM cases)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((cases, counted), (400, 400));
    let age_days = (chrono::Utc::now().timestamp_millis() - first) / 86_400_000;
    assert!(
        age_days > 365,
        "spread over two years: the oldest is {age_days} days old"
    );
    let (code, _, err) = fengqiao(&args, &db);
    assert_ne!(code, 0);
    assert!(err.contains("已存在"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The demo's KPI pages, rankings and reports read rollups: held against a recount of the demo
/// database's raw rows, for this and last month, this and last year and the last ten days.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demos_kpis_equal_a_recount_from_its_raw_events() {
    use fengqiao_domain::kpi::{Period, PeriodKind};
    let dir = std::env::temp_dir().join(format!("fengqiao-demo-kpis-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("demo.db");
    let path = db.to_str().unwrap();
    let (code, _, err) = fengqiao(
        &["demo", "--cases", "1500", "--no-serve", "--database", path],
        &db,
    );
    assert_eq!(code, 0, "{err}");
    let store = std::sync::Arc::new(fengqiao_store_sqlite::SqliteStore::open(&db).unwrap());
    let app = fengqiao_app::App::new(
        store,
        std::sync::Arc::new(fengqiao_app::SystemClock),
        fengqiao_app::AppConfig::default(),
    )
    .await
    .unwrap();
    let today = fengqiao_domain::deadline::local_date(app.core.now());
    let this_month = Period::containing(PeriodKind::Month, today);
    let this_year = Period::containing(PeriodKind::Year, today);
    let periods = [
        this_month,
        this_month.previous(),
        this_year,
        this_year.previous(),
        Period::range(today - chrono::Duration::days(10), today).unwrap(),
    ];
    let compared = fengqiao_testkit::recount::check(&app, &db, &periods).await;
    assert!(compared > 100, "rows compared: {compared}");
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
}
