-- Counter views over events: the same names and columns as the ClickHouse counter tables (spec §4.7, §9.2), so
-- queries carry over between backends. DuckDB aggregates on read; nothing is written twice. Applied at start-up
-- after the tables; idempotent. ips and dailies use the raw IP when privacy.storeIp keeps it, else iphash.
CREATE OR REPLACE VIEW hits AS
SELECT hhash, url, count(*) AS total, CAST(created_at AS DATE) AS date FROM events WHERE url <> '' GROUP BY ALL;

CREATE OR REPLACE VIEW referrers AS
SELECT hhash, last AS url, count(*) AS total, CAST(created_at AS DATE) AS date FROM events WHERE last <> '' GROUP BY ALL;

CREATE OR REPLACE VIEW reqs AS
SELECT hhash, vid, count(*) AS total, CAST(created_at AS DATE) AS date FROM events GROUP BY ALL;

CREATE OR REPLACE VIEW browsers AS
SELECT hhash, bhash, count(*) AS total, CAST(created_at AS DATE) AS date FROM events WHERE bhash <> '' GROUP BY ALL;

CREATE OR REPLACE VIEW ips AS
SELECT hhash, coalesce(nullif(ip, ''), iphash) AS ip, count(*) AS total, CAST(created_at AS DATE) AS date
FROM events WHERE coalesce(nullif(ip, ''), iphash) IS NOT NULL GROUP BY ALL;

CREATE OR REPLACE VIEW dailies AS
SELECT coalesce(nullif(ip, ''), iphash) AS ip, CAST(created_at AS DATE) AS day, count(*) AS total
FROM events WHERE coalesce(nullif(ip, ''), iphash) IS NOT NULL GROUP BY ALL;

CREATE OR REPLACE VIEW outcomes AS
SELECT hhash, params->>'outcome' AS outcome, sink, CAST(created_at AS DATE) AS created, url, count(*) AS total
FROM events WHERE params->>'outcome' IS NOT NULL AND params->>'outcome' <> '' GROUP BY ALL;

-- Side tables of spec §4.7 the Go tracker wrote next to each event, as views over events (nothing written twice).
-- Identifier hashes only: uhash / ehash / chash are what the pipeline keeps in params, never the raw values. Keys as
-- the Go tables' (ReplacingMergeTree ORDER BY): the newest row per key.
CREATE OR REPLACE VIEW hosts AS
SELECT hhash, host AS hostname, max(created_at) AS created_at FROM events WHERE host <> '' GROUP BY ALL;

CREATE OR REPLACE VIEW usernames AS
SELECT hhash, params->>'uhash' AS uhash, vid, arg_max(sid, created_at) AS sid, max(created_at) AS created_at
FROM events WHERE params->>'uhash' <> '' GROUP BY hhash, params->>'uhash', vid;

CREATE OR REPLACE VIEW emails AS
SELECT hhash, params->>'ehash' AS ehash, arg_max(vid, created_at) AS vid, arg_max(sid, created_at) AS sid,
       max(created_at) AS created_at
FROM events WHERE params->>'ehash' <> '' GROUP BY hhash, params->>'ehash';

CREATE OR REPLACE VIEW cells AS
SELECT hhash, params->>'chash' AS chash, vid, arg_max(sid, created_at) AS sid, max(created_at) AS created_at
FROM events WHERE params->>'chash' <> '' GROUP BY hhash, params->>'chash', vid;

CREATE OR REPLACE VIEW userhosts AS
SELECT hhash, uid, vid, arg_max(sid, created_at) AS sid, max(created_at) AS created_at
FROM events WHERE uid IS NOT NULL GROUP BY hhash, uid, vid;

-- counters: vids_created, one per event whose vid the tracker made for it (spec §4.7).
CREATE OR REPLACE VIEW counters AS
SELECT 'vids_created' AS id, count(*) AS total, CAST(created_at AS DATE) AS date FROM events WHERE vid_new GROUP BY ALL;
