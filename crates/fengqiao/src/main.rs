//! The `fengqiao` binary: one process serving the API and running the deadline scheduler.

mod demo;
mod triage_cli;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use fengqiao_app::{App, AppConfig, SystemClock};
use fengqiao_domain::ids::{RegionId, UnitId};
use fengqiao_domain::org::{Actor, Role};
use fengqiao_store_sqlite::SqliteStore;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "fengqiao", version, about = "枫桥 · 乡镇基层治理平台")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Database: a SQLite file path or `sqlite://PATH`.
    #[arg(long, env = "FENGQIAO_DATABASE")]
    database: Option<String>,
    /// A TOML config file with `database`, `listen`, `yellow_share`, `scheduler_seconds`.
    #[arg(long, env = "FENGQIAO_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and run the deadline scheduler.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on.
        #[arg(long, env = "FENGQIAO_LISTEN")]
        listen: Option<String>,
    },
    /// Create the database if needed and apply pending migrations.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set up an empty database: the township (root region) and its first admin. The password is
    /// read from FENGQIAO_PASSWORD or the first line of standard input.
    Init {
        #[command(flatten)]
        db: DbArgs,
        /// The township's name, e.g. 甘霖镇.
        #[arg(long)]
        town: String,
        #[arg(long, default_value = "admin")]
        admin: String,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The working-day calendar.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Build a fresh demo township with a year of cases, print the logins and serve it.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Where to write the demo database (replaced if it exists).
        #[arg(long, default_value = "fengqiao-demo.db")]
        database: PathBuf,
        /// How many cases to generate over the past year.
        #[arg(long, default_value_t = 24_000)]
        cases: usize,
        /// Build the database and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// Random seed, for a reproducible demo.
        #[arg(long, default_value_t = 20261128)]
        seed: u64,
    },
    /// 12345 hotline work orders: import from and export to the platform's CSV layout.
    Hotline {
        #[command(subcommand)]
        command: HotlineCommand,
    },
    /// API keys for third-party clients (Open311 apps, the 12345 platform).
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
    /// Train the message classifier and make it the active model: from the cases people have
    /// categorised in the database, or from a CSV with `title`, `body`, `label` columns (labels
    /// are category names or ids).
    Train {
        #[command(flatten)]
        db: DbArgs,
        /// Train from this CSV instead of the database.
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Cross-validate first with this many folds and store the figures with the model.
        #[arg(long)]
        folds: Option<usize>,
    },
    /// List the stored classifier models, or switch the active one (e.g. back to an earlier
    /// version).
    Models {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        activate: Option<i64>,
    },
    /// Measure the message classifier: `--folds 5 FILE.csv` cross-validates (stratified);
    /// `--train A.csv --test B.csv` trains on one file and scores the other. Files need
    /// `title`, `body` and `label` columns.
    Eval {
        /// Number of folds for stratified cross-validation.
        #[arg(long, requires = "file", conflicts_with_all = ["train", "test"])]
        folds: Option<usize>,
        /// The labelled file to cross-validate.
        file: Option<PathBuf>,
        #[arg(long, requires = "test")]
        train: Option<PathBuf>,
        #[arg(long, requires = "train")]
        test: Option<PathBuf>,
        /// SVM regularisation (inverse strength).
        #[arg(long, default_value_t = 1.0)]
        c: f64,
    },
}

