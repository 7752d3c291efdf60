package io.tracker.core.batch;

/** Flush when {@code maxRows} rows are queued or the oldest queued row is {@code maxAgeNanos} old (spec §10.2). */
public record HybridPolicy(int maxRows, long maxAgeNanos) implements FlushPolicy {

    @Override
    public boolean isDue(int rows, long oldestAgeNanos) {
        return rows >= maxRows || (rows > 0 && oldestAgeNanos >= maxAgeNanos);
    }

    @Override
    public long nanosUntilDue(int rows, long oldestAgeNanos) {
        if (rows == 0) {
            return Long.MAX_VALUE;
        }
        return isDue(rows, oldestAgeNanos) ? 0 : maxAgeNanos - oldestAgeNanos;
    }
}
