-- Patrol schedules: a weekday on which a region's grids patrol (下村日, 整治日).
CREATE TABLE patrol_schedules (
    id          INTEGER PRIMARY KEY,
    region_id   BIGINT  NOT NULL REFERENCES regions (id),
    region_path TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    weekday     INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    active      BOOLEAN NOT NULL DEFAULT 1,
    created_by  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

-- Each inspection keeps the due time it answered and whether it came by then: coverage is
-- counted from them. Earlier inspections did not record it and are left out of coverage.
ALTER TABLE inspections ADD COLUMN due_at BIGINT;
ALTER TABLE inspections ADD COLUMN on_time BOOLEAN;
CREATE INDEX inspections_due ON inspections (due_at);
CREATE INDEX places_next_due ON places (next_due_at);
