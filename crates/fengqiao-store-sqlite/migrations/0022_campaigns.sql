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

-- A hazard carries its place's kind, as it carries its region: a campaign's report counts
-- hazards by region and kind without joining every one to its place.
ALTER TABLE hazards ADD COLUMN place_kind TEXT;
UPDATE hazards SET place_kind = (SELECT kind FROM places WHERE places.id = hazards.place_id);
-- Covering the report's count, in the order it groups by.
CREATE INDEX hazards_campaign ON hazards (place_kind, region_path, found_at, signed_off_at, due_at);
