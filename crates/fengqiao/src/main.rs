//! The `fengqiao` binary: one process serving the API and the pages and running the deadline
//! scheduler, and the commands that set a township up and move data in and out. One module per
//! command group; `config.rs` says where settings come from.

mod admin_cli;
mod client_cli;
mod config;
mod demo;
mod hotline_cli;
mod triage_cli;

use anyhow::Context;
use clap::{Parser, Subcommand};
use config::DbArgs;
use fengqiao_app::App;
use fengqiao_store_sqlite::SqliteStore;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "fengqiao", version, about = "枫桥 · 乡镇基层治理平台")]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
        command: admin_cli::UserCommand,
    },
    /// The working-day calendar.
    Calendar {
        #[command(subcommand)]
        command: admin_cli::CalendarCommand,
    },
    /// Build a fresh demo township with two years of cases (so reports compare with a year
    /// before), print the logins and serve it.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Where to write the demo database (replaced if it exists).
        #[arg(long, default_value = "fengqiao-demo.db")]
        database: PathBuf,
        /// How many cases to generate over the past two years.
        #[arg(long, default_value_t = 48_000)]
        cases: usize,
        /// Build the database and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// Random seed, for a reproducible demo.
        #[arg(long, default_value_t = 20261128)]
        seed: u64,
    },
    /// Fill a new database with a township and N cases over several years, every case driven
    /// through the real lifecycle, and count its KPI rollups (for benchmarks).
    Generate {
        /// The database to create (refused if it exists).
        #[arg(long)]
        database: PathBuf,
        /// How many cases.
        #[arg(long)]
        cases: usize,
        /// Over how many years before today.
        #[arg(long, default_value_t = 5)]
        years: usize,
        /// Random seed.
        #[arg(long, default_value_t = 20261128)]
        seed: u64,
    },
    /// 12345 hotline work orders: import from and export to the platform's CSV layout.
    Hotline {
        #[command(subcommand)]
        command: hotline_cli::HotlineCommand,
    },
    /// API keys for third-party clients (Open311 apps, the 12345 platform).
    Client {
        #[command(subcommand)]
        command: client_cli::ClientCommand,
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

pub async fn serve(
    app: Arc<App>,
    listen: &str,
    scheduler_period: std::time::Duration,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    app.scheduler.spawn(scheduler_period);
    app.notifier.spawn(std::time::Duration::from_secs(10));
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
            let app = config::open_existing(&path, config::app_config(&file)?).await?;
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
        Command::Init { db, town, admin } => admin_cli::init(db, town, admin).await,
        Command::User { command } => admin_cli::user(command).await,
        Command::Calendar { command } => admin_cli::calendar(command).await,
        Command::Hotline { command } => hotline_cli::run(command).await,
        Command::Client { command } => client_cli::run(command).await,
        Command::Train { db, csv, folds } => triage_cli::train(db, csv, folds).await,
        Command::Models { db, activate } => triage_cli::models(db, activate).await,
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
        } => demo::run(addr, database, cases, no_serve, seed).await,
        Command::Generate {
            database,
            cases,
            years,
            seed,
        } => demo::generate(database, cases, years, seed).await,
    }
}