#[derive(Subcommand)]
enum HotlineCommand {
    /// Import work orders from a 12345 export (`.xlsx`, `.xls`, `.ods` or CSV). Idempotent by work-order number: a re-import updates
    /// what nobody has registered yet and never duplicates. Bad rows are listed (row, column,
    /// reason) and the good ones still import; the exit code is 3 when some rows failed.
    Import {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
        /// A TOML file naming the columns (work_order_no, received_at, name, phone, content,
        /// address, category, priority, due); the default is the usual 12345 headers.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Report what would change without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export every case with its reply in the 12345 layout: `.xlsx` or CSV (`-` for standard
    /// output).
    Export {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Register a client and print its key (shown this once; only its hash is stored).
    Add {
        #[command(flatten)]
        db: DbArgs,
        /// The client's name, e.g. 市12345平台.
        #[arg(long)]
        name: String,
    },
    /// List the clients.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke a client's key.
    Revoke {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        id: i64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user. The password is read from FENGQIAO_PASSWORD or the first line of standard input.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// admin, operator, unit_staff, grid_worker or leader.
        #[arg(long)]
        role: String,
        /// The region the user's scope covers (1 = the township, the root created first).
        #[arg(long)]
        region_id: i64,
        #[arg(long)]
        unit_id: Option<i64>,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Import holidays and adjusted working days from a CSV file (`date,kind,name`).
    Import {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
    },
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    database: Option<String>,
    listen: Option<String>,
    yellow_share: Option<f64>,
    scheduler_seconds: Option<u64>,
    urge_after_hours: Option<i64>,
    supervise_after_hours: Option<i64>,
    /// The address citizens and clients reach the platform at (QR codes, Open311 discovery).
    public_url: Option<String>,
    /// A tile server's URL template for the dashboard's map, e.g.
    /// `https://tiles.example.gov.cn/{z}/{x}/{y}.png`.
    map_tiles: Option<String>,
    triage: Option<TriageFile>,
}

/// `[triage]` in the config file.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TriageFile {
    /// Confidence (0–1) from which a case is dispatched automatically; `false` turns it off.
    auto_dispatch_threshold: Option<toml::Value>,
    duplicate_days: Option<i64>,
    duplicate_threshold: Option<f32>,
    hotspot_hours: Option<i64>,
    hotspot_similarity: Option<f32>,
    hotspot_min_cases: Option<usize>,
    /// A jieba-format dictionary of the township's own words.
    user_dict: Option<PathBuf>,
}

impl DbArgs {
    fn config_file(&self) -> anyhow::Result<ConfigFile> {
        match &self.config {
            None => Ok(ConfigFile::default()),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read config file {}", p.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("config file {} is not valid", p.display()))
            }
        }
    }

    fn database_path(&self, file: &ConfigFile) -> anyhow::Result<PathBuf> {
        let url = self
            .database
            .clone()
            .or_else(|| file.database.clone())
            .unwrap_or_else(|| "fengqiao.db".into());
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            bail!(
                "the PostgreSQL backend is not available in this build yet; use a SQLite file path"
            );
        }
        Ok(PathBuf::from(url.strip_prefix("sqlite://").unwrap_or(&url)))
    }
}

