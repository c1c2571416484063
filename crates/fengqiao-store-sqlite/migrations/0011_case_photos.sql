-- Photos uploaded with a report (the citizen's report page, the grid worker's phone), kept in
-- the database with their case so one backup holds everything. Their metadata is removed
-- before they are stored; the place the phone recorded is kept beside them for staff.

CREATE TABLE case_photos (
    id           INTEGER PRIMARY KEY,
    case_id      BIGINT  NOT NULL REFERENCES cases (id),
    content_type TEXT    NOT NULL,
    bytes        BLOB    NOT NULL,
    latitude     DOUBLE PRECISION,
    longitude    DOUBLE PRECISION
);
CREATE INDEX case_photos_case ON case_photos (case_id);
