-- logs: `log` messages consumed from NATS (spec §17); ltime is the sender's time in nanoseconds.
-- Applied at start-up; idempotent.
CREATE TABLE IF NOT EXISTS logs (
    eid        UUID NOT NULL,
    created_at TIMESTAMP NOT NULL,
    ltime      BIGINT,
    topic      VARCHAR,
    name       VARCHAR,
    host       VARCHAR,
    hostname   VARCHAR,
    owner      UUID,
    oid        UUID,
    org        VARCHAR,
    ip         VARCHAR,
    iphash     VARCHAR,
    level      INTEGER,
    msg        VARCHAR,
    params     JSON
);
