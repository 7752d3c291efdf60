package io.tracker.core.batch;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowCodec;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead log of {@code wal} durability: rows are appended to checksummed segments and
 * acknowledged only after a group-commit fsync (one fsync covers every append that arrived while the
 * previous one ran, at most one per {@code walSyncMillis}). Each segment counts the rows every session
 * still owes it; once all are stored (or spooled, or dead-lettered) the segment is deleted. After a
 * crash, {@link #recover} hands back every row of the remaining segments for replay.
 */
public final class WriteAheadLog implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(WriteAheadLog.class);

    private final SegmentLog segments;
    private final long syncNanos;
    private final int sessions;
    private final Map<Long, AtomicLong> owed = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Append> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong owedRows = new AtomicLong();
    /** Recovered segments with a damaged record: kept aside (never deleted) once their readable rows are stored. */
    private final java.util.Set<Long> damaged = ConcurrentHashMap.newKeySet();
    private final Timer syncLatency;
    private final io.micrometer.core.instrument.Counter failures;
    private volatile long current = Long.MAX_VALUE;
    private volatile boolean closing;
    private Thread thread;
    /** Keeps a pre-zeroed spare segment ready (see {@link SegmentLog#preallocate}); null in fault-injection tests. */
    private volatile Thread preparer;

    public WriteAheadLog(Path dir, long segmentBytes, long syncMillis, int sessions, MeterRegistry registry)
            throws IOException {
        this(dir, segmentBytes, syncMillis, sessions, registry, SegmentLog.FILES);
        segments.preallocate(() -> LockSupport.unpark(preparer));
    }

    WriteAheadLog(Path dir, long segmentBytes, long syncMillis, int sessions, MeterRegistry registry,
                  SegmentLog.Opener opener) throws IOException {
        this.segments = new SegmentLog(dir, "wal", segmentBytes, opener);
        this.syncNanos = TimeUnit.MILLISECONDS.toNanos(syncMillis);
        this.sessions = sessions;
        BatchMeters.WalMeters meters = new BatchMeters(registry).wal(owedRows, sessions);
        this.syncLatency = meters.sync();
        this.failures = meters.failures();
    }

    /** A batch found in the log at start-up. */
    public record Recovered(long segment, Table table, List<Row> rows) {
    }

    /** Reads every remaining segment (a previous run's unfinished work); the rows count as owed by every session. */
    public List<Recovered> recover() throws IOException {
        List<Recovered> out = new ArrayList<>();
        for (long s : segments.segments()) {
            List<Recovered> found = new ArrayList<>();
            boolean[] decodable = {true};
            SegmentLog.Read read = segments.read(s, payload -> {
                try {
                    RowCodec.Batch b = RowCodec.decode(payload, name -> Tables.byName(name).orElse(null));
                    found.add(new Recovered(s, b.table(), b.rows()));
                } catch (IOException | RuntimeException e) {
                    decodable[0] = false;
                    log.atError().addKeyValue("segment", s).addKeyValue("error", e.getMessage())
                            .log("WAL record cannot be decoded; the segment is set aside once the rest is stored");
                }
            });
            if (!read.intact() || !decodable[0]) {
                damaged.add(s);
            }
            long rows = found.stream().mapToLong(r -> r.rows().size()).sum();
            if (rows == 0 && damaged.contains(s)) {
                log.atError().addKeyValue("file", segments.setAside(s)).log("damaged WAL segment set aside");
                continue;
            }
            if (rows == 0) {
                Files.deleteIfExists(segments.path(s));
                continue;
            }
            owe(s, rows * sessions);
            out.addAll(found);
        }
        if (!out.isEmpty()) {
            log.atWarn().addKeyValue("batches", out.size())
                    .addKeyValue("rows", out.stream().mapToLong(r -> r.rows().size()).sum())
                    .log("write-ahead log holds rows of a previous run; replaying");
        }
        return out;
    }

    /** Starts the group-commit thread; the first append creates this run's segment (after every recovered one). */
    public void start() {
        thread = new Thread(this::run, "wal");
        thread.setDaemon(true);
        thread.start();
        if (segments.preallocating()) {
            Thread p = new Thread(this::prepare, "wal-prepare");
            p.setDaemon(true);
            p.setPriority(Thread.MIN_PRIORITY);
            preparer = p;
            p.start();
        }
    }

    /** The spare maker: one ready at all times; after a failure (a full disk) it tries again a few seconds later. */
    private void prepare() {
        boolean warned = false;
        while (!closing) {
            try {
                segments.prepareSpare();
                warned = false;
                LockSupport.parkNanos(this, TimeUnit.SECONDS.toNanos(5)); // woken when rotation takes the spare
            } catch (IOException | RuntimeException e) {
                if (!warned) {
                    log.atWarn().addKeyValue("error", String.valueOf(e))
                            .log("cannot make a pre-zeroed WAL segment; new segments grow as they are written");
                    warned = true;
                }
                LockSupport.parkNanos(this, TimeUnit.SECONDS.toNanos(5));
            }
        }
    }

    /** Appends {@code rows}; the future completes with the segment once they are fsynced. */
    public CompletableFuture<Long> append(Table table, List<Row> rows) {
        return append(Map.of(table, rows));
    }

    /**
     * Appends the rows of several tables as one unit (a payment and its LTV increments): they go into the same group
     * commit and the same segment, so either all of them are in the log or — the group rolled back — none is.
     */
    public CompletableFuture<Long> append(Map<Table, List<Row>> byTable) {
        List<byte[]> payloads = new ArrayList<>(byTable.size());
        int rows = 0;
        for (Map.Entry<Table, List<Row>> e : byTable.entrySet()) {
            payloads.add(RowCodec.encode(e.getKey(), e.getValue()));
            rows += e.getValue().size();
        }
        Append a = new Append(payloads, rows, new CompletableFuture<>());
        if (closing) {
            a.done.completeExceptionally(new IOException("write-ahead log closed"));
            return a.done;
        }
        queue.add(a);
        LockSupport.unpark(thread);
        return a.done;
    }

    /** Every session now holds {@code rows} rows of {@code segment} elsewhere (stored, spooled or dead-lettered). */
    public void release(long segment, int rows) {
        if (segment < 0) {
            return;
        }
        AtomicLong left = owed.get(segment);
        if (left == null) {
            return;
        }
        owedRows.addAndGet(-rows);
        if (left.addAndGet(-rows) <= 0) {
            deleteIfDone(segment);
        }
    }

    public long rowsOwed() {
        return owedRows.get() / sessions;
    }

    private void owe(long segment, long rows) {
        owed.computeIfAbsent(segment, k -> new AtomicLong()).addAndGet(rows);
        owedRows.addAndGet(rows);
    }

    private void deleteIfDone(long segment) {
        AtomicLong left = owed.get(segment);
        if (segment < current && left != null && left.get() <= 0 && owed.remove(segment, left)) {
            try {
                if (damaged.remove(segment)) {
                    log.atError().addKeyValue("file", segments.setAside(segment)).log("damaged WAL segment set aside");
                } else {
                    Files.deleteIfExists(segments.path(segment));
                }
            } catch (IOException e) {
                log.atWarn().addKeyValue("segment", segment).setCause(e).log("cannot delete WAL segment");
            }
        }
    }

    private void run() {
        List<Append> group = new ArrayList<>();
        long lastSync = 0;
        while (true) {
            Append a;
            while ((a = queue.poll()) != null) {
                group.add(a);
            }
            if (group.isEmpty()) {
                if (closing) {
                    return;
                }
                LockSupport.parkNanos(this, 50_000_000L);
                continue;
            }
            long start = System.nanoTime();
            try {
                long before = current; // the published segment (a failed group may have rotated the log past it)
                List<byte[]> payloads = new ArrayList<>(group.size());
                long rows = 0;
                for (Append g : group) {
                    payloads.addAll(g.payloads);
                    rows += g.rows;
                }
                long segment = segments.appendAll(payloads); // a group never spans segments: all land in one
                segments.sync();
                // Owed before the segment is published as current: a writer releasing the last rows of an older
                // segment may only delete segments below it, and never one holding rows nobody owes yet.
                owe(segment, rows * sessions);
                current = segments.currentSegment();
                if (current != before) {
                    // Segments below the new one may already be fully stored: their last release was refused
                    // while they were still current.
                    for (Long older : new ArrayList<>(owed.keySet())) {
                        if (older < current) {
                            deleteIfDone(older);
                        }
                    }
                }
                syncLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                for (Append g : group) {
                    g.done.complete(segment);
                }
            } catch (IOException | RuntimeException e) {
                // Nothing of the group is in the log (SegmentLog rolls a failed append or fsync back): refusing the
                // requests is exact, and a client's retry cannot store them twice.
                failures.increment();
                log.atError().setCause(e).log("write-ahead log append failed; refusing the affected requests");
                for (Append g : group) {
                    g.done.completeExceptionally(e);
                }
            }
            group.clear();
            lastSync = start;
            long wait = syncNanos - (System.nanoTime() - lastSync);
            if (wait > 0 && !closing) {
                LockSupport.parkNanos(wait); // group commit: let appends gather for the rest of the interval
            }
        }
    }

    /** Refuses new appends and returns once every queued one is fsynced (and its rows handed on). */
    public void drain() {
        closing = true;
        Thread p = preparer;
        if (p != null) {
            LockSupport.unpark(p);
            try {
                p.join(10_000); // it may be writing a spare: done before close deletes it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (thread != null) {
            LockSupport.unpark(thread);
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** After the writers are done: deletes every segment whose rows are all stored; the rest is replayed at the next start. */
    @Override
    public void close() throws IOException {
        drain();
        segments.close();
        // Segments fully stored by now can go; what remains is replayed at the next start.
        for (Long s : new ArrayList<>(owed.keySet())) {
            current = Long.MAX_VALUE;
            deleteIfDone(s);
        }
        try {
            for (long s : segments.segments()) {
                if (!owed.containsKey(s)) {
                    Files.deleteIfExists(segments.path(s));
                }
            }
            segments.deleteSpare(); // a stopped tracker leaves wal/ empty when everything is stored
        } catch (IOException e) {
            log.atWarn().setCause(e).log("cannot clean WAL segments");
        }
    }

    private record Append(List<byte[]> payloads, int rows, CompletableFuture<Long> done) {
    }
}
