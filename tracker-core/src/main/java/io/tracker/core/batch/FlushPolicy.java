package io.tracker.core.batch;

import io.tracker.core.config.TableBatchConfig;

/**
 * Decides when a table queue is flushed and how many rows a batch takes (spec §10.2). Policies see
 * counts, bytes, ages and a time passed in — never a clock of their own — so every trigger is
 * unit-tested without threads. Called under the owning writer's lock.
 */
public interface FlushPolicy {

    /** Rows taken per write (for {@code adaptive}, the current target). */
    int maxRows();

    /** True when a queue of {@code rows} rows and {@code bytes} bytes, oldest {@code ageNanos} old, must flush now. */
    boolean isDue(int rows, long bytes, long ageNanos, long nowNanos);

    /** Nanoseconds until a non-empty queue is due by age; {@link Long#MAX_VALUE} when only size or bytes can trigger it. */
    long nanosUntilDue(int rows, long bytes, long ageNanos, long nowNanos);

    /** {@code rows} arrived at {@code nowNanos}. */
    default void onArrival(int rows, long nowNanos) {
    }

    /** A batch of {@code rows} was written in {@code latencyNanos}. */
    default void onFlush(int rows, long latencyNanos, long nowNanos) {
    }

    static FlushPolicy of(TableBatchConfig c) {
        long maxAge = c.maxAgeMillis() * 1_000_000L;
        return switch (c.strategy()) {
            case "immediate" -> new Immediate(c.maxRows());
            case "time" -> new Time(c.maxRows(), maxAge);
            case "size" -> new Size(c.maxRows());
            case "hybrid" -> new HybridPolicy(c.maxRows(), c.maxBytes(), maxAge);
            case "memory" -> new Memory(c.maxRows(), c.maxBytes());
            case "adaptive" -> new AdaptivePolicy(c.minRows(), c.maxRows(), c.minAgeMillis() * 1_000_000L, maxAge);
            default -> throw new IllegalArgumentException("unknown batch strategy " + c.strategy());
        };
    }

    /** Every row is written as soon as it is queued (money tables). */
    record Immediate(int maxRows) implements FlushPolicy {
        @Override
        public boolean isDue(int rows, long bytes, long ageNanos, long nowNanos) {
            return rows > 0;
        }

        @Override
        public long nanosUntilDue(int rows, long bytes, long ageNanos, long nowNanos) {
            return rows > 0 ? 0 : Long.MAX_VALUE;
        }
    }

    /** Flush when the oldest row is {@code maxAgeNanos} old, whatever the size. */
    record Time(int maxRows, long maxAgeNanos) implements FlushPolicy {
        @Override
        public boolean isDue(int rows, long bytes, long ageNanos, long nowNanos) {
            return rows > 0 && ageNanos >= maxAgeNanos;
        }

        @Override
        public long nanosUntilDue(int rows, long bytes, long ageNanos, long nowNanos) {
            return rows == 0 ? Long.MAX_VALUE : Math.max(0, maxAgeNanos - ageNanos);
        }
    }

    /** Flush only full batches; a partial batch waits for more rows (or the graceful stop). */
    record Size(int maxRows) implements FlushPolicy {
        @Override
        public boolean isDue(int rows, long bytes, long ageNanos, long nowNanos) {
            return rows >= maxRows;
        }

        @Override
        public long nanosUntilDue(int rows, long bytes, long ageNanos, long nowNanos) {
            return rows >= maxRows ? 0 : Long.MAX_VALUE;
        }
    }

    /** Flush when the queued rows reach {@code maxBytes}. */
    record Memory(int maxRows, long maxBytes) implements FlushPolicy {
        @Override
        public boolean isDue(int rows, long bytes, long ageNanos, long nowNanos) {
            return rows > 0 && (bytes >= maxBytes || rows >= maxRows);
        }

        @Override
        public long nanosUntilDue(int rows, long bytes, long ageNanos, long nowNanos) {
            return isDue(rows, bytes, ageNanos, nowNanos) ? 0 : Long.MAX_VALUE;
        }
    }
}
