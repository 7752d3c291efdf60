package io.tracker.core.session;

import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import java.util.List;

/**
 * A storage backend. It only stores: batching, retries and routing live upstream in the batch
 * manager. A session is driven by exactly one writer thread, so implementations need not be
 * thread-safe for {@link #write}.
 */
public interface Session extends AutoCloseable {

    /** The configured name, unique per process. */
    String name();

    /** Connects and applies its schema (idempotently); checks the schema matches {@code tables}. */
    void open(List<Table> tables) throws SessionException;

    /**
     * Writes {@code rows} (all of {@code table}) as one batch. Returns only once they are durable in the
     * backend; throws if none or only some of them are (the caller retries the whole batch).
     */
    void write(Table table, List<Row> rows) throws SessionException;

    /**
     * As {@link #write(Table, List)}; {@code mayRepeat} says some rows may already be stored (a replay
     * from the write-ahead log or spool, or a retry after a write whose outcome is unknown). A session that
     * can skip rows whose event id it already holds does so here; the default just writes.
     */
    default void write(Table table, List<Row> rows, boolean mayRepeat) throws SessionException {
        write(table, rows);
    }

    /**
     * The read side, for sessions that can be the API backend (short links, consent, LTV, erasure, pruning).
     * Available once {@link #open} returned.
     */
    default java.util.Optional<SessionReader> reader() {
        return java.util.Optional.empty();
    }

    /**
     * The query APIs' side ({@link io.tracker.core.query.Analytics}), for sessions that can answer them. Available once
     * {@link #open} returned.
     */
    default java.util.Optional<io.tracker.core.query.Analytics> analytics() {
        return java.util.Optional.empty();
    }

    /**
     * Whether this kind of session has a {@link #reader()} once open (a database); false for write-only ones (a
     * stream), which the read and erasure APIs skip rather than fail on.
     */
    default boolean readable() {
        return false;
    }

    /**
     * Whether this session keeps the KPI rollups of {@link io.tracker.core.model.Rollups} (DuckDB and ClickHouse do;
     * Cassandra and the streams do not, and a stats reader must say so rather than answer zeros).
     */
    default boolean keepsRollups() {
        return false;
    }

    /**
     * Recomputes the rollups of the months overlapping [{@code from}, {@code to}) from {@code events}; the rows written
     * per rollup table. Only for sessions that {@link #keepsRollups()}; call it on an open session.
     */
    default java.util.Map<String, Long> rebuildRollups(java.time.LocalDate from, java.time.LocalDate to)
            throws SessionException {
        throw new SessionException("session " + name() + " keeps no rollups");
    }

    /**
     * Writes the rows of {@code table} with {@code created_at} in [{@code from}, {@code to}) to {@code out} as
     * {@code format} ({@code parquet} or {@code csv}) in the store itself; the rows written. For sessions that can
     * (DuckDB's {@code COPY}); the {@code tracker export} command streams the others' rows instead.
     */
    default long copyOut(Table table, java.time.Instant from, java.time.Instant to, String format, java.nio.file.Path out)
            throws SessionException {
        throw new SessionException("session " + name() + " cannot copy rows to a file");
    }

    /** Whether {@link #copyOut} works on this session. */
    default boolean copiesOut() {
        return false;
    }

    /** Takes the pages of a {@link #replayEvents} read. */
    @FunctionalInterface
    interface EventPages {
        void accept(List<Row> page) throws Exception;
    }

    /**
     * Reads the {@code events} it holds with {@code created_at} in [{@code from}, {@code to}) (and {@code ename} in
     * {@code enames}, unless empty) for {@code tracker replay}, page by page; false when this session cannot (the SQL
     * stores are read through {@link #analytics()} instead). A stream (NATS JetStream) replays its retained messages.
     */
    default boolean replayEvents(java.time.Instant from, java.time.Instant to, List<String> enames, int pageSize,
                                 EventPages pages) throws SessionException {
        return false;
    }

    /** Cheap health indication for /status; must not block on I/O for long. */
    boolean isHealthy();

    /**
     * A round trip to the backend now (not cached state), bounded to a second or two: true when it answers. The batch
     * manager asks after a write failed for a reason the session did not classify: a backend that answers while the
     * same batch keeps failing has a problem with the data, and the batch is bisected so the good rows land and the bad
     * ones are dead-lettered. The default trusts {@link #isHealthy()}; sessions override it with a real ping.
     */
    default boolean probe() {
        return isHealthy();
    }

    @Override
    void close() throws SessionException;
}
