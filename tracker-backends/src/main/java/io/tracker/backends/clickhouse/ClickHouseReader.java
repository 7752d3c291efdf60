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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads for the API backend role. ClickHouse 18.16 has no query parameters ({@code {name:Type}} arrived in 19.x)
 * and client-v2 has no API for ClickHouse's other way of passing values, <em>external data</em>: so filter values
 * travel as a TabSeparated external table {@code p} in a multipart body, and the query says
 * {@code WHERE (a, b) IN (SELECT a, b FROM p)}. Values never enter the SQL text; this works the same on every
 * ClickHouse version. Deletes are mutations ({@code ALTER TABLE … DELETE}), which cannot see external data: their
 * conditions are UUIDs and numbers rendered from typed Java values only, and the call waits for the mutation.
 */
final class ClickHouseReader implements SessionReader {
    private static final Logger log = LoggerFactory.getLogger(ClickHouseReader.class);
    private static final UUID ZERO_UUID = new UUID(0, 0);
    /** The subject id of fence rows (see {@link #fence}): no visitor's, and not the zero UUID of rows without one. */
    static final UUID FENCE = UUID.fromString("00000000-0000-0000-0000-0000000fe0ce");
    private static final long FENCE_AFTER_NANOS = Duration.ofMillis(500).toNanos();
    private static final String BOUNDARY = "tracker-external-data-7d1f0c";

    private final ClickHouseSettings settings;
    private final Function<String, TableSchema> schemas;
    private final HttpClient http;
    private final String auth;
    private final Map<String, Boolean> settingsKnown = new ConcurrentHashMap<>();
    private volatile int preferred; // index into settings.endpoints() of the replica that answered last

