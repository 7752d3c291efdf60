package io.tracker.core.batch;

import io.tracker.core.model.Row;

/**
 * A queued row with its bookkeeping: the write-ahead-log segment holding it (-1 when none), the
 * acknowledgement waiting for it ({@code sync} durability) if any, and whether it may already be
 * stored (replayed after a crash). Once its row is durably somewhere the writer {@linkplain #settle() settles} it —
 * exactly once, so a batch put back after a half-finished delivery never releases a WAL segment or an ack twice.
 * Settled by the owning writer thread only.
 */
final class Entry {
    private final Row row;
    private final long walSegment;
    private final Ack ack;
    private final boolean replay;
    private boolean settled;

    Entry(Row row, long walSegment, Ack ack, boolean replay) {
        this.row = row;
        this.walSegment = walSegment;
        this.ack = ack;
        this.replay = replay;
    }

    static Entry of(Row row) {
        return new Entry(row, -1, null, false);
    }

    Row row() {
        return row;
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

    /** The same row, queued again as a possible repeat (its delivery failed half-way). */
    Entry again() {
        return new Entry(row, walSegment, ack, true);
    }
}
