package io.tracker.core.batch;

import io.micrometer.core.instrument.MeterRegistry;
import io.tracker.core.config.BatchConfig;
import io.tracker.core.config.TableBatchConfig.Durability;
import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every write of every route goes through here: rows are queued per session and per table and
 * delivered by each session's own writer (see {@link SessionWriter}). The acknowledgement a route may
 * give depends on the table's durability: {@code memory} once queued, {@code wal} once fsynced to the
 * write-ahead log, {@code sync} once every session holds the rows. {@link #close} drains everything
 * (to the backends, or to the spool when one is down), so a graceful stop loses nothing accepted.
 */
public final class BatchManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchManager.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final BatchConfig config;
    private final List<SessionWriter> writers;
    private final MemoryBudget budget;
    private final WriteAheadLog wal;
    private final LongSupplier nanoClock;
    private final Erasures erasures;
    private final Map<Table, Durability> durability;
    private volatile boolean closed;
    /** Enqueues share it; close takes it exclusively, so no enqueue is half-done when draining starts. */
    private final ReentrantReadWriteLock admission = new ReentrantReadWriteLock();

    public BatchManager(List<Session> sessions, List<Table> tables, BatchConfig config, Path dataDir,
                        MeterRegistry registry) throws IOException {
        this(sessions, tables, config, dataDir, registry, System::nanoTime);
    }

    BatchManager(List<Session> sessions, List<Table> tables, BatchConfig config, Path dataDir, MeterRegistry registry,
                 LongSupplier nanoClock) throws IOException {
        if (sessions.isEmpty()) {
            throw new IllegalArgumentException("at least one session is required");
        }
        this.config = config;
        this.nanoClock = nanoClock;
        this.budget = new MemoryBudget(config.maxQueuedBytes());
        Map<Table, Durability> modes = new java.util.IdentityHashMap<>();
        tables.forEach(t -> modes.put(t, config.forTable(t.name()).durabilityMode()));
        this.durability = java.util.Collections.unmodifiableMap(modes); // bound once, not parsed per request
        boolean anyWal = modes.containsValue(Durability.WAL);
        this.wal = anyWal || hasLeftovers(dataDir.resolve("wal"))
                ? new WriteAheadLog(dataDir.resolve("wal"), config.segmentBytes(), config.walSyncMillis(), sessions.size(),
                        config.walStripes(), registry)
                : null;
        this.erasures = new Erasures(dataDir);
        BatchMeters meters = new BatchMeters(registry);
        List<SessionWriter> ws = new ArrayList<>();
        for (Session s : sessions) {
            ws.add(new SessionWriter(s, tables, config, budget, wal, dataDir, meters, nanoClock, erasures));
        }
        this.writers = List.copyOf(ws);
        meters.memory(budget);
    }

    private static boolean hasLeftovers(Path walDir) {
        try (var files = java.nio.file.Files.list(walDir)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".log")); // not a pre-zeroed spare
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Replays what a previous run left in the write-ahead log, then starts the writers; each opens its
     * session first (retrying, with its breaker).
     */
    public void start() throws IOException {
        if (wal != null) {
            for (WriteAheadLog.Recovered r : wal.recover()) {
                offer(r.rows(), r.segment(), null, true);
            }
            wal.start();
        }
        writers.forEach(SessionWriter::start);
    }

    /** Waits until every session opened once; rethrows the first open failure. */
    public void awaitOpen(Duration timeout) throws Exception {
        CompletableFuture<?>[] all = writers.stream().map(SessionWriter::opened).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(all).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        } catch (TimeoutException e) {
            throw new TimeoutException("sessions not open after " + timeout);
        }
    }

    /**
     * Waits up to {@code timeout} for each session's first open attempt. A backend that is down, unreachable or busy
     * is no reason not to start: its session keeps trying in the background with back-off, its rows go to its spool,
     * and /ready names it. What retrying cannot fix — credentials refused, a schema that drifted from the code, a
     * driver missing — is rethrown, so a broken deployment fails at once instead of spooling forever.
     */
    public void awaitStartup(Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        for (SessionWriter w : writers) {
            try {
                w.opened().get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof io.tracker.core.session.SessionException se
                        && se.kind() == io.tracker.core.session.SessionException.Kind.UNAVAILABLE) {
                    log.atWarn().addKeyValue("session", w.name()).addKeyValue("error", c.getMessage())
                            .log("session not open; starting degraded (rows are spooled, opening is retried)");
                    continue;
                }
                throw c instanceof Exception ex ? ex : e;
            } catch (TimeoutException e) {
                log.atWarn().addKeyValue("session", w.name()).addKeyValue("after", timeout)
                        .log("session still opening; starting degraded");
            }
        }
    }

    /**
     * Accepts {@code rows} for every session, all or none. The rows may belong to several tables (a payment and its
     * LTV increment, a consent and its history): every refusal condition is checked once, before anything is
     * queued, so a request is never half accepted. The future completes when every table's durability allows the
     * caller to acknowledge; a refusal (memory or spool exhausted, shutting down) throws {@link QueueFullException}
     * and queues nothing.
     */
    public CompletableFuture<Void> enqueue(List<Row> rows) throws QueueFullException {
        return enqueue(rows, false);
    }

    /**
     * As {@link #enqueue(List)}; {@code mayRepeat} says the rows may already be stored (a message redelivered by its
     * source), so sessions skip the event ids they hold — the same path as a WAL or spool replay.
     */
    public CompletableFuture<Void> enqueue(List<Row> rows, boolean mayRepeat) throws QueueFullException {
        if (rows.isEmpty()) {
            return DONE;
        }
        admission.readLock().lock();
        try {
            checkAdmission();
            Table first = rows.get(0).table();
            boolean oneTable = true;
            for (Row r : rows) {
                if (r.table() != first) {
                    oneTable = false;
                    break;
                }
            }
            if (oneTable) {
                return admit(first, rows, mayRepeat);
            }
            Map<Table, List<Row>> byTable = new LinkedHashMap<>();
            for (Row r : rows) {
                byTable.computeIfAbsent(r.table(), t -> new ArrayList<>()).add(r);
            }
            Map<Table, List<Row>> walTables = new LinkedHashMap<>();
            byTable.forEach((t, rs) -> {
                if (durabilityOf(t) == Durability.WAL) {
                    walTables.put(t, rs);
                }
            });
            if (walTables.isEmpty()) {
                return admitAll(byTable, mayRepeat, -1);
            }
            // The WAL tables are one record group, fsynced together or not at all; nothing is queued before that.
            return wal.append(walTables).thenCompose(segment -> admitAll(byTable, mayRepeat, segment));
        } finally {
            admission.readLock().unlock();
        }
    }

    /**
     * Throws the refusal {@link #enqueue} would throw at this moment (stopping, memory budget exhausted, a spool full),
     * so that a caller can refuse a request before the work of parsing and enriching it: under overload most requests
     * are refused, and the CPU they would cost is the writers'. A hint only: {@code enqueue} checks again.
     */
    public void checkAdmission() throws QueueFullException {
        if (closed) {
            throw new QueueFullException("shutting down");
        }
        if (budget.exhausted()) {
            throw new QueueFullException("memory budget exhausted (" + budget.used() + " bytes queued)");
        }
        for (SessionWriter w : writers) {
            if (!w.accepting()) {
                throw new QueueFullException("session " + w.name() + " is stopping");
            }
            if (w.spoolBytes() > config.spoolMaxBytes()) {
                throw new QueueFullException("spool of session " + w.name() + " is full");
            }
        }
    }

    private Durability durabilityOf(Table t) {
        Durability d = durability.get(t);
        return d != null ? d : config.forTable(t.name()).durabilityMode();
    }

    /** Queues rows of several tables whose WAL part, if any, is already in {@code walSegment}. */
    private CompletableFuture<Void> admitAll(Map<Table, List<Row>> byTable, boolean mayRepeat, long walSegment) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Map.Entry<Table, List<Row>> e : byTable.entrySet()) {
            Durability d = durabilityOf(e.getKey());
            if (d == Durability.WAL) {
                offer(e.getValue(), walSegment, null, mayRepeat);
            } else {
                all.add(admit(e.getKey(), e.getValue(), mayRepeat));
            }
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /** Queues rows of one table (admission already checked, under the read lock). */
    private CompletableFuture<Void> admit(Table table, List<Row> rows, boolean mayRepeat) {
        Durability mode = durabilityOf(table);
        switch (mode) {
            case MEMORY -> {
                offer(rows, -1, null, mayRepeat);
                return DONE;
            }
            case SYNC -> {
                Ack ack = new Ack(rows.size() * writers.size());
                offer(rows, -1, ack, mayRepeat);
                return ack.done;
            }
            case WAL -> {
                return wal.append(table, rows).thenAccept(segment -> offer(rows, segment, null, mayRepeat));
            }
            default -> throw new IllegalStateException("durability " + mode);
        }
    }

    /** Queues {@code rows} on every writer, each with entries of its own (a writer settles its entries once). */
    private void offer(List<Row> rows, long walSegment, Ack ack, boolean replay) {
        for (SessionWriter w : writers) {
            List<Entry> entries = new ArrayList<>(rows.size());
            for (Row r : rows) {
                entries.add(new Entry(r, walSegment, ack, replay));
            }
            w.add(entries);
        }
    }

    /**
     * Completes once every row queued at the time of the call has reached its session (or that session's spool):
     * the data-subject API calls it so an erasure also covers events acknowledged a moment before.
     */
    public CompletableFuture<Void> flush() {
        return CompletableFuture.allOf(writers.stream().map(SessionWriter::flush).toArray(CompletableFuture[]::new));
    }

    /**
     * Records (durably) that the data subject {@code id} (a vid or uid) was erased now: from here on no row of it
     * created before this moment is delivered to any session — queued, spooled or in the write-ahead log.
     */
    public void forget(java.util.UUID id) throws IOException {
        erasures.record(id, System.currentTimeMillis());
    }

    /** {@link #forget(java.util.UUID)} as of {@code at} (an erasure made on another node of the cluster at that time). */
    public void forget(java.util.UUID id, long at) throws IOException {
        erasures.record(id, at);
    }

    /** The sessions, in configuration order. */
    public List<Session> sessions() {
        return writers.stream().map(SessionWriter::session).toList();
    }

    public List<SessionStatus> status() {
        List<SessionStatus> out = new ArrayList<>();
        for (SessionWriter w : writers) {
            out.add(new SessionStatus(w.name(), w.isOpen(), w.session().isHealthy(),
                    w.breakerState().name().toLowerCase(java.util.Locale.ROOT), w.queuedRows(), w.queuedBytes(),
                    w.spoolBytes(), w.deadLetterCount(), w.rowsLost(), w.lastError(), w.writerFailure()));
        }
        return out;
    }

    /**
     * Ready for traffic: every session is open, no breaker is open, no writer is failing and no spool is above 80% of
     * its limit. Not ready still accepts (into the spool): a load balancer just prefers another node.
     */
    public boolean isReady() {
        for (SessionWriter w : writers) {
            if (!w.isOpen() || w.breakerState() == CircuitBreaker.State.OPEN || w.writerFailure() != null
                    || w.spoolBytes() > config.spoolMaxBytes() * 8 / 10) {
                return false;
            }
        }
        return true;
    }

    public long walRowsOwed() {
        return wal == null ? 0 : wal.rowsOwed();
    }

    /** Stops accepting, fsyncs pending WAL appends, then drains every queue; gives up on a backend after {@code timeout} (its rows go to the spool). */
    public void close(Duration timeout) {
        admission.writeLock().lock();
        try {
            closed = true;
        } finally {
            admission.writeLock().unlock();
        }
        long deadline = nanoClock.getAsLong() + timeout.toNanos();
        if (wal != null) {
            wal.drain();
        }
        for (SessionWriter w : writers) {
            try {
                w.close(deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (SessionWriter w : writers) {
            try {
                w.session().close();
            } catch (Exception e) {
                log.atWarn().addKeyValue("session", w.name()).setCause(e).log("session close failed");
            }
        }
        if (wal != null) {
            try {
                wal.close();
            } catch (IOException e) {
                log.atWarn().setCause(e).log("write-ahead log close failed");
            }
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /** A session as /status shows it. */
    public record SessionStatus(String name, boolean open, boolean healthy, String breaker, int queuedRows,
                                long queuedBytes, long spoolBytes, long deadLetters, long rowsLost, String lastError,
                                String writerFailure) {
    }
}
