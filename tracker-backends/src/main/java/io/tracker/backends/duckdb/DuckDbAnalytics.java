package io.tracker.backends.duckdb;

import io.tracker.core.model.ColumnType;
import io.tracker.core.query.EventQuery;
import io.tracker.core.query.QueryPlanner;
import io.tracker.core.query.SqlDialect;
import io.tracker.core.session.SessionException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.duckdb.DuckDBConnection;

/**
 * The query APIs on DuckDB: connections of their own (duplicates of the writer's, same database), so an aggregate
 * over months never holds up a batch being appended nor an erasure; as many as DuckDB has threads, taken in turn.
 * Numbered parameters ({@code $n}), each cast to its type.
 */
final class DuckDbAnalytics implements SqlDialect, AutoCloseable {
    private final String session;
    private final BlockingQueue<DuckDBConnection> pool;
    private final List<DuckDBConnection> all = new ArrayList<>();

    DuckDbAnalytics(String session, DuckDBConnection writer, int connections) throws SQLException {
        this.session = session;
        this.pool = new ArrayBlockingQueue<>(connections);
        for (int i = 0; i < connections; i++) {
            DuckDBConnection c = (DuckDBConnection) writer.duplicate();
            all.add(c);
            pool.add(c);
        }
    }

    /** Cancels statements that run past their time (one daemon thread for the session). */
    private static final java.util.concurrent.ScheduledExecutorService TIMER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "duckdb-query-timeout");
                t.setDaemon(true);
                return t;
            });

    /** A query connection, waited for up to 30 s; give it back with {@code pool.add}. */
    private DuckDBConnection borrow() throws SessionException {
        DuckDBConnection c;
        try {
            c = pool.poll(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SessionException("interrupted", e);
        }
        if (c == null) {
            throw new SessionException("session " + session + ": every query connection is busy");
        }
        return c;
    }

    List<Object[]> run(QueryPlanner.Sql sql, long timeoutMillis) throws SessionException {
        DuckDBConnection c = borrow();
        java.util.concurrent.ScheduledFuture<?> timer = null;
        try (PreparedStatement ps = c.prepareStatement(sql.text())) {
            if (timeoutMillis > 0) {
                timer = TIMER.schedule(() -> {
                    try {
                        ps.cancel(); // DuckDB interrupts the query; executeQuery then throws
                    } catch (SQLException | RuntimeException ignored) {
                        // finished meanwhile
                    }
                }, timeoutMillis, TimeUnit.MILLISECONDS);
            }
            for (int i = 0; i < sql.params().size(); i++) {
                ps.setObject(i + 1, sql.params().get(i).value());
            }
            List<Object[]> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                int n = sql.types().size();
                while (rs.next()) {
                    Object[] row = new Object[n];
                    for (int i = 0; i < n; i++) {
                        row[i] = DuckDbReader.value(rs, i + 1, sql.types().get(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new SessionException("session " + session + ": query failed: " + e.getMessage(), e);
        } finally {
            if (timer != null) {
                timer.cancel(false);
            }
            pool.add(c);
        }
    }

    /** The campaign rollup's days, on a query connection. */
    List<io.tracker.core.query.Analytics.CampaignDay> campaignDays(UUID oid, String campaign, java.time.LocalDate from,
                                                                 java.time.LocalDate to) throws SessionException {
        DuckDBConnection c = borrow();
        try {
            return DuckDbCampaigns.read(c, oid, campaign, from, to);
        } catch (SQLException e) {
            throw new SessionException("session " + session + ": campaign read failed: " + e.getMessage(), e);
        } finally {
            pool.add(c);
        }
    }

    @Override
    public String param(int index, ColumnType type) {
        String sqlType = switch (type) {
            case UUID -> "UUID";
            case INT64, TIMESTAMP -> "BIGINT";
            default -> "VARCHAR";
        };
        return "CAST($" + (index + 1) + " AS " + sqlType + ")";
    }

    @Override
    public String timestamp(String epochMillis) {
        return "make_timestamp(" + epochMillis + " * 1000)";
    }

    @Override
    public String epochMillis(String column) {
        return "epoch_ms(" + column + ")";
    }

    @Override
    public String text(String column) {
        return "coalesce(" + column + ", '')";
    }

    @Override
    public String uuidText(String column) {
        return "CAST(" + column + " AS VARCHAR)";
    }

    @Override
    public String property(String key) {
        return "coalesce(json_extract_string(params, '$.\"' || " + key + " || '\"'), '')";
    }

    @Override
    public String numberProperty(String key) {
        return "coalesce(TRY_CAST(json_extract_string(params, '$.\"" + key + "\"') AS DOUBLE), 0)";
    }

    @Override
    public String bucket(String column, EventQuery.Grain grain) {
        String part = switch (grain) {
            case HOUR -> "hour";
            case DAY -> "day";
            case WEEK -> "week";
            case MONTH -> "month";
        };
        return "epoch_ms(CAST(date_trunc('" + part + "', " + column + ") AS TIMESTAMP))";
    }

    @Override
    public String countDistinct(String expr) {
        return "count(DISTINCT " + expr + ")";
    }

    @Override
    public String countIf(String condition) {
        return "count(*) FILTER (WHERE " + condition + ")";
    }

    @Override
    public String countDistinctIf(String expr, String condition) {
        return "count(DISTINCT " + expr + ") FILTER (WHERE " + condition + ")";
    }

    @Override
    public String contains(String haystack, String needle) {
        return "contains(" + haystack + ", " + needle + ")";
    }

    @Override
    public String matches(String text, String pattern) {
        return "regexp_matches(" + text + ", " + pattern + ")";
    }

    @Override
    public String notBot() {
        return "is_bot IS NOT TRUE";
    }

    @Override
    public String table(String name) {
        return name;
    }

    @Override
    public String joinSessions(String events, String sessions) {
        return events + " LEFT JOIN (" + sessions + ") b ON sid = b.b_sid";
    }

    @Override
    public String sessionKey() {
        return "sid AS b_sid";
    }

    @Override
    public void close() {
        for (DuckDBConnection c : all) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing the database: nothing left to answer
            }
        }
    }
}
