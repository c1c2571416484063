-- A place's own 民情码: the code on the plate at its door. Citizens scanning it report about the
-- place; an inspector scanning it checks in (the inspection records that it was scanned on site).
-- Random, so the plate cannot be made from the place's number.
ALTER TABLE places ADD COLUMN code TEXT;
UPDATE places SET code = 'p' || lower(hex(randomblob(6))) WHERE code IS NULL;
CREATE UNIQUE INDEX places_code ON places (code);

-- Whether the inspector scanned the place's code when inspecting it.
ALTER TABLE inspections ADD COLUMN checked_in BOOLEAN NOT NULL DEFAULT FALSE;
