package io.tracker.core.model;

import java.util.Objects;
import java.util.UUID;

/**
 * One immutable row for one table, values in column order, each of the Java class its
 * {@link ColumnType} names (null = absent; the session applies its default). Shared between
 * sessions, never modified after construction.
 */
public final class Row {
    private final Table table;
    private final UUID eid;
    private final Object[] values;
    private final int estimatedBytes;

    Row(Table table, UUID eid, Object[] values, int estimatedBytes) {
        this.table = table;
        this.eid = Objects.requireNonNull(eid, "eid");
        this.values = values;
        this.estimatedBytes = estimatedBytes;
    }

    public Table table() {
        return table;
    }

    /** The event id this row belongs to: the key for idempotent replays. */
    public UUID eid() {
        return eid;
    }

    public Object get(int column) {
        return values[column];
    }

    public Object get(String column) {
        int i = table.indexOf(column);
        if (i < 0) {
            throw new IllegalArgumentException("table " + table.name() + " has no column " + column);
        }
        return values[i];
    }

    /** Rough in-memory size, used by byte-based batch limits. */
    public int estimatedBytes() {
        return estimatedBytes;
    }

    @Override
    public String toString() {
        return "Row{" + table.name() + ", eid=" + eid + "}";
    }
}
