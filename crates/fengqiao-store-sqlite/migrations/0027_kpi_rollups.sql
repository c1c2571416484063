-- KPI rollups (issue 16). Each case's counts are kept beside it (`kpi_facts`: the fields of
-- `domain::kpi::CaseFacts`, its counts as one comma-separated text in `Measure` order, ~100
-- bytes a case); the per-day (span 0) and per-month (span 1, keyed by the month's
-- first day) sums by dimension are moved by the difference whenever a case's counts change.
-- Days are numbered from 1970-01-01 in China time. `kpi_state.watermark` is the last case
-- event counted: a pass counts the cases with newer events and moves it, in one transaction.
CREATE TABLE kpi_facts (
    case_id      BIGINT PRIMARY KEY REFERENCES cases (id),
    received_day BIGINT NOT NULL,
    due_day      BIGINT,
    village      BIGINT,
    grid         BIGINT,
    unit         BIGINT,
    category     BIGINT,
    channel      TEXT NOT NULL,
    hours_bucket BIGINT,
    measures     TEXT NOT NULL
);

CREATE TABLE kpi_rollup (
    dim  TEXT NOT NULL,
    span INTEGER NOT NULL,
    day  BIGINT NOT NULL,
    key  BIGINT NOT NULL,
    received          BIGINT NOT NULL DEFAULT 0,
    registered        BIGINT NOT NULL DEFAULT 0,
    rejected          BIGINT NOT NULL DEFAULT 0,
    answered_directly BIGINT NOT NULL DEFAULT 0,
    withdrawn         BIGINT NOT NULL DEFAULT 0,
    merged            BIGINT NOT NULL DEFAULT 0,
    supplements       BIGINT NOT NULL DEFAULT 0,
    reopen_requests   BIGINT NOT NULL DEFAULT 0,
    due               BIGINT NOT NULL DEFAULT 0,
    dispatches        BIGINT NOT NULL DEFAULT 0,
    accepted_on_time  BIGINT NOT NULL DEFAULT 0,
    returns           BIGINT NOT NULL DEFAULT 0,
    replied           BIGINT NOT NULL DEFAULT 0,
    replied_on_time   BIGINT NOT NULL DEFAULT 0,
    closed            BIGINT NOT NULL DEFAULT 0,
    followed_up       BIGINT NOT NULL DEFAULT 0,
    rated             BIGINT NOT NULL DEFAULT 0,
    satisfied         BIGINT NOT NULL DEFAULT 0,
    reopened          BIGINT NOT NULL DEFAULT 0,
    extended          BIGINT NOT NULL DEFAULT 0,
    overdue_yellow    BIGINT NOT NULL DEFAULT 0,
    overdue_red       BIGINT NOT NULL DEFAULT 0,
    handling_minutes  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (dim, span, day, key)
) WITHOUT ROWID;

-- Handling times per bucket (working hours), for the p90.
CREATE TABLE kpi_hours (
    dim    TEXT NOT NULL,
    span   INTEGER NOT NULL,
    day    BIGINT NOT NULL,
    key    BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (dim, span, day, key, bucket)
) WITHOUT ROWID;

CREATE TABLE kpi_state (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    watermark BIGINT NOT NULL
);
INSERT INTO kpi_state (id, watermark) VALUES (1, 0);
