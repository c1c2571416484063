-- Case ids come from a sequence of the database's own, as PostgreSQL's would: a new case takes
-- the next value and its number is made from it before the row is written (one INSERT).
CREATE TABLE id_sequences (
    name     TEXT PRIMARY KEY,
    next_id  BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO id_sequences (name, next_id) SELECT 'cases', COALESCE(MAX(id), 0) + 1 FROM cases;
