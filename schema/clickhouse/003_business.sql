-- {db} stands for the session's database (settings.database); the tracker substitutes it. By hand:
--   sed "s/{db}/tracker/g" FILE | clickhouse-client --multiquery
-- Money, short links and consent (spec §6, §2.8, §2.9). Works on 18.16 and current servers. Every table has an
-- eid (the row's idempotency key for replays). Money is Decimal(18, 4): exact sums. redirects keeps one row per
-- change (newest wins; urlto '' = deleted); ltv holds increments whose sum is the total (plain MergeTree:
-- every row is kept, so a total is a SUM at read time and never a read-modify-write).

CREATE TABLE IF NOT EXISTS {db}.payments (
    eid UUID, hhash String, oid UUID, org String, uid UUID, vid UUID, sid UUID, tid UUID, invid UUID, orid UUID,
    product_id UUID, product String, pcat String, man String, model String, duration String, currency String,
    country String, rcode String, region String, campaign_id String, qty Float64, price Decimal(18, 4), discount
    Decimal(18, 4), revenue Decimal(18, 4), margin Decimal(18, 4), cost Decimal(18, 4), tax Decimal(18, 4), tax_rate
    Float64, commission Decimal(18, 4), referral Decimal(18, 4), fees Decimal(18, 4), subtotal Decimal(18, 4), total
    Decimal(18, 4), payment Decimal(18, 4), starts DateTime, ends DateTime, invoiced_at DateTime, paid_at DateTime,
    owner UUID, updater UUID, created_at DateTime, updated_at DateTime
) ENGINE = ReplacingMergeTree(updated_at) PARTITION BY toYYYYMM(created_at) ORDER BY (oid, org, eid);

CREATE TABLE IF NOT EXISTS {db}.ltv (
    eid UUID, hhash String, id UUID, id_type String, paid Decimal(18, 4), oid UUID, org String, updater UUID, owner
    UUID, created_at DateTime, updated_at DateTime
) ENGINE = MergeTree ORDER BY (id_type, id, created_at);

CREATE TABLE IF NOT EXISTS {db}.redirects (
    eid UUID, hhash String, urlfrom String, hostfrom String, urlto String, oid UUID, org String, updater String,
    created_at DateTime, updated_at DateTime
) ENGINE = MergeTree ORDER BY (urlfrom, updated_at);

CREATE TABLE IF NOT EXISTS {db}.redirect_history (
    eid UUID, action String, urlfrom String, hostfrom String, slugfrom String, urlto String, hostto String, pathto
    String, searchto String, oid UUID, org String, updater String, created_at DateTime, updated_at DateTime
) ENGINE = MergeTree PARTITION BY toYYYYMM(updated_at) ORDER BY (urlfrom, updated_at);

CREATE TABLE IF NOT EXISTS {db}.agreements (
    eid UUID, vid UUID, created_at DateTime, updated_at DateTime, cflags Int64, sid UUID, uid UUID, avid UUID, hhash
    String, app String, rel String, url String, ip String, iphash String, gaid String, idfa String, msid String,
    fbid String, country String, region String, culture String, source String, medium String, campaign String, term
    String, ref UUID, rcode String, aff String, browser String, bhash String, device String, os String, tz String,
    vp_w Int64, vp_h Int64, lat Float64, lon Float64, zip String, owner UUID, oid UUID, org String
) ENGINE = MergeTree ORDER BY (vid, updated_at);

CREATE TABLE IF NOT EXISTS {db}.agreed (
    eid UUID, vid UUID, created_at DateTime, updated_at DateTime, cflags Int64, sid UUID, uid UUID, avid UUID, hhash
    String, app String, rel String, url String, ip String, iphash String, gaid String, idfa String, msid String,
    fbid String, country String, region String, culture String, source String, medium String, campaign String, term
    String, ref UUID, rcode String, aff String, browser String, bhash String, device String, os String, tz String,
    vp_w Int64, vp_h Int64, lat Float64, lon Float64, zip String, owner UUID, oid UUID, org String
) ENGINE = MergeTree PARTITION BY toYYYYMM(updated_at) ORDER BY (vid, updated_at);

-- Consumed from NATS (spec §17): counts (summed on read), updates (newest per id wins), logs.
CREATE TABLE IF NOT EXISTS {db}.counts (
    eid UUID, id String, total Int64, created_at DateTime
) ENGINE = MergeTree PARTITION BY toYYYYMM(created_at) ORDER BY (id, created_at);

CREATE TABLE IF NOT EXISTS {db}.updates (
    eid UUID, id String, msg String, created_at DateTime, updated_at DateTime
) ENGINE = ReplacingMergeTree(updated_at) ORDER BY (id, eid);

CREATE TABLE IF NOT EXISTS {db}.logs (
    eid UUID, created_at DateTime, ltime Int64, topic String, name String, host String, hostname String, owner UUID,
    oid UUID, org String, ip String, iphash String, level Int32, msg String, params String
) ENGINE = MergeTree PARTITION BY toYYYYMM(created_at) ORDER BY (created_at, eid);

-- One row per data-subject erasure: the record that it was carried out, and the message to downstream consumers.
CREATE TABLE IF NOT EXISTS {db}.erasures (
    eid UUID, subject UUID, id_type String, created_at DateTime
) ENGINE = MergeTree PARTITION BY toYYYYMM(created_at) ORDER BY (created_at, eid);

-- One row per alert of the spike / error-rate detector (per node; see alerts.* in the configuration).
CREATE TABLE IF NOT EXISTS {db}.alerts (
    eid UUID, kind String, ename String, window_start DateTime, window_seconds Int64, observed Int64,
    baseline Float64, threshold Float64, node String, created_at DateTime
) ENGINE = MergeTree PARTITION BY toYYYYMM(created_at) ORDER BY (created_at, eid);

-- The tenants' API keys, append-only: a revocation is one more row of the key with revoked = 1. Only the SHA-256 of a
-- key's secret is stored.
CREATE TABLE IF NOT EXISTS {db}.api_keys (
    eid UUID, id String, key_sha256 String, oid UUID, scopes String, name String, revoked UInt8, created_at DateTime
) ENGINE = MergeTree ORDER BY (key_sha256, created_at, eid);
