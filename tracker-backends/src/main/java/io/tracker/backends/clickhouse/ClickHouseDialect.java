package io.tracker.backends.clickhouse;

import io.tracker.core.model.ColumnType;
import io.tracker.core.query.EventQuery;
import io.tracker.core.query.SqlDialect;

/**
 * The query APIs' SQL for ClickHouse, 18.16 and newer: parameters are columns of the one-row external table {@code p}
 * ({@link ClickHouseReader#select}), read as scalar subqueries, which the server folds to constants before it plans
 * (so {@code match} and {@code visitParamExtract*} take them like literals). Absent values are column defaults: the
 * zero UUID is not counted as a visitor or a visit. Buckets use UTC whatever the server's time zone.
 */
final class ClickHouseDialect implements SqlDialect {
    private static final String ZERO = "toUUID('00000000-0000-0000-0000-000000000000')";

    private final String database;

    ClickHouseDialect(String database) {
        this.database = database;
    }

    @Override
    public String param(int index, ColumnType type) {
        // 18.16 folds a scalar subquery into a literal and has no UUID (UInt128) literals: UUIDs travel as text
        return type == ColumnType.UUID ? "toUUID((SELECT p" + index + " FROM p))" : "(SELECT p" + index + " FROM p)";
    }

    @Override
    public String timestamp(String epochMillis) {
        return "toDateTime(intDiv(" + epochMillis + ", 1000))";
    }

    @Override
    public String epochMillis(String column) {
        return "toInt64(toUnixTimestamp(" + column + ")) * 1000";
    }

    @Override
    public String text(String column) {
        return column;
    }

    @Override
    public String uuidText(String column) {
        return "toString(" + column + ")";
    }

    @Override
    public String property(String key) {
        String s = "visitParamExtractString(params, " + key + ")";
        return "if(" + s + " != '', " + s + ", visitParamExtractRaw(params, " + key + "))";
    }

    @Override
    public String numberProperty(String key) {
        return "visitParamExtractFloat(params, '" + key + "')";
    }

    @Override
    public String bucket(String column, EventQuery.Grain grain) {
        String utc = "toTimeZone(" + column + ", 'UTC')";
        String start = switch (grain) {
            case HOUR -> "toStartOfHour(" + utc + ")";
            case DAY -> "toDateTime(toDate(" + utc + "), 'UTC')";
            case WEEK -> "toDateTime(toMonday(" + utc + "), 'UTC')";
            case MONTH -> "toDateTime(toStartOfMonth(" + utc + "), 'UTC')";
        };
        return "toInt64(toUnixTimestamp(" + start + ")) * 1000";
    }

    @Override
    public String countDistinct(String expr) {
        return "uniqExactIf(" + expr + ", " + expr + " != " + ZERO + ")";
    }

    @Override
    public String countIf(String condition) {
        return "countIf(" + condition + ")";
    }

    @Override
    public String countDistinctIf(String expr, String condition) {
        return "uniqExactIf(" + expr + ", (" + condition + ") AND " + expr + " != " + ZERO + ")";
    }

    @Override
    public String contains(String haystack, String needle) {
        return "position(" + haystack + ", " + needle + ") > 0";
    }

    @Override
    public String matches(String text, String pattern) {
        return "match(" + text + ", " + pattern + ")";
    }

    @Override
    public String notBot() {
        return "is_bot = 0";
    }

    @Override
    public String table(String name) {
        return database + "." + name;
    }

    @Override
    public String joinSessions(String events, String sessions) {
        return events + " ANY LEFT JOIN (" + sessions + ") USING sid";
    }

    @Override
    public String sessionKey() {
        return "sid";
    }
}