fn app_config(file: &ConfigFile) -> anyhow::Result<AppConfig> {
    let mut c = AppConfig::default();
    if let Some(s) = file.yellow_share {
        if !(0.0..1.0).contains(&s) || s == 0.0 {
            bail!("yellow_share must be between 0 and 1 (e.g. 0.8)");
        }
        c.yellow_share = s;
    }
    if file.urge_after_hours.is_some() {
        c.urge_after_hours = file.urge_after_hours;
    }
    if file.supervise_after_hours.is_some() {
        c.supervise_after_hours = file.supervise_after_hours;
    }
    if let Some(u) = &file.public_url {
        let u = u.trim().trim_end_matches('/');
        if !(u.starts_with("http://") || u.starts_with("https://")) || u.len() < 10 {
            bail!("public_url must be the platform's address, e.g. https://gl.example.gov.cn");
        }
        c.public_url = Some(u.to_string());
    }
    if let Some(t) = &file.map_tiles {
        let t = t.trim();
        let origin_ok = t
            .strip_prefix("https://")
            .or_else(|| t.strip_prefix("http://"))
            .is_some_and(|rest| rest.split('/').next().is_some_and(|h| !h.is_empty()));
        if !origin_ok
            || !["{z}", "{x}", "{y}"].iter().all(|p| t.contains(p))
            || t.contains(['"', '\'', ' ', '<', '>'])
        {
            bail!("map_tiles must be a tile URL with {{z}}, {{x}} and {{y}}, e.g. https://tiles.example.gov.cn/{{z}}/{{x}}/{{y}}.png");
        }
        c.map_tiles = Some(t.to_string());
    }
    if let Some(t) = &file.triage {
        let share = |name: &str, v: f32| {
            if (0.0..=1.0).contains(&v) {
                Ok(v)
            } else {
                Err(anyhow::anyhow!("[triage] {name} must be between 0 and 1"))
            }
        };
        match &t.auto_dispatch_threshold {
            None => {}
            Some(toml::Value::Boolean(false)) => c.triage.auto_dispatch_threshold = None,
            Some(toml::Value::Float(v)) => {
                c.triage.auto_dispatch_threshold =
                    Some(share("auto_dispatch_threshold", *v as f32)?)
            }
            Some(toml::Value::Integer(v)) => {
                c.triage.auto_dispatch_threshold =
                    Some(share("auto_dispatch_threshold", *v as f32)?)
            }
            Some(_) => {
                bail!("[triage] auto_dispatch_threshold must be a number between 0 and 1, or false")
            }
        }
        if let Some(d) = t.duplicate_days {
            if !(1..=365).contains(&d) {
                bail!("[triage] duplicate_days must be between 1 and 365");
            }
            c.triage.duplicate_days = d;
        }
        if let Some(v) = t.duplicate_threshold {
            c.triage.duplicate_threshold = share("duplicate_threshold", v)?;
        }
        if let Some(h) = t.hotspot_hours {
            if !(1..=24 * 30).contains(&h) {
                bail!("[triage] hotspot_hours must be between 1 and 720");
            }
            c.triage.hotspot_hours = h;
        }
        if let Some(v) = t.hotspot_similarity {
            c.triage.hotspot_similarity = share("hotspot_similarity", v)?;
        }
        if let Some(n) = t.hotspot_min_cases {
            if n < 2 {
                bail!("[triage] hotspot_min_cases must be at least 2");
            }
            c.triage.hotspot_min_cases = n;
        }
        if let Some(p) = &t.user_dict {
            let text = std::fs::read_to_string(p).with_context(|| {
                format!("cannot read the triage user dictionary {}", p.display())
            })?;
            fengqiao_triage::Segmenter::new()
                .add_user_dict(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
            c.triage.user_dict = text;
        }
    }
    Ok(c)
}

/// Opens a database that must already exist: only `init`, `migrate` and `demo` create one, so a
/// mistyped path or a missing `--database` is an error naming the file looked for, not a new
/// empty database.
async fn open_existing(path: &std::path::Path, config: AppConfig) -> anyhow::Result<Arc<App>> {
    if !path.exists() {
        bail!(
            "没有找到数据库 {}：新建请先运行 `fengqiao init`，已有的请用 --database 或 FENGQIAO_DATABASE 指明（演示数据库默认为 fengqiao-demo.db）",
            path.display()
        );
    }
    open_app(path, config).await
}

async fn open_app(path: &std::path::Path, config: AppConfig) -> anyhow::Result<Arc<App>> {
    let store = SqliteStore::open(path)
        .with_context(|| format!("cannot open database {}", path.display()))?;
    Ok(App::new(Arc::new(store), Arc::new(SystemClock), config).await?)
}

pub async fn serve(
    app: Arc<App>,
    listen: &str,
    scheduler_period: std::time::Duration,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    app.scheduler.spawn(scheduler_period);
    tracing::info!("serving on http://{}", listener.local_addr()?);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    fengqiao_api::serve(
        listener,
        fengqiao_web::site(app),
        fengqiao_api::Limits::default(),
        shutdown,
    )
    .await?;
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    match std::env::var("FENGQIAO_PASSWORD") {
        Ok(p) => Ok(p),
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            Ok(line.trim_end_matches(['\r', '\n']).to_string())
        }
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("错误 error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { db, listen } => {
            let file = db.config_file()?;
            let path = db.database_path(&file)?;
            let app = open_existing(&path, app_config(&file)?).await?;
            let listen = listen
                .or(file.listen)
                .unwrap_or_else(|| "127.0.0.1:8080".into());
            serve(
                app,
                &listen,
                std::time::Duration::from_secs(file.scheduler_seconds.unwrap_or(60)),
            )
            .await
        }
        Command::Migrate { db } => {
            let file = db.config_file()?;
            let path = db.database_path(&file)?;
            SqliteStore::open(&path)?;
            println!("database {} is up to date", path.display());
            Ok(())
        }
        Command::Init { db, town, admin } => {
            let file = db.config_file()?;
            let app = open_app(&db.database_path(&file)?, app_config(&file)?).await?;
            if !app.core.regions().is_empty() {
                bail!("this database is already set up (it has regions); add users with `fengqiao user add`");
            }
            let password = read_password()?;
            let region = app
                .admin
                .create_region(
                    &Actor::system(),
                    None,
                    &town,
                    fengqiao_domain::org::RegionLevel::Town,
                )
                .await?;
            let user = app
                .admin
                .create_user(
                    &Actor::system(),
                    &admin,
                    "系统管理员",
                    &password,
                    Role::Admin,
                    region.id,
                    None,
                )
                .await?;
            println!(
                "township {} (region {}) and admin {} created",
                region.name, region.id, user.username
            );
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    db,
                    username,
                    name,
                    role,
                    region_id,
                    unit_id,
                },
        } => {
            let file = db.config_file()?;
            let app = open_existing(&db.database_path(&file)?, app_config(&file)?).await?;
            let role = Role::parse(&role).with_context(|| {
                format!(
                    "unknown role `{role}`: use admin, operator, unit_staff, grid_worker or leader"
                )
            })?;
            let password = read_password()?;
            let user = app
                .admin
                .create_user(
                    &Actor::system(),
                    &username,
                    &name,
                    &password,
                    role,
                    RegionId(region_id),
                    unit_id.map(UnitId),
                )
                .await?;
            println!(
                "user {} ({}) created with id {}",
                user.username,
                user.role.as_str(),
                user.id
            );
            Ok(())
        }
        Command::Calendar {
            command: CalendarCommand::Import { db, file: csv },
        } => {
            let file = db.config_file()?;
            let app = open_existing(&db.database_path(&file)?, app_config(&file)?).await?;
            let text = std::fs::read_to_string(&csv)
                .with_context(|| format!("cannot read {}", csv.display()))?;
            let days = fengqiao_domain::calendar::parse_csv(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", csv.display()))?;
            let n = app.admin.import_calendar(&Actor::system(), days).await?;
            let years: Vec<i32> = app.core.calendar().known_years().collect();
            println!("imported {n} days; the calendar now knows {years:?}");
            Ok(())
        }
        Command::Hotline { command } => {
            let db = match &command {
                HotlineCommand::Import { db, .. } | HotlineCommand::Export { db, .. } => db.clone(),
            };
            let file = db.config_file()?;
            let app = open_existing(&db.database_path(&file)?, app_config(&file)?).await?;
            let actor = Actor {
                name: "12345导入".into(),
                ..Actor::system()
            };
            match command {
                HotlineCommand::Import {
                    file,
                    mapping,
                    dry_run,
                    ..
                } => {
                    let mapping = match mapping {
                        None => fengqiao_app::hotline::Mapping::default(),
                        Some(p) => {
                            let text = std::fs::read_to_string(&p)
                                .with_context(|| format!("cannot read {}", p.display()))?;
                            toml::from_str(&text)
                                .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
                        }
                    };
                    let bytes = std::fs::read(&file)
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    let spreadsheet = file.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        ["xlsx", "xls", "xlsm", "ods"].contains(&e.to_ascii_lowercase().as_str())
                    });
                    let (orders, errors) = if spreadsheet {
                        fengqiao_app::hotline::read_workbook(&bytes, &mapping)
                    } else {
                        fengqiao_app::hotline::read_csv(bytes.as_slice(), &mapping)
                    };
                    let r = app
                        .hotline
                        .import(&actor, orders, errors, &mapping, dry_run)
                        .await?;
                    println!(
                        "{}{} 行：新建 {}，更新 {}，未变 {}，已在办理未更新 {}，出错 {}",
                        if r.dry_run {
                            "（演练，未写入）"
                        } else {
                            ""
                        },
                        r.rows,
                        r.created,
                        r.updated,
                        r.unchanged,
                        r.in_handling,
                        r.errors.len()
                    );
                    for e in &r.errors {
                        println!("  第 {} 行 {}：{}", e.row, e.column, e.reason);
                    }
                    if !r.errors.is_empty() {
                        std::process::exit(3);
                    }
                }
                HotlineCommand::Export { file, .. } => {
                    use fengqiao_app::hotline::ExportFormat;
                    let n = if file.as_os_str() == "-" {
                        let out = std::io::BufWriter::new(std::io::stdout());
                        app.hotline.export(&actor, out, ExportFormat::Csv).await?
                    } else {
                        let out = std::fs::File::create(&file)
                            .with_context(|| format!("cannot create {}", file.display()))?;
                        let format = ExportFormat::for_path(&file);
                        app.hotline
                            .export(&actor, std::io::BufWriter::new(out), format)
                            .await?
                    };
                    eprintln!("导出 {n} 件工单");
                }
            }
            Ok(())
        }
        Command::Client { command } => {
            let db = match &command {
                ClientCommand::Add { db, .. }
                | ClientCommand::List { db }
                | ClientCommand::Revoke { db, .. } => db.clone(),
            };
            let file = db.config_file()?;
            let app = open_existing(&db.database_path(&file)?, app_config(&file)?).await?;
            let actor = Actor {
                name: "命令行".into(),
                ..Actor::system()
            };
            match command {
                ClientCommand::Add { name, .. } => {
                    let (client, key) = app.clients.issue_key(&actor, &name).await?;
                    println!(
                        "接入方 {} 已登记（id {}）。密钥只显示这一次，请妥善交付：",
                        client.name, client.id
                    );
                    println!("{key}");
                }
                ClientCommand::List { .. } => {
                    for c in app.clients.list(&actor).await? {
                        println!(
                            "{:>4}  {:<20} {}…  {}  {}",
                            c.id,
                            c.name,
                            c.key_prefix,
                            c.created_at.format("%Y-%m-%d"),
                            c.revoked_at.map_or("有效".to_string(), |t| format!(
                                "已于 {} 吊销",
                                t.format("%Y-%m-%d")
                            ))
                        );
                    }
                }
                ClientCommand::Revoke { id, .. } => {
                    let c = app.clients.revoke(&actor, id).await?;
                    println!("已吊销 {} 的密钥", c.name);
                }
            }
            Ok(())
        }
        Command::Train { db, csv, folds } => {
            let file = db.config_file()?;
            let app = open_existing(&db.database_path(&file)?, app_config(&file)?).await?;
            let actor = Actor {
                name: "命令行".into(),
                ..Actor::system()
            };
            let started = std::time::Instant::now();
            let outcome = match csv {
                Some(path) => {
                    let data = triage_cli::LabelledCsv::read(&path)?;
                    app.triage
                        .train_and_store(
                            &actor,
                            data.rows,
                            format!("CSV {}", path.display()),
                            folds,
                        )
                        .await?
                }
                None => app.triage.train_from_cases(&actor, folds).await?,
            };
            println!(
                "模型版本 {} 已启用：{} 条样本，{} 个类别{}，用时 {:.1} 秒",
                outcome.model.version,
                outcome.model.examples,
                outcome.model.labels.len(),
                outcome
                    .macro_f1
                    .map(|f| format!("，交叉验证 macro_f1={f:.4}"))
                    .unwrap_or_default(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Models { db, activate } => {
            let file = db.config_file()?;
            let app = open_existing(&db.database_path(&file)?, app_config(&file)?).await?;
            let actor = Actor {
                name: "命令行".into(),
                ..Actor::system()
            };
            if let Some(v) = activate {
                app.triage.activate_model(&actor, v).await?;
                println!("已启用模型版本 {v}");
            }
            for m in app.triage.models(&actor).await? {
                println!(
                    "{} v{:<4} {}  {} 条样本  {}  {}{}",
                    if m.active { "*" } else { " " },
                    m.version,
                    m.trained_at.format("%Y-%m-%d %H:%M"),
                    m.examples,
                    m.source,
                    m.trained_by,
                    m.metrics
                        .get("macro_f1")
                        .and_then(|f| f.as_f64())
                        .map(|f| format!("  macro_f1={f:.4}"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Eval {
            folds,
            file,
            train,
            test,
            c,
        } => {
            let params = fengqiao_triage::TrainParams {
                c,
                calibrate: false,
                ..Default::default()
            };
            tokio::task::spawn_blocking(move || {
                triage_cli::eval(
                    folds,
                    file.as_deref(),
                    train.as_deref(),
                    test.as_deref(),
                    params,
                )
            })
            .await?
        }
        Command::Demo {
            addr,
            database,
            cases,
            no_serve,
            seed,
        } => {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = database.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(p));
            }
            let started = std::time::Instant::now();
            let app = open_app(&database, AppConfig::default()).await?;
            let summary = demo::build(&app, cases, seed).await?;
            println!(
                "\n枫桥演示乡镇已生成：{}，{} 件工单，用时 {:.1} 秒（数据库 {}）",
                summary.town,
                summary.cases,
                started.elapsed().as_secs_f64(),
                database.display()
            );
            println!("{}", summary.triage);
            if no_serve {
                return Ok(());
            }
            println!("\n  网页  http://{addr}/          （群众：反映问题、查询进度）");
            println!("  登录  http://{addr}/login     （工作人员：工作台、工单、驾驶舱）");
            if let Some(code) = summary.qr_code_region {
                println!("  民情码 http://{addr}/m/{code}   （二维码图片 /m/{code}/qr.svg）");
            }
            println!("  接口  http://{addr}/api/v1/openapi.json");
            println!("  密码  所有演示账号均为 {}", demo::DEMO_PASSWORD);
            for (user, role) in &summary.logins {
                println!("  账号  {user:<14} {role}");
            }
            println!("\n  例：curl -s -X POST http://{addr}/api/v1/auth/login -H 'Content-Type: application/json' -d '{{\"username\":\"zhongxin\",\"password\":\"{}\"}}'", demo::DEMO_PASSWORD);
            println!("\n  Open311  http://{addr}/open311/v2/discovery.json（services.xml、requests.json……）");
            println!(
                "  接口密钥 {}   （演示 Open311 应用“随手拍”）\n",
                summary.open311_key
            );
            serve(app, &addr, std::time::Duration::from_secs(60)).await
        }
    }
}
