package io.tracker.core.batch;

import io.tracker.core.config.TableBatchConfig;

/**
 * Decides when a table queue is flushed. Pure: it sees counts and ages, never a clock, so each
 * strategy's triggers are unit-tested without threads.
 */
public interface FlushPolicy {

    /** Rows taken per write. */
    int maxRows();

    /** True when a queue holding {@code rows} rows whose oldest is {@code oldestAgeNanos} old must be flushed now. */
    boolean isDue(int rows, long oldestAgeNanos);

    /** Nanoseconds until a non-empty queue becomes due by age; {@link Long#MAX_VALUE} when only size triggers it. */
    long nanosUntilDue(int rows, long oldestAgeNanos);

    static FlushPolicy of(TableBatchConfig config) {
        return switch (config.strategy()) {
            case "hybrid" -> new HybridPolicy(config.maxRows(), config.maxAgeMillis() * 1_000_000L);
            default -> throw new IllegalArgumentException("unknown batch strategy " + config.strategy());
        };
    }
}
