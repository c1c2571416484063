-- Triage: classifier models, per-case suggestions, operator feedback, duplicate proposals, hot spots.

CREATE TABLE triage_models (
    version     INTEGER PRIMARY KEY,
    trained_at  BIGINT  NOT NULL,
    trained_by  TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    examples    BIGINT  NOT NULL,
    labels      TEXT    NOT NULL,          -- JSON array of label strings
    metrics     TEXT    NOT NULL,          -- JSON object
    model       BLOB    NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX triage_models_one_active ON triage_models (active) WHERE active;

CREATE TABLE case_suggestions (
    case_id         BIGINT  PRIMARY KEY REFERENCES cases (id),
    model_version   BIGINT  NOT NULL REFERENCES triage_models (version),
    label           TEXT    NOT NULL,
    category_id     BIGINT  REFERENCES categories (id),
    unit_id         BIGINT  REFERENCES units (id),
    confidence      REAL    NOT NULL,
    words           TEXT    NOT NULL,      -- JSON array
    auto_dispatched BOOLEAN NOT NULL DEFAULT FALSE
);

-- Append-only: an operator's verdict on a suggestion.
CREATE TABLE triage_feedback (
    id                    INTEGER PRIMARY KEY,
    case_id               BIGINT NOT NULL REFERENCES cases (id),
    suggested_category_id BIGINT REFERENCES categories (id),
    chosen_category_id    BIGINT NOT NULL REFERENCES categories (id),
    user_id               BIGINT REFERENCES users (id),
    at                    BIGINT NOT NULL
);
CREATE INDEX triage_feedback_case ON triage_feedback (case_id);

CREATE TABLE duplicate_proposals (
    id           INTEGER PRIMARY KEY,
    case_id      BIGINT NOT NULL REFERENCES cases (id),
    candidate_id BIGINT NOT NULL REFERENCES cases (id),
    similarity   REAL   NOT NULL,
    status       TEXT   NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'merged', 'dismissed')),
    created_at   BIGINT NOT NULL,
    decided_at   BIGINT,
    UNIQUE (case_id, candidate_id)
);
CREATE INDEX duplicate_proposals_candidate ON duplicate_proposals (candidate_id);

CREATE TABLE hotspots (
    id         INTEGER PRIMARY KEY,
    region_id  BIGINT NOT NULL REFERENCES regions (id),
    keywords   TEXT   NOT NULL,            -- JSON array
    first_at   BIGINT NOT NULL,
    last_at    BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX hotspots_last ON hotspots (last_at);

CREATE TABLE hotspot_members (
    hotspot_id BIGINT NOT NULL REFERENCES hotspots (id),
    case_id    BIGINT NOT NULL REFERENCES cases (id),
    PRIMARY KEY (hotspot_id, case_id)
);
