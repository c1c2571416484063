-- Lists filtered by category (Open311 `service_code`), newest first, can walk the category's
-- cases in id order instead of sorting every match: a filtered page at a million cases went from
-- p99 19 ms to 4 ms (BENCHMARKS.md).

CREATE INDEX cases_category ON cases (category_id, id);
