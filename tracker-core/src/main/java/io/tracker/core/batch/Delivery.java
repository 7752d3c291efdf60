package io.tracker.core.batch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tracker.core.config.BatchConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Getting one session's batches somewhere durable — the part of a {@link SessionWriter} that talks to the
 * session: opening it behind the circuit breaker, writing with jittered exponential retries, isolating rows
 * the backend rejects into the dead-letter file, spilling to the spool while the session is down, and, once
 * rows are safe, releasing their WAL segment and counting their acknowledgements. Used by the writer thread only.
 */
final class Delivery {
    private static final Logger log = LoggerFactory.getLogger(Delivery.class);

    private final Session session;
    private final Map<Table, TableQueue> byTable;
    private final WriteAheadLog wal;
    final Spool spool;
    private final DeadLetters deadLetters;
    final CircuitBreaker breaker;
    private final long retryInitialNanos;
    private final long retryMaxNanos;
    private final LongSupplier nanoClock;
    private final Counter retries;
    private final Counter spilledRows;
    private final Counter deadLettered;

    private boolean isOpen;
    private volatile boolean closing;
    private volatile long closeDeadlineNanos;
    private volatile int breakerCode;
    private volatile long rowsLost;
    private volatile String lastError;

    private final Erasures erasures;

    Delivery(Session session, Map<Table, TableQueue> byTable, BatchConfig config, WriteAheadLog wal, Path dataDir,
             MeterRegistry registry, LongSupplier nanoClock, Erasures erasures) throws IOException {
        this.erasures = erasures;
        this.session = session;
        this.byTable = byTable;
        this.wal = wal;
        this.spool = new Spool(dataDir.resolve("spool").resolve(session.name()), config.segmentBytes());
        this.deadLetters = new DeadLetters(dataDir.resolve("deadletter"), session.name());
        this.breaker = new CircuitBreaker(config.breakerFailures(), TimeUnit.MILLISECONDS.toNanos(config.breakerOpenMillis()));
        this.retryInitialNanos = TimeUnit.MILLISECONDS.toNanos(config.retryInitialMillis());
        this.retryMaxNanos = TimeUnit.MILLISECONDS.toNanos(config.retryMaxMillis());
        this.nanoClock = nanoClock;
        String s = session.name();
        this.retries = Counter.builder("tracker.write.retries").description("failed batch writes that were retried")
                .tag("session", s).register(registry);
        this.spilledRows = Counter.builder("tracker.rows.spilled").description("rows written to the local spool")
                .tag("session", s).register(registry);
        this.deadLettered = Counter.builder("tracker.rows.deadlettered")
                .description("rows the backend rejected on their own, written to the dead-letter file")
                .tag("session", s).register(registry);
    }

    boolean isOpen() {
        return isOpen;
    }

    /** Open, and the breaker lets a write through now. */
    boolean writable(long now) {
        return isOpen && breaker.allowsWrite(now);
    }

    boolean closing() {
        return closing;
    }

    boolean pastDeadline(long now) {
        return closing && now - closeDeadlineNanos > 0;
    }

    void beginClose(long deadlineNanos) {
        closeDeadlineNanos = deadlineNanos;
        closing = true;
    }

    int breakerCode() {
        return breakerCode;
    }

    long rowsLost() {
        return rowsLost;
    }

    void lost(int rows) {
        rowsLost += rows;
    }

    long deadLetterCount() {
        return (long) deadLettered.count();
    }

    String lastError() {
        return lastError;
    }

    /** Tries to open the session when the breaker allows; the first outcome completes {@code opened}. */
    void tryOpen(List<Table> tables, CompletableFuture<Void> opened, long now) {
        if (!breaker.allowsWrite(now)) {
            return;
        }
        try {
            session.open(tables);
            isOpen = true;
            breaker.onSuccess();
            breakerCode = breaker.code();
            opened.complete(null);
            log.atInfo().addKeyValue("session", session.name()).log("session open");
        } catch (Exception | LinkageError e) {
            // LinkageError: a backend whose driver is missing from the class path fails loudly, not silently.
            breaker.onFailure(now);
            breakerCode = breaker.code();
            lastError = e.getMessage();
            opened.completeExceptionally(e);
            log.atWarn().addKeyValue("session", session.name()).addKeyValue("breaker", breaker.state())
                    .addKeyValue("error", e.getMessage()).log("session open failed; retrying");
        }
    }

