package io.tracker.server;

import io.tracker.backends.duckdb.DuckDbSessionProvider;
import io.tracker.core.config.SessionConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Test-only {@code "type": "flaky-duckdb"}: the real DuckDB session, whose writes fail while
 * {@link #FAILING} is set — a backend outage injected at the SPI, above a real store.
 */
public final class FlakySessionProvider implements SessionProvider {
    static final AtomicBoolean FAILING = new AtomicBoolean();
    /** Every write takes at least this long: a slow backend. */
    static volatile long slowMillis;

    @Override
    public String type() {
        return "flaky-duckdb";
    }

    @Override
    public Session create(SessionConfig config, String keyPrefix, Path dataDir) {
        Session inner = new DuckDbSessionProvider().create(config, keyPrefix, dataDir);
        return new Session() {
            @Override
            public String name() {
                return inner.name();
            }

            @Override
            public void open(List<Table> tables) throws SessionException {
                inner.open(tables);
            }

            @Override
            public void write(Table table, List<Row> rows) throws SessionException {
                write(table, rows, false);
            }

            @Override
            public void write(Table table, List<Row> rows, boolean mayRepeat) throws SessionException {
                if (FAILING.get()) {
                    throw new SessionException("injected outage");
                }
                if (slowMillis > 0) {
                    try {
                        Thread.sleep(slowMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                inner.write(table, rows, mayRepeat);
            }

            @Override
            public boolean isHealthy() {
                return !FAILING.get() && inner.isHealthy();
            }

            @Override
            public void close() throws SessionException {
                inner.close();
            }
        };
    }
}
