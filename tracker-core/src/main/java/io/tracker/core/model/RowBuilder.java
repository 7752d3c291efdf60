package io.tracker.core.model;

import java.util.UUID;

/**
 * Builds a {@link Row}, checking every value against its column type at the moment it is set:
 * a wrongly typed value is a programming error here, never a poisoned batch later (spec §18.8).
 */
public final class RowBuilder {
    private static final int FIXED_OVERHEAD = 64;

    private final Table table;
    private final Object[] values;
    private UUID eid;
    private boolean built;

    public RowBuilder(Table table) {
        this.table = table;
        this.values = new Object[table.width()];
    }

    public RowBuilder eid(UUID eid) {
        this.eid = eid;
        return set("eid", eid);
    }

    public RowBuilder set(String column, Object value) {
        int i = table.indexOf(column);
        if (i < 0) {
            throw new IllegalArgumentException("table " + table.name() + " has no column " + column);
        }
        return set(i, value);
    }

    public RowBuilder set(int column, Object value) {
        if (built) {
            throw new IllegalStateException("table " + table.name() + ": row already built");
        }
        if (value != null) {
            checkType(table.columns().get(column), value);
            if (value instanceof java.util.List<?> list) {
                value = java.util.List.copyOf(list);
            }
        }
        values[column] = value;
        return this;
    }

    public Row build() {
        if (eid == null) {
            throw new IllegalStateException("table " + table.name() + ": row without eid");
        }
        if (built) {
            throw new IllegalStateException("table " + table.name() + ": a RowBuilder builds one row");
        }
        built = true;
        int bytes = FIXED_OVERHEAD + 16 * values.length;
        for (Object v : values) {
            if (v instanceof String s) {
                bytes += 24 + s.length() * 2;
            } else if (v instanceof java.util.List<?> list) {
                for (Object o : list) {
                    bytes += o instanceof String s ? 40 + s.length() * 2 : 32;
                }
            }
        }
        return new Row(table, eid, values, bytes); // the builder is spent: no copy needed
    }

    private void checkType(Column column, Object value) {
        boolean ok = switch (column.type()) { // the common cases, without a Class lookup
            case UUID -> value instanceof UUID;
            case STRING, JSON -> value instanceof String;
            case INT64, TIMESTAMP -> value instanceof Long;
            case INT32 -> value instanceof Integer;
            case FLOAT64 -> value instanceof Double;
            case BOOLEAN -> value instanceof Boolean;
            case DECIMAL, STRINGS, UUIDS -> false;
        };
        if (ok) {
            return;
        }
        Class<?> expected = switch (column.type()) {
            case UUID -> UUID.class;
            case STRING, JSON -> String.class;
            case INT64, TIMESTAMP -> Long.class;
            case INT32 -> Integer.class;
            case FLOAT64 -> Double.class;
            case DECIMAL -> java.math.BigDecimal.class;
            case BOOLEAN -> Boolean.class;
            case STRINGS, UUIDS -> java.util.List.class;
        };
        if (value instanceof java.util.List<?> list) {
            Class<?> element = column.type() == ColumnType.UUIDS ? UUID.class : String.class;
            for (Object o : list) {
                if (!element.isInstance(o)) {
                    throw new IllegalArgumentException("table " + table.name() + ", column " + column.name()
                            + ": a list of " + element.getSimpleName() + " holds " + (o == null ? "null" : o.getClass().getSimpleName()));
                }
            }
        }
        if (value instanceof java.math.BigDecimal d && d.scale() != ColumnType.DECIMAL_SCALE) {
            throw new IllegalArgumentException("table " + table.name() + ", column " + column.name()
                    + ": a DECIMAL needs scale " + ColumnType.DECIMAL_SCALE + ", got " + d.scale());
        }
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException("table " + table.name() + ", column " + column.name() + ": expected "
                    + expected.getSimpleName() + " but got " + value.getClass().getSimpleName());
        }
    }
}
