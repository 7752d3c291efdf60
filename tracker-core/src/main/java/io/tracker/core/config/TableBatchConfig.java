package io.tracker.core.config;

/**
 * Batching of one table.
 *
 * @param strategy     flush rule; v1 knows {@code hybrid} (size or age, whichever first)
 * @param maxRows      flush when this many rows are queued
 * @param maxAgeMillis flush when the oldest queued row is this old
 */
public record TableBatchConfig(String strategy, int maxRows, long maxAgeMillis) {

    void validate(String path, Validation v) {
        v.oneOf(path + ".strategy", strategy, "hybrid");
        v.range(path + ".maxRows", maxRows, 1, 10_000_000);
        v.range(path + ".maxAgeMillis", maxAgeMillis, 1, 3_600_000);
    }
}
