package io.tracker.core.batch;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tracker.core.config.BatchConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * Owns one session: its per-table queues and the single thread that writes to it. A slow or failing
 * session only ever blocks its own thread; ingest threads just append under a short lock.
 */
final class SessionWriter {
    private static final Logger log = LoggerFactory.getLogger(SessionWriter.class);

    private final Session session;
    private final List<Table> tables;
    private final List<TableQueue> queues;
    private final Map<Table, TableQueue> byTable = new LinkedHashMap<>();
    private final int maxQueuedRows;
    private final long retryInitialNanos;
    private final long retryMaxNanos;
    private final LongSupplier nanoClock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final CompletableFuture<Void> opened = new CompletableFuture<>();
    private final Thread thread;

    private int queuedRows;
    private int nextQueue;
    private boolean closing;
    private long closeDeadlineNanos;
    private volatile long rowsLost;
    private volatile String lastError;

    SessionWriter(Session session, List<Table> tables, BatchConfig config, MeterRegistry registry, LongSupplier nanoClock) {
        this.session = session;
        this.tables = List.copyOf(tables);
        this.maxQueuedRows = config.maxQueuedRows();
        this.retryInitialNanos = TimeUnit.MILLISECONDS.toNanos(config.retryInitialMillis());
        this.retryMaxNanos = TimeUnit.MILLISECONDS.toNanos(config.retryMaxMillis());
        this.nanoClock = nanoClock;
        List<TableQueue> qs = new ArrayList<>();
        for (Table t : tables) {
            TableQueue q = new TableQueue(t, FlushPolicy.of(config.forTable(t.name())), session.name(), registry);
            qs.add(q);
            byTable.put(t, q);
        }
        this.queues = List.copyOf(qs);
        Gauge.builder("tracker.rows.queued", this, SessionWriter::queuedRows)
                .description("rows accepted but not yet written to the session, in flight included")
                .tag("session", session.name()).register(registry);
        this.thread = new Thread(this::run, "writer-" + session.name());
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

    boolean hasRoomFor(int rows) {
        lock.lock();
        try {
            return !closing && queuedRows + rows <= maxQueuedRows;
        } finally {
            lock.unlock();
        }
    }

    void add(List<Row> rows) {
        long now = nanoClock.getAsLong();
        lock.lock();
        try {
            boolean wake = false;
            for (Row row : rows) {
                TableQueue q = byTable.get(row.table());
                if (q == null) {
                    throw new IllegalArgumentException("session " + session.name() + " has no queue for table " + row.table());
                }
                q.add(row, now);
                // Wake the writer when a queue gets its first row (a new age deadline) or fills up.
                wake |= q.size() == 1 || q.size() >= q.policy.maxRows();
            }
            queuedRows += rows.size();
            if (wake) {
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

    long rowsLost() {
        return rowsLost;
    }

    String lastError() {
        return lastError;
    }

    /** Stops accepting, flushes everything (retrying until {@code deadlineNanos}), then returns. */
    void close(long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            closing = true;
            closeDeadlineNanos = deadlineNanos;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        long waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - nanoClock.getAsLong()) + 1_000);
        thread.join(waitMillis);
        if (thread.isAlive()) {
            thread.interrupt();
            thread.join(1_000);
        }
    }

    private void run() {
        try {
            if (!openWithRetry()) {
                return;
            }
            while (true) {
                TableQueue due;
                List<Row> batch;
                lock.lock();
                try {
                    due = awaitDueQueue();
                    if (due == null) {
                        return; // closing and everything written
                    }
                    batch = due.take(nanoClock.getAsLong());
                } finally {
                    lock.unlock();
                }
                boolean stored = writeWithRetry(due, batch);
                lock.lock();
                try {
                    queuedRows -= batch.size();
                } finally {
                    lock.unlock();
                }
                if (!stored) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            int left = queuedRows();
            if (left > 0) {
                rowsLost += left;
                log.atError().addKeyValue("session", session.name()).addKeyValue("rows", left)
                        .log("writer stopped with rows still queued; they were not stored");
            }
        }
    }

    /** Called under the lock. Returns the next queue to flush, or null when closing and all are empty. */
    private TableQueue awaitDueQueue() throws InterruptedException {
        while (true) {
            long now = nanoClock.getAsLong();
            long wait = Long.MAX_VALUE;
            int n = queues.size();
            for (int i = 0; i < n; i++) {
                TableQueue q = queues.get((nextQueue + i) % n);
                int size = q.size();
                if (size == 0) {
                    continue;
                }
                long age = q.oldestAgeNanos(now);
                if (closing || q.policy.isDue(size, age)) {
                    nextQueue = (nextQueue + i + 1) % n;
                    return q;
                }
                wait = Math.min(wait, q.policy.nanosUntilDue(size, age));
            }
            if (closing) {
                return null;
            }
            if (wait == Long.MAX_VALUE) {
                changed.await();
            } else {
                changed.awaitNanos(wait);
            }
        }
    }

    private boolean openWithRetry() {
        long backoff = retryInitialNanos;
        while (true) {
            try {
                session.open(tables);
                opened.complete(null);
                log.atInfo().addKeyValue("session", session.name()).log("session open");
                return true;
            } catch (Exception e) {
                lastError = e.getMessage();
                opened.completeExceptionally(e);
                log.atWarn().addKeyValue("session", session.name()).setCause(e).log("session open failed; retrying");
                if (!sleepBackoff(backoff)) {
                    return false;
                }
                backoff = Math.min(backoff * 2, retryMaxNanos);
            }
        }
    }

    private boolean writeWithRetry(TableQueue q, List<Row> batch) {
        long backoff = retryInitialNanos;
        while (true) {
            long start = nanoClock.getAsLong();
            try {
                session.write(q.table, batch);
                q.flushLatency.record(nanoClock.getAsLong() - start, TimeUnit.NANOSECONDS);
                q.rowsFlushed.increment(batch.size());
                q.batchesFlushed.increment();
                return true;
            } catch (Exception e) {
                q.writeFailures.increment();
                lastError = e.getMessage();
                log.atWarn().addKeyValue("session", session.name()).addKeyValue("table", q.table.name())
                        .addKeyValue("rows", batch.size()).setCause(e).log("batch write failed; retrying");
                if (!sleepBackoff(backoff)) {
                    rowsLost += batch.size();
                    log.atError().addKeyValue("session", session.name()).addKeyValue("table", q.table.name())
                            .addKeyValue("rows", batch.size()).log("shutdown deadline passed; batch not stored");
                    return false;
                }
                backoff = Math.min(backoff * 2, retryMaxNanos);
            }
        }
    }

    /** Sleeps a jittered back-off; false when the close deadline has passed (give up). */
    private boolean sleepBackoff(long backoffNanos) {
        long sleep = backoffNanos / 2 + ThreadLocalRandom.current().nextLong(backoffNanos / 2 + 1);
        lock.lock();
        try {
            if (closing) {
                long left = closeDeadlineNanos - nanoClock.getAsLong();
                if (left <= 0) {
                    return false;
                }
                sleep = Math.min(sleep, left);
            }
            changed.awaitNanos(sleep);
            return !closing || closeDeadlineNanos - nanoClock.getAsLong() > 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }
}
