-- Photos and other media a report links to (Open311 `media_url`, several for FixMyStreet's
-- multi-photo reports), in the order sent.

CREATE TABLE case_media (
    case_id  BIGINT  NOT NULL REFERENCES cases (id),
    position INTEGER NOT NULL,
    url      TEXT    NOT NULL,
    PRIMARY KEY (case_id, position)
);
