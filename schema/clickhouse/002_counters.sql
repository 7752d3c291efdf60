-- {db} stands for the session's database (settings.database); the tracker substitutes it. By hand:
--   sed "s/{db}/tracker/g" FILE | clickhouse-client --multiquery
-- Counter tables (spec §4.7, §9.2): rows of total = 1 that the SummingMergeTree folds; read with sum(total)
-- or FINAL. hits, referrers, reqs, browsers, ips, dailies and outcomes are fed only by the materialized views
-- of 004_rollups.sql (never also written directly: the Go tracker did both and double-counted, spec §18.10).
CREATE TABLE IF NOT EXISTS {db}.hits (hhash String, url String, total UInt64, date Date)
ENGINE = SummingMergeTree(total) PARTITION BY toYYYYMM(date) ORDER BY (hhash, url, date);

CREATE TABLE IF NOT EXISTS {db}.ips (hhash String, ip String, total UInt64, date Date)
ENGINE = SummingMergeTree(total) PARTITION BY toYYYYMM(date) ORDER BY (hhash, ip, date);

CREATE TABLE IF NOT EXISTS {db}.dailies (ip String, day Date, total UInt64)
ENGINE = SummingMergeTree(total) PARTITION BY toYYYYMM(day) ORDER BY (ip, day);

CREATE TABLE IF NOT EXISTS {db}.counters (id String, total UInt64, date Date)
ENGINE = SummingMergeTree(total) PARTITION BY toYYYYMM(date) ORDER BY (id, date);

CREATE TABLE IF NOT EXISTS {db}.outcomes (hhash String, outcome String, sink String, created Date, url String, total UInt64)
ENGINE = SummingMergeTree(total) PARTITION BY toYYYYMM(created) ORDER BY (hhash, outcome, sink, url, created);

CREATE TABLE IF NOT EXISTS {db}.referrers (hhash String, url String, total UInt64, date Date)
ENGINE = SummingMergeTree(total) PARTITION BY toYYYYMM(date) ORDER BY (hhash, url, date);

CREATE TABLE IF NOT EXISTS {db}.browsers (hhash String, bhash String, browser String, total UInt64, date Date)
ENGINE = SummingMergeTree(total) PARTITION BY toYYYYMM(date) ORDER BY (hhash, bhash, browser, date);

CREATE TABLE IF NOT EXISTS {db}.reqs (hhash String, vid UUID, total UInt64, date Date)
ENGINE = SummingMergeTree(total) PARTITION BY toYYYYMM(date) ORDER BY (hhash, vid, date);

CREATE TABLE IF NOT EXISTS {db}.hosts (hhash String, hostname String, created_at DateTime)
ENGINE = ReplacingMergeTree(created_at) ORDER BY (hhash, hostname);
