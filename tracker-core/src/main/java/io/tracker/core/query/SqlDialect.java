package io.tracker.core.query;

import io.tracker.core.model.ColumnType;

/**
 * What differs between the SQL stores the planner writes for (DuckDB, ClickHouse). Every value of a request reaches the
 * store as a parameter: {@link #param} is the only way one enters the text.
 */
public interface SqlDialect {

    /** The placeholder of parameter {@code index} (0-based), of {@code type}; may be used more than once. */
    String param(int index, ColumnType type);

    /** A timestamp from an epoch-millisecond expression. */
    String timestamp(String epochMillis);

    /** A timestamp column as epoch milliseconds (Int64). */
    String epochMillis(String column);

    /** A text column with absent values as {@code ''}. */
    String text(String column);

    /** A UUID column as its canonical text. */
    String uuidText(String column);

    /** The text value of top-level JSON property {@code key} (a parameter) of {@code params}, {@code ''} when absent. */
    String property(String key);

    /** The numeric value of JSON property {@code key} (a constant, checked by the caller) of {@code params}, or 0. */
    String numberProperty(String key);

    /** The start of {@code column}'s UTC bucket, as epoch milliseconds. */
    String bucket(String column, EventQuery.Grain grain);

    String countDistinct(String expr);

    String countIf(String condition);

    String countDistinctIf(String expr, String condition);

    String contains(String haystack, String needle);

    /** Whether {@code text} matches the RE2 pattern {@code pattern}. */
    String matches(String text, String pattern);

    /** The condition "not flagged a bot" (humans and events never judged). */
    String notBot();

    /** The qualified table name. */
    String table(String name);

    /**
     * {@code FROM events} joined with {@code sessions}: a subquery giving one row per {@code sid} with column
     * {@code b_pv} (its page views in range), so the outer query can count bounced sessions.
     */
    String joinSessions(String events, String sessions);

    /** The sid column of the sessions subquery, as {@link #joinSessions} expects it. */
    String sessionKey();

    /** {@code LIMIT n OFFSET m} (numbers the planner checked). */
    default String limit(int limit, int offset) {
        return " LIMIT " + limit + (offset > 0 ? " OFFSET " + offset : "");
    }
}
