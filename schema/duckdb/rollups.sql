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
