-- The extra questions a category asks (Open311 service definitions) and the answers a case got.

CREATE TABLE category_attributes (
    id                   INTEGER PRIMARY KEY,
    category_id          BIGINT  NOT NULL REFERENCES categories (id),
    code                 TEXT    NOT NULL,
    datatype             TEXT    NOT NULL CHECK (datatype IN ('string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist')),
    required             BOOLEAN NOT NULL,
    variable             BOOLEAN NOT NULL,
    description          TEXT    NOT NULL,
    datatype_description TEXT,
    ord                  BIGINT  NOT NULL,
    choices              TEXT    NOT NULL DEFAULT '[]',   -- JSON [{key, name}]
    UNIQUE (category_id, code),
    UNIQUE (category_id, ord)
);

CREATE TABLE case_attributes (
    case_id BIGINT NOT NULL REFERENCES cases (id),
    code    TEXT   NOT NULL,
    value   TEXT   NOT NULL
);
CREATE INDEX case_attributes_case ON case_attributes (case_id);
