package io.tracker.backends.clickhouse;

import com.clickhouse.client.api.metadata.TableSchema;
import io.tracker.core.model.Column;
import io.tracker.core.model.ColumnType;
import io.tracker.core.model.Table;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Reads for the API backend role. ClickHouse 18.16 has no query parameters ({@code {name:Type}} arrived in 19.x)
 * and client-v2 has no API for ClickHouse's other way of passing values, <em>external data</em>: so filter values
 * travel as a TabSeparated external table {@code p} in a multipart body, and the query says
 * {@code WHERE (a, b) IN (SELECT a, b FROM p)}. Values never enter the SQL text; this works the same on every
 * ClickHouse version. Deletes are mutations ({@code ALTER TABLE … DELETE}), which cannot see external data: their
 * conditions are UUIDs and numbers rendered from typed Java values only, and the call waits for the mutation.
 */
final class ClickHouseReader implements SessionReader {
    private static final UUID ZERO_UUID = new UUID(0, 0);
    private static final String BOUNDARY = "tracker-external-data-7d1f0c";

    private final ClickHouseSettings settings;
    private final Function<String, TableSchema> schemas;
    private final HttpClient http;
    private final String auth;
    private final Map<String, Boolean> settingsKnown = new ConcurrentHashMap<>();
    private final Map<String, String> partitionKeys = new ConcurrentHashMap<>();
    private volatile int preferred; // index into settings.endpoints() of the replica that answered last
    private final ClickHouseMutations mutations;