    /**
     * Delivers {@code batch}: stored, dead-lettered or spilled. Returns false only for a spooled batch
     * that could not be written now (it stays in the spool).
     */
    boolean deliver(Table table, List<Entry> batch, boolean mayRepeat, boolean fromSpool)
            throws InterruptedException, IOException {
        long backoff = retryInitialNanos;
        boolean repeat = mayRepeat;
        while (true) {
            long now = nanoClock.getAsLong();
            boolean pastDeadline = closing && now - closeDeadlineNanos > 0;
            if (!isOpen || !breaker.allowsWrite(now) || pastDeadline) {
                breakerCode = breaker.code();
                if (fromSpool) {
                    return false;
                }
                return spillOrRetry(table, batch, repeat);
            }
            breakerCode = breaker.code();
            TableQueue q = byTable.get(table);
            List<Row> rows = erasures.filter(rows(batch));
            if (rows.isEmpty()) {
                settle(batch); // every row belonged to an erased data subject
                return true;
            }
            long start = nanoClock.getAsLong();
            try {
                session.write(table, rows, repeat);
                breaker.onSuccess();
                breakerCode = breaker.code();
                if (q != null) {
                    q.flushLatency.record(nanoClock.getAsLong() - start, TimeUnit.NANOSECONDS);
                    q.rowsFlushed.increment(rows.size());
                    q.batchesFlushed.increment();
                }
                settle(batch);
                return true;
            } catch (SessionException e) {
                lastError = e.getMessage();
                if (e.isRejected()) {
                    breaker.onSuccess(); // the backend answered: it is up, the data is not
                    return isolate(table, batch, e, fromSpool);
                }
                breaker.onFailure(nanoClock.getAsLong());
                breakerCode = breaker.code();
                retries.increment();
                repeat = true; // the failed attempt may have committed
                log.atWarn().addKeyValue("session", session.name()).addKeyValue("table", table.name())
                        .addKeyValue("rows", rows.size()).addKeyValue("breaker", breaker.state())
                        .addKeyValue("error", e.getMessage()).log("batch write failed");
                if (!breaker.allowsWrite(nanoClock.getAsLong())) {
                    continue; // the breaker just opened: spill now (a back-off longer than the open period would
                              // otherwise land on a half-open trial every time and never reach the spool)
                }
                pause(backoff);
                backoff = Math.min(backoff * 2, retryMaxNanos);
            } catch (RuntimeException e) {
                // A session bug is treated like a transient failure: the rows are kept, never dropped.
                lastError = String.valueOf(e);
                breaker.onFailure(nanoClock.getAsLong());
                breakerCode = breaker.code();
                retries.increment();
                repeat = true;
                log.atError().addKeyValue("session", session.name()).setCause(e).log("session write threw");
                if (!breaker.allowsWrite(nanoClock.getAsLong())) {
                    continue;
                }
                pause(backoff);
                backoff = Math.min(backoff * 2, retryMaxNanos);
            }
        }
    }

    /** Splits a rejected batch until the rows the backend refuses on their own are found and dead-lettered. */
    private boolean isolate(Table table, List<Entry> batch, SessionException e, boolean fromSpool)
            throws InterruptedException, IOException {
        if (batch.size() == 1) {
            Entry bad = batch.get(0);
            deadLetters.write(session.name(), bad.row(), e.getMessage());
            deadLettered.increment();
            log.atWarn().addKeyValue("session", session.name()).addKeyValue("table", table.name())
                    .addKeyValue("eid", bad.row().eid()).addKeyValue("reason", e.getMessage())
                    .addKeyValue("file", deadLetters.file()).log("row rejected; dead-lettered");
            settle(batch);
            return true;
        }
        int mid = batch.size() / 2;
        boolean left = deliver(table, new ArrayList<>(batch.subList(0, mid)), true, fromSpool);
        boolean right = deliver(table, new ArrayList<>(batch.subList(mid, batch.size())), true, fromSpool);
        return left && right;
    }

    /** Writes the batch to the spool; if even that fails, keeps trying (rows are never dropped). */
    boolean spillOrRetry(Table table, List<Entry> batch, boolean mayRepeat) throws InterruptedException {
        long backoff = retryInitialNanos;
        while (true) {
            try {
                spool.append(table, rows(batch));
                spilledRows.increment(batch.size());
                settle(batch);
                return true;
            } catch (IOException e) {
                lastError = "spool: " + e.getMessage();
                log.atError().addKeyValue("session", session.name()).setCause(e).log("cannot spool; retrying");
                if (closing && nanoClock.getAsLong() - closeDeadlineNanos > 30_000_000_000L) {
                    lost(batch.size());
                    return true;
                }
                pause(backoff);
                backoff = Math.min(backoff * 2, retryMaxNanos);
            }
        }
    }

    /** The rows are durably somewhere (stored, spooled, dead-lettered): release the WAL and count the acks. */
    private void settle(List<Entry> batch) {
        if (wal != null) {
            long segment = -2;
            int run = 0;
            for (Entry e : batch) {
                if (e.walSegment() != segment) {
                    if (run > 0) {
                        wal.release(segment, run);
                    }
                    segment = e.walSegment();
                    run = 0;
                }
                run++;
            }
            if (run > 0) {
                wal.release(segment, run);
            }
        }
        for (Entry e : batch) {
            if (e.ack() != null) {
                e.ack().taken(1);
            }
        }
    }

    /** Sleeps a jittered back-off in short slices, cut short by a shutdown. */
    private void pause(long backoffNanos) throws InterruptedException {
        long sleep = backoffNanos / 2 + ThreadLocalRandom.current().nextLong(backoffNanos / 2 + 1);
        long end = nanoClock.getAsLong() + sleep;
        while (nanoClock.getAsLong() - end < 0) {
            if (closing && nanoClock.getAsLong() - closeDeadlineNanos > 0) {
                return;
            }
            Thread.sleep(Math.max(1, Math.min(20, TimeUnit.NANOSECONDS.toMillis(end - nanoClock.getAsLong()))));
        }
    }

    static List<Row> rows(List<Entry> batch) {
        List<Row> rows = new ArrayList<>(batch.size());
        for (Entry e : batch) {
            rows.add(e.row());
        }
        return rows;
    }
}
