//! `fengqiao client`: API keys for third-party clients (Open311 apps, the 12345 platform).

use crate::config::{cli_actor, DbArgs};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum ClientCommand {
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

pub async fn run(command: ClientCommand) -> anyhow::Result<()> {
    let db = match &command {
        ClientCommand::Add { db, .. }
        | ClientCommand::List { db }
        | ClientCommand::Revoke { db, .. } => db.clone(),
    };
    let app = db.open().await?;
    let actor = cli_actor("命令行");
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
