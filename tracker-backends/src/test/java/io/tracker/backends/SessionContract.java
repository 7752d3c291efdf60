package io.tracker.backends;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracker.core.model.Column;
import io.tracker.core.model.ColumnType;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every session must do, against its real store (the Micrometer habit: one compatibility kit that every
 * implementation extends). Subclasses give a fresh, opened session over an empty store and a way to read back.
 */
public abstract class SessionContract {

    /** A new session over the same (initially empty) store, not yet opened. */
    protected abstract Session newSession() throws Exception;

    /** The event ids stored in {@code events}, one entry per stored row (a list, so duplicates show). */
    protected abstract List<UUID> storedEids() throws Exception;

    protected static Row event(UUID eid, String ename, long createdAt) {
        return new RowBuilder(Tables.EVENTS).eid(eid).set("vid", UUID.randomUUID()).set("ename", ename)
                .set("cflags", 1024L).set("ver", 7).set("score", 0.5).set("created_at", createdAt)
                .set("params", "{\"plan\":\"pro\"}").build();
    }

    private static List<Row> events(int n, long firstCreatedAt) {
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rows.add(event(UUID.randomUUID(), "e", firstCreatedAt + i));
        }
        return rows;
    }

    private static Set<UUID> eids(List<Row> rows) {
        Set<UUID> out = new HashSet<>();
        rows.forEach(r -> out.add(r.eid()));
        return out;
    }

    @Test
    void storesBatchesOfOneToManyExactlyOnce() throws Exception {
        Session s = newSession();
        s.open(Tables.ALL);
        List<Row> all = new ArrayList<>();
        long t = 1_700_000_000_000L;
        for (int size : new int[] {1, 2, 17, 5_000}) {
            List<Row> batch = events(size, t);
            t += size;
            s.write(Tables.EVENTS, batch);
            all.addAll(batch);
        }
        s.close();
        List<UUID> stored = storedEids();
        assertEquals(all.size(), stored.size());
        assertEquals(eids(all), new HashSet<>(stored));
    }

    @Test
    void replaysAreIdempotent() throws Exception {
        Session s = newSession();
        s.open(Tables.ALL);
        List<Row> first = events(2_000, 1_700_000_000_000L);
        s.write(Tables.EVENTS, first);
        List<Row> replay = new ArrayList<>(first.subList(500, 2_000));
        replay.addAll(events(300, 1_700_000_002_000L));
        s.write(Tables.EVENTS, replay, true);
        s.write(Tables.EVENTS, replay, true);
        s.close();
        List<UUID> stored = storedEids();
        assertEquals(2_300, stored.size(), "no row stored twice");
        assertEquals(2_300, new HashSet<>(stored).size());
    }

    @Test
    void rejectsWronglyTypedDataAsRejectedNotAsAnOutage() throws Exception {
        List<Column> columns = new ArrayList<>(Tables.EVENTS.columns());
        // A value the store cannot take for the column: text where it keeps a UUID.
        columns.set(Tables.EVENTS.indexOf("vid"), Column.of("vid", ColumnType.STRING));
        Table lying = new Table("events", columns);
        Session s = newSession();
        s.open(Tables.ALL);
        List<Row> rows = List.of(new RowBuilder(lying).eid(UUID.randomUUID()).set("created_at", 1L)
                .set("vid", "not-a-uuid").build());
        SessionException e = assertThrows(SessionException.class, () -> s.write(lying, rows));
        assertTrue(e.isRejected(), "the batch manager must split and dead-letter, not retry forever: " + e.getMessage());
        s.write(Tables.EVENTS, List.of(event(UUID.randomUUID(), "ok", 1_700_000_000_000L)));
        s.close();
        assertEquals(1, storedEids().size(), "the rejected batch left nothing behind");
    }

    @Test
    void opensAgainOverAnExistingSchema() throws Exception {
        Session first = newSession();
        first.open(Tables.ALL);
        first.write(Tables.EVENTS, events(3, 1_700_000_000_000L));
        first.close();
        Session second = newSession();
        second.open(Tables.ALL);
        second.write(Tables.EVENTS, events(4, 1_700_000_001_000L));
        second.close();
        assertEquals(7, storedEids().size());
    }
}
