package io.tracker.core.batch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.tracker.core.config.TableBatchConfig;
import io.tracker.core.model.Table;
import java.util.ArrayList;
import java.util.List;

/** The pending rows of one table for one session. Guarded by the owning {@link SessionWriter}'s lock. */
final class TableQueue {
    final Table table;
    final FlushPolicy policy;
    final int priority;
    final Counter rowsFlushed;
    final Counter batchesFlushed;
    final Timer flushLatency;

    private ArrayList<Entry> entries = new ArrayList<>();
    private long bytes;
    private long oldestNanos;

    TableQueue(Table table, TableBatchConfig config, BatchMeters.TableMeters meters) {
        this.table = table;
        this.policy = FlushPolicy.of(config);
        this.priority = config.priority();
        this.rowsFlushed = meters.rowsFlushed();
        this.batchesFlushed = meters.batchesFlushed();
        this.flushLatency = meters.flushLatency();
    }

    void add(Entry e, long nowNanos) {
        if (entries.isEmpty()) {
            oldestNanos = nowNanos;
        }
        entries.add(e);
        bytes += e.row().estimatedBytes();
    }

    /** Puts entries taken earlier back in front (their delivery failed half-way). */
    void addFirst(List<Entry> head, long nowNanos) {
        if (head.isEmpty()) {
            return;
        }
        ArrayList<Entry> all = new ArrayList<>(head.size() + entries.size());
        all.addAll(head);
        all.addAll(entries);
        entries = all;
        bytes += bytesOf(head);
        oldestNanos = Math.min(oldestNanos == 0 ? nowNanos : oldestNanos, nowNanos);
    }

    int size() {
        return entries.size();
    }

    long bytes() {
        return bytes;
    }

    long oldestAgeNanos(long nowNanos) {
        return entries.isEmpty() ? 0 : nowNanos - oldestNanos;
    }

    boolean isDue(long nowNanos) {
        return policy.isDue(entries.size(), bytes, oldestAgeNanos(nowNanos), nowNanos);
    }

    long nanosUntilDue(long nowNanos) {
        return policy.nanosUntilDue(entries.size(), bytes, oldestAgeNanos(nowNanos), nowNanos);
    }

    /** Removes and returns up to {@code policy.maxRows()} entries, oldest first. */
    List<Entry> take(long nowNanos) {
        int n = Math.min(entries.size(), Math.max(1, policy.maxRows()));
        List<Entry> head;
        if (n == entries.size()) {
            head = entries;
            entries = new ArrayList<>(Math.min(n, 1024));
            bytes = 0;
        } else {
            head = new ArrayList<>(entries.subList(0, n));
            entries.subList(0, n).clear();
            for (Entry e : head) {
                bytes -= e.row().estimatedBytes();
            }
            // The rest arrived after the head; counting them as arriving now errs towards a later
            // flush by at most one max age, never towards losing them.
            oldestNanos = nowNanos;
        }
        return head;
    }

    static long bytesOf(List<Entry> entries) {
        long b = 0;
        for (Entry e : entries) {
            b += e.row().estimatedBytes();
        }
        return b;
    }
}
