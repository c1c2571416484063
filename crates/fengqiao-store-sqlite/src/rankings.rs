//! Rankings: score schemes and published rankings (kept as JSON, append-only).

use crate::cached::Cached;
use crate::error::backend;
use crate::rows::*;
use crate::writes::write_audit;
use crate::SqliteStore;
use async_trait::async_trait;
use fengqiao_domain::kpi::ranking::{RankedObject, ScoreScheme};
use fengqiao_store::*;
use rusqlite::{params, OptionalExtension, Row};

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(Box::new(e)))
}

fn parse_json<T: serde::de::DeserializeOwned>(r: &Row, i: usize) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn ranking_from_row(r: &Row, with_lines: bool) -> rusqlite::Result<PublishedRanking> {
    Ok(PublishedRanking {
        id: r.get(0)?,
        object: parse_enum(r, 1, RankedObject::parse)?,
        period_key: r.get(2)?,
        period_label: r.get(3)?,
        published_at: ts(r.get(4)?),
        published_by: r.get(5)?,
        scheme: parse_json(r, 6)?,
        lines: if with_lines {
            parse_json(r, 7)?
        } else {
            vec![]
        },
    })
}

const COLUMNS: &str =
    "id, object, period_key, period_label, published_at, published_by, scheme, lines";

#[async_trait]
impl RankingStore for SqliteStore {
    async fn score_scheme(&self, object: RankedObject) -> Result<Option<ScoreScheme>> {
        self.read_point(move |conn| {
            conn.query_row_cached(
                "SELECT scheme FROM score_schemes WHERE object = ?1",
                [object.as_str()],
                |r| parse_json(r, 0),
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn set_score_scheme(&self, scheme: ScoreScheme, audit: Audit) -> Result<()> {
        self.write(move |conn| {
            let before: Option<ScoreScheme> = conn
                .query_row_cached(
                    "SELECT scheme FROM score_schemes WHERE object = ?1",
                    [scheme.object.as_str()],
                    |r| parse_json(r, 0),
                )
                .optional()
                .map_err(backend)?;
            conn.execute_cached(
                "INSERT INTO score_schemes (object, scheme, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (object) DO UPDATE SET scheme = excluded.scheme, updated_at = excluded.updated_at",
                params![scheme.object.as_str(), json(&scheme)?, ms(audit.at)],
            )
            .map_err(backend)?;
            let was = before
                .unwrap_or_else(|| ScoreScheme::default_for(scheme.object))
                .text()
                .replace('\n', "，");
            write_audit(
                conn,
                &audit,
                "ranking.scheme",
                &format!("score_scheme:{}", scheme.object.as_str()),
                &format!("{}考核权重：{} （原为 {}）", scheme.object.label(), scheme.text().replace('\n', "，"), was),
            )
        })
        .await
    }

    async fn publish_ranking(&self, r: PublishedRanking, audit: Audit) -> Result<PublishedRanking> {
        self.write(move |conn| {
            conn.execute_cached(
                "INSERT INTO published_rankings (object, period_key, period_label, published_at, published_by, scheme, lines)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    r.object.as_str(),
                    r.period_key,
                    r.period_label,
                    ms(audit.at),
                    audit.actor_name,
                    json(&r.scheme)?,
                    json(&r.lines)?
                ],
            )
            .map_err(backend)?;
            let id = conn.last_insert_rowid();
            write_audit(
                conn,
                &audit,
                "ranking.publish",
                &format!("ranking:{id}"),
                &format!("发布{}{}晾晒（{} 个）", r.period_label, r.object.label(), r.lines.len()),
            )?;
            Ok(PublishedRanking {
                id,
                published_at: audit.at,
                published_by: audit.actor_name.clone(),
                ..r
            })
        })
        .await
    }

    async fn published_rankings(
        &self,
        object: RankedObject,
        limit: u32,
    ) -> Result<Vec<PublishedRanking>> {
        self.read(move |conn| {
            query_all(
                conn,
                &format!("SELECT {COLUMNS} FROM published_rankings WHERE object = ?1 ORDER BY id DESC LIMIT ?2"),
                params![object.as_str(), limit],
                |r| ranking_from_row(r, false),
            )
        })
        .await
    }

    async fn published_ranking(&self, id: i64) -> Result<Option<PublishedRanking>> {
        self.read_point(move |conn| {
            conn.query_row_cached(
                &format!("SELECT {COLUMNS} FROM published_rankings WHERE id = ?1"),
                [id],
                |r| ranking_from_row(r, true),
            )
            .optional()
            .map_err(backend)
        })
        .await
    }
}
