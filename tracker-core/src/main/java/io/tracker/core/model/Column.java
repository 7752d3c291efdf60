package io.tracker.core.model;

import java.util.Objects;

/** One column of a {@link Table}: its name and storage-neutral type. */
public record Column(String name, ColumnType type) {
    public Column {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }

    public static Column of(String name, ColumnType type) {
        return new Column(name, type);
    }
}
