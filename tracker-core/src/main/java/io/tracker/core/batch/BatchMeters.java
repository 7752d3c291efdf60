package io.tracker.core.batch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * Every meter of the batch manager, registered here and nowhere else: names, tags and descriptions in one place
 * (Prometheus shows them as {@code tracker_rows_flushed_total{session,table}} and so on).
 */
final class BatchMeters {
    private final MeterRegistry registry;

    BatchMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** What a session's writer counts. */
    record SessionMeters(Counter retries, Counter spilledRows, Counter deadLettered, Counter writerFailures) {
    }

    /** What one table's queue of one session counts. */
    record TableMeters(Counter rowsFlushed, Counter batchesFlushed, Timer flushLatency) {
    }

    /** What the write-ahead log counts. */
    record WalMeters(Timer sync, Counter failures) {
    }

    SessionMeters session(String session) {
        return new SessionMeters(
                counter("tracker.write.retries", "failed batch writes that were retried", session),
                counter("tracker.rows.spilled", "rows written to the local spool", session),
                counter("tracker.rows.deadlettered",
                        "rows the backend refused on their own, written to the dead-letter file", session),
                counter("tracker.writer.failures",
                        "times the session's writer loop failed and went on (its rows kept)", session));
    }

    /** The gauges of a session: queued rows and bytes, spool bytes, breaker state. */
    <W, D> void sessionGauges(String session, W writer, ToDoubleFunction<W> queuedRows, ToDoubleFunction<W> queuedBytes,
                              D delivery, ToDoubleFunction<D> spoolBytes, ToDoubleFunction<D> breakerCode) {
        Gauge.builder("tracker.rows.queued", writer, queuedRows)
                .description("rows queued in memory for the session").tag("session", session).register(registry);
        Gauge.builder("tracker.bytes.queued", writer, queuedBytes)
                .description("estimated bytes queued in memory for the session").tag("session", session).register(registry);
        Gauge.builder("tracker.spool.bytes", delivery, spoolBytes)
                .description("bytes in the session's local spool").tag("session", session).register(registry);
        Gauge.builder("tracker.breaker.state", delivery, breakerCode)
                .description("circuit breaker: 0 closed, 1 open, 2 half-open").tag("session", session).register(registry);
    }

    TableMeters table(String session, String table) {
        return new TableMeters(
                Counter.builder("tracker.rows.flushed").description("rows written to a session")
                        .tags("table", table, "session", session).register(registry),
                Counter.builder("tracker.batches.flushed").description("batches written to a session")
                        .tags("table", table, "session", session).register(registry),
                Timer.builder("tracker.flush.latency").description("time to write one batch")
                        .tags("table", table, "session", session).publishPercentileHistogram().register(registry));
    }

    WalMeters wal(AtomicLong owedRows, int sessions) {
        Gauge.builder("tracker.wal.lag.rows", owedRows, a -> (double) a.get() / sessions)
                .description("rows in the WAL not yet stored by every session").register(registry);
        return new WalMeters(
                Timer.builder("tracker.wal.sync").description("write + fsync of one WAL group commit")
                        .publishPercentileHistogram().register(registry),
                Counter.builder("tracker.wal.failures")
                        .description("group commits that failed (disk full, I/O error); their requests were refused")
                        .register(registry));
    }

    void memory(MemoryBudget budget) {
        Gauge.builder("tracker.memory.queued.bytes", budget, MemoryBudget::used)
                .description("estimated bytes queued in memory across sessions").register(registry);
    }

    private Counter counter(String name, String description, String session) {
        return Counter.builder(name).description(description).tag("session", session).register(registry);
    }
}