    ClickHouseReader(ClickHouseSettings settings, Function<String, TableSchema> schemas) {
        this.settings = settings;
        this.schemas = schemas;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(settings.connectTimeoutMillis())).build();
        this.auth = "Basic " + Base64.getEncoder().encodeToString(
                (settings.user() + ":" + (settings.password() == null ? "" : settings.password())).getBytes(StandardCharsets.UTF_8));
        this.mutations = new ClickHouseMutations(settings, schemas, new ClickHouseMutations.Server() {
            @Override
            public String query(Table table, String sql, Map<String, String> serverSettings) throws SessionException {
                return ClickHouseReader.this.query(table, sql, Map.of(), serverSettings);
            }

            @Override
            public String send(Table table, String endpoint, String sql) throws SessionException {
                return ClickHouseReader.this.send(table, endpoint, sql, Map.of(), Map.of());
            }

            @Override
            public String partitionKey(Table table) throws SessionException {
                return ClickHouseReader.this.partitionKey(table);
            }

            @Override
            public boolean hasSetting(Table table, String name) throws SessionException {
                return ClickHouseReader.this.hasSetting(table, name);
            }
        });
    }

    @Override
    public List<Map<String, Object>> find(Table table, Map<String, Object> where, String newestFirst, int limit)
            throws SessionException {
        StringBuilder sql = new StringBuilder("SELECT ");
        List<Column> columns = table.columns();
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            sql.append(i == 0 ? "" : ", ").append(switch (c.type()) {
                case TIMESTAMP -> "toUInt64(toUnixTimestamp(" + c.name() + ")) * 1000";
                // one cell per list: elements as 'x' + hex (strings: an empty one stays visible) or as text (UUIDs),
                // comma-separated
                case STRINGS -> "arrayStringConcat(arrayMap(x -> concat('x', hex(x)), " + c.name() + "), ',')";
                case UUIDS -> "arrayStringConcat(arrayMap(x -> toString(x), " + c.name() + "), ',')";
                default -> c.name();
            });
        }
        sql.append(" FROM ").append(qualified(table)).append(filter(table, where));
        if (newestFirst != null) {
            sql.append(" ORDER BY ").append(table.requireColumn(newestFirst)).append(" DESC");
        }
        sql.append(" LIMIT ").append(Math.max(0, limit)).append(" FORMAT TabSeparated");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String line : query(table, sql.toString(), where).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] cells = line.split("\t", -1);
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < columns.size() && i < cells.length; i++) {
                Object v = parse(columns.get(i).type(), unescape(cells[i]));
                if (v != null) {
                    row.put(columns.get(i).name(), v);
                }
            }
            rows.add(row);
        }
        return rows;
    }

    @Override
    public BigDecimal sum(Table table, String column, Map<String, Object> where) throws SessionException {
        String sql = "SELECT toString(sum(" + table.requireColumn(column) + ")) FROM " + qualified(table) + filter(table, where)
                + " FORMAT TabSeparated";
        String out = query(table, sql, where).trim();
        return (out.isEmpty() ? BigDecimal.ZERO : new BigDecimal(out)).setScale(ColumnType.DECIMAL_SCALE);
    }

    @Override
    public long delete(Table table, Map<String, Object> where) throws SessionException {
        return deleteAll(List.of(new Deletion(table, where)))[0];
    }

    /**
     * All mutations are issued first and then waited for together (each may take a merge-selecting round; see
     * {@link ClickHouseMutations#await} for when a delete counts as done).
     */
    /**
     * The side tables of {@code 007_side.sql} (single node): filled from events by materialized views, they link a
     * visitor to identifier hashes and a user, so an erasure of the visitor's (or user's) events takes their rows too.
     */
    static final List<Table> SIDE_TABLES = List.of(side("usernames", "vid sid"), side("emails", "vid sid"),
            side("cells", "vid sid"), side("userhosts", "uid vid sid"));

    private static Table side(String name, String uuids) {
        List<Column> columns = new ArrayList<>();
        for (String c : uuids.split(" ")) {
            columns.add(new Column(c, ColumnType.UUID));
        }
        columns.add(new Column("created_at", ColumnType.TIMESTAMP));
        return new Table(name, columns);
    }

    /** {@code deletions} with, for each one of events, the same condition on every side table present that has it. */
    private List<Deletion> withSideTables(List<Deletion> deletions) throws SessionException {
        if (settings.clustered() || deletions.stream().noneMatch(d -> d.table() == io.tracker.core.model.Tables.EVENTS)) {
            return deletions; // (the replicated layout has no side tables yet)
        }
        String present = query(io.tracker.core.model.Tables.EVENTS, "SELECT name FROM system.tables WHERE database = '"
                + settings.database() + "' FORMAT TabSeparated", Map.of());
        List<String> names = List.of(present.split("\n"));
        List<Deletion> out = new ArrayList<>(deletions);
        for (Deletion d : deletions) {
            if (d.table() != io.tracker.core.model.Tables.EVENTS) {
                continue;
            }
            for (Table t : SIDE_TABLES) {
                if (names.contains(t.name()) && d.where().keySet().stream().allMatch(t::hasColumn)) {
                    out.add(new Deletion(t, d.where()));
                }
            }
        }
        return out;
    }

    @Override
    public long[] deleteAll(List<Deletion> requested) throws SessionException {
        List<Deletion> deletions = withSideTables(requested);
        long[] counts = new long[deletions.size()];
        List<ClickHouseMutations.Pending> pending = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            Table table = deletions.get(i).table();
            Map<String, Object> where = deletions.get(i).where();
            if (where.isEmpty()) {
                throw new IllegalArgumentException("delete needs a condition");
            }
            StringBuilder cond = new StringBuilder();
            for (Map.Entry<String, Object> e : where.entrySet()) {
                if (!(e.getValue() instanceof UUID u)) {
                    throw new IllegalArgumentException("ClickHouse deletes take UUID conditions only, not " + e.getKey());
                }
                // UUID.toString is hex digits and dashes only: a typed literal, not client text.
                cond.append(cond.length() == 0 ? "" : " AND ").append(table.requireColumn(e.getKey()))
                        .append(" = toUUID('").append(u).append("')");
            }
            counts[i] = count(table, cond.toString());
            if (counts[i] == 0 && !settings.clustered()) {
                continue; // (in the cluster a replica that lags may count 0 while others hold rows: always mutate there)
            }
            List<String> marks = mutations.fencing() ? mutations.fenceColumns(table) : List.of();
            StringBuilder fences = new StringBuilder();
            for (String c : marks) {
                fences.append(" OR ").append(c).append(" = toUUID('").append(ClickHouseMutations.FENCE).append("')");
            }
            // The fences left in the table by earlier erasures go with this one (see fence()).
            // A nonce names this mutation (an earlier erasure of the same subject has a mutation naming it too); the
            // clause is constant false.
            String nonce = UUID.randomUUID().toString();
            issue(table, (marks.isEmpty() ? cond.toString() : "(" + cond + ")" + fences) + " OR '" + nonce + "' = ''");
            pending.add(new ClickHouseMutations.Pending(table, nonce, marks));
        }
        mutations.await(pending);
        return java.util.Arrays.copyOf(counts, requested.size());
    }

    @Override
    public long deleteBefore(Table table, String timeColumn, Instant cutoff) throws SessionException {
        String condition = table.requireColumn(timeColumn) + " < toDateTime(" + cutoff.getEpochSecond() + ")";
        long count = count(table, condition);
        if (count == 0 && !settings.clustered()) {
            return 0;
        }
        // Months wholly before the cutoff's previous month go as partitions (one replicated drop each, no mutation);
        // (a month one before the cutoff's in UTC may still hold rows at or after it in the server's zone).
        if (partitionKey(table).equals("toYYYYMM(" + timeColumn + ")")) {
            int cutoffMonth = Integer.parseInt(DateTimeFormatter.ofPattern("yyyyMM").withZone(ZoneOffset.UTC).format(cutoff));
            for (String line : query(table, "SELECT DISTINCT partition FROM system.parts WHERE database = '"
                    + settings.database() + "' AND table = '" + localName(table) + "' AND active FORMAT TabSeparated",
                    Map.of()).split("\n")) {
                if (line.matches("\\d{6}") && Integer.parseInt(line) < previousMonth(cutoffMonth)) {
                    query(table, "ALTER TABLE " + target(table) + " DROP PARTITION " + Integer.parseInt(line), Map.of());
                }
            }
        }
        issue(table, condition);
        if (settings.clustered()) {
            // Not waited for: with insert_quorum a partition's last quorum part is mutated only once another write
            // lands in that partition (see fence()), and pruning writes no fences, so rows of a quiet month can stay
            // until the month is dropped. Pruning is a batch job; erasure is the one that waits.
            return count;
        }
        mutations.await(List.of(new ClickHouseMutations.Pending(table, null, List.of())));
        return count;
    }

    private static int previousMonth(int yyyymm) {
        return yyyymm % 100 == 1 ? yyyymm - 100 + 11 : yyyymm - 1;
    }

    private long count(Table table, String condition) throws SessionException {
        String n = query(table, "SELECT count() FROM " + qualified(table) + " WHERE " + condition + " FORMAT TabSeparated",
                Map.of()).trim();
        return n.isEmpty() ? 0 : Long.parseLong(n);
    }

    /**
     * {@code ALTER TABLE … DELETE WHERE condition}. ALTER DELETE does not work on a Distributed table: in the cluster
     * layout it goes to this replica's _local table, and ReplicatedMergeTree carries the mutation to every replica
     * through ZooKeeper (one shard: no ON CLUSTER, which would wait for every host and fail while one is down).
     */
    private void issue(Table table, String condition) throws SessionException {
        query(table, "ALTER TABLE " + target(table) + " DELETE WHERE " + condition, Map.of());
    }

    String partitionKey(Table table) throws SessionException {
        String key = partitionKeys.get(table.name());
        if (key == null) {
            key = query(table, "SELECT partition_key FROM system.tables WHERE database = '" + settings.database()
                    + "' AND name = '" + localName(table) + "' FORMAT TabSeparated", Map.of()).trim();
            partitionKeys.put(table.name(), key);
        }
        return key;
    }

    boolean hasSetting(Table table, String name) throws SessionException {
        Boolean known = settingsKnown.get(name);
        if (known == null) {
            known = !query(table, "SELECT count() FROM system.settings WHERE name = '" + name + "' FORMAT TabSeparated",
                    Map.of()).trim().equals("0");
            settingsKnown.put(name, known);
        }
        return known;
    }

    /** Where deletes go: the replica's {@code _local} table in the cluster layout (ALTER DELETE does not work on a
     *  Distributed table), the table itself otherwise. */
    private String target(Table table) {
        return settings.database() + "." + localName(table);
    }

    private String localName(Table table) {
        return settings.localTable(table.name());
    }

    /** Runs {@code sql}; {@code where}'s values go along as the external table {@code p}. */
    private String query(Table table, String sql, Map<String, Object> where) throws SessionException {
        return query(table, sql, where, Map.of());
    }

    /**
     * Runs {@code sql} with server {@code settings}, on the preferred replica of {@link ClickHouseSettings#endpoints}
     * that takes the connection: one that refuses it (down, or not yet up) passes the query to the next, and the one
     * that answered is tried first afterwards. A query that reached a server is never sent again.
     */
    private String query(Table table, String sql, Map<String, Object> where, Map<String, String> serverSettings)
            throws SessionException {
        return onSomeReplica(table.name(), endpoint -> send(table, endpoint, sql, where, serverSettings));
    }

    /** One round trip to a replica: the endpoint it goes to. */
    private interface RoundTrip {
        String send(String endpoint) throws SessionException;
    }

    private String onSomeReplica(String what, RoundTrip trip) throws SessionException {
        List<String> endpoints = settings.endpoints();
        int first = Math.floorMod(preferred, endpoints.size());
        Unreachable refused = null;
        for (int i = 0; i < endpoints.size(); i++) {
            int at = (first + i) % endpoints.size();
            try {
                String body = trip.send(endpoints.get(at));
                preferred = at;
                return body;
            } catch (Unreachable e) {
                refused = e; // never reached this replica: the next one may take it
            }
        }
        throw new SessionException("clickhouse query on " + what + " failed: no replica takes connections ("
                + refused.getMessage() + ")", refused);
    }

    /**
     * Runs a statement of the query APIs: its parameters go along as the one-row external table {@code p} (column
     * {@code p<i>} of each parameter's type), which the text reads as scalar subqueries; rows parsed by declared type.
     */
    List<Object[]> select(io.tracker.core.query.QueryPlanner.Sql sql, Map<String, String> serverSettings)
            throws SessionException {
        StringBuilder structure = new StringBuilder();
        StringBuilder row = new StringBuilder();
        for (int i = 0; i < sql.params().size(); i++) {
            io.tracker.core.query.QueryPlanner.Param p = sql.params().get(i);
            String type = switch (p.type()) {
                case INT64, TIMESTAMP -> "Int64";
                default -> "String";
            };
            structure.append(i == 0 ? "" : ", ").append('p').append(i).append(' ').append(type);
            row.append(i == 0 ? "" : "\t").append(escape(String.valueOf(p.value())));
        }
        String text = sql.text() + " FORMAT TabSeparated";
        String body = onSomeReplica("events", endpoint -> send("events", endpoint, text,
                structure.length() == 0 ? null : structure.toString(), row.toString(), serverSettings));
        List<Object[]> rows = new ArrayList<>();
        int n = sql.types().size();
        for (String line : body.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] cells = line.split("\t", -1);
            Object[] out = new Object[n];
            for (int i = 0; i < n && i < cells.length; i++) {
                out[i] = parse(sql.types().get(i), unescape(cells[i]));
            }
            rows.add(out);
        }
        return rows;
    }

    /** The connection to a replica was refused or timed out: the query never reached it. */
    static final class Unreachable extends SessionException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Runs {@code sql} on {@code endpoint}; {@code where}'s values go along as the external table {@code p}. */
    private String send(Table table, String endpoint, String sql, Map<String, Object> where,
                        Map<String, String> serverSettings) throws SessionException {
        if (where.isEmpty()) {
            return send(table.name(), endpoint, sql, null, null, serverSettings);
        }
        TableSchema schema = schemas.apply(table.name());
        StringBuilder structure = new StringBuilder();
        StringBuilder data = new StringBuilder();
        for (Map.Entry<String, Object> e : where.entrySet()) {
            String type = schema.getColumnByName(table.requireColumn(e.getKey())).getOriginalTypeName();
            structure.append(structure.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(type);
            data.append(data.length() == 0 ? "" : "\t").append(escape(String.valueOf(e.getValue())));
        }
        return send(table.name(), endpoint, sql, structure.toString(), data.toString(), serverSettings);
    }

    /**
     * Runs {@code sql} on {@code endpoint}; when {@code structure} is given, {@code row} (TabSeparated) goes along as the
     * one-row external table {@code p} of that structure.
     */
    private String send(String what, String endpoint, String sql, String structure, String row,
                        Map<String, String> serverSettings) throws SessionException {
        StringBuilder params = new StringBuilder("/?database=")
                .append(URLEncoder.encode(settings.database(), StandardCharsets.UTF_8))
                .append("&query=").append(URLEncoder.encode(sql, StandardCharsets.UTF_8));
        serverSettings.forEach((k, v) -> params.append('&').append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest.Builder req = HttpRequest.newBuilder().header("Authorization", auth)
                .timeout(Duration.ofMillis(settings.socketTimeoutMillis()));
        if (structure == null) {
            req.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            params.append("&p_format=TabSeparated&p_structure=").append(URLEncoder.encode(structure, StandardCharsets.UTF_8));
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            String head = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"p\"; filename=\"p\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n";
            body.writeBytes(head.getBytes(StandardCharsets.UTF_8));
            body.writeBytes((row + "\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
            req.header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        }
        HttpRequest request = req.uri(URI.create(endpoint + params)).build();
        HttpResponse<String> r = null;
        for (int attempt = 1; r == null; attempt++) {
            try {
                r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (ConnectException | HttpConnectTimeoutException e) {
                throw new Unreachable(endpoint + ": " + e, e);
            } catch (IOException e) {
                // A pooled connection the server closed while it was idle (ClickHouse's keep_alive_timeout is a few
                // seconds) fails before the server reads a byte: once, on a new connection. (The reader's writes, a
                // DELETE mutation or a fence row, are harmless even if they did run twice.)
                if (attempt == 1 && String.valueOf(e.getMessage()).contains("received no bytes")) {
                    continue;
                }
                throw new SessionException("clickhouse query on " + what + " failed: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SessionException("interrupted", e);
            }
        }
        if (r.statusCode() != 200) {
            String msg = r.body().length() > 300 ? r.body().substring(0, 300) : r.body();
            throw new SessionException("clickhouse query on " + what + " failed (" + r.statusCode() + "): " + msg.trim());
        }
        return r.body();
    }

    /** {@code WHERE (a, b) IN (SELECT a, b FROM p)}: the values are in the external table, not here. */
    private static String filter(Table table, Map<String, Object> where) {
        if (where.isEmpty()) {
            return "";
        }
        List<String> names = new ArrayList<>();
        for (String c : where.keySet()) {
            names.add(table.requireColumn(c));
        }
        String cols = String.join(", ", names);
        return " WHERE (" + cols + ") IN (SELECT " + cols + " FROM p)";
    }

    private String qualified(Table t) {
        return settings.database() + "." + t.name();
    }


    private static Object parse(ColumnType type, String s) {
        if (type == ColumnType.STRINGS || type == ColumnType.UUIDS) {
            List<Object> list = new ArrayList<>();
            for (String e : s.isEmpty() ? new String[0] : s.split(",", -1)) {
                list.add(type == ColumnType.UUIDS ? UUID.fromString(e)
                        : new String(java.util.HexFormat.of().parseHex(e.substring(1)), java.nio.charset.StandardCharsets.UTF_8));
            }
            return List.copyOf(list);
        }
        if (s.isEmpty() || s.equals("\\N")) {
            return null;
        }
        return switch (type) {
            case UUID -> {
                UUID u = UUID.fromString(s);
                yield u.equals(ZERO_UUID) ? null : u;
            }
            case STRING, JSON -> s;
            case INT64, TIMESTAMP -> Long.parseLong(s);
            case INT32 -> Integer.parseInt(s);
            case FLOAT64 -> Double.parseDouble(s);
            case DECIMAL -> new BigDecimal(s).setScale(ColumnType.DECIMAL_SCALE);
            case BOOLEAN -> s.equals("1") || s.equalsIgnoreCase("true");
            case STRINGS, UUIDS -> throw new IllegalStateException("lists are parsed above");
        };
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\0' -> sb.append("\\0");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case '0' -> '\0';
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    default -> n;
                });
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
