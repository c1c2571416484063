-- Rankings (晾晒, issue 16): the weights a township scores villages and units by (JSON of
-- `domain::kpi::ranking::ScoreScheme`), and every ranking as it was posted, append-only.
CREATE TABLE score_schemes (
    object     TEXT PRIMARY KEY,
    scheme     TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE published_rankings (
    id           INTEGER PRIMARY KEY,
    object       TEXT NOT NULL,
    period_key   TEXT NOT NULL,
    period_label TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT NOT NULL,
    scheme       TEXT NOT NULL,
    lines        TEXT NOT NULL
);
CREATE INDEX published_rankings_object ON published_rankings (object, id);

CREATE TRIGGER published_rankings_no_update BEFORE UPDATE ON published_rankings
BEGIN SELECT RAISE(ABORT, 'published_rankings is append-only'); END;
CREATE TRIGGER published_rankings_no_delete BEFORE DELETE ON published_rankings
BEGIN SELECT RAISE(ABORT, 'published_rankings is append-only'); END;
