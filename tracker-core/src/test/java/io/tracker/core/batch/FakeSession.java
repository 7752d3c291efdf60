package io.tracker.core.batch;

import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory session for testing the batch manager's logic (never as proof that a backend works). */
final class FakeSession implements Session {
    final List<List<Row>> batches = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger failuresLeft = new AtomicInteger();
    final AtomicInteger attempts = new AtomicInteger();
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
    public void open(List<Table> tables) {
    }

    @Override
    public void write(Table table, List<Row> rows) throws SessionException {
        attempts.incrementAndGet();
        if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new SessionException("injected failure");
        }
        batches.add(List.copyOf(rows));
    }

    int rows() {
        synchronized (batches) {
            return batches.stream().mapToInt(List::size).sum();
        }
    }

    @Override
    public boolean isHealthy() {
        return true;
    }

    @Override
    public void close() {
        closed = true;
    }
}
