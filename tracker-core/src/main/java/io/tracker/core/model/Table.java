package io.tracker.core.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A table the tracker writes: the one place its column list is defined. Sessions check their
 * schema against it at open, so a drift between {@code schema/} and the code fails at start-up.
 */
public final class Table {
    private final String name;
    private final List<Column> columns;
    private final Map<String, Integer> index;
    private final ReplayWindow replayWindow;
    private final int legacyWidth;

    /**
     * Where a session looks for event ids it already holds when a batch may repeat (a WAL or spool replay, a retry, a
     * client resending a request with the same ids): within the batch's own {@code created_at} range — cheap on time-
     * ordered stores, and enough for replays, which carry their original times — or across the whole table, for
     * tables whose rows carry client-given ids that a later retry (with a later {@code created_at}) must find.
     */
    public enum ReplayWindow { BATCH_TIME_RANGE, WHOLE_TABLE }

    public Table(String name, List<Column> columns) {
        this(name, columns, ReplayWindow.BATCH_TIME_RANGE);
    }

    public Table(String name, List<Column> columns, ReplayWindow replayWindow) {
        this(name, columns, replayWindow, columns.size());
    }

    /**
     * @param legacyWidth how many columns the table had when {@link RowCodec} records carried no width yet (records
     *                    a WAL or spool written by an older version may still hold)
     */
    public Table(String name, List<Column> columns, ReplayWindow replayWindow, int legacyWidth) {
        if (legacyWidth < 1 || legacyWidth > columns.size()) {
            throw new IllegalArgumentException("table " + name + ": legacy width " + legacyWidth);
        }
        this.legacyWidth = legacyWidth;
        this.replayWindow = Objects.requireNonNull(replayWindow, "replayWindow");
        this.name = Objects.requireNonNull(name, "name");
        this.columns = List.copyOf(columns);
        Map<String, Integer> idx = new HashMap<>();
        for (int i = 0; i < this.columns.size(); i++) {
            if (idx.put(this.columns.get(i).name(), i) != null) {
                throw new IllegalArgumentException("table " + name + ": duplicate column " + this.columns.get(i).name());
            }
        }
        this.index = Map.copyOf(idx);
    }

    public String name() {
        return name;
    }

    public ReplayWindow replayWindow() {
        return replayWindow;
    }

    public List<Column> columns() {
        return columns;
    }

    public int width() {
        return columns.size();
    }

    /** The width of records written before {@link RowCodec} recorded widths: columns added since are appended. */
    public int legacyWidth() {
        return legacyWidth;
    }

    /** Position of {@code column}, or -1 when the table has no such column. */
    public int indexOf(String column) {
        Integer i = index.get(column);
        return i == null ? -1 : i;
    }

    public boolean hasColumn(String column) {
        return index.containsKey(column);
    }

    /** {@code column}, checked: a name that is not a column of this table is a programming error. */
    public String requireColumn(String column) {
        if (!hasColumn(column)) {
            throw new IllegalArgumentException("table " + name + " has no column " + column);
        }
        return column;
    }

    @Override
    public String toString() {
        return name;
    }
}
