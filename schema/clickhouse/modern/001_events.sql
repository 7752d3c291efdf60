-- {db} stands for the session's database (settings.database); the tracker substitutes it. By hand:
--   sed "s/{db}/tracker/g" FILE | clickhouse-client --multiquery
-- events, modern variant (ClickHouse >= 22; used instead of ../001_events.sql when the server is): millisecond
-- created_at (DateTime64(3, 'UTC')), LowCardinality for low-cardinality strings, ZSTD for the JSON text, and a
-- minmax skip index on eid for fast replay checks. Same columns and names as the 18.16 file, so the session
-- code is identical; params/targets stay JSON text (JSONExtract*) rather than the JSON type, whose RowBinary
-- encoding differs by server version.
-- Absent values are column defaults ('' / zero UUID / 0). params and targets hold JSON text (visitParamExtract*,
-- JSONExtract* on newer servers).
CREATE TABLE IF NOT EXISTS {db}.events (
    eid UUID,
    oid UUID,
    org LowCardinality(String),
    vid UUID,
    device_id UUID,
    sid UUID,
    hhash String,
    app LowCardinality(String),
    rel LowCardinality(String),
    cflags Int64,
    created_at DateTime64(3, 'UTC'),
    uid UUID,
    tid UUID,
    last String,
    url String,
    ip String,
    iphash String,
    lat Float64,
    lon Float64,
    ptyp LowCardinality(String),
    bhash String,
    auth_id UUID,
    duration Int64,
    xid String,
    split String,
    ename String,
    source LowCardinality(String),
    medium LowCardinality(String),
    campaign String,
    content String,
    country LowCardinality(String),
    region LowCardinality(String),
    city String,
    zip String,
    term String,
    etyp LowCardinality(String),
    ver Int32,
    sink String,
    score Float64,
    params String CODEC(ZSTD(1)),
    invoice_id UUID,
    targets String CODEC(ZSTD(1)),
    relation String,
    rid UUID,
    ja4h String,
    gaid String,
    idfa String,
    msid String,
    fbid String,
    culture LowCardinality(String),
    ref UUID,
    rcode String,
    aff String,
    arm_id String,
    mcid String,
    browser String,
    device LowCardinality(String),
    os LowCardinality(String),
    tz LowCardinality(String),
    vp_w Int64,
    vp_h Int64,
    browser_version LowCardinality(String),
    os_version LowCardinality(String),
    is_bot UInt8,
    bot_reason LowCardinality(String),
    channel LowCardinality(String),
    referrer_host LowCardinality(String),
    host LowCardinality(String),
    vid_new UInt8,
    INDEX eid_minmax eid TYPE minmax GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY toYYYYMM(created_at)
ORDER BY (created_at, eid)
SETTINGS index_granularity = 8192;

-- First and latest event per visitor / session (spec §9.2 views); computed, never written.
CREATE VIEW IF NOT EXISTS {db}.visitors AS
SELECT * FROM {db}.events WHERE vid != toUUID('00000000-0000-0000-0000-0000000fe0ce') ORDER BY created_at ASC LIMIT 1 BY oid, vid;

CREATE VIEW IF NOT EXISTS {db}.visitors_latest AS
SELECT * FROM {db}.events WHERE vid != toUUID('00000000-0000-0000-0000-0000000fe0ce') ORDER BY created_at DESC LIMIT 1 BY oid, vid;

CREATE VIEW IF NOT EXISTS {db}.sessions AS
SELECT * FROM {db}.events WHERE vid != toUUID('00000000-0000-0000-0000-0000000fe0ce') ORDER BY created_at ASC LIMIT 1 BY oid, sid;
