-- {db} stands for the session's database (settings.database); the tracker substitutes it. By hand:
--   sed "s/{db}/tracker/g" FILE | clickhouse-client --multiquery
-- KPI rollups (io.tracker.core.model.Rollups): AggregatingMergeTree state tables fed by materialized views from
-- events, and by nothing else, so every insert into events (any route, any replay) is counted once. Read them through
-- the views without _state: events is a count, visitors a uniq of vid (ClickHouse's adaptive sample of up to 65,536
-- hashes per row: exact below that up to hash collisions, an estimate within about 1% above). Buckets are in the
-- server's time zone (UTC in the shipped configs). is_bot is part of every key. Erasure fences are not visitors.
-- `tracker rollups --rebuild` recomputes whole months of the _state tables from events (same SELECTs as below).
CREATE TABLE IF NOT EXISTS {db}.hourly_event_stats_state (
    hour DateTime, oid UUID, ename String, is_bot UInt8,
    events AggregateFunction(count), visitors AggregateFunction(uniqIf, UUID, UInt8)
) ENGINE = AggregatingMergeTree PARTITION BY toYYYYMM(hour) ORDER BY (hour, oid, ename, is_bot);

CREATE TABLE IF NOT EXISTS {db}.daily_kpis_state (
    day Date, oid UUID, ename String, source String, medium String, campaign String, channel String, country String,
    device String, is_bot UInt8,
    events AggregateFunction(count), visitors AggregateFunction(uniqIf, UUID, UInt8)
) ENGINE = AggregatingMergeTree PARTITION BY toYYYYMM(day)
ORDER BY (day, oid, ename, source, medium, campaign, channel, country, device, is_bot);

CREATE TABLE IF NOT EXISTS {db}.monthly_kpis_state (
    month Date, oid UUID, ename String, is_bot UInt8,
    events AggregateFunction(count), visitors AggregateFunction(uniqIf, UUID, UInt8)
) ENGINE = AggregatingMergeTree PARTITION BY toYYYYMM(month) ORDER BY (month, oid, ename, is_bot);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.hourly_event_stats_mv TO {db}.hourly_event_stats_state AS
SELECT toStartOfHour(created_at) AS hour, oid, ename, is_bot, countState() AS events,
       uniqIfState(vid, vid != toUUID('00000000-0000-0000-0000-000000000000')) AS visitors
FROM {db}.events WHERE vid != toUUID('00000000-0000-0000-0000-0000000fe0ce')
GROUP BY hour, oid, ename, is_bot;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.daily_kpis_mv TO {db}.daily_kpis_state AS
SELECT toDate(created_at) AS day, oid, ename, source, medium, campaign, channel, country, device, is_bot,
       countState() AS events, uniqIfState(vid, vid != toUUID('00000000-0000-0000-0000-000000000000')) AS visitors
FROM {db}.events WHERE vid != toUUID('00000000-0000-0000-0000-0000000fe0ce')
GROUP BY day, oid, ename, source, medium, campaign, channel, country, device, is_bot;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.monthly_kpis_mv TO {db}.monthly_kpis_state AS
SELECT toStartOfMonth(created_at) AS month, oid, ename, is_bot, countState() AS events,
       uniqIfState(vid, vid != toUUID('00000000-0000-0000-0000-000000000000')) AS visitors
FROM {db}.events WHERE vid != toUUID('00000000-0000-0000-0000-0000000fe0ce')
GROUP BY month, oid, ename, is_bot;

CREATE VIEW IF NOT EXISTS {db}.hourly_event_stats AS
SELECT hour, oid, ename, is_bot, countMerge(events) AS events, uniqIfMerge(visitors) AS visitors
FROM {db}.hourly_event_stats_state GROUP BY hour, oid, ename, is_bot;

CREATE VIEW IF NOT EXISTS {db}.daily_kpis AS
SELECT day, oid, ename, source, medium, campaign, channel, country, device, is_bot, countMerge(events) AS events,
       uniqIfMerge(visitors) AS visitors
FROM {db}.daily_kpis_state GROUP BY day, oid, ename, source, medium, campaign, channel, country, device, is_bot;

CREATE VIEW IF NOT EXISTS {db}.monthly_kpis AS
SELECT month, oid, ename, is_bot, countMerge(events) AS events, uniqIfMerge(visitors) AS visitors
FROM {db}.monthly_kpis_state GROUP BY month, oid, ename, is_bot;
