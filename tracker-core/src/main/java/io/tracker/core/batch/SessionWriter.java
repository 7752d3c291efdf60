package io.tracker.core.batch;

import io.tracker.core.config.BatchConfig;
import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one session: its per-table queues and the single thread that writes to it. A slow or dead
 * session only ever holds its own thread; ingest threads just append under a short lock.
 *
 * <p>The thread's loop: open the session when the breaker allows; replay the spool first (older data);
 * then take the next due batch — or, while memory is over budget or the writer is stopping, any batch —
 * and hand it to {@link Delivery}, which stores, dead-letters or spills it. Every row ends stored, spooled
 * or dead-lettered; only then is its WAL segment released and its acknowledgement counted.
 */
final class SessionWriter {
    private static final Logger log = LoggerFactory.getLogger(SessionWriter.class);

    private final Session session;
    private final List<Table> tables;
    private final List<TableQueue> queues;
    private final Map<Table, TableQueue> byTable = new HashMap<>();
    private final MemoryBudget budget;
    private final WriteAheadLog wal;
    private final LongSupplier nanoClock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<CompletableFuture<Void>> flushWaiters = new ArrayList<>();
    private final CompletableFuture<Void> opened = new CompletableFuture<>();
    private final Thread thread;
    private final Delivery delivery;

    private final io.micrometer.core.instrument.Counter writerFailures;
    /** Set while the writer loop keeps failing (cleared by the next clean pass): /ready reports it. */
    private volatile String writerFailure;
    private volatile String replayFailure;
    /** Until when the spool replay is paused after it failed (writer thread only). */
    private long replayRetryAt = Long.MIN_VALUE / 2;
    private int queuedRows;
    private long queuedBytes;

    SessionWriter(Session session, List<Table> tables, BatchConfig config, MemoryBudget budget, WriteAheadLog wal,
                  Path dataDir, BatchMeters meters, LongSupplier nanoClock, Erasures erasures) throws IOException {
        this.session = session;
        this.tables = List.copyOf(tables);
        this.budget = budget;
        this.wal = wal;
        this.nanoClock = nanoClock;
        List<TableQueue> qs = new ArrayList<>();
        for (Table t : tables) {
            TableQueue q = new TableQueue(t, config.forTable(t.name()), meters.table(session.name(), t.name()));
            qs.add(q);
            byTable.put(t, q);
        }
        qs.sort(Comparator.comparingInt(q -> q.priority));
        this.queues = List.copyOf(qs);
        String s = session.name();
        BatchMeters.SessionMeters sm = meters.session(s);
        this.delivery = new Delivery(session, byTable, config, wal, dataDir, sm, nanoClock, erasures);
        this.writerFailures = sm.writerFailures();
        meters.sessionGauges(s, this, SessionWriter::queuedRows, SessionWriter::queuedBytes,
                delivery, Delivery::spoolBytes, Delivery::breakerCode);
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
        return !delivery.closing();
    }

    long spoolBytes() {
        return delivery.spoolBytes();
    }

    CircuitBreaker.State breakerState() {
        return delivery.breakerState();
    }

    /** The session is open (its writer opened it, maybe after failed attempts). */
    boolean isOpen() {
        return delivery.isOpen();
    }

    /** Why the writer loop is failing right now, or null. */
    String writerFailure() {
        String f = writerFailure;
        return f != null ? f : replayFailure;
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

    /** Completes once everything queued now has been written (or spooled, if the session is down). */
    CompletableFuture<Void> flush() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        lock.lock();
        try {
            flushWaiters.add(done);
            changed.signal();
        } finally {
            lock.unlock();
        }
        return done;
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
        return delivery.rowsLost();
    }

    long deadLetterCount() {
        return delivery.deadLetterCount();
    }

    String lastError() {
        return delivery.lastError();
    }

