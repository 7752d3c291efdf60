package io.tracker.core.batch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import java.util.ArrayList;
import java.util.List;

/** The pending rows of one table for one session. Guarded by the owning {@link SessionWriter}'s lock. */
final class TableQueue {
    final Table table;
    final FlushPolicy policy;
    final Counter rowsFlushed;
    final Counter batchesFlushed;
    final Counter writeFailures;
    final Timer flushLatency;

    private ArrayList<Row> rows = new ArrayList<>();
    private long oldestNanos;

    TableQueue(Table table, FlushPolicy policy, String session, MeterRegistry registry) {
        this.table = table;
        this.policy = policy;
        this.rowsFlushed = Counter.builder("tracker.rows.flushed").description("rows written to a session")
                .tags("table", table.name(), "session", session).register(registry);
        this.batchesFlushed = Counter.builder("tracker.batches.flushed").description("batches written to a session")
                .tags("table", table.name(), "session", session).register(registry);
        this.writeFailures = Counter.builder("tracker.write.failures").description("failed batch writes (retried)")
                .tags("table", table.name(), "session", session).register(registry);
        this.flushLatency = Timer.builder("tracker.flush.latency").description("time to write one batch")
                .tags("table", table.name(), "session", session).publishPercentileHistogram()
                .register(registry);
    }

    void add(Row row, long nowNanos) {
        if (rows.isEmpty()) {
            oldestNanos = nowNanos;
        }
        rows.add(row);
    }

    int size() {
        return rows.size();
    }

    long oldestAgeNanos(long nowNanos) {
        return rows.isEmpty() ? 0 : nowNanos - oldestNanos;
    }

    /** Removes and returns up to {@code policy.maxRows()} rows, oldest first. */
    List<Row> take(long nowNanos) {
        int n = Math.min(rows.size(), policy.maxRows());
        if (n == rows.size()) {
            List<Row> all = rows;
            rows = new ArrayList<>(Math.min(n, 1024));
            return all;
        }
        List<Row> head = new ArrayList<>(rows.subList(0, n));
        rows.subList(0, n).clear();
        // The rest arrived after the head; treating them as arriving now errs towards a later flush
        // by at most one maxAge, never towards losing them.
        oldestNanos = nowNanos;
        return head;
    }
}