    ClickHouseReader(ClickHouseSettings settings, Function<String, TableSchema> schemas) {
        this.settings = settings;
        this.schemas = schemas;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(settings.connectTimeoutMillis())).build();
        this.auth = "Basic " + Base64.getEncoder().encodeToString(
                (settings.user() + ":" + (settings.password() == null ? "" : settings.password())).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public List<Map<String, Object>> find(Table table, Map<String, Object> where, String newestFirst, int limit)
            throws SessionException {
        StringBuilder sql = new StringBuilder("SELECT ");
        List<Column> columns = table.columns();
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            sql.append(i == 0 ? "" : ", ").append(c.type() == ColumnType.TIMESTAMP
                    ? "toUInt64(toUnixTimestamp(" + c.name() + ")) * 1000" : c.name());
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

    /** All mutations are issued first and then waited for together: each may take a merge-selecting round. */
    @Override
    public long[] deleteAll(List<Deletion> deletions) throws SessionException {
        long[] counts = new long[deletions.size()];
        Map<Table, List<String>> issued = new LinkedHashMap<>(); // table → the subject columns of its fences
        for (int i = 0; i < counts.length; i++) {
            Table table = deletions.get(i).table();
            Map<String, Object> where = deletions.get(i).where();
            if (where.isEmpty()) {
                throw new IllegalArgumentException("delete needs a condition");
            }
            StringBuilder cond = new StringBuilder();
            StringBuilder fences = new StringBuilder();
            for (Map.Entry<String, Object> e : where.entrySet()) {
                if (!(e.getValue() instanceof UUID u)) {
                    throw new IllegalArgumentException("ClickHouse deletes take UUID conditions only, not " + e.getKey());
                }
                // UUID.toString is hex digits and dashes only: a typed literal, not client text.
                String column = table.requireColumn(e.getKey());
                cond.append(cond.length() == 0 ? "" : " AND ").append(column).append(" = toUUID('").append(u).append("')");
                fences.append(fences.length() == 0 ? "" : " AND ").append(column).append(" = toUUID('").append(FENCE)
                        .append("')");
            }
            counts[i] = count(table, cond.toString());
            if (counts[i] == 0 && !settings.clustered()) {
                continue; // (in the cluster a replica that lags may count 0 while others hold rows: always mutate there)
            }
            // A fence left by an earlier delete goes with this one (see fence()).
            issue(table, fencing() ? "(" + cond + ") OR (" + fences + ")" : cond.toString());
            issued.computeIfAbsent(table, t -> new ArrayList<>()).addAll(where.keySet());
        }
        await(issued);
        return counts;
    }

    @Override
    public long deleteBefore(Table table, String timeColumn, Instant cutoff) throws SessionException {
        String condition = table.requireColumn(timeColumn) + " < toDateTime(" + cutoff.getEpochSecond() + ")";
        long count = count(table, condition);
        if (count == 0 && !settings.clustered()) {
            return 0;
        }
        // Months wholly before the cutoff go as partitions (one replicated drop each, no mutation to wait for); only
        // the cutoff's own month needs a mutation.
        if (partitionKey(table).equals("toYYYYMM(" + timeColumn + ")")) {
            int cutoffMonth = Integer.parseInt(DateTimeFormatter.ofPattern("yyyyMM").withZone(ZoneOffset.UTC).format(cutoff));
            for (String line : query(table, "SELECT DISTINCT partition FROM system.parts WHERE database = '"
                    + settings.database() + "' AND table = '" + target(table).substring(settings.database().length() + 1)
                    + "' AND active FORMAT TabSeparated", Map.of()).split("\n")) {
                // (a month one before the cutoff's in UTC may still hold rows at or after it in the server's zone)
                if (line.matches("\\d{6}") && Integer.parseInt(line) < previousMonth(cutoffMonth)) {
                    query(table, "ALTER TABLE " + target(table) + " DROP PARTITION " + Integer.parseInt(line), Map.of());
                }
            }
        }
        issue(table, condition);
        await(Map.of(table, List.of()));
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

    /**
     * Waits until none of {@code tables} has an unfinished mutation (18.16 has no mutations_sync), fencing the ones
     * still waiting after a moment. Values: the subject columns of each table's fences (empty: vid and uid).
     */
    private void await(Map<Table, List<String>> tables) throws SessionException {
        long start = System.nanoTime();
        long deadline = start + Duration.ofMillis(settings.socketTimeoutMillis()).toNanos() * 2;
        long nextFence = start + FENCE_AFTER_NANOS;
        Map<Table, List<String>> waiting = new LinkedHashMap<>(tables);
        while (!waiting.isEmpty()) {
            boolean fence = fencing() && System.nanoTime() >= nextFence;
            for (var it = waiting.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                String pending = query(e.getKey(), "SELECT count() FROM system.mutations WHERE database = '"
                        + settings.database() + "' AND table = '" + localName(e.getKey()) + "' AND is_done = 0 FORMAT TabSeparated",
                        Map.of()).trim();
                if (pending.equals("0")) {
                    it.remove();
                } else if (fence) {
                    fence(e.getKey(), e.getValue());
                }
            }
            if (fence) {
                nextFence = System.nanoTime() + FENCE_AFTER_NANOS * 8; // (a fenced part waits for a merge-selecting round)
            }
            if (waiting.isEmpty()) {
                return;
            }
            if (System.nanoTime() >= deadline) {
                throw new SessionException("delete on " + waiting.keySet() + " still running after the timeout");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SessionException("interrupted while waiting for a delete on " + waiting.keySet(), e);
            }
        }
    }

    /** Whether deletes may need fences: replicated tables written with (sequential) insert_quorum. */
    private boolean fencing() {
        return settings.clustered() && settings.insertQuorum() > 0;
    }

    /**
     * Unblocks a mutation that waits on a partition's last quorum part. ReplicatedMergeTree never merges nor
     * mutates the part last inserted with (sequential) {@code insert_quorum} in a partition (it is what
     * {@code select_sequential_consistency} checks), until another quorum insert into that partition takes its place:
     * so a delete of rows in that part, in a partition nothing else is written to, would never finish. The fence is
     * that other insert: one row, in the stuck partition, holding nothing but {@link #FENCE} in the subject columns
     * (and, to land in the partition, the middle of its month); the next delete removes it. At most one fence per
     * partition is left at a time.
     */
    private void fence(Table table, List<String> subjectColumns) throws SessionException {
        String db = settings.database();
        String local = localName(table);
        String zkPath = query(table, "SELECT zookeeper_path FROM system.replicas WHERE database = '" + db
                + "' AND table = '" + local + "' FORMAT TabSeparated", Map.of()).trim();
        if (zkPath.isEmpty() || !zkPath.matches("[A-Za-z0-9_./{}-]+")) {
            return;
        }
        String lastParts = unescape(query(table, "SELECT value FROM system.zookeeper WHERE path = '" + zkPath
                + "/quorum' AND name = 'last_part' FORMAT TabSeparated", Map.of()).trim());
        Map<String, Long> waiting = new LinkedHashMap<>(); // partition → the newest pending mutation's block number
        for (String line : query(table, "SELECT partition_id, max(number) FROM system.mutations ARRAY JOIN "
                + "block_numbers.partition_id AS partition_id, block_numbers.number AS number WHERE database = '" + db
                + "' AND table = '" + local + "' AND is_done = 0 GROUP BY partition_id FORMAT TabSeparated", Map.of())
                .split("\n")) {
            String[] cells = line.split("\t");
            if (cells.length == 2) {
                waiting.put(cells[0], Long.parseLong(cells[1]));
            }
        }
        String key = partitionKey(table);
        TableSchema schema = schemas.apply(table.name());
        for (Map.Entry<String, String> last : lastQuorumParts(lastParts).entrySet()) {
            Long block = waiting.get(last.getKey());
            if (block == null || dataVersion(last.getKey(), last.getValue()) >= block) {
                continue; // no mutation waits for this partition's last part
            }
            List<String> columns = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (String c : subjectColumns.isEmpty() ? List.of("vid", "uid") : subjectColumns) {
                if (table.hasColumn(c) && schema.getColumnByName(c).getOriginalTypeName().equals("UUID")) {
                    columns.add(table.requireColumn(c));
                    values.add("toUUID('" + FENCE + "')");
                }
            }
            String partition = last.getKey();
            java.util.regex.Matcher monthly = java.util.regex.Pattern.compile("toYYYYMM\\((\\w+)\\)").matcher(key);
            if (monthly.matches() && partition.matches("\\d{6}")) {
                String middle = partition.substring(0, 4) + "-" + partition.substring(4) + "-15";
                String column = table.requireColumn(monthly.group(1));
                columns.add(column);
                values.add(schema.getColumnByName(column).getOriginalTypeName().startsWith("DateTime")
                        ? "toDateTime('" + middle + " 12:00:00')" : "toDate('" + middle + "')");
            } else if (!(key.isEmpty() || key.equals("tuple()")) || !partition.equals("all")) {
                log.atWarn().addKeyValue("table", local).addKeyValue("partition", partition)
                        .log("a delete waits for the last quorum part of a partition this tracker cannot fence");
                continue;
            }
            Map<String, String> quorum = new LinkedHashMap<>();
            quorum.put("insert_quorum", Integer.toString(settings.insertQuorum()));
            quorum.put("insert_quorum_timeout", Integer.toString(Math.max(1_000, settings.socketTimeoutMillis() - 1_000)));
            quorum.put("insert_deduplicate", "0"); // (an earlier fence in this partition has the same content)
            if (hasSetting(table, "insert_quorum_parallel")) {
                quorum.put("insert_quorum_parallel", "0");
            }
            query(table, "INSERT INTO " + db + "." + local + " (" + String.join(", ", columns) + ") SELECT "
                    + String.join(", ", values), Map.of(), quorum);
            log.atInfo().addKeyValue("table", local).addKeyValue("partition", partition)
                    .log("fenced a partition's last quorum part so that a delete can finish");
        }
    }

    /** The {@code quorum/last_part} node: partition id → part name (format version 2, ClickHouse 18.x and later). */
    static Map<String, String> lastQuorumParts(String value) {
        Map<String, String> out = new LinkedHashMap<>();
        String[] lines = value.split("\n");
        if (lines.length < 2 || !lines[0].startsWith("version: ") || !lines[1].startsWith("parts count: ")) {
            return out;
        }
        for (int i = 2; i < lines.length; i++) {
            String[] cells = lines[i].split("\t");
            if (cells.length == 2) {
                out.put(cells[0], cells[1]);
            }
        }
        return out;
    }

    /** A part's data version: its mutation number when mutated, its first block otherwise. */
    static long dataVersion(String partition, String part) {
        if (!part.startsWith(partition + "_")) {
            return Long.MAX_VALUE; // not of this partition: never fenced
        }
        String[] n = part.substring(partition.length() + 1).split("_");
        return n.length >= 4 ? Long.parseLong(n[3]) : Long.parseLong(n[0]);
    }

    private String partitionKey(Table table) throws SessionException {
        return query(table, "SELECT partition_key FROM system.tables WHERE database = '" + settings.database()
                + "' AND name = '" + localName(table) + "' FORMAT TabSeparated", Map.of()).trim();
    }

    private boolean hasSetting(Table table, String name) throws SessionException {
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
        return settings.clustered() ? table.name() + "_local" : table.name();
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
        StringBuilder params = new StringBuilder("/?database=")
                .append(URLEncoder.encode(settings.database(), StandardCharsets.UTF_8))
                .append("&query=").append(URLEncoder.encode(sql, StandardCharsets.UTF_8));
        serverSettings.forEach((k, v) -> params.append('&').append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest.Builder req = HttpRequest.newBuilder().header("Authorization", auth)
                .timeout(Duration.ofMillis(settings.socketTimeoutMillis()));
        if (where.isEmpty()) {
            req.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            TableSchema schema = schemas.apply(table.name());
            StringBuilder structure = new StringBuilder();
            StringBuilder data = new StringBuilder();
            for (Map.Entry<String, Object> e : where.entrySet()) {
                String type = schema.getColumnByName(table.requireColumn(e.getKey())).getOriginalTypeName();
                structure.append(structure.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(type);
                data.append(data.length() == 0 ? "" : "\t").append(escape(String.valueOf(e.getValue())));
            }
            params.append("&p_format=TabSeparated&p_structure=").append(URLEncoder.encode(structure.toString(), StandardCharsets.UTF_8));
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            String head = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"p\"; filename=\"p\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n";
            body.writeBytes(head.getBytes(StandardCharsets.UTF_8));
            body.writeBytes((data + "\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
            req.header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        }
        List<String> endpoints = settings.endpoints();
        int first = Math.floorMod(preferred, endpoints.size());
        IOException refused = null;
        for (int i = 0; i < endpoints.size(); i++) {
            int at = (first + i) % endpoints.size();
            HttpResponse<String> r;
            try {
                r = http.send(req.uri(URI.create(endpoints.get(at) + params)).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (ConnectException | HttpConnectTimeoutException e) {
                refused = e; // never reached this replica: the next one may take it
                continue;
            } catch (IOException e) {
                throw new SessionException("clickhouse query on " + table.name() + " failed: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SessionException("interrupted", e);
            }
            preferred = at;
            if (r.statusCode() != 200) {
                String msg = r.body().length() > 300 ? r.body().substring(0, 300) : r.body();
                throw new SessionException("clickhouse query on " + table.name() + " failed (" + r.statusCode() + "): " + msg.trim());
            }
            return r.body();
        }
        throw new SessionException("clickhouse query on " + table.name() + " failed: no replica takes connections ("
                + refused + ")", refused);
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
