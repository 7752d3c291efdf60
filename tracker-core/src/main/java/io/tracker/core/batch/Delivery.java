package io.tracker.core.batch;

import io.micrometer.core.instrument.Counter;
import io.tracker.core.config.BatchConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowCodec;
import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Getting one session's batches somewhere durable — the part of a {@link SessionWriter} that talks to the
 * session: opening it behind the circuit breaker, writing with jittered exponential retries, isolating rows
 * the backend rejects into the dead-letter file, spilling to the spool while the session is down, and, once
 * rows are safe, releasing their WAL segment and counting their acknowledgements. Used by the writer thread only
 * (the status accessors excepted).
 *
 * <p>Poison isolation does not depend on the session recognising an error: a batch that fails
 * {@code batching.poisonAttempts} times while the session answers its probe is bisected like a rejected one, so no
 * row — whatever the backend says about it — can hold back other rows, other tables or the spool. The probe can be
 * wrong (a server that answers pings but refuses every write for a reason it does not call an outage), so an
 * unexplained refusal dead-letters at most {@value #MAX_UNEXPLAINED_IN_A_ROW} rows in a row while nothing is stored:
 * past that it is handled as an outage (breaker, spool) until a write succeeds again.
 */
final class Delivery {
    private static final Logger log = LoggerFactory.getLogger(Delivery.class);
    static final int MAX_UNEXPLAINED_IN_A_ROW = 16;

    private final Session session;
    private final Map<Table, TableQueue> byTable;
    private final WriteAheadLog wal;
    private final Spool spool;
    private final Path spoolDir;
    private final DeadLetters deadLetters;
    private final CircuitBreaker breaker;
    private final long retryInitialNanos;
    private final long retryMaxNanos;
    private final int poisonAttempts;
    private final LongSupplier nanoClock;
    private final Counter retries;
    private final Counter spilledRows;
    private final Counter deadLettered;
    private final Erasures erasures;

    private volatile boolean isOpen;
    private volatile boolean closing;
    private volatile long closeDeadlineNanos;
    /** The breaker's state as other threads see it (/ready, /status, the gauge); written after every transition. */
    private volatile CircuitBreaker.State published = CircuitBreaker.State.CLOSED;
    private volatile long rowsLost;
    /** Rows dead-lettered for an unexplained failure since the session last stored anything. */
    private int unexplainedInARow;
    /** The entries of the spooled batch being replayed (writer thread only). */
    private List<Entry> replaying;
    /** Set by the stopping thread, applied by the writer thread (the breaker is the writer's alone). */
    private volatile boolean lastTrialPending;
    private volatile String lastError;

    Delivery(Session session, Map<Table, TableQueue> byTable, BatchConfig config, WriteAheadLog wal, Path dataDir,
             BatchMeters.SessionMeters meters, LongSupplier nanoClock, Erasures erasures) throws IOException {
        this.erasures = erasures;
        this.session = session;
        this.byTable = byTable;
        this.wal = wal;
        this.spoolDir = dataDir.resolve("spool").resolve(session.name());
        this.spool = new Spool(spoolDir, config.segmentBytes());
        this.deadLetters = new DeadLetters(dataDir.resolve("deadletter"), session.name());
        this.breaker = new CircuitBreaker(config.breakerFailures(), TimeUnit.MILLISECONDS.toNanos(config.breakerOpenMillis()));
        this.retryInitialNanos = TimeUnit.MILLISECONDS.toNanos(config.retryInitialMillis());
        this.retryMaxNanos = TimeUnit.MILLISECONDS.toNanos(config.retryMaxMillis());
        this.poisonAttempts = config.poisonAttempts();
        this.nanoClock = nanoClock;
        this.retries = meters.retries();
        this.spilledRows = meters.spilledRows();
        this.deadLettered = meters.deadLettered();
    }

    boolean isOpen() {
        return isOpen;
    }

    /** Open, and the breaker lets a write through now. */
    boolean writable(long now) {
        return isOpen && allowsWrite(now);
    }

    /** The breaker lets an attempt (open or write) through now. */
    boolean allowsWrite(long now) {
        if (lastTrialPending) {
            lastTrialPending = false;
            breaker.allowTrialNow();
        }
        boolean allows = breaker.allowsWrite(now);
        publish();
        return allows;
    }

    long nanosUntilTrial(long now) {
        return breaker.nanosUntilTrial(now);
    }

    boolean closing() {
        return closing;
    }

    boolean pastDeadline(long now) {
        return closing && now - closeDeadlineNanos > 0;
    }

    /**
     * Stopping: whatever the breaker's timing, the session gets one last trial (a backend back a moment ago takes the
     * queues instead of the spool); what it still cannot take goes to the spool.
     */
    void beginClose(long deadlineNanos) {
        closeDeadlineNanos = deadlineNanos;
        closing = true;
    }

    void lastTrial() {
        lastTrialPending = true;
    }

    CircuitBreaker.State breakerState() {
        return published;
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

    void failed(String error) {
        lastError = error;
    }

    long spoolBytes() {
        return spool.bytes();
    }

    boolean hasSpooled() {
        return spool.hasData();
    }

    Path spoolDir() {
        return spoolDir;
    }

    void closeSpool() throws IOException {
        spool.close();
    }

    /** Tries to open the session when the breaker allows; the first outcome completes {@code opened}. */
    void tryOpen(List<Table> tables, CompletableFuture<Void> opened, long now) {
        if (!allowsWrite(now)) {
            return;
        }
        try {
            session.open(tables);
            isOpen = true;
            breaker.onSuccess();
            publish();
            lastError = null;
            opened.complete(null);
            log.atInfo().addKeyValue("session", session.name()).log("session open");
        } catch (Exception | LinkageError e) {
            // LinkageError: a backend whose driver is missing from the class path fails loudly, not silently.
            breaker.onFailure(now);
            publish();
            lastError = "open: " + e.getMessage();
            opened.completeExceptionally(e);
            log.atWarn().addKeyValue("session", session.name()).addKeyValue("breaker", breaker.state())
                    .addKeyValue("error", e.getMessage()).log("session open failed; retrying");
        }
    }

    /**
     * Replays the oldest spooled rows when the session takes writes: true when something was attempted (the loop
     * comes back for more), false when the spool is empty.
     */
    boolean replaySpool(ToIntFunction<Table> maxRows) throws IOException, InterruptedException {
        RowCodec.Batch spooled = spool.peek(maxRows);
        if (spooled == null) {
            replaying = null;
            return false;
        }
        // The same spooled batch comes back until it is wholly delivered: its entries are kept, so rows stored or
        // dead-lettered by an earlier, interrupted attempt are not sent (or dead-lettered) again.
        if (replaying == null || replaying.size() != spooled.rows().size()
                || replaying.get(0).row() != spooled.rows().get(0)) {
            replaying = new ArrayList<>(spooled.rows().size());
            for (Row r : spooled.rows()) {
                replaying.add(Entry.of(r));
            }
        }
        // Rows this process spilled without ever attempting them cannot be stored yet: written without the session's
        // duplicate check (for DuckDB a temp table and an anti-join, 25-40% of a batch). Any attempt clears that.
        boolean fresh = spool.peekedFresh();
        spool.attempting();
        if (deliver(spooled.table(), replaying, !fresh, true, false)) {
            spool.advance();
            replaying = null;
        }
        return true;
    }

    /**
     * Delivers {@code batch}: stored, dead-lettered or spilled. Returns false only for a spooled batch
     * that could not be written now (it stays in the spool).
     */
    boolean deliver(Table table, List<Entry> batch, boolean mayRepeat, boolean fromSpool)
            throws InterruptedException, IOException {
        return deliver(table, batch, mayRepeat, fromSpool, false);
    }

    private boolean deliver(Table table, List<Entry> batch, boolean mayRepeat, boolean fromSpool, boolean isolating)
            throws InterruptedException, IOException {
        Backoff backoff = new Backoff(retryInitialNanos, retryMaxNanos);
        boolean repeat = mayRepeat;
        // Inside an isolation a failing half is split at once; a single row must fail every attempt to be dead-lettered.
        int attempts = isolating && batch.size() > 1 ? 1 : poisonAttempts;
        int reachableFailures = 0;
        while (true) {
            long now = nanoClock.getAsLong();
            if (!writable(now) || pastDeadline(now)) {
                return fromSpool ? false : spillOrRetry(table, batch, repeat);
            }
            List<Row> rows = erasures.filter(rows(batch));
            if (repeat) {
                rows = distinctByEid(rows); // a retry merged with its original (both spooled) is one row
            }
            if (rows.isEmpty()) {
                settle(batch); // every row belonged to an erased data subject
                return true;
            }
            TableQueue q = byTable.get(table);
            long start = nanoClock.getAsLong();
            String error;
            SessionException.Kind kind;
            try {
                session.write(table, rows, repeat);
                breaker.onSuccess();
                publish();
                unexplainedInARow = 0;
                if (q != null) {
                    q.flushLatency.record(nanoClock.getAsLong() - start, TimeUnit.NANOSECONDS);
                    q.rowsFlushed.increment(rows.size());
                    q.batchesFlushed.increment();
                }
                settle(batch);
                return true;
            } catch (SessionException e) {
                error = e.getMessage();
                kind = e.kind();
            } catch (RuntimeException e) {
                // A session bug: the rows are kept, never dropped, and isolated like any unexplained failure.
                error = String.valueOf(e);
                kind = SessionException.Kind.UNKNOWN;
                log.atError().addKeyValue("session", session.name()).setCause(e).log("session write threw");
            }
            lastError = error;
            repeat = true; // the failed attempt may have committed
            if (kind == SessionException.Kind.REJECTED) {
                breaker.onSuccess(); // the backend answered: it is up, the data is not
                publish();
                return isolate(table, batch, error, fromSpool);
            }
            retries.increment();
            if (kind == SessionException.Kind.UNKNOWN && probe()) {
                breaker.onSuccess(); // reachable: an outage is not what keeps this batch out
                publish();
                if (++reachableFailures >= attempts) {
                    if (batch.size() > 1) {
                        log.atWarn().addKeyValue("session", session.name()).addKeyValue("table", table.name())
                                .addKeyValue("rows", batch.size()).addKeyValue("attempts", reachableFailures)
                                .addKeyValue("error", error)
                                .log("batch keeps failing while the session answers; isolating the rows it refuses");
                    }
                    if (batch.size() == 1 && unexplainedInARow >= MAX_UNEXPLAINED_IN_A_ROW) {
                        // Too many rows refused in a row, none stored: the backend, not the data. Outage handling.
                        log.atError().addKeyValue("session", session.name()).addKeyValue("table", table.name())
                                .addKeyValue("rows", unexplainedInARow).addKeyValue("error", error)
                                .log("rows keep failing while nothing is stored; treating it as an outage, not bad data");
                        breaker.trip(nanoClock.getAsLong());
                        publish();
                        continue;
                    }
                    if (batch.size() == 1) {
                        unexplainedInARow++;
                    }
                    return isolate(table, batch, "failed " + reachableFailures
                            + " times while the session answered its probe: " + error, fromSpool);
                }
            } else {
                breaker.onFailure(nanoClock.getAsLong());
                publish();
                log.atWarn().addKeyValue("session", session.name()).addKeyValue("table", table.name())
                        .addKeyValue("rows", rows.size()).addKeyValue("breaker", breaker.state())
                        .addKeyValue("error", error).log("batch write failed");
                if (!breaker.allowsWrite(nanoClock.getAsLong())) {
                    continue; // the breaker just opened: spill now (a back-off longer than the open period would
                              // otherwise land on a half-open trial every time and never reach the spool)
                }
            }
            pause(backoff.next());
        }
    }

    private boolean probe() {
        try {
            return session.probe();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Splits a refused batch until the rows the backend refuses on their own are found and dead-lettered. */
    private boolean isolate(Table table, List<Entry> batch, String reason, boolean fromSpool)
            throws InterruptedException, IOException {
        if (batch.size() == 1) {
            Entry bad = batch.get(0);
            deadLetters.write(session.name(), bad.row(), reason);
            deadLettered.increment();
            log.atWarn().addKeyValue("session", session.name()).addKeyValue("table", table.name())
                    .addKeyValue("eid", bad.row().eid()).addKeyValue("reason", reason)
                    .addKeyValue("file", deadLetters.file()).log("row refused; dead-lettered");
            settle(batch);
            return true;
        }
        int mid = batch.size() / 2;
        boolean left = deliver(table, new ArrayList<>(batch.subList(0, mid)), true, fromSpool, true);
        boolean right = deliver(table, new ArrayList<>(batch.subList(mid, batch.size())), true, fromSpool, true);
        return left && right;
    }

    /** Writes the batch to the spool; if even that fails, keeps trying (rows are never dropped). */
    boolean spillOrRetry(Table table, List<Entry> batch, boolean mayRepeat) throws InterruptedException {
        Backoff backoff = new Backoff(retryInitialNanos, retryMaxNanos);
        while (true) {
            try {
                spool.append(table, rows(batch));
                spilledRows.increment(batch.size());
                settle(batch);
                if (!mayRepeat) {
                    spool.lastAppendedIsFresh(); // only once settled: rows queued again must keep the check
                }
                return true;
            } catch (IOException e) {
                lastError = "spool: " + e.getMessage();
                log.atError().addKeyValue("session", session.name()).addKeyValue("rows", batch.size())
                        .addKeyValue("error", e.getMessage()).log("cannot spool; retrying");
                if (closing && nanoClock.getAsLong() - closeDeadlineNanos > 30_000_000_000L) {
                    // Nowhere left to put them: the WAL still holds wal-mode rows (replayed at the next start),
                    // memory-mode rows are counted as lost in /status.
                    lost(batch.size());
                    return true;
                }
                pause(backoff.next());
            }
        }
    }

    /** The rows are durably somewhere (stored, spooled, dead-lettered): release the WAL and count the acks. */
    private void settle(List<Entry> batch) {
        long segment = -2;
        int run = 0;
        for (Entry e : batch) {
            if (!e.settle()) {
                continue; // settled by an earlier, half-finished delivery of this batch
            }
            if (e.ack() != null) {
                e.ack().taken(1);
            }
            if (wal == null) {
                continue;
            }
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

    /** Sleeps {@code nanos} in short slices, cut short by a shutdown's deadline. */
    private void pause(long nanos) throws InterruptedException {
        long end = nanoClock.getAsLong() + nanos;
        while (nanoClock.getAsLong() - end < 0) {
            if (pastDeadline(nanoClock.getAsLong())) {
                return;
            }
            Thread.sleep(Math.max(1, Math.min(20, TimeUnit.NANOSECONDS.toMillis(end - nanoClock.getAsLong()))));
        }
    }

    private void publish() {
        published = breaker.state();
    }

    /** For the gauge: 0 closed, 1 open, 2 half-open (the Go tracker's numbering). */
    int breakerCode() {
        return code(published);
    }

    private static int code(CircuitBreaker.State s) {
        return switch (s) {
            case CLOSED -> 0;
            case OPEN -> 1;
            case HALF_OPEN -> 2;
        };
    }

    private static List<Row> distinctByEid(List<Row> rows) {
        java.util.Set<java.util.UUID> seen = new java.util.HashSet<>(rows.size() * 2);
        List<Row> out = null;
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if (r.eid() != null && !seen.add(r.eid())) {
                if (out == null) {
                    out = new ArrayList<>(rows.subList(0, i));
                }
            } else if (out != null) {
                out.add(r);
            }
        }
        return out == null ? rows : out;
    }

    /** The rows of the entries not settled yet. */
    static List<Row> rows(List<Entry> batch) {
        List<Row> rows = new ArrayList<>(batch.size());
        for (Entry e : batch) {
            if (!e.settled()) {
                rows.add(e.row());
            }
        }
        return rows;
    }
}
