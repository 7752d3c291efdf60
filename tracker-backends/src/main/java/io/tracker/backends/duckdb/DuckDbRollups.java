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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Keeps {@link Rollups} in step with {@code events}, inside the caller's transaction: for each rollup the batch is
 * grouped by key here (events per key, distinct visitors per key), its (key, vid) pairs not yet among
 * {@code <rollup>_members} (looked up within the batch's buckets) become members, then {@code events} and the new members'
 * count are added to the rollup row (an upsert). Only rows the transaction actually inserted into {@code events} are
 * passed here, so a replay adds nothing.
 *
 * <p>Four statements and three appenders per rollup: the grouping and counting happen here, DuckDB only answers which
 * pairs are new and adds the sums. Each DuckDB statement has a fixed cost of about a millisecond and a hash aggregate
 * or join several more, which is what a small batch (a {@code sync} table's few requests) is made of.
 */
final class DuckDbRollups {
    private static final UUID ZERO = new UUID(0, 0);
    private static final Table E = Tables.EVENTS;
    private static final int CREATED_AT = E.indexOf("created_at");
    private static final int VID = E.indexOf("vid");
    private static final int IS_BOT = E.indexOf("is_bot");

    private DuckDbRollups() {
    }

    /**
     * Creates the temp tables this connection uses (idempotent). Run once per connection outside any transaction (a
     * temp table created in a transaction that rolls back is gone): no longer per batch.
     */
    static void prepare(Statement s) throws SQLException {
        for (Rollups.Rollup r : Rollups.ALL) {
            String cols = keyColumnsDdl(r);
            s.execute("CREATE TEMP TABLE IF NOT EXISTS " + r.table() + "__pairs (" + cols + ", vid UUID, p INTEGER)");
            s.execute("CREATE TEMP TABLE IF NOT EXISTS " + r.table() + "__sums (" + cols + ", events BIGINT, visitors BIGINT)");
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

    /**
     * Keys are grouped in Java by the values DuckDB will hold: a string is taken in the form the appender stores (an
     * unpaired surrogate becomes {@code '?'}, so two strings that differ only there are one key, as in the store), and
     * buckets travel as epoch numbers, free of the JVM's time zone. Nothing is read back but the positions of the new
     * pairs, so no value's round trip through JDBC decides what equal means.
     */
    private static void applyOne(DuckDBConnection connection, Statement s, Rollups.Rollup r, List<Row> rows)
            throws SQLException {
        int[] dims = r.dimensions().stream().mapToInt(E::indexOf).toArray();
        String t = r.table();
        Map<List<Object>, Group> groups = new java.util.LinkedHashMap<>();
        for (Row row : rows) {
            Object[] key = new Object[dims.length + 2];
            key[0] = r.grain().bucket((Long) row.get(CREATED_AT));
            for (int i = 0; i < dims.length; i++) {
                Object v = row.get(dims[i]);
                key[1 + i] = v instanceof String str ? stored(str)
                        : v != null ? v : E.columns().get(dims[i]).name().equals("oid") ? ZERO : "";
            }
            key[1 + dims.length] = Boolean.TRUE.equals(row.get(IS_BOT));
            Group g = groups.computeIfAbsent(java.util.Arrays.asList(key), k -> new Group());
            g.events++;
            Object vid = row.get(VID);
            if (vid instanceof UUID u && !EventIds.RESERVED.equals(u)) {
                g.vids.add(u);
            }
        }
        // every (key, vid) pair of the batch once, numbered by its place in the list, so the query below names the new ones
        List<Pair> pairs = new java.util.ArrayList<>();
        java.util.SortedSet<Long> buckets = new java.util.TreeSet<>();
        for (Map.Entry<List<Object>, Group> e : groups.entrySet()) {
            if (e.getValue().vids.isEmpty()) {
                continue;
            }
            Object k = e.getKey().get(0);
            buckets.add(k instanceof Long ms ? ms * 1_000L : ((LocalDate) k).toEpochDay() * 86_400_000_000L);
            for (UUID vid : e.getValue().vids) {
                pairs.add(new Pair(e.getKey(), vid, e.getValue()));
            }
        }
        if (!pairs.isEmpty()) {
            s.execute("DELETE FROM " + t + "__pairs");
            try (DuckDBAppender a = connection.createAppender("temp", "main", t + "__pairs")) {
                for (int i = 0; i < pairs.size(); i++) {
                    a.beginRow();
                    appendKey(a, pairs.get(i).key());
                    a.append(pairs.get(i).vid());
                    a.append(i);
                    a.endRow();
                }
            }
            // The pairs not yet among the members of their own buckets (listed, so the zone maps of the bucket column
            // skip every other bucket; no index over all members, see kpis.sql). The vid semi-join (implied by the
            // pair's equality) builds on the batch's few visitors and filters the members' scan with its Bloom
            // filter: without it the anti-join hashed every member of the bucket for every batch (a month's members,
            // 3 times per batch), 35-110 ms per rollup at 1M members against 17-46 ms with it.
            String b = r.grain() == Rollups.Grain.HOUR ? "make_timestamp(?)" : "CAST(make_timestamp(?) AS DATE)";
            String same = memberColumns(r).stream().map(c -> "m." + c + " = p." + c)
                    .collect(java.util.stream.Collectors.joining(" AND "));
            List<Integer> fresh = new java.util.ArrayList<>();
            try (java.sql.PreparedStatement ps = connection.prepareStatement("SELECT p.p FROM " + t + "__pairs p "
                    + "WHERE NOT EXISTS (SELECT 1 FROM " + t + "_members m WHERE m." + r.bucketColumn() + " IN ("
                    + String.join(", ", java.util.Collections.nCopies(buckets.size(), b)) + ") AND m.vid IN (SELECT vid FROM "
                    + t + "__pairs) AND " + same + ")")) {
                int i = 1;
                for (long us : buckets) {
                    ps.setLong(i++, us);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        fresh.add(rs.getInt(1));
                    }
                }
            }
            if (!fresh.isEmpty()) {
                try (DuckDBAppender members = connection.createAppender(DuckDBConnection.DEFAULT_SCHEMA, t + "_members")) {
                    for (int p : fresh) {
                        Pair pair = pairs.get(p);
                        pair.group().visitors++;
                        members.beginRow();
                        appendKey(members, pair.key());
                        members.append(pair.vid());
                        members.endRow();
                    }
                }
            }
        }
        s.execute("DELETE FROM " + t + "__sums");
        try (DuckDBAppender sums = connection.createAppender("temp", "main", t + "__sums")) {
            for (Map.Entry<List<Object>, Group> e : groups.entrySet()) {
                sums.beginRow();
                appendKey(sums, e.getKey());
                sums.append(e.getValue().events);
                sums.append(e.getValue().visitors);
                sums.endRow();
            }
        }
        String key = r.keyColumns();
        s.execute("INSERT INTO " + t + " (" + key + ", events, visitors) SELECT " + key + ", events, visitors FROM " + t
                + "__sums ON CONFLICT DO UPDATE SET events = " + t + ".events + excluded.events, visitors = " + t
                + ".visitors + excluded.visitors");
    }

    /**
     * The string DuckDB's appender stores for {@code s}: its UTF-8 encoding, where an unpaired surrogate is {@code '?'}
     * ({@link String#getBytes}); {@code s} itself when it has no surrogate, which is every string but a hostile one.
     */
    static String stored(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return new String(s.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return s;
    }

    /**
     * A file written before the {@code *_members} tables keeps its members in {@code *_visitors} (a primary key over
     * them all): they move over, in one transaction, and the old tables go.
     */
    static void migrate(java.sql.Connection c) throws SQLException {
        for (Rollups.Rollup r : Rollups.ALL) {
            boolean old;
            try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM information_schema.tables "
                    + "WHERE table_schema = 'main' AND table_name = ?")) {
                ps.setString(1, r.table() + "_visitors");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    old = rs.getLong(1) > 0;
                }
            }
            if (!old) {
                continue;
            }
            try (Statement s = c.createStatement()) {
                s.execute("BEGIN TRANSACTION");
                try {
                    String cols = String.join(", ", memberColumns(r));
                    // DISTINCT: members an earlier run may already hold (a downgrade and upgrade again) are not doubled
                    s.execute("INSERT INTO " + r.table() + "_members (" + cols + ") SELECT DISTINCT " + cols + " FROM "
                            + r.table() + "_visitors EXCEPT SELECT " + cols + " FROM " + r.table() + "_members");
                    s.execute("DROP TABLE " + r.table() + "_visitors");
                    s.execute("COMMIT");
                } catch (SQLException e) {
                    s.execute("ROLLBACK");
                    throw e;
                }
            }
        }
    }

    /** The columns of {@code <rollup>_members}, in their order: the rollup's key, then {@code vid}. */
    private static List<String> memberColumns(Rollups.Rollup r) {
        List<String> c = new java.util.ArrayList<>();
        c.add(r.bucketColumn());
        c.addAll(r.dimensions());
        c.add("is_bot");
        c.add("vid");
        return c;
    }

    /** One visitor of one rollup key in a batch. */
    private record Pair(List<Object> key, UUID vid, Group group) {
    }

    /** A batch's events of one rollup key, and the visitors among them. */
    private static final class Group {
        long events;
        long visitors;
        final java.util.Set<UUID> vids = new java.util.LinkedHashSet<>();
    }

    private static void appendKey(DuckDBAppender a, List<Object> key) throws SQLException {
        Object bucket = key.get(0);
        if (bucket instanceof Long ms) {
            a.appendEpochMicros(ms * 1_000L);
        } else {
            a.append((LocalDate) bucket);
        }
        for (int i = 1; i < key.size() - 1; i++) {
            Object v = key.get(i);
            if (v instanceof UUID u) {
                a.append(u);
            } else {
                a.append((String) v);
            }
        }
        a.append(((Boolean) key.get(key.size() - 1)).booleanValue());
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
                    "DELETE FROM " + r.table() + "_members WHERE " + bucketRange,
                    "INSERT INTO " + r.table() + "_members (" + String.join(", ", memberColumns(r)) + ") SELECT DISTINCT "
                            + keyExprs + ", vid FROM events WHERE "
                            + range + " AND " + visitor,
                    "INSERT INTO " + r.table() + " (" + r.keyColumns() + ", events, visitors) SELECT " + keyExprs
                            + ", count(*) AS events, count(DISTINCT vid) "
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
