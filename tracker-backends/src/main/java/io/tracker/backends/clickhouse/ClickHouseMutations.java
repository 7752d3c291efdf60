package io.tracker.backends.clickhouse;

import com.clickhouse.client.api.metadata.TableSchema;
import io.tracker.core.model.Table;
import io.tracker.core.session.DeletePendingException;
import io.tracker.core.session.SessionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waiting for the deletes of {@link ClickHouseReader} (ClickHouse mutations; 18.16 has no {@code mutations_sync}),
 * and, in the replicated cluster layout written with {@code insert_quorum}, the fences that let them finish.
 */
final class ClickHouseMutations {
    private static final Logger log = LoggerFactory.getLogger(ClickHouseMutations.class);
    /** The subject id of fence rows (see {@link #fence}): no visitor's, and not the zero UUID of rows without one. */
    static final UUID FENCE = io.tracker.core.pipeline.EventIds.RESERVED; // (refused as a client id at ingest)
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

    /** What the reader does for this class: run SQL, on the failover endpoints or on one, and read table facts. */
    interface Server {
        /** {@code sql} with server settings, on the first endpoint that takes the connection. */
        String query(Table table, String sql, Map<String, String> serverSettings) throws SessionException;

        /** {@code sql} on {@code endpoint}; {@link ClickHouseReader.Unreachable} when it refuses the connection. */
        String send(Table table, String endpoint, String sql) throws SessionException;

        String partitionKey(Table table) throws SessionException;

        boolean hasSetting(Table table, String name) throws SessionException;
    }

    private final ClickHouseSettings settings;
    private final Function<String, TableSchema> schemas;
    private final Server server;
    private final Map<String, String> zookeeperPaths = new ConcurrentHashMap<>();

    ClickHouseMutations(ClickHouseSettings settings, Function<String, TableSchema> schemas, Server server) {
        this.settings = settings;
        this.schemas = schemas;
        this.server = server;
    }

    /**
     * A delete waited for: its table, the nonce its mutation's command names (null: wait for every mutation of the
     * table), the columns its fences are marked in.
     */
    record Pending(Table table, String names, List<String> marks) {
    }

    /**
     * Waits for the mutations of {@code pending} (18.16 has no mutations_sync). On a single server: until the table
     * has no unfinished mutation. In the cluster: until the delete's own mutation (found in ZooKeeper, once, by the
     * nonce it names) is done on every replica among the endpoints that answers — rows written after the mutation was made
     * are new data and do not hold it up — fencing, after a moment, the partitions whose last quorum part it waits for.
     */
    void await(List<Pending> pending) throws SessionException {
        await(pending, Duration.ofMillis(settings.socketTimeoutMillis()), true);
    }

    private void await(List<Pending> pending, Duration wait, boolean background) throws SessionException {
        long start = System.nanoTime();
        long deadline = start + wait.toNanos();
        long nextFence = start + FENCE_AFTER_NANOS;
        List<Pending> waiting = new ArrayList<>(pending);
        Map<Pending, String[]> entries = new java.util.HashMap<>(); // each one's mutation in ZooKeeper: id, entry
        while (!waiting.isEmpty()) {
            boolean fence = fencing() && System.nanoTime() >= nextFence;
            for (var it = waiting.iterator(); it.hasNext() && System.nanoTime() < deadline; ) {
                if (done(it.next(), fence, entries)) {
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

    /**
     * Whether {@code p}'s mutation is done; {@code fence}: write the fences it waits for, if any. {@code entries}:
     * the mutations already found in ZooKeeper (they do not change).
     */
    private boolean done(Pending p, boolean fence, Map<Pending, String[]> entries) throws SessionException {
        String db = settings.database();
        String local = settings.localTable(p.table().name());
        if (!settings.clustered() || p.names() == null) {
            return server.query(p.table(), "SELECT count() FROM system.mutations WHERE database = '" + db + "' AND table = '"
                    + local + "' AND is_done = 0 FORMAT TabSeparated", Map.of()).trim().equals("0");
        }
        try {
            String zk = zookeeperPath(p.table());
            String[] cells = entries.get(p);
            if (cells == null) {
                // The mutation that names the nonce: its id and, per partition, the block number it covers.
                cells = server.query(p.table(), "SELECT name, value FROM system.zookeeper WHERE path = '" + zk
                        + "/mutations' AND position(value, '" + p.names() + "') > 0 ORDER BY name DESC LIMIT 1"
                        + " FORMAT TabSeparated", Map.of()).trim().split("\t", 2);
                if (cells.length < 2 || !cells[0].matches("\\d+")) {
                    return false; // (not in ZooKeeper yet: the ALTER returned, its node is on the way)
                }
                entries.put(p, cells);
            }
            String id = cells[0];
            int answered = 0;
            boolean all = true;
            for (String endpoint : settings.endpoints()) {
                String isDone;
                try {
                    isDone = server.send(p.table(), endpoint, "SELECT is_done FROM system.mutations WHERE database = '" + db
                            + "' AND table = '" + local + "' AND mutation_id = '" + id + "' FORMAT TabSeparated").trim();
                } catch (ClickHouseReader.Unreachable e) {
                    continue; // away: it applies the mutation from ZooKeeper when it returns
                } catch (SessionException e) {
                    isDone = ""; // answers, with an error: not done there
                }
                answered++;
                all &= isDone.equals("1"); // (not listed yet on a replica that lags: not done there)
            }
            if (!all && fence && !p.marks().isEmpty()) {
                fence(p, zk, mutationBlocks(ClickHouseReader.unescape(cells[1])));
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
            path = server.query(table, "SELECT zookeeper_path FROM system.replicas WHERE database = '" + settings.database()
                    + "' AND table = '" + settings.localTable(table.name()) + "' FORMAT TabSeparated", Map.of()).trim();
            if (!path.matches("[A-Za-z0-9_./{}-]+")) {
                throw new SessionException("unexpected ZooKeeper path of " + settings.localTable(table.name()) + ": " + path);
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
    boolean fencing() {
        return settings.clustered() && settings.insertQuorum() > 0;
    }

    /** The subject columns of {@code table} a fence is marked in: every UUID one of vid, uid and id it has. */
    List<String> fenceColumns(Table table) {
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
        String local = settings.localTable(table.name());
        Map<String, String> last = lastQuorumParts(ClickHouseReader.unescape(server.query(table, "SELECT value FROM system.zookeeper WHERE path = '"
                + zk + "/quorum' AND name = 'last_part' FORMAT TabSeparated", Map.of()).trim()));
        String key = server.partitionKey(table);
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
            if (server.hasSetting(table, "insert_quorum_parallel")) {
                quorum.put("insert_quorum_parallel", "0");
            }
            try {
                server.query(table, "INSERT INTO " + db + "." + local + " (" + String.join(", ", columns) + ") SELECT "
                        + String.join(", ", values), quorum);
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

}
