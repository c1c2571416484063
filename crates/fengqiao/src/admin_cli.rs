//! Setting a township up from the command line: `init` (the township and its first admin),
//! `user add`, `calendar import`.

use crate::config::{app_config, open_app, DbArgs};
use anyhow::{bail, Context};
use clap::Subcommand;
use fengqiao_domain::ids::{RegionId, UnitId};
use fengqiao_domain::org::{Actor, Role};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum UserCommand {
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
pub enum CalendarCommand {
    /// Import holidays and adjusted working days from a CSV file (`date,kind,name`).
    Import {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
    },
}

/// The township (root region) and its first admin, on an empty database.
pub async fn init(db: DbArgs, town: String, admin: String) -> anyhow::Result<()> {
    let file = db.config_file()?;
    let app = open_app(&db.database_path(&file)?, app_config(&file)?).await?;
    if !app.core.regions().is_empty() {
        bail!(
            "this database is already set up (it has regions); add users with `fengqiao user add`"
        );
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

pub async fn user(command: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add {
        db,
        username,
        name,
        role,
        region_id,
        unit_id,
    } = command;
    let app = db.open().await?;
    let role = Role::parse(&role).with_context(|| {
        format!("unknown role `{role}`: use admin, operator, unit_staff, grid_worker or leader")
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

pub async fn calendar(command: CalendarCommand) -> anyhow::Result<()> {
    let CalendarCommand::Import { db, file: csv } = command;
    let app = db.open().await?;
    let text =
        std::fs::read_to_string(&csv).with_context(|| format!("cannot read {}", csv.display()))?;
    let days = fengqiao_domain::calendar::parse_csv(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", csv.display()))?;
    let n = app.admin.import_calendar(&Actor::system(), days).await?;
    let years: Vec<i32> = app.core.calendar().known_years().collect();
    println!("imported {n} days; the calendar now knows {years:?}");
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
