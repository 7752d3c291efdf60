-- redirect_history: every create/delete of a short link and who made it.
-- Applied at start-up; idempotent.
CREATE TABLE IF NOT EXISTS redirect_history (
    eid        UUID NOT NULL,
    action     VARCHAR,
    urlfrom    VARCHAR,
    hostfrom   VARCHAR,
    slugfrom   VARCHAR,
    urlto      VARCHAR,
    hostto     VARCHAR,
    pathto     VARCHAR,
    searchto   VARCHAR,
    oid        UUID,
    org        VARCHAR,
    updater    VARCHAR,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
