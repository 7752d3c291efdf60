-- {db} stands for the session's database (settings.database); the tracker substitutes it. By hand:
--   sed "s/{db}/tracker/g" FILE | clickhouse-client --multiquery
-- Money, short links, consent, accounts, logs (spec §6, §2.8, §2.9, §9.2). Replacing tables keep the latest
-- version by updated_at: read them with FINAL.
CREATE TABLE IF NOT EXISTS {db}.payments (
    id UUID, eid UUID, oid UUID, org String, uid UUID, vid UUID, sid UUID, tid UUID, invid UUID, orid UUID,
    product_id UUID, product String, pcat String, man String, model String, duration String,
    currency String, country String, rcode String, region String, campaign_id String,
    qty Float64, price Float64, discount Float64, revenue Float64, margin Float64, cost Float64, tax Float64,
    tax_rate Float64, commission Float64, referral Float64, fees Float64, subtotal Float64, total Float64,
    payment Float64, starts DateTime, ends DateTime, invoiced_at DateTime, paid_at DateTime,
    owner UUID, updater UUID, created_at DateTime, updated_at DateTime
) ENGINE = ReplacingMergeTree(updated_at) PARTITION BY toYYYYMM(created_at) ORDER BY (oid, org, id);

CREATE TABLE IF NOT EXISTS {db}.ltv (
    hhash String, id UUID, id_type String, paid Float64, oid UUID, org String,
    updated_at DateTime, updater UUID, created_at DateTime, owner UUID
) ENGINE = SummingMergeTree(paid) ORDER BY (hhash, id, id_type);

CREATE TABLE IF NOT EXISTS {db}.redirects (
    hhash String, urlfrom String, urlto String, oid UUID, org String, updated_at DateTime, updater UUID, created_at DateTime
) ENGINE = ReplacingMergeTree(updated_at) ORDER BY urlfrom;

CREATE TABLE IF NOT EXISTS {db}.redirect_history (
    urlfrom String, hostfrom String, slugfrom String, urlto String, hostto String, pathto String, searchto String,
    oid UUID, org String, updater UUID, updated_at DateTime
) ENGINE = ReplacingMergeTree(updated_at) ORDER BY (urlfrom, updated_at);

CREATE TABLE IF NOT EXISTS {db}.agreements (
    vid UUID, created_at DateTime, updated_at DateTime, cflags Int64, sid UUID, uid UUID, avid UUID, hhash String,
    app String, rel String, url String, ip String, iphash String, gaid String, idfa String, msid String, fbid String,
    country String, region String, culture String, source String, medium String, campaign String, term String,
    ref UUID, rcode String, aff String, browser String, bhash String, device String, os String, tz String,
    vp_w Int64, vp_h Int64, lat Float64, lon Float64, zip String, owner UUID, oid UUID, org String
) ENGINE = ReplacingMergeTree(updated_at) ORDER BY (vid, created_at);

-- agreed: the full history of consent changes (agreements keeps the latest per vid).
CREATE TABLE IF NOT EXISTS {db}.agreed (
    vid UUID, created_at DateTime, updated_at DateTime, cflags Int64, sid UUID, uid UUID, avid UUID, hhash String,
    app String, rel String, url String, ip String, iphash String, gaid String, idfa String, msid String, fbid String,
    country String, region String, culture String, source String, medium String, campaign String, term String,
    ref UUID, rcode String, aff String, browser String, bhash String, device String, os String, tz String,
    vp_w Int64, vp_h Int64, lat Float64, lon Float64, zip String, owner UUID, oid UUID, org String
) ENGINE = MergeTree PARTITION BY toYYYYMM(updated_at) ORDER BY (vid, updated_at);

CREATE TABLE IF NOT EXISTS {db}.jurisdictions (
    regulation String, compliance String, seq UInt32, rules String, locs String, updated_at DateTime
) ENGINE = ReplacingMergeTree(updated_at) ORDER BY (regulation, compliance, seq);

CREATE TABLE IF NOT EXISTS {db}.accounts (
    uid UUID, pwd String, ip String, msg String, expires DateTime, creds String,
    created_at DateTime, updated_at DateTime, owner UUID
) ENGINE = ReplacingMergeTree(updated_at) ORDER BY uid;

CREATE TABLE IF NOT EXISTS {db}.logs (
    id UUID, ldate Date, created_at DateTime, ltime UInt64, topic String, name String, host String, hostname String,
    oid UUID, org String, owner UUID, ip String, iphash String, level Int32, msg String, params String
) ENGINE = MergeTree PARTITION BY toYYYYMM(ldate) ORDER BY (created_at, id);

CREATE TABLE IF NOT EXISTS {db}.updates (id String, updated_at DateTime, msg String)
ENGINE = ReplacingMergeTree(updated_at) ORDER BY id;
