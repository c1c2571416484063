-- Third-party clients (Open311 apps, the 12345 platform) that post cases with an API key.

CREATE TABLE api_clients (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    key_hash   TEXT    NOT NULL UNIQUE,   -- SHA-256 of the key; the key itself is shown once
    key_prefix TEXT    NOT NULL,          -- first characters, to tell keys apart in lists
    created_at BIGINT  NOT NULL,
    created_by TEXT    NOT NULL,
    revoked_at BIGINT
);

-- The client a case came from, if any.
ALTER TABLE cases ADD COLUMN client_id BIGINT REFERENCES api_clients (id);
