package io.tracker.core.batch;

import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory session for testing the batch manager's logic (never as proof that a backend works). */
final class FakeSession implements Session {
    final List<List<Row>> batches = Collections.synchronizedList(new ArrayList<>());
    final List<Boolean> repeatFlags = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger failuresLeft = new AtomicInteger();
    final AtomicInteger attempts = new AtomicInteger();
    final Set<UUID> rejected = Collections.synchronizedSet(new HashSet<>());
    final Set<UUID> poison = Collections.synchronizedSet(new HashSet<>());
    volatile boolean down;
    volatile boolean failsEverything;
    volatile boolean closed;
    private final String name;

    FakeSession() {
        this("fake");
    }

    FakeSession(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void open(List<Table> tables) throws SessionException {
        if (down) {
            throw new SessionException("down");
        }
    }

    @Override
    public void write(Table table, List<Row> rows) throws SessionException {
        write(table, rows, false);
    }

    @Override
    public void write(Table table, List<Row> rows, boolean mayRepeat) throws SessionException {
        attempts.incrementAndGet();
        if (down || failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw SessionException.unavailable("injected failure", null);
        }
        if (failsEverything) {
            throw new SessionException("refused for a reason the session does not explain (it still answers pings)");
        }
        for (Row r : rows) {
            if (poison.contains(r.eid())) { // an error the session does not classify, while it is reachable
                throw new SessionException("row " + r.eid() + " fails for a reason nobody recognises");
            }
        }
        for (Row r : rows) {
            if (rejected.contains(r.eid())) {
                throw SessionException.rejected("row " + r.eid() + " refused", null);
            }
        }
        batches.add(List.copyOf(rows));
        repeatFlags.add(mayRepeat);
    }

    int rows() {
        synchronized (batches) {
            return batches.stream().mapToInt(List::size).sum();
        }
    }

    Set<String> tables() {
        Set<String> out = new HashSet<>();
        synchronized (batches) {
            batches.forEach(b -> b.forEach(r -> out.add(r.table().name())));
        }
        return out;
    }

    Set<UUID> eids() {
        Set<UUID> out = new HashSet<>();
        synchronized (batches) {
            batches.forEach(b -> b.forEach(r -> out.add(r.eid())));
        }
        return out;
    }

    @Override
    public boolean isHealthy() {
        return !down;
    }

    @Override
    public void close() {
        closed = true;
    }
}
