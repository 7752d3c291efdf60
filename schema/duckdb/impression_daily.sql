-- impression_daily: one row per conversion or scored event of a thread (tid a UUID, oid set); day is the UTC
-- day. Read with sums (impression_daily_totals does): each row counts 1.
-- Applied at start-up; idempotent.
CREATE TABLE IF NOT EXISTS impression_daily (
    eid UUID NOT NULL,
    oid UUID,
    org VARCHAR,
    tid UUID,
    campaign_id VARCHAR,
    day TIMESTAMP,
    variant_id VARCHAR,
    total_impressions BIGINT,
    anonymous_impressions BIGINT,
    identified_impressions BIGINT,
    unique_visitors BIGINT,
    conversions BIGINT,
    vid UUID,
    uid UUID,
    created_at TIMESTAMP,
    updated_at TIMESTAMP
);

-- Totals per thread, day and variant, with real unique visitors (the Go table's ReplacingMergeTree kept one row per key,
-- so each of its counts read 1).
CREATE OR REPLACE VIEW impression_daily_totals AS
SELECT oid, org, tid, day, variant_id, sum(total_impressions) AS total_impressions,
       sum(anonymous_impressions) AS anonymous_impressions, sum(identified_impressions) AS identified_impressions,
       count(DISTINCT vid) AS unique_visitors, sum(conversions) AS conversions, max(updated_at) AS updated_at
FROM impression_daily GROUP BY ALL;
