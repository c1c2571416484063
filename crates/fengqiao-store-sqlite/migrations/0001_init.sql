-- Fengqiao schema, version 1. Written in SQL that PostgreSQL also accepts (apart from the id
-- columns and triggers, which each backend declares in its own dialect). Instants are BIGINT
-- milliseconds since the Unix epoch (UTC); enums are TEXT in snake_case.

CREATE TABLE regions (
    id          INTEGER PRIMARY KEY,
    parent_id   BIGINT REFERENCES regions(id),
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    path        TEXT NOT NULL,
    UNIQUE (parent_id, name)
);

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    platform    TEXT,
    region_id   BIGINT NOT NULL REFERENCES regions(id)
);

CREATE TABLE categories (
    id              INTEGER PRIMARY KEY,
    parent_id       BIGINT REFERENCES categories(id),
    name            TEXT NOT NULL,
    default_unit_id BIGINT REFERENCES units(id),
    is_petition     BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (parent_id, name)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    region_id     BIGINT NOT NULL REFERENCES regions(id),
    unit_id       BIGINT REFERENCES units(id),
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE tokens (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE time_policies (
    id          INTEGER PRIMARY KEY,
    category_id BIGINT REFERENCES categories(id),
    priority    TEXT,
    stage       TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    unit        TEXT NOT NULL
);
CREATE UNIQUE INDEX time_policies_rule ON time_policies (COALESCE(category_id, 0), COALESCE(priority, ''), stage);

CREATE TABLE calendar_days (
    day   TEXT PRIMARY KEY,
    kind  TEXT NOT NULL,
    name  TEXT NOT NULL
);

CREATE TABLE cases (
    id                 INTEGER PRIMARY KEY,
    case_no            TEXT NOT NULL UNIQUE,
    title              TEXT NOT NULL,
    body               TEXT NOT NULL,
    channel            TEXT NOT NULL,
    category_id        BIGINT REFERENCES categories(id),
    priority           TEXT NOT NULL,
    region_id          BIGINT REFERENCES regions(id),
    region_path        TEXT,
    address            TEXT,
    latitude           DOUBLE PRECISION,
    longitude          DOUBLE PRECISION,
    state              TEXT NOT NULL,
    unit_id            BIGINT REFERENCES units(id),
    parent_id          BIGINT REFERENCES cases(id),
    merged_into        BIGINT REFERENCES cases(id),
    is_petition        BOOLEAN NOT NULL,
    reopen_count       INTEGER NOT NULL,
    return_count       INTEGER NOT NULL,
    urge_count         INTEGER NOT NULL,
    supervise_count    INTEGER NOT NULL,
    listed_supervision BOOLEAN NOT NULL,
    overdue_level      TEXT NOT NULL,
    ext_days           INTEGER,
    ext_reason         TEXT,
    ext_requested_at   BIGINT,
    extended_days      INTEGER NOT NULL,
    stage_started_at   BIGINT,
    accept_due         BIGINT,
    return_due         BIGINT,
    reply_due          BIGINT,
    follow_up_due      BIGINT,
    dispatched_at      BIGINT,
    accepted_at        BIGINT,
    replied_at         BIGINT,
    closed_at          BIGINT,
    reply              TEXT,
    satisfaction       TEXT,
    unit_at_fault      BOOLEAN NOT NULL,
    created_by         BIGINT REFERENCES users(id),
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    version            BIGINT NOT NULL,
    idempotency_key    TEXT UNIQUE
);
CREATE INDEX cases_state ON cases (state);
CREATE INDEX cases_unit ON cases (unit_id, state);
CREATE INDEX cases_region_path ON cases (region_path);
CREATE INDEX cases_parent ON cases (parent_id);
CREATE INDEX cases_created ON cases (created_at);

CREATE TABLE reporters (
    id               INTEGER PRIMARY KEY,
    case_id          BIGINT NOT NULL REFERENCES cases(id),
    original_case_id BIGINT NOT NULL REFERENCES cases(id),
    name             TEXT,
    phone            TEXT,
    channel          TEXT NOT NULL,
    reported_at      BIGINT NOT NULL
);
CREATE INDEX reporters_case ON reporters (case_id);

CREATE TABLE case_tasks (
    id           INTEGER PRIMARY KEY,
    case_id      BIGINT NOT NULL REFERENCES cases(id),
    unit_id      BIGINT NOT NULL REFERENCES units(id),
    instructions TEXT NOT NULL,
    due_at       BIGINT NOT NULL,
    state        TEXT NOT NULL,
    reply        TEXT,
    replied_at   BIGINT
);
CREATE INDEX case_tasks_case ON case_tasks (case_id);
CREATE INDEX case_tasks_unit ON case_tasks (unit_id);

CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    action      TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    actor_id    BIGINT REFERENCES users(id),
    actor_name  TEXT NOT NULL,
    remark      TEXT,
    at          BIGINT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    phone       TEXT,
    message     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    sent_at     BIGINT
);
CREATE INDEX notifications_case ON notifications (case_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    BIGINT,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    detail      TEXT
);

-- Append-only: the history of a case and the audit trail can never be rewritten.
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
