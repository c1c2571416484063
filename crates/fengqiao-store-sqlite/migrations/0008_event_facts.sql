-- The facts KPIs are counted from, recorded with each event when it happens: the unit
-- responsible from the event on, the deadline in force when the action was taken, and whether
-- the action came by it. Events written before this migration keep NULL (unknown).
ALTER TABLE case_events ADD COLUMN unit_id BIGINT REFERENCES units(id);
ALTER TABLE case_events ADD COLUMN due_at BIGINT;
ALTER TABLE case_events ADD COLUMN on_time BOOLEAN;
CREATE INDEX case_events_unit_at ON case_events (unit_id, at);
