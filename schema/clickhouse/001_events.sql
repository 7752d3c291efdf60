-- {db} stands for the session's database (settings.database); the tracker substitutes it. By hand:
--   sed "s/{db}/tracker/g" FILE | clickhouse-client --multiquery
-- events: one row per tracked hit (spec §9.2). Works on ClickHouse 18.16 and current releases.
-- 18.16 has no DateTime64: created_at is DateTime (seconds); the event id (UUIDv7) keeps millisecond order.
-- Absent values are column defaults ('' / zero UUID / 0). params and targets hold JSON text (visitParamExtract*,
-- JSONExtract* on newer servers).
CREATE TABLE IF NOT EXISTS {db}.events (
    eid UUID,
    oid UUID,
    org String,
    vid UUID,
    device_id UUID,
    sid UUID,
    hhash String,
    app String,
    rel String,
    cflags Int64,
    created_at DateTime,
    uid UUID,
    tid UUID,
    last String,
    url String,
    ip String,
    iphash String,
    lat Float64,
    lon Float64,
    ptyp String,
    bhash String,
    auth_id UUID,
    duration Int64,
    xid String,
    split String,
    ename String,
    source String,
    medium String,
    campaign String,
    content String,
    country String,
    region String,
    city String,
    zip String,
    term String,
    etyp String,
    ver Int32,
    sink String,
    score Float64,
    params String,
    invoice_id UUID,
    targets String,
    relation String,
    rid UUID,
    ja4h String,
    gaid String,
    idfa String,
    msid String,
    fbid String,
    culture String,
    ref UUID,
    rcode String,
    aff String,
    arm_id String,
    mcid String,
    browser String,
    device String,
    os String,
    tz String,
    vp_w Int64,
    vp_h Int64,
    browser_version String,
    os_version String,
    is_bot UInt8,
    bot_reason String,
    channel String,
    referrer_host String,
    host String,
    vid_new UInt8
) ENGINE = MergeTree
PARTITION BY toYYYYMM(created_at)
ORDER BY (created_at, eid);

-- First and latest event per visitor / session (spec §9.2 views); computed, never written.
CREATE VIEW IF NOT EXISTS {db}.visitors AS
SELECT * FROM {db}.events WHERE vid != toUUID('00000000-0000-0000-0000-0000000fe0ce') ORDER BY created_at ASC LIMIT 1 BY oid, vid;

CREATE VIEW IF NOT EXISTS {db}.visitors_latest AS
SELECT * FROM {db}.events WHERE vid != toUUID('00000000-0000-0000-0000-0000000fe0ce') ORDER BY created_at DESC LIMIT 1 BY oid, vid;

CREATE VIEW IF NOT EXISTS {db}.sessions AS
SELECT * FROM {db}.events WHERE vid != toUUID('00000000-0000-0000-0000-0000000fe0ce') ORDER BY created_at ASC LIMIT 1 BY oid, sid;
