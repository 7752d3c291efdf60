package io.tracker.backends.duckdb;

import io.tracker.core.model.Row;
import io.tracker.core.model.Rollups;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import io.tracker.core.pipeline.EventIds;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Keeps {@link Rollups} in step with {@code events}, inside the caller's transaction: for each rollup the batch's
 * (key, vid) pairs go into {@code <rollup>_visitors} (ON CONFLICT DO NOTHING, RETURNING what was new), then
 * {@code events} and the new members' count are added to the rollup row (an upsert). Only rows the transaction
 * actually inserted into {@code events} are passed here, so a replay adds nothing.
 */
final class DuckDbRollups {
    private static final UUID ZERO = new UUID(0, 0);
    private static final Table E = Tables.EVENTS;
    private static final int CREATED_AT = E.indexOf("created_at");
    private static final int VID = E.indexOf("vid");
    private static final int IS_BOT = E.indexOf("is_bot");

    private DuckDbRollups() {
    }

    /** Creates the temp tables this connection uses (idempotent). */
    static void prepare(Statement s) throws SQLException {
        for (Rollups.Rollup r : Rollups.ALL) {
            String cols = keyColumnsDdl(r);
            s.execute("CREATE TEMP TABLE IF NOT EXISTS " + r.table() + "__cand (" + cols + ", vid UUID)");
            s.execute("CREATE TEMP TABLE IF NOT EXISTS " + r.table() + "__delta (" + cols
                    + ", events BIGINT, visitors BIGINT)");
        }
    }

    static void apply(DuckDBConnection connection, Statement s, List<Row> inserted) throws SQLException {
        if (inserted.isEmpty()) {
            return;
        }
        for (Rollups.Rollup r : Rollups.ALL) {
            applyOne(connection, s, r, inserted);
        }
    }

