package io.tracker.core.batch;

import io.tracker.core.model.Row;
import io.tracker.core.model.RowCodec;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A session's local, durable overflow: batches its writer could not deliver (breaker open, memory budget
 * exceeded, shutdown while the backend is down) are appended and fsynced here, and replayed in order
 * once the session takes writes again — also after a restart. Owned by the session's writer thread;
 * {@link #bytes()} may be read from any thread.
 */
final class Spool {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Spool.class);
    private final SegmentLog log;
    private final AtomicLong bytes = new AtomicLong();
    private List<RowCodec.Batch> replaying = List.of();
    private long replayingSegment = -1;
    private int replayIndex;
    private int peeked;
    private boolean replayingIntact = true;
    /**
     * Of each segment this process created (segments are never appended to across a restart), the records by position
     * and which of them are fresh: rows that were never attempted and are no replay, so they cannot be stored yet and
     * are replayed without the duplicate check ({@code mayRepeat} false, the session's cheap path). Kept in memory
     * only: after a restart every spooled row may repeat (the WAL may have replayed it too).
     */
    private final java.util.Map<Long, Integer> records = new java.util.HashMap<>();
    private final java.util.Map<Long, java.util.BitSet> fresh = new java.util.HashMap<>();
    private long lastSegment = -1;
    private int lastIndex;

    Spool(Path dir, long segmentBytes) throws IOException {
        this(dir, segmentBytes, SegmentLog.FILES);
    }

    Spool(Path dir, long segmentBytes, SegmentLog.Opener opener) throws IOException {
        this.log = new SegmentLog(dir, "spool", segmentBytes, opener);
        this.bytes.set(log.sizeOnDisk());
    }

    /** Appends and fsyncs {@code rows}; on an exception nothing of them is in the spool (a retry cannot double them). */
    void append(Table table, List<Row> rows) throws IOException {
        lastSegment = -1; // until this record is in the log
        byte[] payload = RowCodec.encode(table, rows);
        long segment = log.append(payload);
        log.sync();
        bytes.addAndGet(payload.length + 8L);
        lastSegment = segment;
        lastIndex = records.merge(segment, 1, Integer::sum) - 1;
    }

    /**
     * The record {@link #append} just wrote holds rows never attempted and no replay, and they are settled (their WAL
     * entries released, nothing queued again): they cannot be stored yet, so their replay may skip the duplicate check.
     * Called by the writer right after that append; never for rows that may be stored.
     */
    void lastAppendedIsFresh() {
        if (lastSegment >= 0) {
            fresh.computeIfAbsent(lastSegment, k -> new java.util.BitSet()).set(lastIndex);
            lastSegment = -1; // once
        }
    }

    /**
     * True when every row {@link #peek} returned is fresh (see {@link #records}): none can be stored already. Read it
     * before {@link #attempting}.
     */
    boolean peekedFresh() {
        java.util.BitSet f = fresh.get(replayingSegment);
        return f != null && replayingIntact && positionsHold()
                && f.nextClearBit(replayIndex) >= replayIndex + Math.max(1, peeked);
    }

    /** What {@link #peek} returned is about to be written: from now on it may be stored (a failed write may commit). */
    void attempting() {
        java.util.BitSet f = fresh.get(replayingSegment);
        if (f != null) {
            f.clear(replayIndex, replayIndex + Math.max(1, peeked));
        }
    }

    /** Positions are only trusted when the segment read back holds as many records as this process appended. */
    private boolean positionsHold() {
        Integer n = records.get(replayingSegment);
        return n != null && n == replaying.size();
    }

    /**
     * The next spooled rows, oldest first, or null when the spool is empty: consecutive spooled batches of
     * one table are merged up to that table's batch size, so a replay is not a write per small batch.
     */
    RowCodec.Batch peek(java.util.function.ToIntFunction<Table> maxRows) throws IOException {
        RowCodec.Batch first = peekOne();
        if (first == null) {
            return null;
        }
        int limit = maxRows.applyAsInt(first.table());
        List<Row> rows = new ArrayList<>(first.rows());
        int n = 1;
        while (replayIndex + n < replaying.size()) {
            RowCodec.Batch next = replaying.get(replayIndex + n);
            if (next.table() != first.table() || rows.size() + next.rows().size() > limit) {
                break;
            }
            rows.addAll(next.rows());
            n++;
        }
        peeked = n;
        return n == 1 ? first : new RowCodec.Batch(first.table(), rows);
    }

    private RowCodec.Batch peekOne() throws IOException {
        while (replayIndex >= replaying.size()) {
            if (replayingSegment >= 0) {
                if (replayingIntact) {
                    log.delete(replayingSegment);
                } else {
                    // Records behind the damage cannot be read; the file stays for inspection, never deleted.
                    Path kept = log.setAside(replayingSegment);
                    LOG.atError().addKeyValue("file", kept).log("damaged spool segment set aside after replaying what it held");
                }
                records.remove(replayingSegment);
                fresh.remove(replayingSegment);
                replayingSegment = -1;
                bytes.set(log.sizeOnDisk());
            }
            List<Long> segs = log.segments();
            if (segs.isEmpty()) {
                bytes.set(0);
                return null;
            }
            long oldest = segs.get(0);
            if (oldest == log.writingSegment()) {
                if (log.currentIsEmpty()) {
                    bytes.set(0);
                    return null;
                }
                // Never replay the segment being appended to: close it (creating no file — the disk may be full);
                // the next spill opens a new one.
                log.closeCurrent();
            }
            List<RowCodec.Batch> batches = new ArrayList<>();
            boolean[] decodable = {true};
            SegmentLog.Read read = log.read(oldest, payload -> {
                try {
                    batches.add(RowCodec.decode(payload, n -> Tables.byName(n).orElse(null)));
                } catch (IOException | RuntimeException e) { // checksummed but not ours (a table this version lacks)
                    decodable[0] = false;
                    LOG.atError().addKeyValue("segment", oldest).addKeyValue("error", e.getMessage())
                            .log("spooled record cannot be decoded; kept in the segment, which is set aside");
                }
            });
            replaying = batches;
            replayingSegment = oldest;
            replayingIntact = read.intact() && decodable[0];
            replayIndex = 0;
        }
        return replaying.get(replayIndex);
    }

    /** What {@link #peek} returned is stored. */
    void advance() {
        replayIndex += Math.max(1, peeked);
        peeked = 0;
    }

    /** True when something may be waiting for replay ({@link #peek} is the authority). */
    boolean hasData() {
        return bytes.get() > 0;
    }

    long bytes() {
        return bytes.get();
    }

    void close() throws IOException {
        log.close();
    }
}
