//! Where the binary's settings come from: the database flag or `FENGQIAO_DATABASE`, and a TOML
//! file (`--config`); and opening the application over the database they name.

use anyhow::{bail, Context};
use clap::Args;
use fengqiao_app::{App, AppConfig, SystemClock};
use fengqiao_domain::org::Actor;
use fengqiao_store_sqlite::SqliteStore;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Args, Clone)]
pub struct DbArgs {
    /// Database: a SQLite file path or `sqlite://PATH`.
    #[arg(long, env = "FENGQIAO_DATABASE")]
    database: Option<String>,
    /// A TOML config file with `database`, `listen`, `yellow_share`, `scheduler_seconds`.
    #[arg(long, env = "FENGQIAO_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    database: Option<String>,
    pub listen: Option<String>,
    yellow_share: Option<f64>,
    pub scheduler_seconds: Option<u64>,
    urge_after_hours: Option<i64>,
    supervise_after_hours: Option<i64>,
    /// Days past due after which an overdue inspection is supervised (督办); 0 at once.
    inspection_supervise_after_days: Option<u32>,
    /// The address citizens and clients reach the platform at (QR codes, Open311 discovery).
    public_url: Option<String>,
    /// A tile server's URL template for the dashboard's map, e.g.
    /// `https://tiles.example.gov.cn/{z}/{x}/{y}.png`.
    map_tiles: Option<String>,
    /// The Chinese font PDF reports embed (.ttf/.otf/.ttc); default: the system's Noto Sans CJK.
    report_font: Option<String>,
    /// Reports triaged and stored at once (default 128); more wait their turn.
    intake_in_flight: Option<usize>,
    /// Milliseconds a report waits for its turn before it is answered 503 with Retry-After
    /// (default 1000).
    intake_queue_wait_ms: Option<u64>,
    triage: Option<TriageFile>,
    notify: Option<NotifyFile>,
}

/// `[notify]` in the config file: how reporters are told.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NotifyFile {
    /// `log` (the default: nothing leaves the platform), `sms` or `webhook`.
    sender: Option<String>,
    /// The gateway's or the webhook's address (`http://…`, on the township's network).
    url: Option<String>,
    /// The SMS gateway's account and password.
    account: Option<String>,
    password: Option<String>,
    /// Put before every SMS, e.g. `【甘霖镇】`.
    signature: Option<String>,
    /// Sent as `Authorization: Bearer …` to the webhook.
    token: Option<String>,
    /// Attempts before a notification is listed as failed (default 5).
    max_attempts: Option<u32>,
}

fn notify_config(n: &NotifyFile) -> anyhow::Result<fengqiao_app::NotifyConfig> {
    use fengqiao_app::SenderConfig;
    let url = || -> anyhow::Result<String> {
        let u = n
            .url
            .as_deref()
            .map(str::trim)
            .context("[notify] url is required for this sender")?;
        if !u.starts_with("http://") {
            bail!("[notify] url must be an http:// address on the township's network (for an https gateway, relay it through a local proxy)");
        }
        Ok(u.to_string())
    };
    let sender = match n.sender.as_deref().unwrap_or("log") {
        "log" => SenderConfig::Log,
        "sms" => SenderConfig::Sms {
            url: url()?,
            account: n
                .account
                .clone()
                .context("[notify] account is required for sms")?,
            password: n
                .password
                .clone()
                .context("[notify] password is required for sms")?,
            signature: n.signature.clone().unwrap_or_default(),
        },
        "webhook" => SenderConfig::Webhook {
            url: url()?,
            token: n.token.clone(),
        },
        other => bail!("[notify] sender must be log, sms or webhook, not {other}"),
    };
    let mut c = fengqiao_app::NotifyConfig {
        sender,
        ..Default::default()
    };
    if let Some(m) = n.max_attempts {
        if m == 0 || m > 20 {
            bail!("[notify] max_attempts must be between 1 and 20");
        }
        c.max_attempts = m;
    }
    Ok(c)
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
    pub fn config_file(&self) -> anyhow::Result<ConfigFile> {
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

    pub fn database_path(&self, file: &ConfigFile) -> anyhow::Result<PathBuf> {
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

pub fn app_config(file: &ConfigFile) -> anyhow::Result<AppConfig> {
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
    if let Some(d) = file.inspection_supervise_after_days {
        if d > 366 {
            bail!("inspection_supervise_after_days must be 0–366 (e.g. 3)");
        }
        c.inspection_supervise_after_days = Some(d);
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
    if let Some(n) = file.intake_in_flight {
        if !(1..=4096).contains(&n) {
            bail!("intake_in_flight must be 1–4096 (e.g. 128)");
        }
        c.intake_limits.in_flight = n;
    }
    if let Some(ms) = file.intake_queue_wait_ms {
        if !(1..=60_000).contains(&ms) {
            bail!("intake_queue_wait_ms must be 1–60000 (e.g. 1000)");
        }
        c.intake_limits.queue_wait = std::time::Duration::from_millis(ms);
    }
    if let Some(f) = &file.report_font {
        let path = std::path::PathBuf::from(f.trim());
        if !path.is_file() {
            bail!("report_font: no font file at {} (install fonts-noto-cjk, or name a .ttf/.otf/.ttc file)", path.display());
        }
        c.report_font = Some(path);
    }
    if let Some(n) = &file.notify {
        c.notify = notify_config(n)?;
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
pub async fn open_existing(path: &std::path::Path, config: AppConfig) -> anyhow::Result<Arc<App>> {
    if !path.exists() {
        bail!(
            "没有找到数据库 {}：新建请先运行 `fengqiao init`，已有的请用 --database 或 FENGQIAO_DATABASE 指明（演示数据库默认为 fengqiao-demo.db）",
            path.display()
        );
    }
    open_app(path, config).await
}

pub async fn open_app(path: &std::path::Path, config: AppConfig) -> anyhow::Result<Arc<App>> {
    let store = SqliteStore::open(path)
        .with_context(|| format!("cannot open database {}", path.display()))?;
    Ok(App::new(Arc::new(store), Arc::new(SystemClock), config).await?)
}

impl DbArgs {
    /// The application over the database these arguments name, which must exist, with the
    /// configuration file's settings.
    pub async fn open(&self) -> anyhow::Result<Arc<App>> {
        let file = self.config_file()?;
        open_existing(&self.database_path(&file)?, app_config(&file)?).await
    }
}

/// Who the command line acts as in the records: the system, under `name`.
pub fn cli_actor(name: &str) -> Actor {
    Actor {
        name: name.into(),
        ..Actor::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> anyhow::Result<AppConfig> {
        app_config(&toml::from_str::<ConfigFile>(text)?)
    }

    #[test]
    fn intake_limits_come_from_the_file_and_out_of_range_values_name_the_key() {
        let c = config("intake_in_flight = 32\nintake_queue_wait_ms = 250").unwrap();
        assert_eq!(c.intake_limits.in_flight, 32);
        assert_eq!(
            c.intake_limits.queue_wait,
            std::time::Duration::from_millis(250)
        );
        let d = config("").unwrap();
        assert_eq!(d.intake_limits.in_flight, 128);
        for bad in ["intake_in_flight = 0", "intake_queue_wait_ms = 0"] {
            let e = config(bad).unwrap_err().to_string();
            assert!(e.contains(bad.split(' ').next().unwrap()), "{e}");
        }
    }
}
