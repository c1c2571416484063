-- Updates a client posted to a case (mySociety's POST servicerequestupdates), by the client's
-- own update id: a retried post finds its update instead of adding it twice.

CREATE TABLE external_updates (
    client_id   BIGINT NOT NULL REFERENCES api_clients (id),
    external_id TEXT   NOT NULL,
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    event_id    BIGINT NOT NULL UNIQUE REFERENCES case_events (id),
    PRIMARY KEY (client_id, external_id)
);
