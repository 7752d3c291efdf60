package io.tracker.core.batch;

import java.util.concurrent.ThreadLocalRandom;

/** Jittered exponential back-off: each {@link #next} is a random wait in [d/2, d], d doubling up to the ceiling. */
final class Backoff {
    private final long maxNanos;
    private long nanos;

    Backoff(long initialNanos, long maxNanos) {
        this.nanos = initialNanos;
        this.maxNanos = maxNanos;
    }

    long next() {
        long d = nanos;
        nanos = Math.min(nanos * 2, maxNanos);
        return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
    }
}
