-- A hazard that needs another unit's work opens an ordinary case through the intake (转为工单):
-- the hazard points at it.
ALTER TABLE hazards ADD COLUMN case_id BIGINT REFERENCES cases (id);
CREATE INDEX hazards_case ON hazards (case_id) WHERE case_id IS NOT NULL;
