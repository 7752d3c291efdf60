-- events: one row per tracked hit (spec §9.2). Applied at start-up; idempotent.
-- Absent values are NULL. created_at is UTC. params/targets hold JSON objects.
CREATE TABLE IF NOT EXISTS events (
    eid         UUID NOT NULL,
    oid         UUID,
    org         VARCHAR,
    vid         UUID,
    device_id   UUID,
    sid         UUID,
    hhash       VARCHAR,
    app         VARCHAR,
    rel         VARCHAR,
    cflags      BIGINT,
    created_at  TIMESTAMP NOT NULL,
    uid         UUID,
    tid         UUID,
    last        VARCHAR,
    url         VARCHAR,
    ip          VARCHAR,
    iphash      VARCHAR,
    lat         DOUBLE,
    lon         DOUBLE,
    ptyp        VARCHAR,
    bhash       VARCHAR,
    auth_id     UUID,
    duration    BIGINT,
    xid         VARCHAR,
    split       VARCHAR,
    ename       VARCHAR,
    source      VARCHAR,
    medium      VARCHAR,
    campaign    VARCHAR,
    content     VARCHAR,
    country     VARCHAR,
    region      VARCHAR,
    city        VARCHAR,
    zip         VARCHAR,
    term        VARCHAR,
    etyp        VARCHAR,
    ver         INTEGER,
    sink        VARCHAR,
    score       DOUBLE,
    params      JSON,
    invoice_id  UUID,
    targets     JSON,
    relation    VARCHAR,
    rid         UUID,
    ja4h        VARCHAR,
    gaid        VARCHAR,
    idfa        VARCHAR,
    msid        VARCHAR,
    fbid        VARCHAR,
    culture     VARCHAR,
    ref         UUID,
    rcode       VARCHAR,
    aff         VARCHAR,
    arm_id      VARCHAR,
    mcid        VARCHAR,
    browser     VARCHAR,
    device      VARCHAR,
    os          VARCHAR,
    tz          VARCHAR,
    vp_w        BIGINT,
    vp_h        BIGINT,
    browser_version VARCHAR,
    os_version      VARCHAR,
    is_bot          BOOLEAN,
    bot_reason      VARCHAR,
    channel         VARCHAR,
    referrer_host   VARCHAR,
    host            VARCHAR,
    vid_new         BOOLEAN
);

-- Columns added since the first release: a database made by an older version gains them here (appended, in the
-- order above, so the appender's positions hold).
ALTER TABLE events ADD COLUMN IF NOT EXISTS browser_version VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS os_version VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS is_bot BOOLEAN;
ALTER TABLE events ADD COLUMN IF NOT EXISTS bot_reason VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS channel VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS referrer_host VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS host VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS vid_new BOOLEAN;
