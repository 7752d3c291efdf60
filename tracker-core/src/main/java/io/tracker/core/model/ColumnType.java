package io.tracker.core.model;

/**
 * The storage-neutral column types. Each session maps them to its own (DuckDB UUID/VARCHAR/BIGINT…,
 * ClickHouse UUID/String/Int64…). A row value of a given type always has one Java class, so sessions
 * never guess.
 */
public enum ColumnType {
    /** {@link java.util.UUID} */
    UUID,
    /** {@link String} */
    STRING,
    /** {@link Long} */
    INT64,
    /** {@link Integer} */
    INT32,
    /** {@link Double} */
    FLOAT64,
    /** {@link Long}, epoch milliseconds UTC. */
    TIMESTAMP,
    /** {@link String} holding a JSON object, queryable as JSON where the backend can. */
    JSON
}
