package io.tracker.backends.duckdb;

import io.tracker.core.model.Column;
import io.tracker.core.model.ColumnType;
import io.tracker.core.model.Table;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionReader;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.duckdb.DuckDBConnection;

/**
 * Reads and deletes on a connection of its own (a duplicate of the writer's, same database), so API calls
 * never wait behind a batch being appended. Prepared statements only; column names come from the
 * {@link Table} definition, never from a request.
 */
final class DuckDbReader implements SessionReader, AutoCloseable {
    private final String session;
    private final DuckDBConnection connection;

    DuckDbReader(String session, DuckDBConnection connection) {
        this.session = session;
        this.connection = connection;
    }

    @Override
    public synchronized List<Map<String, Object>> find(Table table, Map<String, Object> where, String newestFirst,
                                                       int limit) throws SessionException {
        StringBuilder sql = new StringBuilder("SELECT ");
        List<Column> columns = table.columns();
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            sql.append(i == 0 ? "" : ", ").append(c.type() == ColumnType.TIMESTAMP ? "epoch_ms(" + c.name() + ")" : c.name());
        }
        sql.append(" FROM ").append(table.name()).append(whereClause(table, where));
        if (newestFirst != null) {
            sql.append(" ORDER BY ").append(table.requireColumn(newestFirst)).append(" DESC");
        }
        sql.append(" LIMIT ").append(Math.max(0, limit));
        try (PreparedStatement ps = connection.prepareStatement(sql.toString())) {
            bind(ps, 1, where.values());
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 0; i < columns.size(); i++) {
                        Object v = value(rs, i + 1, columns.get(i).type());
                        if (v != null) {
                            row.put(columns.get(i).name(), v);
                        }
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw failure("read " + table.name(), e);
        }
    }

    @Override
    public synchronized BigDecimal sum(Table table, String column, Map<String, Object> where) throws SessionException {
        String sql = "SELECT coalesce(sum(" + table.requireColumn(column) + "), 0) FROM " + table.name() + whereClause(table, where);
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            bind(ps, 1, where.values());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBigDecimal(1).setScale(ColumnType.DECIMAL_SCALE);
            }
        } catch (SQLException e) {
            throw failure("sum " + table.name(), e);
        }
    }

    @Override
    public synchronized long delete(Table table, Map<String, Object> where) throws SessionException {
        if (where.isEmpty()) {
            throw new IllegalArgumentException("delete needs a condition");
        }
        try {
            if (table == io.tracker.core.model.Tables.EVENTS) {
                // an erased visitor leaves the rollups' membership too (the counts stay: aggregates, no one's data)
                for (io.tracker.core.model.Rollups.Rollup r : io.tracker.core.model.Rollups.ALL) {
                    try (PreparedStatement ps = connection.prepareStatement("DELETE FROM " + r.table()
                            + "_members WHERE vid IN (SELECT vid FROM events" + whereClause(table, where) + ")")) {
                        bind(ps, 1, where.values());
                        ps.executeUpdate();
                    }
                }
            }
            try (PreparedStatement ps = connection.prepareStatement("DELETE FROM " + table.name() + whereClause(table, where))) {
                bind(ps, 1, where.values());
                return ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw failure("delete from " + table.name(), e);
        }
    }

    @Override
    public synchronized long deleteBefore(Table table, String timeColumn, Instant cutoff) throws SessionException {
        String sql = "DELETE FROM " + table.name() + " WHERE " + table.requireColumn(timeColumn) + " < make_timestamp(?)";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setLong(1, cutoff.toEpochMilli() * 1_000L);
            long n = ps.executeUpdate();
            if (table == io.tracker.core.model.Tables.EVENTS) {
                // membership older than the events kept goes with them (buckets that end before the cutoff)
                for (io.tracker.core.model.Rollups.Rollup r : io.tracker.core.model.Rollups.ALL) {
                    String end = switch (r.grain()) {
                        case HOUR -> r.bucketColumn() + " + INTERVAL 1 HOUR";
                        case DAY -> r.bucketColumn() + " + INTERVAL 1 DAY";
                        case MONTH -> r.bucketColumn() + " + INTERVAL 1 MONTH";
                    };
                    try (PreparedStatement m = connection.prepareStatement("DELETE FROM " + r.table() + "_members WHERE "
                            + end + " <= make_timestamp(?)")) {
                        m.setLong(1, cutoff.toEpochMilli() * 1_000L);
                        m.executeUpdate();
                    }
                }
            }
            return n;
        } catch (SQLException e) {
            throw failure("prune " + table.name(), e);
        }
    }

    private static String whereClause(Table table, Map<String, Object> where) {
        if (where.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" WHERE ");
        int i = 0;
        for (String c : where.keySet()) {
            sb.append(i++ == 0 ? "" : " AND ").append(table.requireColumn(c)).append(" = ?");
        }
        return sb.toString();
    }


    private static void bind(PreparedStatement ps, int first, Iterable<Object> values) throws SQLException {
        int i = first;
        for (Object v : values) {
            ps.setObject(i++, v);
        }
    }

    /** Column {@code i} of {@code rs} as {@code type}'s Java value, or null (also for the query APIs' rows). */
    static Object value(ResultSet rs, int i, ColumnType type) throws SQLException {
        Object v = switch (type) {
            case UUID -> rs.getObject(i, UUID.class);
            case STRING, JSON -> rs.getString(i);
            case INT64, TIMESTAMP -> rs.getLong(i);
            case INT32 -> rs.getInt(i);
            case FLOAT64 -> rs.getDouble(i);
            case DECIMAL -> {
                BigDecimal d = rs.getBigDecimal(i);
                yield d == null ? null : d.setScale(ColumnType.DECIMAL_SCALE);
            }
            case BOOLEAN -> rs.getBoolean(i);
            case STRINGS, UUIDS -> {
                java.sql.Array a = rs.getArray(i);
                if (a == null) {
                    yield null;
                }
                java.util.List<Object> list = new java.util.ArrayList<>();
                for (Object o : (Object[]) a.getArray()) {
                    list.add(type == ColumnType.UUIDS && !(o instanceof UUID) ? UUID.fromString(o.toString()) : o);
                }
                yield java.util.List.copyOf(list);
            }
        };
        return rs.wasNull() ? null : v;
    }

    private SessionException failure(String what, SQLException e) {
        return new SessionException("session " + session + ": " + what + " failed: " + e.getMessage(), e);
    }

    @Override
    public synchronized void close() throws SQLException {
        connection.close();
    }
}
