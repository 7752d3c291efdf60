-- {db} stands for the session's database (settings.database); the tracker substitutes it. By hand:
--   sed "s/{db}/tracker/g" FILE | clickhouse-client --multiquery
-- Side tables of spec §4.7 that the Go tracker wrote next to each event, here derived from events by materialized views
-- (one source of truth: nothing is written twice, a replay deduplicated in events is not counted again). Identifier
-- hashes only: uhash, ehash and chash come from params (the pipeline keeps hashes, never the raw values). Single-node
-- layout only for now, like 005_kpis.sql (see scripts/ClusterSchema.java).
CREATE TABLE IF NOT EXISTS {db}.usernames (hhash String, uhash String, vid UUID, sid UUID, created_at DateTime)
ENGINE = ReplacingMergeTree(created_at) PARTITION BY toYYYYMM(created_at) ORDER BY (hhash, uhash, vid);

CREATE TABLE IF NOT EXISTS {db}.emails (hhash String, ehash String, vid UUID, sid UUID, created_at DateTime)
ENGINE = ReplacingMergeTree(created_at) PARTITION BY toYYYYMM(created_at) ORDER BY (hhash, ehash);

CREATE TABLE IF NOT EXISTS {db}.cells (hhash String, chash String, vid UUID, sid UUID, created_at DateTime)
ENGINE = ReplacingMergeTree(created_at) PARTITION BY toYYYYMM(created_at) ORDER BY (hhash, chash, vid);

CREATE TABLE IF NOT EXISTS {db}.userhosts (hhash String, uid UUID, vid UUID, sid UUID, created_at DateTime)
ENGINE = ReplacingMergeTree(created_at) PARTITION BY toYYYYMM(created_at) ORDER BY (hhash, uid, vid);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.hosts_mv TO {db}.hosts AS
SELECT hhash, host AS hostname, created_at FROM {db}.events WHERE host != '';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.usernames_mv TO {db}.usernames AS
SELECT hhash, visitParamExtractString(params, 'uhash') AS uhash, vid, sid, created_at FROM {db}.events
WHERE visitParamExtractString(params, 'uhash') != '';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.emails_mv TO {db}.emails AS
SELECT hhash, visitParamExtractString(params, 'ehash') AS ehash, vid, sid, created_at FROM {db}.events
WHERE visitParamExtractString(params, 'ehash') != '';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.cells_mv TO {db}.cells AS
SELECT hhash, visitParamExtractString(params, 'chash') AS chash, vid, sid, created_at FROM {db}.events
WHERE visitParamExtractString(params, 'chash') != '';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.userhosts_mv TO {db}.userhosts AS
SELECT hhash, uid, vid, sid, created_at FROM {db}.events WHERE uid != toUUID('00000000-0000-0000-0000-000000000000');

-- vids_created (spec §4.7 counters): one per event whose vid the tracker made for it.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.vids_created_mv TO {db}.counters AS
SELECT 'vids_created' AS id, toUInt64(1) AS total, toDate(created_at) AS date FROM {db}.events WHERE vid_new = 1;

-- impression_daily per thread, day and variant, with real unique visitors (each impression_daily row counts 1).
CREATE VIEW IF NOT EXISTS {db}.impression_daily_totals AS
SELECT oid, org, tid, day, variant_id, sum(total_impressions) AS total_impressions,
       sum(anonymous_impressions) AS anonymous_impressions, sum(identified_impressions) AS identified_impressions,
       uniqExact(vid) AS unique_visitors, sum(conversions) AS conversions, max(updated_at) AS updated_at
FROM {db}.impression_daily FINAL GROUP BY oid, org, tid, day, variant_id;
