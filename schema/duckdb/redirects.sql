-- redirects: short links, one row per change; the newest row per urlfrom is the link (urlto '' = deleted).
-- Applied at start-up; idempotent.
CREATE TABLE IF NOT EXISTS redirects (
    eid        UUID NOT NULL,
    hhash      VARCHAR,
    urlfrom    VARCHAR,
    hostfrom   VARCHAR,
    urlto      VARCHAR,
    oid        UUID,
    org        VARCHAR,
    updater    VARCHAR,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
