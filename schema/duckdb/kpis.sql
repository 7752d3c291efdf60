-- KPI rollups (io.tracker.core.model.Rollups), updated by the DuckDB session in the same transaction as each batch of
-- events it inserts, so they never disagree with events and a replayed batch is never counted twice. visitors is
-- exact: the *_visitors tables hold each (bucket, key, vid) once, and a batch adds to visitors only the members it is
-- the first to insert. Buckets are UTC. Absent dimensions are '' (oid: the zero UUID). Applied at start-up; idempotent.
CREATE TABLE IF NOT EXISTS hourly_event_stats (
    hour TIMESTAMP NOT NULL, oid UUID NOT NULL, ename VARCHAR NOT NULL, is_bot BOOLEAN NOT NULL,
    events BIGINT NOT NULL, visitors BIGINT NOT NULL,
    PRIMARY KEY (hour, oid, ename, is_bot));
CREATE TABLE IF NOT EXISTS hourly_event_stats_visitors (
    hour TIMESTAMP NOT NULL, oid UUID NOT NULL, ename VARCHAR NOT NULL, is_bot BOOLEAN NOT NULL, vid UUID NOT NULL,
    PRIMARY KEY (hour, oid, ename, is_bot, vid));

CREATE TABLE IF NOT EXISTS daily_kpis (
    day DATE NOT NULL, oid UUID NOT NULL, ename VARCHAR NOT NULL, source VARCHAR NOT NULL, medium VARCHAR NOT NULL,
    campaign VARCHAR NOT NULL, channel VARCHAR NOT NULL, country VARCHAR NOT NULL, device VARCHAR NOT NULL,
    is_bot BOOLEAN NOT NULL, events BIGINT NOT NULL, visitors BIGINT NOT NULL,
    PRIMARY KEY (day, oid, ename, source, medium, campaign, channel, country, device, is_bot));
CREATE TABLE IF NOT EXISTS daily_kpis_visitors (
    day DATE NOT NULL, oid UUID NOT NULL, ename VARCHAR NOT NULL, source VARCHAR NOT NULL, medium VARCHAR NOT NULL,
    campaign VARCHAR NOT NULL, channel VARCHAR NOT NULL, country VARCHAR NOT NULL, device VARCHAR NOT NULL,
    is_bot BOOLEAN NOT NULL, vid UUID NOT NULL,
    PRIMARY KEY (day, oid, ename, source, medium, campaign, channel, country, device, is_bot, vid));

CREATE TABLE IF NOT EXISTS monthly_kpis (
    month DATE NOT NULL, oid UUID NOT NULL, ename VARCHAR NOT NULL, is_bot BOOLEAN NOT NULL,
    events BIGINT NOT NULL, visitors BIGINT NOT NULL,
    PRIMARY KEY (month, oid, ename, is_bot));
CREATE TABLE IF NOT EXISTS monthly_kpis_visitors (
    month DATE NOT NULL, oid UUID NOT NULL, ename VARCHAR NOT NULL, is_bot BOOLEAN NOT NULL, vid UUID NOT NULL,
    PRIMARY KEY (month, oid, ename, is_bot, vid));

-- Campaign statistics per UTC day (the attribution service's clicks, conversions and conversion value in cents), kept
-- in the same transaction as events like the rollups above: the history GET /api/campaigns/statistics reads.
CREATE TABLE IF NOT EXISTS campaign_daily (
    day DATE NOT NULL, oid UUID NOT NULL, campaign VARCHAR NOT NULL,
    clicks BIGINT NOT NULL, conversions BIGINT NOT NULL, value_cents BIGINT NOT NULL,
    PRIMARY KEY (day, oid, campaign));
