-- alerts: one row per alert of the spike / error-rate detector (kind, ename, the window, observed / baseline /
-- threshold, the node that saw it). Applied at start-up; idempotent.
CREATE TABLE IF NOT EXISTS alerts (
    eid            UUID NOT NULL,
    kind           VARCHAR,
    ename          VARCHAR,
    window_start   TIMESTAMP,
    window_seconds BIGINT,
    observed       BIGINT,
    baseline       DOUBLE,
    threshold      DOUBLE,
    node           VARCHAR,
    created_at     TIMESTAMP NOT NULL
);
