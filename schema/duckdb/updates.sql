-- updates: `update` messages consumed from NATS (spec §17); the newest msg per id is the current one.
-- Applied at start-up; idempotent.
CREATE TABLE IF NOT EXISTS updates (
    eid        UUID NOT NULL,
    id         VARCHAR,
    msg        VARCHAR,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
