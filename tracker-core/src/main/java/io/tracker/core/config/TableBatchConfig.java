package io.tracker.core.config;

import java.util.Locale;

/**
 * Batching of one table (spec §10.2–§10.3, fixed where the Go rules lose data or collapse).
 *
 * @param strategy     {@code immediate} (every row at once), {@code time} (age only), {@code size} (rows only),
 *                     {@code hybrid} (rows, bytes or age, whichever first), {@code memory} (bytes only) or
 *                     {@code adaptive} (size and age tuned from flush latency and arrival rate)
 * @param maxRows      rows per batch; the size trigger, and the cap of every strategy
 * @param maxBytes     queued bytes that trigger a flush ({@code hybrid}, {@code memory})
 * @param maxAgeMillis age of the oldest queued row that triggers a flush ({@code time}, {@code hybrid}; upper
 *                     bound for {@code adaptive})
 * @param minRows      {@code adaptive}: lower bound of the tuned batch size
 * @param minAgeMillis {@code adaptive}: lower bound of the tuned age
 * @param priority     1 = most urgent; a writer serves due queues in priority order
 * @param durability   when ingest may answer: {@code memory} (queued), {@code wal} (fsynced to the write-ahead log)
 *                     or {@code sync} (stored by every session)
 */
public record TableBatchConfig(
        String strategy,
        int maxRows,
        long maxBytes,
        long maxAgeMillis,
        int minRows,
        long minAgeMillis,
        int priority,
        String durability) {

    public static final String[] STRATEGIES = {"immediate", "time", "size", "hybrid", "memory", "adaptive"};
    public static final String[] DURABILITIES = {"memory", "wal", "sync"};

    public static TableBatchConfig hybrid(int maxRows, long maxAgeMillis, String durability) {
        return new TableBatchConfig("hybrid", maxRows, 16L << 20, maxAgeMillis, 1, 10, 2, durability);
    }

    public TableBatchConfig withDurability(String d) {
        return new TableBatchConfig(strategy, maxRows, maxBytes, maxAgeMillis, minRows, minAgeMillis, priority, d);
    }

    public Durability durabilityMode() {
        return Durability.valueOf(durability.toUpperCase(Locale.ROOT));
    }

    void validate(String path, Validation v) {
        v.oneOf(path + ".strategy", strategy, STRATEGIES);
        v.range(path + ".maxRows", maxRows, 1, 10_000_000);
        v.range(path + ".maxBytes", maxBytes, 1024, 1L << 34);
        v.range(path + ".maxAgeMillis", maxAgeMillis, 1, 3_600_000);
        v.range(path + ".minRows", minRows, 1, maxRows);
        v.range(path + ".minAgeMillis", minAgeMillis, 1, maxAgeMillis);
        v.range(path + ".priority", priority, 1, 10);
        v.oneOf(path + ".durability", durability, DURABILITIES);
    }

    /** When an accepted event is acknowledged. */
    public enum Durability {
        MEMORY, WAL, SYNC
    }
}
