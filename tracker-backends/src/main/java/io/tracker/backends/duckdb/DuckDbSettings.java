package io.tracker.backends.duckdb;

/**
 * {@code sessions[].settings} of a DuckDB session.
 *
 * @param path        database file; relative to the data directory
 * @param memoryLimit DuckDB {@code memory_limit} (its default is 80% of RAM, far too much for a side-car store)
 * @param threads     DuckDB worker threads
 */
public record DuckDbSettings(String path, String memoryLimit, int threads) {

    public static DuckDbSettings standard() {
        return new DuckDbSettings("tracker.duckdb", "256MB", 2);
    }
}
