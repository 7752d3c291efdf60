-- KPI rollups (io.tracker.core.model.Rollups), updated by the DuckDB session in the same transaction as each batch of
-- events it inserts, so they never disagree with events and a replayed batch is never counted twice. visitors is
-- exact: the *_members tables hold each (bucket, key, vid) once, and a batch adds to visitors only the members it is
-- the first to insert. They have no primary key on purpose: an index over every visitor of every bucket lives in memory
-- (DuckDB pins it), and with 64 MB the writes failed after 100-200k visitors; a batch instead looks its pairs up among
-- the members of its own buckets only (zone maps skip the rest), which stays in the buffer manager. Buckets are UTC.
-- Absent dimensions are '' (oid: the zero UUID). Applied at start-up; idempotent (DuckDbRollups.migrate moves the
-- members of a file that still has the earlier *_visitors tables).
CREATE TABLE IF NOT EXISTS hourly_event_stats (
    hour TIMESTAMP NOT NULL, oid UUID NOT NULL, ename VARCHAR NOT NULL, is_bot BOOLEAN NOT NULL,
    events BIGINT NOT NULL, visitors BIGINT NOT NULL,
    PRIMARY KEY (hour, oid, ename, is_bot));
CREATE TABLE IF NOT EXISTS hourly_event_stats_members (
    hour TIMESTAMP NOT NULL, oid UUID NOT NULL, ename VARCHAR NOT NULL, is_bot BOOLEAN NOT NULL, vid UUID NOT NULL);

CREATE TABLE IF NOT EXISTS daily_kpis (
    day DATE NOT NULL, oid UUID NOT NULL, ename VARCHAR NOT NULL, source VARCHAR NOT NULL, medium VARCHAR NOT NULL,
    campaign VARCHAR NOT NULL, channel VARCHAR NOT NULL, country VARCHAR NOT NULL, device VARCHAR NOT NULL,
    is_bot BOOLEAN NOT NULL, events BIGINT NOT NULL, visitors BIGINT NOT NULL,
    PRIMARY KEY (day, oid, ename, source, medium, campaign, channel, country, device, is_bot));
CREATE TABLE IF NOT EXISTS daily_kpis_members (
    day DATE NOT NULL, oid UUID NOT NULL, ename VARCHAR NOT NULL, source VARCHAR NOT NULL, medium VARCHAR NOT NULL,
    campaign VARCHAR NOT NULL, channel VARCHAR NOT NULL, country VARCHAR NOT NULL, device VARCHAR NOT NULL,
    is_bot BOOLEAN NOT NULL, vid UUID NOT NULL);

CREATE TABLE IF NOT EXISTS monthly_kpis (
    month DATE NOT NULL, oid UUID NOT NULL, ename VARCHAR NOT NULL, is_bot BOOLEAN NOT NULL,
    events BIGINT NOT NULL, visitors BIGINT NOT NULL,
    PRIMARY KEY (month, oid, ename, is_bot));
CREATE TABLE IF NOT EXISTS monthly_kpis_members (
    month DATE NOT NULL, oid UUID NOT NULL, ename VARCHAR NOT NULL, is_bot BOOLEAN NOT NULL, vid UUID NOT NULL);

-- Campaign statistics per UTC day (the attribution service's clicks, conversions and conversion value in cents), kept
-- in the same transaction as events like the rollups above: the history GET /api/campaigns/statistics reads.
CREATE TABLE IF NOT EXISTS campaign_daily (
    day DATE NOT NULL, oid UUID NOT NULL, campaign VARCHAR NOT NULL,
    clicks BIGINT NOT NULL, conversions BIGINT NOT NULL, value_cents BIGINT NOT NULL,
    PRIMARY KEY (day, oid, campaign));
