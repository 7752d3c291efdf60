package io.tracker.core.config;

import java.util.Map;

/**
 * The batch manager.
 *
 * @param maxQueuedRows        rows held in memory per session before ingest answers 503 (never a silent drop);
 *                             about 1.2 KB of heap each, so the default 50,000 fits the default 160 MB heap
 * @param retryInitialMillis   first back-off after a failed write
 * @param retryMaxMillis       back-off ceiling
 * @param defaults             batching of tables without an entry in {@code tables}
 * @param tables               per-table overrides
 */
public record BatchConfig(
        int maxQueuedRows,
        long retryInitialMillis,
        long retryMaxMillis,
        TableBatchConfig defaults,
        Map<String, TableBatchConfig> tables) {

    public BatchConfig {
        tables = tables == null ? Map.of() : Map.copyOf(tables);
    }

    public static BatchConfig standard() {
        return new BatchConfig(50_000, 100, 10_000,
                new TableBatchConfig("hybrid", 10_000, 1_000),
                Map.of("events", new TableBatchConfig("hybrid", 10_000, 1_000)));
    }

    public TableBatchConfig forTable(String table) {
        return tables.getOrDefault(table, defaults);
    }

    void validate(Validation v) {
        v.range("batching.maxQueuedRows", maxQueuedRows, 1, 100_000_000);
        v.range("batching.retryInitialMillis", retryInitialMillis, 1, 60_000);
        v.range("batching.retryMaxMillis", retryMaxMillis, retryInitialMillis, 600_000);
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
