package io.tracker.backends.clickhouse;

import com.clickhouse.client.api.metadata.TableSchema;
import io.tracker.core.model.Column;
import io.tracker.core.model.ColumnType;
import io.tracker.core.model.Table;
import io.tracker.core.session.DeletePendingException;
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
    private static final java.util.regex.Pattern MONTHLY = java.util.regex.Pattern.compile("toYYYYMM\\((\\w+)\\)");
    /** How long a node goes on fencing for an erasure answered 202 (see {@link #await}). */
    static final int BACKGROUND_MINUTES = 30;
    private static final java.util.concurrent.ExecutorService BACKGROUND = java.util.concurrent.Executors
            .newCachedThreadPool(r -> { // (one thread per erasure still running: admin calls, few)
                Thread t = new Thread(r, "clickhouse-erasures");
                t.setDaemon(true);
                return t;
            });
    private static final long FENCE_AFTER_NANOS = Duration.ofMillis(500).toNanos();
    private static final String BOUNDARY = "tracker-external-data-7d1f0c";

    private final ClickHouseSettings settings;
    private final Function<String, TableSchema> schemas;
    private final HttpClient http;
    private final String auth;
    private final Map<String, Boolean> settingsKnown = new ConcurrentHashMap<>();
    private final Map<String, String> partitionKeys = new ConcurrentHashMap<>();
    private final Map<String, String> zookeeperPaths = new ConcurrentHashMap<>();
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

    /**
     * All mutations are issued first and then waited for together (each may take a merge-selecting round). A delete
     * is done when no replica among {@link ClickHouseSettings#endpoints} that answers still holds a matching row; a
     * replica that is away applies the mutation from ZooKeeper when it returns.
     */
    @Override
    public long[] deleteAll(List<Deletion> deletions) throws SessionException {
        long[] counts = new long[deletions.size()];
        List<Pending> pending = new ArrayList<>();
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
            List<String> marks = fencing() ? fenceColumns(table) : List.of();
            StringBuilder fences = new StringBuilder();
            for (String c : marks) {
                fences.append(" OR ").append(c).append(" = toUUID('").append(FENCE).append("')");
            }
            // The fences left in the table by earlier erasures go with this one (see fence()).
            // A nonce names this mutation (an earlier erasure of the same subject has a mutation naming it too); the
            // clause is constant false.
            String nonce = UUID.randomUUID().toString();
            issue(table, (marks.isEmpty() ? cond.toString() : "(" + cond + ")" + fences) + " OR '" + nonce + "' = ''");
            pending.add(new Pending(table, nonce, marks));
        }
        await(pending);
        return counts;
    }

    /**
     * A delete waited for: its table, the nonce its mutation's command names (null: wait for every mutation of the
     * table), the columns its fences are marked in.
     */
    private record Pending(Table table, String names, List<String> marks) {
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
        await(List.of(new Pending(table, null, List.of())));
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
     * Waits for the mutations of {@code pending} (18.16 has no mutations_sync). On a single server: until the table
     * has no unfinished mutation. In the cluster: until the delete's own mutation (found in ZooKeeper by the subject
     * it names) is done on every replica among the endpoints that answers — rows written after the mutation was made
     * are new data and do not hold it up — fencing, after a moment, the partitions whose last quorum part it waits for.
     */
    private void await(List<Pending> pending) throws SessionException {
        await(pending, Duration.ofMillis(settings.socketTimeoutMillis()), true);
    }

    private void await(List<Pending> pending, Duration wait, boolean background) throws SessionException {
        long start = System.nanoTime();
        long deadline = start + wait.toNanos();
        long nextFence = start + FENCE_AFTER_NANOS;
        List<Pending> waiting = new ArrayList<>(pending);
        while (!waiting.isEmpty()) {
            boolean fence = fencing() && System.nanoTime() >= nextFence;
            for (var it = waiting.iterator(); it.hasNext() && System.nanoTime() < deadline; ) {
                if (done(it.next(), fence)) {
                    it.remove();
                }
            }
            if (fence) {
                nextFence = System.nanoTime() + FENCE_AFTER_NANOS * 8; // (a fenced part waits for a merge-selecting round)
            }
            if (waiting.isEmpty()) {
                return;
            }
            if (System.nanoTime() >= deadline) {
                // Taken (the mutation is in the store, on a cluster in ZooKeeper) and still running: 18.16 schedules
                // a mutation only when its replicas find no merge to do, which under steady inserts can take a while.
                // The fences it may still need (a quiet partition, a fence refused under load) go on from here.
                List<String> tables = waiting.stream().map(w -> w.table().name()).distinct().toList();
                if (fencing() && background) {
                    List<Pending> rest = List.copyOf(waiting);
                    BACKGROUND.execute(() -> {
                        try {
                            await(rest, Duration.ofMinutes(BACKGROUND_MINUTES), false);
                            log.atInfo().addKeyValue("tables", tables).log("erasure finished in the background");
                        } catch (SessionException e) {
                            log.atWarn().addKeyValue("tables", tables).addKeyValue("error", e.getMessage())
                                    .log("erasure still unfinished; the next erasure of these tables fences again");
                        }
                    });
                }
                throw new DeletePendingException("delete on " + tables + " still running after "
                        + settings.socketTimeoutMillis() + " ms; ClickHouse holds it"
                        + (fencing() ? ", and this node fences for it for " + BACKGROUND_MINUTES + " minutes" : ""), tables);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SessionException("interrupted while waiting for a delete", e);
            }
        }
    }

    /** Whether {@code p}'s mutation is done; {@code fence}: write the fences it waits for, if any. */
    private boolean done(Pending p, boolean fence) throws SessionException {
        String db = settings.database();
        String local = localName(p.table());
        if (!settings.clustered() || p.names() == null) {
            return query(p.table(), "SELECT count() FROM system.mutations WHERE database = '" + db + "' AND table = '"
                    + local + "' AND is_done = 0 FORMAT TabSeparated", Map.of()).trim().equals("0");
        }
        try {
            String zk = zookeeperPath(p.table());
            // The newest mutation that names the subject: its id and, per partition, the block number it covers.
            String entry = query(p.table(), "SELECT name, value FROM system.zookeeper WHERE path = '" + zk
                    + "/mutations' AND position(value, '" + p.names() + "') > 0 ORDER BY name DESC LIMIT 1"
                    + " FORMAT TabSeparated", Map.of());
            String[] cells = entry.trim().split("\t", 2);
            if (cells.length < 2 || !cells[0].matches("\\d+")) {
                return false; // (not in ZooKeeper yet: the ALTER returned, its node is on the way)
            }
            String id = cells[0];
            int answered = 0;
            boolean all = true;
            for (String endpoint : settings.endpoints()) {
                String isDone;
                try {
                    isDone = send(p.table(), endpoint, "SELECT is_done FROM system.mutations WHERE database = '" + db
                            + "' AND table = '" + local + "' AND mutation_id = '" + id + "' FORMAT TabSeparated",
                            Map.of(), Map.of()).trim();
                } catch (Unreachable e) {
                    continue; // away: it applies the mutation from ZooKeeper when it returns
                } catch (SessionException e) {
                    isDone = ""; // answers, with an error: not done there
                }
                answered++;
                all &= isDone.equals("1"); // (not listed yet on a replica that lags: not done there)
            }
            if (!all && fence && !p.marks().isEmpty()) {
                fence(p, zk, mutationBlocks(unescape(cells[1])));
            }
            // Done on every replica that answers: a read through the Distributed table may go to any of them. (One
            // coming back after an outage fetches what it missed first and mutates after: until then, 202.)
            return all && answered > 0;
        } catch (SessionException e) {
            // A replica that answers with an error, or ZooKeeper behind it: another round, within the deadline.
            log.atDebug().addKeyValue("table", local).addKeyValue("error", e.getMessage()).log("erasure still waiting");
            return false;
        }
    }

    private String zookeeperPath(Table table) throws SessionException {
        String path = zookeeperPaths.get(table.name());
        if (path == null) {
            path = query(table, "SELECT zookeeper_path FROM system.replicas WHERE database = '" + settings.database()
                    + "' AND table = '" + localName(table) + "' FORMAT TabSeparated", Map.of()).trim();
            if (!path.matches("[A-Za-z0-9_./{}-]+")) {
                throw new SessionException("unexpected ZooKeeper path of " + localName(table) + ": " + path);
            }
            zookeeperPaths.put(table.name(), path);
        }
        return path;
    }

    /** A mutation's ZooKeeper entry: partition id → the block number it covers up to. */
    static Map<String, Long> mutationBlocks(String entry) {
        Map<String, Long> out = new LinkedHashMap<>();
        String[] lines = entry.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String count = lines[i].startsWith("block numbers count: ")
                    ? lines[i].substring("block numbers count: ".length()).trim() : "";
            if (count.matches("\\d{1,6}")) {
                int n = Integer.parseInt(count);
                for (int j = i + 1; j <= i + n && j < lines.length; j++) {
                    String[] c = lines[j].split("\t");
                    if (c.length == 2 && c[1].matches("\\d+")) {
                        out.put(c[0], Long.parseLong(c[1]));
                    }
                }
                break;
            }
        }
        return out;
    }

    /** Whether erasures may need fences: replicated tables written with (sequential) insert_quorum. */
    private boolean fencing() {
        return settings.clustered() && settings.insertQuorum() > 0;
    }

    /** The subject columns of {@code table} a fence is marked in: every UUID one of vid, uid and id it has. */
    private List<String> fenceColumns(Table table) {
        TableSchema schema = schemas.apply(table.name());
        List<String> out = new ArrayList<>();
        for (String c : List.of("vid", "uid", "id")) {
            if (table.hasColumn(c) && schema.getColumnByName(c) != null
                    && schema.getColumnByName(c).getOriginalTypeName().equals("UUID")) {
                out.add(c);
            }
        }
        return out;
    }

    /**
     * Unblocks a delete whose rows sit in a partition's last quorum part. ReplicatedMergeTree never merges nor
     * mutates the part last inserted with (sequential) {@code insert_quorum} in a partition (it is what
     * {@code select_sequential_consistency} checks) until another quorum insert into that partition takes its place:
     * so rows of that part, in a partition nothing else is written to, would never be deleted. The fence is that
     * other insert: one row in the partition holding nothing but {@link #FENCE} in the table's subject columns (and,
     * to land in the partition, the middle of its month); the next erasure deletes it. A fence that fails (another
     * quorum insert still unfinished: 18.16 allows one at a time per table) is tried again at the next round.
     */
    private void fence(Pending p, String zk, Map<String, Long> blocks) throws SessionException {
        Table table = p.table();
        String db = settings.database();
        String local = localName(table);
        Map<String, String> last = lastQuorumParts(unescape(query(table, "SELECT value FROM system.zookeeper WHERE path = '"
                + zk + "/quorum' AND name = 'last_part' FORMAT TabSeparated", Map.of()).trim()));
        String key = partitionKey(table);
        TableSchema schema = schemas.apply(table.name());
        for (Map.Entry<String, String> e : last.entrySet()) {
            String partition = e.getKey();
            Long block = blocks.get(partition);
            if (block == null || dataVersion(partition, e.getValue()) >= block) {
                continue; // the mutation does not wait for this part (a fence already took its place, say)
            }
            List<String> columns = new ArrayList<>(p.marks());
            List<String> values = new ArrayList<>();
            p.marks().forEach(c -> values.add("toUUID('" + FENCE + "')"));
            java.util.regex.Matcher monthly = MONTHLY.matcher(key);
            if (monthly.matches() && partition.matches("\\d{6}") && table.hasColumn(monthly.group(1))
                    && schema.getColumnByName(monthly.group(1)) != null) {
                String middle = partition.substring(0, 4) + "-" + partition.substring(4) + "-15";
                String column = monthly.group(1);
                columns.add(column);
                values.add(schema.getColumnByName(column).getOriginalTypeName().startsWith("DateTime")
                        ? "toDateTime('" + middle + " 12:00:00')" : "toDate('" + middle + "')");
            } else if (!((key.isEmpty() || key.equals("tuple()")) && partition.equals("all"))) {
                log.atWarn().addKeyValue("table", local).addKeyValue("partition", partition)
                        .log("an erasure waits for the last quorum part of a partition this tracker cannot fence");
                continue;
            }
            Map<String, String> quorum = new LinkedHashMap<>();
            quorum.put("insert_quorum", Integer.toString(settings.insertQuorum()));
            quorum.put("insert_quorum_timeout", Integer.toString(Math.max(1_000, Math.min(10_000, settings.socketTimeoutMillis() - 500))));
            quorum.put("insert_deduplicate", "0"); // (an earlier fence in this partition has the same content)
            if (hasSetting(table, "insert_quorum_parallel")) {
                quorum.put("insert_quorum_parallel", "0");
            }
            try {
                query(table, "INSERT INTO " + db + "." + local + " (" + String.join(", ", columns) + ") SELECT "
                        + String.join(", ", values), Map.of(), quorum);
                log.atInfo().addKeyValue("table", local).addKeyValue("partition", partition)
                        .log("fenced a partition's last quorum part so that an erasure can finish");
            } catch (SessionException ex) {
                log.atInfo().addKeyValue("table", local).addKeyValue("partition", partition)
                        .addKeyValue("error", ex.getMessage()).log("fence not written; trying again at the next round");
            }
        }
    }

    /** A part's data version: its mutation number when mutated, its first block otherwise (MAX: not understood). */
    static long dataVersion(String partition, String part) {
        if (!part.startsWith(partition + "_")) {
            return Long.MAX_VALUE;
        }
        String[] n = part.substring(partition.length() + 1).split("_");
        try {
            return n.length >= 4 ? Long.parseLong(n[3]) : Long.parseLong(n[0]);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
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

    private String partitionKey(Table table) throws SessionException {
        String key = partitionKeys.get(table.name());
        if (key == null) {
            key = query(table, "SELECT partition_key FROM system.tables WHERE database = '" + settings.database()
                    + "' AND name = '" + localName(table) + "' FORMAT TabSeparated", Map.of()).trim();
            partitionKeys.put(table.name(), key);
        }
        return key;
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
        List<String> endpoints = settings.endpoints();
        int first = Math.floorMod(preferred, endpoints.size());
        Unreachable refused = null;
        for (int i = 0; i < endpoints.size(); i++) {
            int at = (first + i) % endpoints.size();
            try {
                String body = send(table, endpoints.get(at), sql, where, serverSettings);
                preferred = at;
                return body;
            } catch (Unreachable e) {
                refused = e; // never reached this replica: the next one may take it
            }
        }
        throw new SessionException("clickhouse query on " + table.name() + " failed: no replica takes connections ("
                + refused.getMessage() + ")", refused);
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
                throw new SessionException("clickhouse query on " + table.name() + " failed: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SessionException("interrupted", e);
            }
        }
        if (r.statusCode() != 200) {
            String msg = r.body().length() > 300 ? r.body().substring(0, 300) : r.body();
            throw new SessionException("clickhouse query on " + table.name() + " failed (" + r.statusCode() + "): " + msg.trim());
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
