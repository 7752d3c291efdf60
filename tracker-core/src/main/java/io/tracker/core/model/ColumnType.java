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
    JSON,
    /**
     * {@link java.math.BigDecimal} with exactly {@link #DECIMAL_SCALE} fractional digits: money. Stored as
     * DECIMAL(18,4) (DuckDB) / Decimal(18, 4) (ClickHouse), so sums are exact.
     */
    DECIMAL,
    /** {@link Boolean}. BOOLEAN (DuckDB), UInt8 0/1 (ClickHouse), boolean (Cassandra), a JSON boolean (NATS). */
    BOOLEAN,
    /**
     * {@link java.util.List} of {@link String} (never null elements): VARCHAR[] (DuckDB), Array(String) (ClickHouse),
     * list&lt;text&gt; (Cassandra), a JSON array (NATS, Kafka). Absent = empty.
     */
    STRINGS,
    /** {@link java.util.List} of {@link java.util.UUID}: UUID[], Array(UUID), list&lt;uuid&gt;, a JSON array of strings. */
    UUIDS;

    public static final int DECIMAL_SCALE = 4;
}
