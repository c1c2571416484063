//! `fengqiao hotline`: 12345 work orders imported from and exported to the platform's layout.

use crate::config::{cli_actor, DbArgs};
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum HotlineCommand {
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

pub async fn run(command: HotlineCommand) -> anyhow::Result<()> {
    let db = match &command {
        HotlineCommand::Import { db, .. } | HotlineCommand::Export { db, .. } => db.clone(),
    };
    let app = db.open().await?;
    let actor = cli_actor("12345导入");
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
                    toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
                }
            };
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let (orders, errors) = fengqiao_app::hotline::read_file(
                &bytes,
                file.file_name().and_then(|n| n.to_str()),
                &mapping,
            );
            let r = app
                .hotline
                .import(&actor, orders, errors, &mapping, dry_run)
                .await?;
            println!(
                "{}{} 行：新建 {}，更新 {}，未变 {}，已在办理未更新 {}，本平台工单（未重复导入）{}，出错 {} 行（{} 处）",
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
                r.own,
                r.failed_rows,
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
