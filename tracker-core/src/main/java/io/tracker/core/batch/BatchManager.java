package io.tracker.core.batch;

import io.micrometer.core.instrument.MeterRegistry;
import io.tracker.core.config.BatchConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every write of every route goes through here: rows are queued per session and per table and
 * flushed by each session's own writer thread according to the table's {@link FlushPolicy}.
 * {@link #close} drains every queue before returning, so a graceful stop loses nothing that was
 * accepted.
 */
public final class BatchManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchManager.class);

    private final List<SessionWriter> writers;
    private final LongSupplier nanoClock;
    private volatile boolean closed;

    public BatchManager(List<Session> sessions, List<Table> tables, BatchConfig config, MeterRegistry registry) {
        this(sessions, tables, config, registry, System::nanoTime);
    }

    BatchManager(List<Session> sessions, List<Table> tables, BatchConfig config, MeterRegistry registry,
                 LongSupplier nanoClock) {
        if (sessions.isEmpty()) {
            throw new IllegalArgumentException("at least one session is required");
        }
        this.nanoClock = nanoClock;
        List<SessionWriter> ws = new ArrayList<>();
        for (Session s : sessions) {
            ws.add(new SessionWriter(s, tables, config, registry, nanoClock));
        }
        this.writers = List.copyOf(ws);
    }

    /** Starts the writer threads; each opens its session first (retrying on failure). */
    public void start() {
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
     * Queues {@code rows} for every session, all or none: when any session's queue is at its bound the
     * call fails and nothing is queued, so the client can be told to retry.
     */
    public void enqueue(List<Row> rows) throws QueueFullException {
        if (closed) {
            throw new QueueFullException("shutting down");
        }
        for (SessionWriter w : writers) {
            if (!w.hasRoomFor(rows.size())) {
                throw new QueueFullException("queue of session " + w.name() + " is full");
            }
        }
        for (SessionWriter w : writers) {
            w.add(rows);
        }
    }

    public List<SessionStatus> status() {
        List<SessionStatus> out = new ArrayList<>();
        for (SessionWriter w : writers) {
            out.add(new SessionStatus(w.name(), w.session().isHealthy(), w.queuedRows(), w.rowsLost(), w.lastError()));
        }
        return out;
    }

    /** Stops accepting and flushes every queue, giving up on a session after {@code timeout}. */
    public void close(Duration timeout) {
        closed = true;
        long deadline = nanoClock.getAsLong() + timeout.toNanos();
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
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /** A session as /status shows it. */
    public record SessionStatus(String name, boolean healthy, int queuedRows, long rowsLost, String lastError) {
    }
}
