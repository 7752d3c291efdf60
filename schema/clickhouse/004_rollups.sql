-- {db} stands for the session's database (settings.database); the tracker substitutes it. By hand:
--   sed "s/{db}/tracker/g" FILE | clickhouse-client --multiquery
-- Counter tables fed by materialized views from events, and by nothing else: the Go tracker wrote them directly
-- *and* had these views, which double-counted (spec §18.10). Every insert into events updates them, whatever
-- route or session replay produced the rows. ips and dailies key on the raw IP when privacy.storeIp keeps it,
-- else on iphash (the rate-limit source then never sees a raw address). Not derivable from events, so not fed
-- here: counters (vids_created), hosts (hostname), usernames/emails/cells/userhosts.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.hits_mv TO {db}.hits AS
SELECT hhash, url, toUInt64(1) AS total, toDate(created_at) AS date FROM {db}.events WHERE url != '';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.referrers_mv TO {db}.referrers AS
SELECT hhash, last AS url, toUInt64(1) AS total, toDate(created_at) AS date FROM {db}.events WHERE last != '';

-- (fence rows, which erasures on a quorum cluster write, are not requests)
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.reqs_mv TO {db}.reqs AS
SELECT hhash, vid, toUInt64(1) AS total, toDate(created_at) AS date FROM {db}.events
WHERE vid != toUUID('00000000-0000-0000-0000-0000000fe0ce');

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.browsers_mv TO {db}.browsers AS
SELECT hhash, bhash, browser, toUInt64(1) AS total, toDate(created_at) AS date FROM {db}.events WHERE bhash != '';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.ips_mv TO {db}.ips AS
SELECT hhash, if(ip != '', ip, iphash) AS ip, toUInt64(1) AS total, toDate(created_at) AS date
FROM {db}.events WHERE ip != '' OR iphash != '';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.dailies_mv TO {db}.dailies AS
SELECT if(ip != '', ip, iphash) AS ip, toDate(created_at) AS day, toUInt64(1) AS total
FROM {db}.events WHERE ip != '' OR iphash != '';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.outcomes_mv TO {db}.outcomes AS
SELECT hhash, visitParamExtractString(params, 'outcome') AS outcome, sink, toDate(created_at) AS created, url,
       toUInt64(1) AS total
FROM {db}.events WHERE visitParamExtractString(params, 'outcome') != '';
