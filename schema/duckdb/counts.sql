-- counts: one row per `count` message consumed from NATS (spec §17); totals are SUM(total) per id.
-- Applied at start-up; idempotent.
CREATE TABLE IF NOT EXISTS counts (
    eid        UUID NOT NULL,
    id         VARCHAR,
    total      BIGINT,
    created_at TIMESTAMP NOT NULL
);
