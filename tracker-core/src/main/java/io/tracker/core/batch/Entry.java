package io.tracker.core.batch;

import io.tracker.core.model.Row;
import io.tracker.core.model.RowCodec;
import io.tracker.core.model.Table;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A queued row with its bookkeeping: the write-ahead-log segment holding it (-1 when none), the
 * acknowledgement waiting for it ({@code sync} durability) if any, and whether it may already be
 * stored (replayed after a crash). Once its row is durably somewhere the writer {@linkplain #settle() settles} it —
 * exactly once, so a batch put back after a half-finished delivery never releases a WAL segment or an ack twice.
 * Settled by the owning writer thread only.
 *
 * <p>A row of a {@code wal} table is queued as its slice of the WAL record it was appended in (the array is shared by
 * every session's entry and by the other rows of the request) and decoded when its writer takes it: a row waiting for
 * its batch is then one array, not the graph of some thirty objects a young collection would copy and promote.
 */
final class Entry {
    /** What a queued entry costs beyond its row's bytes: this object, its list slot, a share of the record array. */
    static final int PACKED_OVERHEAD = 48;

    private final Table table;
    private Row row; // decoded on first use when packed; read and written by the owning writer thread only
    private final byte[] record;
    private final int offset;
    private final int estimatedBytes;
    private final long walSegment;
    private final Ack ack;
    private final boolean replay;
    private boolean settled;

    Entry(Row row, long walSegment, Ack ack, boolean replay) {
        this(row.table(), row, null, 0, row.estimatedBytes(), walSegment, ack, replay);
    }

    private Entry(Table table, Row row, byte[] record, int offset, int estimatedBytes, long walSegment, Ack ack,
                  boolean replay) {
        this.table = table;
        this.row = row;
        this.record = record;
        this.offset = offset;
        this.estimatedBytes = estimatedBytes;
        this.walSegment = walSegment;
        this.ack = ack;
        this.replay = replay;
    }

    /**
     * The row of {@code table} starting at {@code offset} of {@code record}, as {@link RowCodec#encode(Table,
     * java.util.List, int[])} wrote it, {@code length} bytes long.
     */
    static Entry packed(Table table, byte[] record, int offset, int length, long walSegment, boolean replay) {
        return new Entry(table, null, record, offset, length + PACKED_OVERHEAD, walSegment, null, replay);
    }

    static Entry of(Row row) {
        return new Entry(row, -1, null, false);
    }

    Table table() {
        return table;
    }

    Row row() {
        Row r = row;
        if (r == null) {
            try {
                r = RowCodec.decodeRow(table, record, offset);
            } catch (IOException e) { // this process encoded it for this table: only a bug gets here
                throw new UncheckedIOException("queued row of " + table.name() + " cannot be decoded", e);
            }
            row = r;
        }
        return r;
    }

    /** Bytes counted against the queue and the memory budget: the same from queueing to taking. */
    int estimatedBytes() {
        return estimatedBytes;
    }

    long walSegment() {
        return walSegment;
    }

    Ack ack() {
        return ack;
    }

    boolean replay() {
        return replay;
    }

    boolean settled() {
        return settled;
    }

    /** Marks the row as durably somewhere; false when it already was. */
    boolean settle() {
        if (settled) {
            return false;
        }
        settled = true;
        return true;
    }

    /** The same row, queued again as a possible repeat (its delivery failed half-way); packed again if it was. */
    Entry again() {
        return new Entry(table, record != null ? null : row, record, offset, estimatedBytes, walSegment, ack, true);
    }
}
