-- Campaigns (专项行动): their reports are counted from inspections and hazards, so only the
-- campaign itself is stored.
CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    starts_on   TEXT    NOT NULL, -- YYYY-MM-DD, China time
    ends_on     TEXT    NOT NULL,
    targets     TEXT    NOT NULL, -- JSON: [{kind, places}]
    task_force  TEXT    NOT NULL,
    region_path TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    created_by  TEXT    NOT NULL
);
-- A campaign's hazards by when they were found.
CREATE INDEX hazards_found ON hazards (found_at);