    /** Stops accepting and empties the queues (written, or spooled if the session is down), then returns. */
    void close(long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            delivery.beginClose(deadlineNanos);
            delivery.lastTrial();
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
            delivery.closeSpool();
        } catch (IOException e) {
            log.atWarn().addKeyValue("session", session.name()).setCause(e).log("spool close failed");
        }
        if (delivery.spoolBytes() > 0) {
            log.atWarn().addKeyValue("session", session.name()).addKeyValue("bytes", delivery.spoolBytes())
                    .addKeyValue("spool", delivery.spoolDir()).addKeyValue("error", delivery.lastError())
                    .log("stopped with rows in the spool (the session took no writes on the last trial); "
                            + "the next start delivers them");
        }
    }

    /**
     * The writer loop, supervised: a failure in one pass (a spool or dead-letter file that cannot be written, EMFILE, a
     * bug) puts the batch it held back at the head of its queue, is reported in /ready and a metric, and the loop
     * goes on after a back-off — a writer never dies with rows in memory.
     */
    private void run() {
        Backoff backoff = null;
        try {
            while (true) {
                try {
                    if (!pass()) {
                        return; // closing and every queue is empty
                    }
                    if (writerFailure != null) {
                        log.atInfo().addKeyValue("session", session.name()).log("writer recovered");
                        writerFailure = null;
                    }
                    backoff = null;
                } catch (IOException | RuntimeException | LinkageError | AssertionError e) {
                    writerFailures.increment();
                    writerFailure = String.valueOf(e);
                    delivery.failed("writer: " + e);
                    log.atError().addKeyValue("session", session.name()).setCause(e)
                            .log("writer pass failed; its rows are kept and the writer goes on");
                    if (backoff == null) {
                        backoff = new Backoff(TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.SECONDS.toNanos(5));
                    }
                    long pause = backoff.next();
                    if (delivery.pastDeadline(nanoClock.getAsLong() + pause)) {
                        return; // stopping: what is left is counted below (wal rows stay in the WAL)
                    }
                    TimeUnit.NANOSECONDS.sleep(pause);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            int left = queuedRows();
            if (left > 0) {
                delivery.lost(left);
                log.atError().addKeyValue("session", session.name()).addKeyValue("rows", left)
                        .log("writer stopped with rows still queued; they were not stored");
            }
        }
    }

    /** One turn of the loop: open, replay, or deliver one batch. False when the writer is done. */
    private boolean pass() throws IOException, InterruptedException {
        long now = nanoClock.getAsLong();
        if (!delivery.isOpen() && !delivery.pastDeadline(now)) {
            delivery.tryOpen(tables, opened, now);
        }
        if (delivery.writable(now) && !delivery.pastDeadline(now) && now - replayRetryAt >= 0) {
            boolean replayed;
            try {
                replayed = delivery.replaySpool(t -> {
                    TableQueue tq = byTable.get(t);
                    return tq == null ? 10_000 : tq.policy.maxRows();
                });
            } catch (IOException e) {
                // The spool cannot be read (or a segment deleted) now: live rows still go to a healthy backend
                // meanwhile, and the replay is tried again after a pause.
                replayRetryAt = now + TimeUnit.SECONDS.toNanos(1);
                writerFailures.increment();
                replayFailure = "spool replay: " + e;
                delivery.failed("spool replay: " + e);
                log.atError().addKeyValue("session", session.name()).addKeyValue("error", e.toString())
                        .log("spool replay failed; serving the queues, retrying in 1 s");
                replayed = false;
            }
            if (replayRetryAt - now <= 0) {
                replayFailure = null; // this attempt went through
            }
            if (replayed) {
                return true;
            }
        }
        TableQueue q;
        List<Entry> batch;
        boolean spill;
        lock.lock();
        try {
            Work work = awaitWork();
            if (work.exit()) {
                return false;
            }
            if (work.queue() == null) {
                return true;
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
        try {
            if (spill) {
                delivery.spillOrRetry(q.table, batch, replay);
            } else {
                long start = nanoClock.getAsLong();
                delivery.deliver(q.table, batch, replay, false);
                long latency = nanoClock.getAsLong() - start;
                q.policy.onFlush(batch.size(), latency, nanoClock.getAsLong());
            }
        } catch (IOException | RuntimeException | Error | InterruptedException e) {
            requeue(q, batch); // possibly partly stored already: marked as replays, the session skips what it holds
            throw e;
        }
        return true;
    }

    /** Puts a batch whose delivery failed half-way back at the head of its queue, as a replay. */
    private void requeue(TableQueue q, List<Entry> batch) {
        List<Entry> again = new ArrayList<>(batch.size());
        for (Entry e : batch) {
            if (!e.settled()) {
                again.add(e.again());
            }
        }
        long bytes = TableQueue.bytesOf(again);
        lock.lock();
        try {
            q.addFirst(again, nanoClock.getAsLong());
            queuedRows += again.size();
            queuedBytes += bytes;
            budget.add(bytes);
        } finally {
            lock.unlock();
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
            boolean takeAny = delivery.closing() || budget.over() || !flushWaiters.isEmpty();
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
            if (!flushWaiters.isEmpty()) { // every queue is empty and the last batch taken is delivered
                flushWaiters.forEach(f -> f.complete(null));
                flushWaiters.clear();
            }
            boolean breakerAllows = delivery.allowsWrite(now);
            if (delivery.closing()) {
                // A graceful stop also empties the spool into a healthy backend, until the deadline.
                boolean drainSpool = delivery.writable(now) && delivery.hasSpooled() && !delivery.pastDeadline(now);
                return drainSpool ? Work.RECHECK : Work.EXIT;
            }
            if (breakerAllows && (!delivery.isOpen() || delivery.hasSpooled())) {
                return Work.RECHECK; // open the session, or replay the spool
            }
            if (!breakerAllows) {
                wait = Math.min(wait, Math.max(1_000_000L, delivery.nanosUntilTrial(now)));
            }
            if (wait == Long.MAX_VALUE) {
                changed.await();
            } else {
                changed.awaitNanos(wait);
            }
        }
    }

    private boolean mustSpill(long now) {
        return !delivery.writable(now) || budget.over();
    }
}
