package io.tracker.backends.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatementBuilder;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.DriverException;
import io.tracker.core.model.Column;
import io.tracker.core.model.ColumnType;
import io.tracker.core.model.Table;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionReader;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Reads for the API role, all prepared. Filters hit a partition key or an SAI index (see the schema); the
 * coordinator does the rest with ALLOW FILTERING, which on these keys reads one partition or one index range.
 * Ordering by a non-clustering column and SUM are done here, exactly (BigDecimal). Deletes read the primary keys
 * of the matching rows and delete row by row; pruning reads the {@code created_at} SAI range.
 */
final class CassandraReader implements SessionReader {
    private final CqlSession cql;
    private final String keyspace;
    private final Function<Table, List<String>> partitionKey;
    private final Map<String, PreparedStatement> prepared = new ConcurrentHashMap<>();

    CassandraReader(CqlSession cql, String keyspace, Function<Table, List<String>> partitionKey) {
        this.cql = cql;
        this.keyspace = keyspace;
        this.partitionKey = partitionKey;
    }

    @Override
    public List<Map<String, Object>> find(Table table, Map<String, Object> where, String newestFirst, int limit)
            throws SessionException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try {
            // unordered reads stop at the limit in Cassandra; ordered ones sort every match here
            for (Row r : select(table, "*", where, newestFirst == null ? Math.max(1, limit) : -1)) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (Column c : table.columns()) {
                    Object v = value(r, c);
                    if (v != null) {
                        m.put(c.name(), v);
                    }
                }
                rows.add(m);
            }
        } catch (DriverException e) {
            throw new SessionException("cassandra read of " + table.name() + " failed: " + e.getMessage(), e);
        }
        if (newestFirst != null) {
            table.requireColumn(newestFirst);
            rows.sort(Comparator.comparing((Map<String, Object> m) -> (Long) m.getOrDefault(newestFirst, Long.MIN_VALUE))
                    .reversed());
        }
        return rows.size() > limit ? new ArrayList<>(rows.subList(0, Math.max(0, limit))) : rows;
    }

    @Override
    public BigDecimal sum(Table table, String column, Map<String, Object> where) throws SessionException {
        BigDecimal total = BigDecimal.ZERO.setScale(ColumnType.DECIMAL_SCALE);
        try {
            for (Row r : select(table, quote(table.requireColumn(column)), where)) {
                BigDecimal d = r.getBigDecimal(0);
                if (d != null) {
                    total = total.add(d);
                }
            }
        } catch (DriverException e) {
            throw new SessionException("cassandra sum over " + table.name() + " failed: " + e.getMessage(), e);
        }
        return total.setScale(ColumnType.DECIMAL_SCALE);
    }

    @Override
    public long delete(Table table, Map<String, Object> where) throws SessionException {
        if (where.isEmpty()) {
            throw new IllegalArgumentException("delete needs a condition");
        }
        return deleteRows(table, select(table, primaryKeyList(table), where));
    }

    @Override
    public long deleteBefore(Table table, String timeColumn, Instant cutoff) throws SessionException {
        String cql = "SELECT " + primaryKeyList(table) + " FROM " + keyspace + "." + table.name() + " WHERE "
                + quote(table.requireColumn(timeColumn)) + " < ? ALLOW FILTERING";
        try {
            return deleteRows(table, this.cql.execute(prepare(cql).bind(cutoff)));
        } catch (DriverException e) {
            throw new SessionException("cassandra prune of " + table.name() + " failed: " + e.getMessage(), e);
        }
    }

    private long deleteRows(Table table, Iterable<Row> keys) throws SessionException {
        List<String> pk = primaryKey(table);
        StringBuilder cond = new StringBuilder();
        for (String c : pk) {
            cond.append(cond.length() == 0 ? "" : " AND ").append(quote(c)).append(" = ?");
        }
        PreparedStatement del = prepare("DELETE FROM " + keyspace + "." + table.name() + " WHERE " + cond);
        long n = 0;
        try {
            List<Row> all = new ArrayList<>();
            keys.forEach(all::add);
            for (Row r : all) {
                BoundStatementBuilder b = del.boundStatementBuilder();
                for (int i = 0; i < pk.size(); i++) {
                    b.setBytesUnsafe(i, r.getBytesUnsafe(i));
                }
                cql.execute(b.build());
                n++;
            }
        } catch (DriverException e) {
            throw new SessionException("cassandra delete from " + table.name() + " failed: " + e.getMessage(), e);
        }
        return n;
    }

    private Iterable<Row> select(Table table, String what, Map<String, Object> where) throws SessionException {
        return select(table, what, where, -1);
    }

    /** {@code limit} below 0: no limit. */
    private Iterable<Row> select(Table table, String what, Map<String, Object> where, int limit) throws SessionException {
        StringBuilder cql = new StringBuilder("SELECT ").append(what).append(" FROM ").append(keyspace).append('.')
                .append(table.name());
        if (!where.isEmpty()) {
            StringBuilder cond = new StringBuilder();
            for (String c : where.keySet()) {
                cond.append(cond.length() == 0 ? "" : " AND ").append(quote(table.requireColumn(c))).append(" = ?");
            }
            cql.append(" WHERE ").append(cond);
            if (limit >= 0) {
                cql.append(" LIMIT ").append(limit);
            }
            if (!where.keySet().equals(new java.util.HashSet<>(partitionKey.apply(table)))) {
                cql.append(" ALLOW FILTERING");
            }
        } else if (limit >= 0) {
            cql.append(" LIMIT ").append(limit);
        }
        try {
            return this.cql.execute(prepare(cql.toString()).bind(where.values().toArray()));
        } catch (DriverException e) {
            throw new SessionException("cassandra read of " + table.name() + " failed: " + e.getMessage(), e);
        }
    }

    private PreparedStatement prepare(String statement) {
        return prepared.computeIfAbsent(statement, cql::prepare);
    }

    private List<String> primaryKey(Table table) {
        var meta = cql.getMetadata().getKeyspace(keyspace).flatMap(k -> k.getTable(table.name()))
                .orElseThrow(() -> new IllegalStateException("no table " + table.name()));
        List<String> out = new ArrayList<>();
        meta.getPrimaryKey().forEach(c -> out.add(c.getName().asInternal()));
        return out;
    }

    private String primaryKeyList(Table table) {
        List<String> q = new ArrayList<>();
        primaryKey(table).forEach(c -> q.add(quote(c)));
        return String.join(", ", q);
    }

    private static Object value(Row r, Column c) {
        String n = c.name();
        if (r.isNull(n)) {
            return null;
        }
        return switch (c.type()) {
            case UUID -> r.getUuid(n);
            case STRING, JSON -> r.getString(n);
            case INT64 -> r.getLong(n);
            case INT32 -> r.getInt(n);
            case FLOAT64 -> r.getDouble(n);
            case TIMESTAMP -> r.getInstant(n).toEpochMilli();
            case DECIMAL -> r.getBigDecimal(n).setScale(ColumnType.DECIMAL_SCALE);
            case BOOLEAN -> r.getBoolean(n);
            case STRINGS -> List.copyOf(r.getList(n, String.class));
            case UUIDS -> List.copyOf(r.getList(n, java.util.UUID.class));
        };
    }

    private static String quote(String column) {
        return '"' + column + '"';
    }

}
