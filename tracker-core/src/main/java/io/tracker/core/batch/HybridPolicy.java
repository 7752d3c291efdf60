package io.tracker.core.batch;

/** Flush at {@code maxRows} rows, {@code maxBytes} bytes or when the oldest row is {@code maxAgeNanos} old. */
public record HybridPolicy(int maxRows, long maxBytes, long maxAgeNanos) implements FlushPolicy {

    @Override
    public boolean isDue(int rows, long bytes, long ageNanos, long nowNanos) {
        return rows > 0 && (rows >= maxRows || bytes >= maxBytes || ageNanos >= maxAgeNanos);
    }

    @Override
    public long nanosUntilDue(int rows, long bytes, long ageNanos, long nowNanos) {
        if (rows == 0) {
            return Long.MAX_VALUE;
        }
        return isDue(rows, bytes, ageNanos, nowNanos) ? 0 : maxAgeNanos - ageNanos;
    }
}
