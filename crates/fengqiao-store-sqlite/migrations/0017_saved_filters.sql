-- Each staff member's saved workbench searches (常用筛选).
CREATE TABLE saved_filters (
    id      INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name    TEXT NOT NULL,
    query   TEXT NOT NULL,
    UNIQUE (user_id, name)
);
