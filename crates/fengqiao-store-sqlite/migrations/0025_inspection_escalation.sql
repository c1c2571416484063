-- Overdue inspections escalated as overdue cases are: urged (催检) once past due, supervised
-- (督办) once past due by the configured days; cleared when the place is inspected (or its due
-- time moves past now). Each step is kept, append-only, with the due time it was taken against.
ALTER TABLE places ADD COLUMN escalation TEXT;
ALTER TABLE places ADD COLUMN escalated_at BIGINT;
CREATE INDEX places_escalation ON places (escalation) WHERE escalation IS NOT NULL;

CREATE TABLE place_escalations (
    id       INTEGER PRIMARY KEY,
    place_id BIGINT NOT NULL REFERENCES places (id),
    level    TEXT   NOT NULL,
    at       BIGINT NOT NULL,
    due_at   BIGINT NOT NULL
);
CREATE INDEX place_escalations_place ON place_escalations (place_id, id);

CREATE TRIGGER place_escalations_append_only_update BEFORE UPDATE ON place_escalations
BEGIN SELECT RAISE(ABORT, 'place_escalations is append-only'); END;
CREATE TRIGGER place_escalations_append_only_delete BEFORE DELETE ON place_escalations
BEGIN SELECT RAISE(ABORT, 'place_escalations is append-only'); END;
