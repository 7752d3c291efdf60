package io.tracker.core.batch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tracker.core.config.BatchConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowCodec;
import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one session: its per-table queues, its circuit breaker, its spool and dead letters, and the
 * single thread that writes to it. A slow or dead session only ever holds its own thread; ingest
 * threads just append under a short lock.
 *
 * <p>The thread's loop: open the session when the breaker allows; replay the spool first (older data);
 * then take the next due batch — or, while the breaker is open or memory is over budget, any batch —
 * and deliver it: write it (retrying transient failures with jittered exponential back-off), split it
 * when the backend rejects its data until the bad row is isolated and dead-lettered, or spill it to the
 * spool. Every row ends stored, spooled or dead-lettered; only then is its WAL segment released and its
 * acknowledgement counted.
 */
final class SessionWriter {
    private static final Logger log = LoggerFactory.getLogger(SessionWriter.class);

    private final Session session;
    private final List<Table> tables;
    private final List<TableQueue> queues;
    private final Map<Table, TableQueue> byTable = new HashMap<>();
    private final MemoryBudget budget;
    private final WriteAheadLog wal;
    private final Spool spool;
    private final DeadLetters deadLetters;
    private final CircuitBreaker breaker;
    private final long retryInitialNanos;
    private final long retryMaxNanos;
    private final LongSupplier nanoClock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final CompletableFuture<Void> opened = new CompletableFuture<>();
    private final Thread thread;
    private final Counter retries;
    private final Counter spilledRows;
    private final Counter deadLettered;

    private int queuedRows;
    private long queuedBytes;
    private boolean isOpen;
    private volatile boolean closing;
    private volatile long closeDeadlineNanos;
    private volatile int breakerCode;
    private volatile long rowsLost;
    private volatile String lastError;

    SessionWriter(Session session, List<Table> tables, BatchConfig config, MemoryBudget budget, WriteAheadLog wal,
                  Path dataDir, MeterRegistry registry, LongSupplier nanoClock) throws IOException {
        this.session = session;
        this.tables = List.copyOf(tables);
        this.budget = budget;
        this.wal = wal;
        this.spool = new Spool(dataDir.resolve("spool").resolve(session.name()), config.segmentBytes());
        this.deadLetters = new DeadLetters(dataDir.resolve("deadletter"), session.name());
        this.breaker = new CircuitBreaker(config.breakerFailures(), TimeUnit.MILLISECONDS.toNanos(config.breakerOpenMillis()));
        this.retryInitialNanos = TimeUnit.MILLISECONDS.toNanos(config.retryInitialMillis());
        this.retryMaxNanos = TimeUnit.MILLISECONDS.toNanos(config.retryMaxMillis());
        this.nanoClock = nanoClock;
        List<TableQueue> qs = new ArrayList<>();
        for (Table t : tables) {
            TableQueue q = new TableQueue(t, config.forTable(t.name()), session.name(), registry);
            qs.add(q);
            byTable.put(t, q);
        }
        qs.sort(Comparator.comparingInt(q -> q.priority));
        this.queues = List.copyOf(qs);
        String s = session.name();
        this.retries = Counter.builder("tracker.write.retries").description("failed batch writes that were retried")
                .tag("session", s).register(registry);
        this.spilledRows = Counter.builder("tracker.rows.spilled").description("rows written to the local spool")
                .tag("session", s).register(registry);
        this.deadLettered = Counter.builder("tracker.rows.deadlettered")
                .description("rows the backend rejected on their own, written to the dead-letter file")
                .tag("session", s).register(registry);
        Gauge.builder("tracker.rows.queued", this, SessionWriter::queuedRows)
                .description("rows queued in memory for the session").tag("session", s).register(registry);
        Gauge.builder("tracker.bytes.queued", this, w -> w.queuedBytes())
                .description("estimated bytes queued in memory for the session").tag("session", s).register(registry);
        Gauge.builder("tracker.spool.bytes", spool, Spool::bytes)
                .description("bytes in the session's local spool").tag("session", s).register(registry);
        Gauge.builder("tracker.breaker.state", this, w -> w.breakerCode)
                .description("circuit breaker: 0 closed, 1 open, 2 half-open").tag("session", s).register(registry);
        this.thread = new Thread(this::run, "writer-" + s);
    }

    String name() {
        return session.name();
    }

    Session session() {
        return session;
    }

    void start() {
        thread.start();
    }

    CompletableFuture<Void> opened() {
        return opened;
    }

    boolean accepting() {
        return !closing;
    }

    long spoolBytes() {
        return spool.bytes();
    }

    CircuitBreaker.State breakerState() {
        return switch (breakerCode) {
            case 1 -> CircuitBreaker.State.OPEN;
            case 2 -> CircuitBreaker.State.HALF_OPEN;
            default -> CircuitBreaker.State.CLOSED;
        };
    }

