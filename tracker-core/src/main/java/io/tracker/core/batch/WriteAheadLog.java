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
 * The write-ahead log of {@code wal} durability: rows are appended to checksummed segments and acknowledged only after
 * a group-commit fsync (one fsync covers every append that arrived while the previous one ran, and at most one starts
 * per {@code walSyncMillis}). The log has {@code stripes} independent streams, each with its own thread and segment
 * file, all in one directory with one numbering: an append goes to one stripe, so a request's rows are in one segment,
 * while the stripes' fsyncs overlap (this disk completed 4.5k fsyncs/s on one file, 8k/s on two). Each segment counts
 * the rows every session still owes it; once all are stored (or spooled, or dead-lettered) and its stripe has moved
 * on, the segment is deleted. After a crash, {@link #recover} hands back every row of the remaining segments.
 */
public final class WriteAheadLog implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(WriteAheadLog.class);

    private final SegmentLog reader;
    private final List<Stripe> stripes = new ArrayList<>();
    private final long syncNanos;
    private final int sessions;
    /** Rows owed per segment, with the stripe writing it (null for a previous run's segment: never written again). */
    private final Map<Long, Owed> owed = new ConcurrentHashMap<>();
    private final AtomicLong owedRows = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger nextStripe = new java.util.concurrent.atomic.AtomicInteger();
    /** Recovered segments with a damaged record: kept aside (never deleted) once their readable rows are stored. */
    private final java.util.Set<Long> damaged = ConcurrentHashMap.newKeySet();
    private final Timer syncLatency;
    private final io.micrometer.core.instrument.Counter failures;
    private volatile boolean closing;
    /** Keeps a pre-zeroed spare segment ready (see {@link SegmentLog#preallocate}); null in fault-injection tests. */
    private volatile Thread preparer;

    public WriteAheadLog(Path dir, long segmentBytes, long syncMillis, int sessions, MeterRegistry registry)
            throws IOException {
        this(dir, segmentBytes, syncMillis, sessions, 1, registry);
    }

    public WriteAheadLog(Path dir, long segmentBytes, long syncMillis, int sessions, int stripes, MeterRegistry registry)
            throws IOException {
        this(dir, segmentBytes, syncMillis, sessions, stripes, registry, SegmentLog.FILES);
        for (Stripe st : this.stripes) {
            st.segments.preallocate(() -> {
                Thread p = preparer;
                if (p != null) {
                    LockSupport.unpark(p);
                }
            });
        }
    }

    WriteAheadLog(Path dir, long segmentBytes, long syncMillis, int sessions, MeterRegistry registry,
                  SegmentLog.Opener opener) throws IOException {
        this(dir, segmentBytes, syncMillis, sessions, 1, registry, opener);
    }

    WriteAheadLog(Path dir, long segmentBytes, long syncMillis, int sessions, int stripes, MeterRegistry registry,
                  SegmentLog.Opener opener) throws IOException {
        if (stripes < 1) {
            throw new IllegalArgumentException("stripes must be at least 1");
        }
        Object rotation = new Object();
        for (int i = 0; i < stripes; i++) {
            SegmentLog segs = new SegmentLog(dir, "wal", segmentBytes, opener);
            segs.shareRotation(rotation);
            this.stripes.add(new Stripe(i, segs));
        }
        this.reader = this.stripes.get(0).segments;
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
        for (long s : reader.segments()) {
            List<Recovered> found = new ArrayList<>();
            boolean[] decodable = {true};
            SegmentLog.Read read = reader.read(s, payload -> {
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
            if (rows == 0 && damaged.remove(s)) { // removed: a later segment may get this number again
                log.atError().addKeyValue("file", reader.setAside(s)).log("damaged WAL segment set aside");
                continue;
            }
            if (rows == 0) {
                Files.deleteIfExists(reader.path(s));
                continue;
            }
            owe(s, null, rows * sessions);
            out.addAll(found);
        }
        if (!out.isEmpty()) {
            log.atWarn().addKeyValue("batches", out.size())
                    .addKeyValue("rows", out.stream().mapToLong(r -> r.rows().size()).sum())
                    .log("write-ahead log holds rows of a previous run; replaying");
        }
        return out;
    }

    /** Starts the group-commit threads; each stripe's first append creates its segment (after every recovered one). */
    public void start() {
        for (Stripe st : stripes) {
            st.thread = new Thread(st::run, stripes.size() == 1 ? "wal" : "wal-" + st.index);
            st.thread.setDaemon(true);
            st.thread.start();
        }
        if (reader.preallocating()) {
            Thread p = new Thread(this::prepare, "wal-prepare");
            p.setDaemon(true);
            p.setPriority(Thread.MIN_PRIORITY);
            preparer = p;
            p.start();
        }
    }

    /**
     * The spare maker: one ready at all times (the stripes share it: they rotate under one lock); after a failure (a
     * full disk) it tries again a few seconds later.
     */
    private void prepare() {
        boolean warned = false;
        long pause = TimeUnit.SECONDS.toNanos(5);
        while (!closing) {
            try {
                reader.prepareSpare(() -> closing);
                warned = false;
                pause = TimeUnit.SECONDS.toNanos(5);
                LockSupport.parkNanos(this, pause); // woken when rotation takes the spare
            } catch (IOException | RuntimeException e) {
                if (closing) {
                    return;
                }
                if (!warned) {
                    log.atWarn().addKeyValue("error", String.valueOf(e))
                            .log("cannot make a pre-zeroed WAL segment; new segments grow as they are written");
                    warned = true;
                }
                LockSupport.parkNanos(this, pause);
                pause = Math.min(pause * 2, TimeUnit.MINUTES.toNanos(5));
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
        Stripe st = stripes.get(Math.floorMod(nextStripe.getAndIncrement(), stripes.size()));
        st.queue.add(a);
        LockSupport.unpark(st.thread);
        return a.done;
    }

    /** Every session now holds {@code rows} rows of {@code segment} elsewhere (stored, spooled or dead-lettered). */
    public void release(long segment, int rows) {
        if (segment < 0) {
            return;
        }
        Owed left = owed.get(segment);
        if (left == null) {
            return;
        }
        owedRows.addAndGet(-rows);
        if (left.rows.addAndGet(-rows) <= 0) {
            deleteIfDone(segment);
        }
    }

    public long rowsOwed() {
        return owedRows.get() / sessions;
    }

    private void owe(long segment, Stripe writer, long rows) {
        owed.computeIfAbsent(segment, k -> new Owed(writer, new AtomicLong())).rows.addAndGet(rows);
        owedRows.addAndGet(rows);
    }

    /** Deletes {@code segment} if every row of it is held elsewhere and no stripe appends to it any more. */
    private void deleteIfDone(long segment) {
        Owed left = owed.get(segment);
        if (left != null && (left.writer == null || segment < left.writer.current) && left.rows.get() <= 0
                && owed.remove(segment, left)) {
            try {
                if (damaged.remove(segment)) {
                    log.atError().addKeyValue("file", reader.setAside(segment)).log("damaged WAL segment set aside");
                } else {
                    Files.deleteIfExists(reader.path(segment));
                }
            } catch (IOException e) {
                log.atWarn().addKeyValue("segment", segment).setCause(e).log("cannot delete WAL segment");
            }
        }
    }

    /** One stream of the log: its thread, its queue, the segment it writes. */
    private final class Stripe {
        final int index;
        final SegmentLog segments;
        final ConcurrentLinkedQueue<Append> queue = new ConcurrentLinkedQueue<>();
        /** The segment this stripe appends to, once published (segments below it are sealed). */
        volatile long current = Long.MAX_VALUE;
        Thread thread;

        Stripe(int index, SegmentLog segments) {
            this.index = index;
            this.segments = segments;
        }

        private void run() {
            List<Append> group = new ArrayList<>();
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
                commit(group);
                group.clear();
                // Group commit: at most one fsync per interval; appends arriving meanwhile wait for the next one.
                long until = start + syncNanos;
                for (long wait = until - System.nanoTime(); wait > 0 && !closing; wait = until - System.nanoTime()) {
                    LockSupport.parkNanos(this, wait);
                }
            }
        }

        private void commit(List<Append> group) {
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
                owe(segment, this, rows * sessions);
                current = segments.currentSegment();
                if (current != before) {
                    // This stripe's segments below the new one may already be fully stored: their last release was
                    // refused while they were still current.
                    for (Map.Entry<Long, Owed> e : owed.entrySet()) {
                        if (e.getValue().writer == this && e.getKey() < current) {
                            deleteIfDone(e.getKey());
                        }
                    }
                }
                syncLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                for (Append g : group) {
                    g.done.complete(segment);
                }
            } catch (IOException | RuntimeException | Error e) {
                // Nothing of the group is in the log (SegmentLog rolls a failed append or fsync back): refusing the
                // requests is exact, and a client's retry cannot store them twice. An Error too: a stripe that died
                // would leave its share of every later request unanswered.
                failures.increment();
                log.atError().setCause(e).log("write-ahead log append failed; refusing the affected requests");
                for (Append g : group) {
                    g.done.completeExceptionally(e);
                }
            }
        }
    }

    /** Refuses new appends and returns once every queued one is fsynced (and its rows handed on). */
    public void drain() {
        closing = true;
        Thread p = preparer;
        if (p != null) {
            LockSupport.unpark(p); // it stops between chunks of a spare; joined after the stripes
        }
        for (Stripe st : stripes) {
            if (st.thread != null) {
                LockSupport.unpark(st.thread);
            }
        }
        for (Stripe st : stripes) {
            if (st.thread != null) {
                try {
                    st.thread.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (p != null) {
            try {
                p.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** After the writers are done: deletes every segment whose rows are all stored; the rest is replayed at the next start. */
    @Override
    public void close() throws IOException {
        drain();
        for (Stripe st : stripes) {
            if (st.thread != null && st.thread.isAlive()) {
                // Still inside an fsync after the wait: its group may be acknowledged yet, so nothing is closed or
                // deleted here. Every segment stays and is replayed at the next start (replays skip stored rows).
                log.atError().addKeyValue("stripe", st.index)
                        .log("write-ahead log thread still busy at close; segments kept for replay");
                return;
            }
        }
        for (Stripe st : stripes) {
            st.segments.close();
        }
        // Segments fully stored by now can go; what remains is replayed at the next start.
        for (Stripe st : stripes) {
            st.current = Long.MAX_VALUE;
        }
        for (Long s : new ArrayList<>(owed.keySet())) {
            deleteIfDone(s); // every stripe's current is past every segment now: all are sealed
        }
        try {
            for (long s : reader.segments()) {
                if (!owed.containsKey(s)) {
                    Files.deleteIfExists(reader.path(s));
                }
            }
            reader.deleteSpare(); // a stopped tracker leaves wal/ empty when everything is stored
        } catch (IOException e) {
            log.atWarn().setCause(e).log("cannot clean WAL segments");
        }
    }

    private record Owed(Stripe writer, AtomicLong rows) {
    }

    private record Append(List<byte[]> payloads, int rows, CompletableFuture<Long> done) {
    }
}
