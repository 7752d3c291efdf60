package io.tracker.core.config;

import java.util.HashMap;
import java.util.Map;

/**
 * The batch manager.
 *
 * @param maxQueuedBytes       memory budget of queued rows across all sessions; above it writers spill to their
 *                             spool, and above twice it ingest answers 503
 * @param spoolMaxBytes        disk a session's spool may use; above it ingest answers 503 (never a silent drop)
 * @param segmentBytes         size of a write-ahead log or spool segment file
 * @param walSyncMillis        group-commit interval of the write-ahead log: at most one fsync per interval and stripe
 *                             (0: the next fsync starts as soon as the last one ended, covering what arrived meanwhile)
 * @param walStripes           independent streams of the write-ahead log, each with its own thread and segment file:
 *                             their fsyncs overlap, so a request waits less for the one in flight
 * @param retryInitialMillis   first back-off after a failed write (exponential, jittered)
 * @param retryMaxMillis       back-off ceiling
 * @param breakerFailures      consecutive failed writes that open a session's circuit breaker
 * @param breakerOpenMillis    how long an open breaker waits before a half-open trial write
 * @param poisonAttempts       failed attempts of one batch, while its session answers a probe, after which the batch
 *                             is treated as holding bad rows: bisected, the good rows stored, the bad dead-lettered
 * @param defaults             batching of tables without an entry in {@code tables}
 * @param tables               per-table overrides
 */
public record BatchConfig(
        long maxQueuedBytes,
        long spoolMaxBytes,
        long segmentBytes,
        long walSyncMillis,
        int walStripes,
        long retryInitialMillis,
        long retryMaxMillis,
        int breakerFailures,
        long breakerOpenMillis,
        int poisonAttempts,
        TableBatchConfig defaults,
        Map<String, TableBatchConfig> tables) {

    public BatchConfig {
        tables = tables == null ? Map.of() : Map.copyOf(tables);
    }

    /**
     * Defaults (spec §10.3, adjusted): {@code events} hybrid 10,000 rows / 1 s with {@code wal} durability (on
     * this 2-core box it acknowledged more events per second than {@code memory} under saturation, since
     * group-commit latency paces clients instead of 503s — figures in README — and it survives a crash);
     * business tables (money, short links, consent) immediate with {@code sync}: their answer means stored in
     * every session, and a short link is readable the moment its creation is acknowledged.
     */
    public static BatchConfig standard() {
        TableBatchConfig business = new TableBatchConfig("immediate", 1_000, 1L << 20, 1_000, 1, 1, 1, "sync");
        Map<String, TableBatchConfig> tables = new HashMap<>();
        tables.put("events", TableBatchConfig.hybrid(10_000, 1_000, "wal"));
        for (String t : BUSINESS_TABLES) {
            tables.put(t, business);
        }
        // Messaging telemetry (spec §10.3's per-table batching; mtriage is the urgent one), durable like the events
        // they come with
        tables.put("mthreads", new TableBatchConfig("time", 10_000, 5L << 20, 5_000, 1, 10, 2, "wal"));
        tables.put("mstore", new TableBatchConfig("hybrid", 500, 8L << 20, 3_000, 1, 10, 4, "wal"));
        tables.put("mtriage", new TableBatchConfig("hybrid", 50, 2L << 20, 2_000, 1, 10, 1, "wal"));
        tables.put("impression_daily", new TableBatchConfig("hybrid", 250, 6L << 20, 4_000, 1, 10, 3, "wal"));
        return new BatchConfig(64L << 20, 1L << 30, 16L << 20, 0, 1, 100, 10_000, 5, 5_000, 3,
                TableBatchConfig.hybrid(10_000, 1_000, "wal"), tables);
    }

    /** Tables written by the business endpoints: {@code sync} by default. */
    public static final java.util.List<String> BUSINESS_TABLES =
            java.util.List.of("payments", "ltv", "redirects", "redirect_history", "agreements", "agreed", "erasures",
                    "api_keys");

    public TableBatchConfig forTable(String table) {
        return tables.getOrDefault(table, defaults);
    }

    /** Every table (and the default) with durability {@code d}: the {@code --durability} flag. */
    public BatchConfig withDurability(String d) {
        Map<String, TableBatchConfig> t = new HashMap<>();
        tables.forEach((k, v) -> t.put(k, v.withDurability(d)));
        return new BatchConfig(maxQueuedBytes, spoolMaxBytes, segmentBytes, walSyncMillis, walStripes, retryInitialMillis,
                retryMaxMillis, breakerFailures, breakerOpenMillis, poisonAttempts, defaults.withDurability(d), t);
    }

    void validate(Validation v) {
        v.range("batching.maxQueuedBytes", maxQueuedBytes, 1L << 20, 1L << 40);
        v.range("batching.spoolMaxBytes", spoolMaxBytes, 1L << 20, 1L << 50);
        v.range("batching.segmentBytes", segmentBytes, 64 * 1024, 1L << 30);
        v.range("batching.walSyncMillis", walSyncMillis, 0, 1_000);
        v.range("batching.walStripes", walStripes, 1, 8);
        v.range("batching.retryInitialMillis", retryInitialMillis, 1, 60_000);
        v.range("batching.retryMaxMillis", retryMaxMillis, retryInitialMillis, 600_000);
        v.range("batching.breakerFailures", breakerFailures, 1, 1_000);
        v.range("batching.breakerOpenMillis", breakerOpenMillis, 10, 600_000);
        v.range("batching.poisonAttempts", poisonAttempts, 1, 100);
        if (v.notNull("batching.defaults", defaults)) {
            defaults.validate("batching.defaults", v);
        }
        tables.forEach((name, t) -> {
            if (v.notNull("batching.tables." + name, t)) {
                t.validate("batching.tables." + name, v);
            }
        });
    }
}