    void add(List<Entry> entries) {
        long now = nanoClock.getAsLong();
        long bytes = 0;
        lock.lock();
        try {
            boolean wake = false;
            for (Entry e : entries) {
                TableQueue q = byTable.get(e.row().table());
                if (q == null) {
                    throw new IllegalArgumentException("session " + session.name() + " has no queue for table " + e.row().table());
                }
                q.add(e, now);
                q.policy.onArrival(1, now);
                bytes += e.row().estimatedBytes();
                // Wake the writer when a queue gets its first row (a new deadline) or becomes due.
                wake |= q.size() == 1 || q.size() >= q.policy.maxRows();
            }
            queuedRows += entries.size();
            queuedBytes += bytes;
            budget.add(bytes);
            if (wake || budget.over()) {
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    int queuedRows() {
        lock.lock();
        try {
            return queuedRows;
        } finally {
            lock.unlock();
        }
    }

    long queuedBytes() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }

    long rowsLost() {
        return rowsLost;
    }

    long deadLetterCount() {
        return (long) deadLettered.count();
    }

    String lastError() {
        return lastError;
    }

    /** Stops accepting and empties the queues (written, or spooled if the session is down), then returns. */
    void close(long deadlineNanos) throws InterruptedException {
        closeDeadlineNanos = deadlineNanos;
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        long waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - nanoClock.getAsLong())) + 30_000;
        thread.join(waitMillis);
        if (thread.isAlive()) {
            thread.interrupt();
            thread.join(5_000);
        }
        try {
            spool.close();
        } catch (IOException e) {
            log.atWarn().addKeyValue("session", session.name()).setCause(e).log("spool close failed");
        }
    }

    private void run() {
        try {
            while (true) {
                long now = nanoClock.getAsLong();
                if (!isOpen && !(closing && now - closeDeadlineNanos > 0)) {
                    tryOpen(now);
                }
                if (isOpen && breaker.allowsWrite(now) && !(closing && now - closeDeadlineNanos > 0)) {
                    RowCodec.Batch spooled = spool.peek(t -> {
                        TableQueue tq = byTable.get(t);
                        return tq == null ? 10_000 : tq.policy.maxRows();
                    });
                    if (spooled != null) {
                        if (deliver(spooled.table(), entries(spooled.rows()), true, true)) {
                            spool.advance();
                        }
                        continue;
                    }
                }
                TableQueue q;
                List<Entry> batch;
                boolean spill;
                lock.lock();
                try {
                    Work work = awaitWork();
                    if (work.exit()) {
                        return; // closing and every queue is empty
                    }
                    if (work.queue() == null) {
                        continue;
                    }
                    q = work.queue();
                    now = nanoClock.getAsLong();
                    spill = mustSpill(now);
                    batch = q.take(now);
                    long bytes = TableQueue.bytesOf(batch);
                    queuedRows -= batch.size();
                    queuedBytes -= bytes;
                    budget.add(-bytes);
                } finally {
                    lock.unlock();
                }
                boolean replay = batch.stream().anyMatch(Entry::replay);
                if (spill) {
                    spillOrRetry(q.table, batch, replay);
                } else {
                    long start = nanoClock.getAsLong();
                    deliver(q.table, batch, replay, false);
                    long latency = nanoClock.getAsLong() - start;
                    q.policy.onFlush(batch.size(), latency, nanoClock.getAsLong());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            lastError = e.getMessage();
            log.atError().addKeyValue("session", session.name()).setCause(e).log("writer failed");
        } finally {
            int left = queuedRows();
            if (left > 0) {
                rowsLost += left;
                log.atError().addKeyValue("session", session.name()).addKeyValue("rows", left)
                        .log("writer stopped with rows still queued; they were not stored");
            }
        }
    }

    /** What the loop does next: take from a queue, go back to open/replay, or stop. */
    private record Work(TableQueue queue, boolean exit) {
        static final Work RECHECK = new Work(null, false);
        static final Work EXIT = new Work(null, true);
    }

    /** Under the lock: waits until a queue is due (any non-empty one while spilling or closing), or there is other work. */
    private Work awaitWork() throws InterruptedException {
        while (true) {
            long now = nanoClock.getAsLong();
            // Spilling keeps the table's batching (a spool of tiny batches would replay slowly), unless
            // memory is over budget or the writer is stopping: then everything goes, now.
            boolean takeAny = closing || budget.over();
            long wait = Long.MAX_VALUE;
            for (TableQueue q : queues) {
                if (q.size() == 0) {
                    continue;
                }
                if (takeAny || q.isDue(now)) {
                    return new Work(q, false);
                }
                wait = Math.min(wait, q.nanosUntilDue(now));
            }
            boolean writable = breaker.allowsWrite(now);
            if (closing) {
                // A graceful stop also empties the spool into a healthy backend, until the deadline.
                boolean drainSpool = isOpen && writable && spool.hasData() && now - closeDeadlineNanos <= 0;
                return drainSpool ? Work.RECHECK : Work.EXIT;
            }
            if (writable && (!isOpen || spool.hasData())) {
                return Work.RECHECK; // open the session, or replay the spool
            }
            if (!writable) {
                wait = Math.min(wait, Math.max(1_000_000L, breaker.nanosUntilTrial(now)));
            }
            if (wait == Long.MAX_VALUE) {
                changed.await();
            } else {
                changed.awaitNanos(wait);
            }
        }
    }

    private boolean mustSpill(long now) {
        return !isOpen || !breaker.allowsWrite(now) || budget.over();
    }

    private void tryOpen(long now) {
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
    private boolean deliver(Table table, List<Entry> batch, boolean mayRepeat, boolean fromSpool)
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
            List<Row> rows = rows(batch);
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
    private boolean spillOrRetry(Table table, List<Entry> batch, boolean mayRepeat) throws InterruptedException {
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
                    rowsLost += batch.size();
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

    private static List<Row> rows(List<Entry> batch) {
        List<Row> rows = new ArrayList<>(batch.size());
        for (Entry e : batch) {
            rows.add(e.row());
        }
        return rows;
    }

    private static List<Entry> entries(List<Row> rows) {
        List<Entry> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(Entry.of(r));
        }
        return out;
    }
}