    private static void applyOne(DuckDBConnection connection, Statement s, Rollups.Rollup r, List<Row> rows)
            throws SQLException {
        int[] dims = r.dimensions().stream().mapToInt(E::indexOf).toArray();
        Map<List<Object>, long[]> counts = new HashMap<>();
        Set<List<Object>> members = new HashSet<>();
        for (Row row : rows) {
            List<Object> key = new ArrayList<>(dims.length + 2);
            key.add(r.grain().bucket((Long) row.get(CREATED_AT)));
            for (int d : dims) {
                Object v = row.get(d);
                key.add(v != null ? v : E.columns().get(d).name().equals("oid") ? ZERO : "");
            }
            key.add(Boolean.TRUE.equals(row.get(IS_BOT)));
            counts.computeIfAbsent(key, k -> new long[2])[0]++;
            Object vid = row.get(VID);
            if (vid != null && !EventIds.RESERVED.equals(vid)) {
                List<Object> m = new ArrayList<>(key);
                m.add(vid);
                members.add(m);
            }
        }
        s.execute("DELETE FROM " + r.table() + "__cand");
        s.execute("DELETE FROM " + r.table() + "__delta");
        try (DuckDBAppender a = connection.createAppender("temp", "main", r.table() + "__cand")) {
            for (List<Object> m : members) {
                a.beginRow();
                appendAll(a, m);
                a.endRow();
            }
        }
        String keyList = keyColumns(r);
        try (ResultSet rs = s.executeQuery("INSERT INTO " + r.table() + "_visitors SELECT * FROM " + r.table()
                + "__cand ON CONFLICT DO NOTHING RETURNING " + keyList)) {
            int n = dims.length + 2;
            while (rs.next()) {
                List<Object> key = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    Object v = rs.getObject(i);
                    key.add(i == 1 ? normaliseBucket(r.grain(), v) : v);
                }
                long[] c = counts.get(key);
                if (c == null) {
                    throw new SQLException("rollup " + r.table() + ": a new member of no counted key " + key);
                }
                c[1]++;
            }
        }
        try (DuckDBAppender a = connection.createAppender("temp", "main", r.table() + "__delta")) {
            for (Map.Entry<List<Object>, long[]> e : counts.entrySet()) {
                a.beginRow();
                appendAll(a, e.getKey());
                a.append(e.getValue()[0]);
                a.append(e.getValue()[1]);
                a.endRow();
            }
        }
        s.execute("INSERT INTO " + r.table() + " SELECT * FROM " + r.table() + "__delta ON CONFLICT DO UPDATE SET "
                + "events = " + r.table() + ".events + excluded.events, visitors = " + r.table()
                + ".visitors + excluded.visitors");
    }

    /** What JDBC returns for a bucket, as {@link Rollups.Grain#bucket} makes it (epoch millis or LocalDate). */
    private static Object normaliseBucket(Rollups.Grain grain, Object v) throws SQLException {
        if (grain == Rollups.Grain.HOUR) {
            if (v instanceof java.sql.Timestamp t) {
                return t.toLocalDateTime().toInstant(java.time.ZoneOffset.UTC).toEpochMilli();
            }
            if (v instanceof java.time.LocalDateTime t) {
                return t.toInstant(java.time.ZoneOffset.UTC).toEpochMilli();
            }
        } else {
            if (v instanceof java.sql.Date d) {
                return d.toLocalDate();
            }
            if (v instanceof LocalDate d) {
                return d;
            }
        }
        throw new SQLException("unexpected bucket value " + v + " (" + (v == null ? "null" : v.getClass()) + ")");
    }

    private static void appendAll(DuckDBAppender a, List<Object> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            Object v = values.get(i);
            if (i == 0 && v instanceof Long ms) {
                a.appendEpochMicros(ms * 1_000L);
            } else if (v instanceof LocalDate d) {
                a.append(d);
            } else if (v instanceof UUID u) {
                a.append(u);
            } else if (v instanceof Boolean b) {
                a.append(b.booleanValue());
            } else {
                a.append((String) v);
            }
        }
    }

    static String keyColumns(Rollups.Rollup r) {
        return r.bucketColumn() + ", " + String.join(", ", r.dimensions()) + ", is_bot";
    }

    private static String keyColumnsDdl(Rollups.Rollup r) {
        StringBuilder b = new StringBuilder(r.bucketColumn()).append(r.grain() == Rollups.Grain.HOUR ? " TIMESTAMP" : " DATE");
        for (String d : r.dimensions()) {
            b.append(", ").append(d).append(d.equals("oid") ? " UUID" : " VARCHAR");
        }
        return b.append(", is_bot BOOLEAN").toString();
    }

    /**
     * Recomputes the rollups of the months overlapping [{@code from}, {@code to}) from {@code events} (exact counts),
     * in one transaction of the caller's: the rows of those months are deleted, then regrouped.
     *
     * @return rows written per rollup table
     */
    static Map<String, Long> rebuild(java.sql.Connection c, LocalDate from, LocalDate to) throws SQLException {
        LocalDate start = from.withDayOfMonth(1);
        LocalDate end = to.minusDays(1).withDayOfMonth(1).plusMonths(1);
        long startMicros = start.atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toEpochMilli() * 1_000L;
        long endMicros = end.atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toEpochMilli() * 1_000L;
        String range = "created_at >= make_timestamp(?) AND created_at < make_timestamp(?)";
        String visitor = "vid IS NOT NULL AND vid <> '" + EventIds.RESERVED + "'::UUID"; // a constant of ours
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        for (Rollups.Rollup r : Rollups.ALL) {
            String bucket = switch (r.grain()) {
                case HOUR -> "date_trunc('hour', created_at)";
                case DAY -> "CAST(created_at AS DATE)";
                case MONTH -> "CAST(date_trunc('month', created_at) AS DATE)";
            };
            StringBuilder dims = new StringBuilder();
            for (String d : r.dimensions()) {
                dims.append(", coalesce(").append(d)
                        .append(d.equals("oid") ? ", '00000000-0000-0000-0000-000000000000'::UUID" : ", ''")
                        .append(") AS ").append(d);
            }
            String keyExprs = bucket + " AS " + r.bucketColumn() + dims + ", coalesce(is_bot, false) AS is_bot";
            String b = r.grain() == Rollups.Grain.HOUR ? "make_timestamp(?)" : "CAST(make_timestamp(?) AS DATE)";
            String bucketRange = r.bucketColumn() + " >= " + b + " AND " + r.bucketColumn() + " < " + b;
            for (String sql : List.of(
                    "DELETE FROM " + r.table() + " WHERE " + bucketRange,
                    "DELETE FROM " + r.table() + "_visitors WHERE " + bucketRange,
                    "INSERT INTO " + r.table() + "_visitors SELECT DISTINCT " + keyExprs + ", vid FROM events WHERE "
                            + range + " AND " + visitor,
                    "INSERT INTO " + r.table() + " SELECT " + keyExprs + ", count(*) AS events, count(DISTINCT vid) "
                            + "FILTER (WHERE " + visitor + ") AS visitors FROM events WHERE " + range + " GROUP BY ALL")) {
                try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setLong(1, startMicros);
                    ps.setLong(2, endMicros);
                    ps.execute();
                }
            }
            try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + r.table() + " WHERE "
                    + bucketRange)) {
                ps.setLong(1, startMicros);
                ps.setLong(2, endMicros);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    out.put(r.table(), rs.getLong(1));
                }
            }
        }
        return out;
    }
}
