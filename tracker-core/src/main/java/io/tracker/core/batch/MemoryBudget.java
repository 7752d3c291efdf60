package io.tracker.core.batch;

import java.util.concurrent.atomic.AtomicLong;

/** Bytes of rows queued in memory across all sessions, against {@code batching.maxQueuedBytes}. */
final class MemoryBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    MemoryBudget(long limit) {
        this.limit = limit;
    }

    void add(long bytes) {
        used.addAndGet(bytes);
    }

    long used() {
        return used.get();
    }

    /** Writers spill to their spool above the budget. */
    boolean over() {
        return used.get() > limit;
    }

    /** Ingest refuses at twice the budget: spilling is not keeping up. */
    boolean exhausted() {
        return used.get() > 2 * limit;
    }
}
