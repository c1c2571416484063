//! The township the place benchmarks fill (`#[path]`-included by them): a fresh database in a
//! temporary directory, a town of ten villages with four grids each.

use fengqiao_app::{App, AppConfig, SystemClock};
use fengqiao_domain::org::{Actor, Region, RegionLevel};
use fengqiao_store_sqlite::SqliteStore;
use std::path::PathBuf;
use std::sync::Arc;

pub struct Township {
    pub app: Arc<App>,
    /// The directory to remove afterwards, and the database in it.
    pub dir: PathBuf,
    pub db: PathBuf,
    pub grids: Vec<Region>,
}

pub async fn township(name: &str) -> Township {
    let dir = std::env::temp_dir().join(format!("fengqiao-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join(format!("{name}.db"));
    let store = Arc::new(SqliteStore::open(&db).unwrap());
    let app = App::new(store, Arc::new(SystemClock), AppConfig::default())
        .await
        .unwrap();
    let sys = Actor::system();
    let town = app
        .admin
        .create_region(&sys, None, "甘霖镇", RegionLevel::Town)
        .await
        .unwrap();
    let mut grids = Vec::new();
    for v in 0..10 {
        let village = app
            .admin
            .create_region(
                &sys,
                Some(town.id),
                &format!("第{v}村"),
                RegionLevel::Village,
            )
            .await
            .unwrap();
        for g in 0..4 {
            let name = format!("第{v}村第{g}网格");
            let grid = app
                .admin
                .create_region(&sys, Some(village.id), &name, RegionLevel::Grid)
                .await
                .unwrap();
            grids.push(grid);
        }
    }
    Township {
        app,
        dir,
        db,
        grids,
    }
}

/// The `p`-th quantile of `v` (sorted in place).
pub fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}
