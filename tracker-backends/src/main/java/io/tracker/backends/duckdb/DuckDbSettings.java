package io.tracker.backends.duckdb;

/**
 * {@code sessions[].settings} of a DuckDB session.
 *
 * @param path        database file; relative to the data directory
 * @param memoryLimit DuckDB {@code memory_limit} (its default is 80% of RAM, far too much for a side-car store)
 * @param threads     DuckDB worker threads; the tracker only appends, and on a small box extra DuckDB threads
 *                    compete with the event loops (1 thread: 27k JSON req/s, 2 threads: 12-16k, on 2 cores)
 * @param checkpointThreshold DuckDB {@code checkpoint_threshold}: the WAL size at which a commit checkpoints
 *                    (compresses and writes the changed row groups). 64MB, not DuckDB's 16MB: 600,000 event rows in
 *                    batches of 10,000 went in at 131-136k rows/s against 102-113k (256MB: 108-115k), on 2 cores
 */
public record DuckDbSettings(String path, String memoryLimit, int threads, String checkpointThreshold) {

    public DuckDbSettings {
        checkpointThreshold = checkpointThreshold == null ? "64MB" : checkpointThreshold;
    }

    public static DuckDbSettings standard() {
        return new DuckDbSettings("tracker.duckdb", "64MB", 1, "64MB");
    }
}
