package io.tracker.core.batch;

import io.tracker.core.model.Row;

/**
 * A queued row with its bookkeeping: the write-ahead-log segment holding it (-1 when none), the
 * acknowledgement waiting for it ({@code sync} durability) if any, and whether it may already be
 * stored (replayed after a crash).
 */
record Entry(Row row, long walSegment, Ack ack, boolean replay) {

    static Entry of(Row row) {
        return new Entry(row, -1, null, false);
    }
}
