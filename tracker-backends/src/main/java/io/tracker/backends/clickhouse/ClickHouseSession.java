package io.tracker.backends.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.data_formats.RowBinaryFormatWriter;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.metadata.TableSchema;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.data.ClickHouseColumn;
import com.clickhouse.data.ClickHouseFormat;
import io.tracker.core.model.Column;
import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import io.tracker.core.session.SchemaFiles;
import io.tracker.core.session.SessionException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ClickHouse over its HTTP interface with ClickHouse's own Java client (client-v2): pooled connections,
 * LZ4-compressed requests, and batches encoded by the client's RowBinary writer against the column types the
 * server reports (so the same code writes {@code DateTime} on 18.16 and {@code DateTime64(3)} on a current
 * server). Reads use raw TabSeparated streams, which work on 18.16 where the client's typed reads do not
 * (no RowBinaryWithNamesAndTypes there).
 */
public final class ClickHouseSession implements Session {
    private static final Logger log = LoggerFactory.getLogger(ClickHouseSession.class);
    /** Applied in order; a file of the same name under {@code modern/} replaces it on servers ≥ 22. */
    static final List<String> SCHEMA_FILES = List.of("001_events.sql", "002_counters.sql", "003_business.sql",
            "004_rollups.sql", "005_kpis.sql", "006_messaging.sql", "007_side.sql");
    private static final UUID ZERO_UUID = new UUID(0, 0);
    /** Server error codes that mean the data is wrong, not the server (see ClickHouse ErrorCodes). */
    /**
     * Server codes that mean "not now" — out of space, read-only replica, ZooKeeper away, too many parts, memory,
     * time-outs — whatever the rows hold (ClickHouse's ErrorCodes.cpp).
     */
    private static final Set<Integer> BUSY = Set.of(159, 202, 209, 210, 225, 241, 242, 243, 252, 285, 286, 289, 319, 425,
            999); // 285/286/289: too few live replicas for insert_quorum, a previous quorum write unfinished
    private static final Set<Integer> DATA_ERRORS = Set.of(6, 27, 38, 41, 53, 69, 70, 72, 117, 130, 131, 321);

    private final String name;
    private final ClickHouseSettings settings;
    private final Map<String, TableSchema> schemas = new HashMap<>();
    private volatile Client client;
    private final List<String> endpoints;
    private volatile int active; // index into endpoints: where writes and reads go now
    private String serverVersion;
    private volatile boolean parallelQuorumKnown; // insert_quorum_parallel exists from 20.10 (on by default there)
    private volatile boolean healthy;
    private volatile ClickHouseReader reader;

    public ClickHouseSession(String name, ClickHouseSettings settings) {
        this.name = name;
        this.settings = settings;
        this.endpoints = settings.endpoints();
    }

    private String endpoint() {
        return endpoints.get(active);
    }

    /** The replica after the current one becomes current (a write or probe found this one unreachable). */
    private synchronized void failOver(Client failed) {
        if (endpoints.size() < 2 || failed != client) {
            return; // one endpoint, or another thread moved on already
        }
        int next = (active + 1) % endpoints.size();
        log.atWarn().addKeyValue("session", name).addKeyValue("from", endpoint()).addKeyValue("to", endpoints.get(next))
                .log("clickhouse fails over");
        Client old = client;
        active = next;
        client = client(settings.database(), endpoint());
        reader = new ClickHouseReader(settings.at(endpoint()), Map.copyOf(schemas)::get);
        old.close();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void open(List<Table> tables) throws SessionException {
        SessionException last = null;
        for (int i = 0; i < endpoints.size(); i++) { // the first replica that answers, from the current one on
            try {
                openAt(tables);
                return;
            } catch (SessionException e) {
                last = e;
                if (e.kind() != SessionException.Kind.UNAVAILABLE || endpoints.size() < 2) {
                    throw e;
                }
                if (client != null) {
                    client.close();
                    client = null;
                }
                active = (active + 1) % endpoints.size();
            }
        }
        throw last;
    }

    private void openAt(List<Table> tables) throws SessionException {
        try {
            if (settings.autoCreateSchema()) {
                // The database must exist before a client can default to it.
                try (Client bootstrap = client("default", endpoint())) {
                    try (QueryResponse r = bootstrap.query("CREATE DATABASE IF NOT EXISTS " + settings.database())
                            .get(settings.socketTimeoutMillis(), TimeUnit.MILLISECONDS)) {
                        r.getInputStream().readAllBytes();
                    }
                }
            }
            if (client == null) {
                client = client(settings.database(), endpoint());
            }
            serverVersion = queryText("SELECT version()").trim();
            parallelQuorumKnown = majorVersion(serverVersion) >= 21;
            if (settings.autoCreateSchema()) {
                applySchema(majorVersion(serverVersion) >= 22);
            } else if (tables.contains(io.tracker.core.model.Tables.EVENTS)) {
                // a schema managed by hand (or the cluster's init) is still upgraded: columns appended since are added
                addAppendedColumns(io.tracker.core.model.Tables.EVENTS);
            }
            for (Table t : tables) {
                schemas.put(t.name(), serverSchema(t));
            }
            Map<String, TableSchema> opened = Map.copyOf(schemas);
            reader = new ClickHouseReader(settings.at(endpoint()), opened::get);
            healthy = true;
            log.atInfo().addKeyValue("session", name).addKeyValue("url", endpoint())
                    .addKeyValue("cluster", settings.cluster())
                    .addKeyValue("version", serverVersion).log("clickhouse open");
        } catch (Exception e) {
            healthy = false;
            throw io.tracker.backends.Failures.classify("session " + name + ": cannot open ClickHouse at " + endpoint()
                    + ": " + e.getMessage(), e, t -> false,
                    t -> BUSY.contains(serverCode(t))
                            || t instanceof com.clickhouse.client.api.ConnectionInitiationException
                            || t instanceof org.apache.hc.client5.http.HttpHostConnectException);
        }
    }

    private Client client(String database, String url) {
        return new Client.Builder()
                .addEndpoint(url)
                .setUsername(settings.user())
                .setPassword(settings.password())
                .setDefaultDatabase(database)
                .compressClientRequest(settings.compressRequests())
                .compressServerResponse(false) // 18.16 mangles compressed responses for this client
                .setConnectTimeout(settings.connectTimeoutMillis())
                .setSocketTimeout(settings.socketTimeoutMillis())
                .setMaxConnections(settings.maxConnections())
                .build();
    }

    @Override
    public void write(Table table, List<Row> rows) throws SessionException {
        write(table, rows, false);
    }

    /**
     * One INSERT per batch. With {@code mayRepeat}, the event ids of the batch already stored (looked up within
     * the batch's {@code created_at} range) are left out first: MergeTree itself does not deduplicate.
     */
    @Override
    public void write(Table table, List<Row> rows, boolean mayRepeat) throws SessionException {
        TableSchema schema = schemas.get(table.name());
        if (client == null || schema == null) {
            throw io.tracker.backends.Failures.notOpen("session " + name + ": not open for table " + table.name());
        }
        Client used = client;
        try {
            List<Row> toWrite = mayRepeat && table.hasColumn("eid") ? notYetStored(table, rows) : rows;
            if (toWrite.isEmpty()) {
                return;
            }
            List<String> names = new ArrayList<>();
            table.columns().forEach(c -> names.add(c.name()));
            InsertSettings insert = new InsertSettings();
            if (settings.insertQuorum() > 0) {
                // Acknowledged only once that many replicas hold the block; a retry of the same block on another replica
                // is dropped by ReplicatedMergeTree's block deduplication. The server gives up on the quorum before the
                // client gives up on the server, so its answer (319: unknown status) arrives.
                insert.serverSetting("insert_quorum", Integer.toString(settings.insertQuorum()));
                insert.serverSetting("insert_quorum_timeout", Integer.toString(Math.max(1_000,
                        settings.socketTimeoutMillis() * 2 / 3)));
                if (parallelQuorumKnown) {
                    insert.serverSetting("insert_quorum_parallel", "0"); // select_sequential_consistency needs it off
                }
            }
            used = client;
            used.insert(writeTable(table), names, out -> encode(out, table, schema, toWrite),
                    ClickHouseFormat.RowBinary, insert).get(settings.socketTimeoutMillis(), TimeUnit.MILLISECONDS).close();
            if (mayRepeat && settings.clustered() && settings.insertQuorum() > 0 && table.hasColumn("eid")) {
                // A retried block that ClickHouse finds already written is answered at once, without waiting for its
                // quorum: acknowledge only what a sequentially consistent read shows.
                int unconfirmed = notYetStored(table, rows).size();
                if (unconfirmed > 0) {
                    throw SessionException.unavailable("session " + name + ", table " + table.name() + ": " + unconfirmed
                            + " rows not yet confirmed by the insert quorum", null);
                }
            }
            healthy = true;
        } catch (SessionException e) {
            throw e; // already classified (an unconfirmed quorum: try again later; the replica itself answers)
        } catch (ExecutionException e) {
            throw failure(table, rows, e.getCause() == null ? e : e.getCause(), used);
        } catch (Exception e) {
            throw failure(table, rows, e, used);
        }
    }

    /**
     * The RowBinary encoding of {@code rows} for a server whose columns are {@code schema} (ClickHouse's own
     * writer does the bytes). Public so the modern-schema check can write a file the same way.
     */
    public static void encode(java.io.OutputStream out, Table table, TableSchema schema, List<Row> rows) throws IOException {
        RowBinaryFormatWriter w = new RowBinaryFormatWriter(out, schema, ClickHouseFormat.RowBinary);
        List<Column> columns = table.columns();
        for (Row row : rows) {
            for (int i = 0; i < columns.size(); i++) {
                w.setValue(i + 1, value(columns.get(i), schema.getColumnByIndex(i + 1), row.get(i)));
            }
            w.commitRow();
        }
    }

    private SessionException failure(Table table, List<Row> rows, Throwable e, Client used) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        String msg = "session " + name + ", table " + table.name() + ": insert of " + rows.size() + " rows failed: "
                + (e instanceof TimeoutException ? "timed out" : e.getMessage());
        SessionException f = io.tracker.backends.Failures.classify(msg, e,
                t -> DATA_ERRORS.contains(serverCode(t))
                        || t instanceof IllegalArgumentException || t instanceof ArithmeticException,
                t -> BUSY.contains(serverCode(t)) || connectionFailed(t));
        healthy = f.kind() != SessionException.Kind.UNAVAILABLE;
        if (replicaDown(e)) {
            failOver(used); // the batch manager's retry goes to the next replica
        }
        return f;
    }

    /** Codes about this replica, not the cluster (read-only table, no ZooKeeper session, network): worth another one. */
    private static final Set<Integer> REPLICA_LOCAL = Set.of(209, 210, 225, 242, 999);

    /** Whether the failure says this replica cannot take writes (quorum waits are cluster-wide: no failover for them). */
    private static boolean replicaDown(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (REPLICA_LOCAL.contains(serverCode(t)) || connectionFailed(t)) {
                return true;
            }
        }
        return false;
    }

    /** The HTTP connection to the server failed (refused, unreachable, closed mid-request). */
    private static boolean connectionFailed(Throwable t) {
        return t instanceof com.clickhouse.client.api.ConnectionInitiationException
                || t instanceof org.apache.hc.core5.http.ConnectionClosedException
                || t instanceof org.apache.hc.client5.http.HttpHostConnectException
                || t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException;
    }

    private static final java.util.regex.Pattern CODE = java.util.regex.Pattern.compile("\\bCode: (\\d+)");

    /**
     * The server's error code of a failure: a {@link ServerException}'s, or the {@code Code: N} of a server error the
     * client passed on as a transport error (HTTP 500 with the server's text); -1 when there is none.
     */
    static int serverCode(Throwable t) {
        // The text first: a ServerException built from an HTTP 500 carries the transport status as its code, the
        // server's own code only in its message ("Code: 286, e.displayText() = …").
        java.util.regex.Matcher m = CODE.matcher(String.valueOf(t.getMessage()));
        if (m.find()) {
            return Integer.parseInt(m.group(1));
        }
        return t instanceof ServerException se ? se.getCode() : -1;
    }

    /** The RowBinary value for a column: absent values become the column default (these columns are not Nullable). */
    private static Object value(Column column, ClickHouseColumn server, Object v) {
        boolean nullable = server.isNullable();
        if (v == null && nullable) {
            return null;
        }
        return switch (column.type()) {
            case UUID -> v == null ? ZERO_UUID : v;
            case STRING, JSON -> v == null ? "" : v;
            case INT64 -> v == null ? 0L : v;
            case INT32 -> v == null ? 0 : v;
            case FLOAT64 -> v == null ? 0.0 : v;
            case DECIMAL -> v == null ? java.math.BigDecimal.ZERO.setScale(io.tracker.core.model.ColumnType.DECIMAL_SCALE) : v;
            case BOOLEAN -> (short) (Boolean.TRUE.equals(v) ? 1 : 0); // UInt8 (18.16 has no Bool)
            case TIMESTAMP -> ZonedDateTime.ofInstant(Instant.ofEpochMilli(v == null ? 0L : (Long) v), ZoneOffset.UTC);
            case STRINGS, UUIDS -> v == null ? List.of() : v;
        };
    }

    /**
     * The rows whose eid is not in the table yet. The stored eids of the batch's {@code created_at} window are
     * read (a primary-key range scan) and compared here: an IN list of 10,000 ids would exceed the server's
     * {@code max_query_size} (256 KiB). Only numbers from the rows themselves go into the SQL.
     */
    private List<Row> notYetStored(Table table, List<Row> rows) throws Exception {
        int createdAt = table.indexOf("created_at");
        if (createdAt < 0) {
            return rows;
        }
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (Row r : rows) {
            long ms = (Long) r.get(createdAt);
            min = Math.min(min, ms);
            max = Math.max(max, ms);
        }
        Set<String> stored = new HashSet<>();
        List<String> queries = new ArrayList<>();
        if (table.replayWindow() == Table.ReplayWindow.WHOLE_TABLE) {
            // Client ids, found whenever the retry comes: looked up by id, 1,000 per query (40 KB of ids, under
            // max_query_size). The ids are java.util.UUID values rendered by UUID.toString(), never client text.
            for (int from = 0; from < rows.size(); from += 1_000) {
                StringBuilder in = new StringBuilder();
                for (Row r : rows.subList(from, Math.min(rows.size(), from + 1_000))) {
                    in.append(in.length() == 0 ? "" : ",").append("toUUID('").append(r.eid()).append("')");
                }
                queries.add("SELECT toString(eid) FROM " + writeTable(table) + " WHERE eid IN (" + in + ") FORMAT TabSeparated");
            }
        } else {
            queries.add("SELECT toString(eid) FROM " + writeTable(table) + " WHERE created_at BETWEEN toDateTime("
                    + Math.floorDiv(min, 1000) + ") AND toDateTime(" + (Math.floorDiv(max, 1000) + 1) + ") FORMAT TabSeparated");
        }
        for (String sql : queries) {
            for (String line : queryText(sql, settings.clustered() && settings.insertQuorum() > 0).split("\n")) {
                if (!line.isBlank()) {
                    stored.add(line.trim());
                }
            }
        }
        if (stored.isEmpty()) {
            return rows;
        }
        List<Row> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            if (!stored.contains(r.eid().toString())) {
                out.add(r);
            }
        }
        return out;
    }

    private TableSchema serverSchema(Table t) throws Exception {
        Map<String, String> types = new LinkedHashMap<>();
        String tsv = queryText("SELECT name, type FROM system.columns WHERE database = '" + settings.database()
                + "' AND table = '" + localName(t) + "' FORMAT TabSeparated");
        for (String line : tsv.split("\n")) {
            String[] parts = line.split("\t");
            if (parts.length == 2) {
                types.put(parts[0], parts[1]);
            }
        }
        if (types.isEmpty()) {
            throw new IOException("table " + settings.database() + "." + t.name() + " does not exist");
        }
        List<ClickHouseColumn> columns = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Column c : t.columns()) {
            String type = types.get(c.name());
            if (type == null) {
                missing.add(c.name());
            } else {
                columns.add(ClickHouseColumn.of(c.name(), type));
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException("table " + settings.database() + "." + t.name() + " lacks columns " + missing);
        }
        return new TableSchema(t.name(), "", settings.database(), columns);
    }

    private void applySchema(boolean modern) throws Exception {
        for (String file : SCHEMA_FILES) {
            String sql = modern ? SchemaFiles.read("schema/clickhouse/modern/" + file) : null;
            if (sql == null) {
                sql = SchemaFiles.read("schema/clickhouse/" + file);
            }
            if (sql == null) {
                throw new IOException("schema file schema/clickhouse/" + file + " missing from the class path");
            }
            for (String statement : SchemaFiles.statements(sql.replace("{db}", settings.database()))) {
                execute(statement);
            }
            if (file.equals("001_events.sql")) {
                // before the views of the later files, which may read the new columns
                addAppendedColumns(io.tracker.core.model.Tables.EVENTS);
            }
        }
    }

    /**
     * Upgrades a table made by an older version: the columns appended to {@code t} since are added, with their
     * column defaults (18.16 has no {@code ADD COLUMN IF NOT EXISTS}, so the server's list is read first, and a
     * replica that added one concurrently is not an error). In the cluster layout the replicated table carries the
     * change to its replicas through ZooKeeper; each node adds it to its own Distributed table.
     */
    private void addAppendedColumns(Table t) throws Exception {
        List<String> targets = settings.clustered() ? List.of(localName(t), t.name()) : List.of(t.name());
        for (String target : targets) {
            String tsv = queryText("SELECT name FROM system.columns WHERE database = '" + settings.database()
                    + "' AND table = '" + target + "' FORMAT TabSeparated");
            java.util.Set<String> present = new java.util.HashSet<>(List.of(tsv.split("\n")));
            if (present.size() <= 1) {
                continue; // no such table (the statements above would have made it: nothing to upgrade)
            }
            for (Column c : t.columns()) {
                if (present.contains(c.name())) {
                    continue;
                }
                try {
                    execute("ALTER TABLE " + settings.database() + "." + target + " ADD COLUMN " + c.name() + " "
                            + serverType(c.type()));
                    log.atInfo().addKeyValue("session", name).addKeyValue("table", target)
                            .addKeyValue("column", c.name()).log("clickhouse column added");
                } catch (Exception e) {
                    if (!String.valueOf(e.getMessage()).contains("already exists")) {
                        throw e;
                    }
                }
            }
        }
    }

    /** Not in the replicated cluster layout yet (see scripts/ClusterSchema.java): a stats reader must say so. */
    @Override
    public boolean keepsRollups() {
        return schemas.containsKey("events") && !settings.clustered();
    }

    /**
     * Drops the months overlapping [{@code from}, {@code to}) from each rollup's state table (DROP PARTITION: at
     * once, and replicated in the cluster layout) and refills them from {@code events} with the materialized views'
     * own SELECTs. Events inserted into those months while this runs can be counted twice (by the view and by the
     * refill): rebuild closed months while ingesting, or the current one with ingestion stopped.
     */
    @Override
    public Map<String, Long> rebuildRollups(java.time.LocalDate from, java.time.LocalDate to) throws SessionException {
        if (client == null || !keepsRollups()) {
            throw new SessionException("session " + name + ": not open for events");
        }
        java.time.LocalDate start = from.withDayOfMonth(1);
        java.time.LocalDate end = to.minusDays(1).withDayOfMonth(1).plusMonths(1);
        // Per shard from its own events_local, should the cluster layout keep rollups one day: the Distributed events
        // would put every shard's rows into each shard's state.
        String source = settings.database() + "." + localName(io.tracker.core.model.Tables.EVENTS);
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        try {
            for (io.tracker.core.model.Rollups.Rollup r : io.tracker.core.model.Rollups.ALL) {
                String state = settings.database() + "." + settings.localTable(r.table() + "_state");
                for (java.time.LocalDate m = start; m.isBefore(end); m = m.plusMonths(1)) {
                    int partition = m.getYear() * 100 + m.getMonthValue(); // a number of ours, not input text
                    execute("ALTER TABLE " + state + " DROP PARTITION " + partition);
                    execute("INSERT INTO " + state + " " + rollupSelect(r, source) + " AND toYYYYMM(created_at) = "
                            + partition + " GROUP BY " + r.keyColumns());
                }
                out.put(r.table(), Long.parseLong(queryText("SELECT count() FROM " + settings.database() + "."
                        + r.table() + " WHERE toYYYYMM(" + r.bucketColumn() + ") >= " + (start.getYear() * 100
                        + start.getMonthValue()) + " AND toYYYYMM(" + r.bucketColumn() + ") < " + (end.getYear() * 100
                        + end.getMonthValue()), true).trim()));
            }
        } catch (Exception e) {
            throw new SessionException("session " + name + ": rollup rebuild failed: " + e.getMessage(), e);
        }
        return out;
    }

    /** The SELECT of {@code r}'s materialized view in schema/clickhouse/005_kpis.sql, up to its GROUP BY. */
    static String rollupSelect(io.tracker.core.model.Rollups.Rollup r, String events) {
        String bucket = switch (r.grain()) {
            case HOUR -> "toStartOfHour(created_at)";
            case DAY -> "toDate(created_at)";
            case MONTH -> "toStartOfMonth(created_at)";
        };
        return "SELECT " + bucket + " AS " + r.bucketColumn() + ", " + String.join(", ", r.dimensions())
                + ", is_bot, countState() AS events, uniqIfState(vid, vid != toUUID('00000000-0000-0000-0000-000000000000'))"
                + " AS visitors FROM " + events + " WHERE vid != toUUID('" + io.tracker.core.pipeline.EventIds.RESERVED + "')";
    }

    /** The server type of a column added by {@link #addAppendedColumns} (as the schema files declare them). */
    static String serverType(io.tracker.core.model.ColumnType type) {
        return switch (type) {
            case UUID -> "UUID";
            case STRING, JSON -> "String";
            case INT64 -> "Int64";
            case INT32 -> "Int32";
            case FLOAT64 -> "Float64";
            case TIMESTAMP -> "DateTime";
            case DECIMAL -> "Decimal(18, 4)";
            case BOOLEAN -> "UInt8";
            case STRINGS -> "Array(String)";
            case UUIDS -> "Array(UUID)";
        };
    }

    private String qualified(Table t) {
        return settings.database() + "." + t.name();
    }

    /** Where rows are inserted: the table, or in the cluster layout this replica's ReplicatedMergeTree table. */
    private String writeTable(Table t) {
        return settings.database() + "." + localName(t);
    }

    private String localName(Table t) {
        return settings.localTable(t.name());
    }

    private void execute(String sql) throws Exception {
        // The client defaults to the session's database: unqualified names in schema files land there.
        try (QueryResponse r = client.query(sql).get(settings.socketTimeoutMillis(), TimeUnit.MILLISECONDS)) {
            r.getInputStream().readAllBytes();
        }
    }

    private String queryText(String sql) throws Exception {
        return queryText(sql, false);
    }

    /** {@code consistent}: sees every insert acknowledged with insert_quorum ({@code select_sequential_consistency}). */
    private String queryText(String sql, boolean consistent) throws Exception {
        var qs = new com.clickhouse.client.api.query.QuerySettings().setFormat(ClickHouseFormat.TabSeparated);
        if (consistent) {
            qs.serverSetting("select_sequential_consistency", "1");
        }
        try (QueryResponse r = client.query(sql, qs).get(settings.socketTimeoutMillis(), TimeUnit.MILLISECONDS);
             InputStream in = r.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** For tests and operators: a raw TabSeparated query against this session's server. */
    public String query(String sql) throws SessionException {
        try {
            return queryText(sql);
        } catch (Exception e) {
            throw new SessionException("session " + name + ": query failed: " + e.getMessage(), e);
        }
    }

    static int majorVersion(String version) {
        try {
            return Integer.parseInt(version.split("\\.")[0]);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    @Override
    public java.util.Optional<io.tracker.core.session.SessionReader> reader() {
        return java.util.Optional.ofNullable(reader);
    }

    @Override
    public boolean readable() {
        return true;
    }

    /**
     * The query APIs, on the reader's connections (so on the replica that answers, in the cluster through the
     * Distributed tables); each statement is bounded by the server's {@code max_execution_time}.
     */
    @Override
    public java.util.Optional<io.tracker.core.query.Analytics> analytics() {
        ClickHouseReader r = reader;
        if (r == null || !schemas.containsKey("events")) {
            return java.util.Optional.empty();
        }
        ClickHouseDialect dialect = new ClickHouseDialect(settings.database());
        return java.util.Optional.of(new io.tracker.core.query.SqlAnalytics(dialect, (sql, timeoutMillis) -> r.select(sql,
                Map.of("max_execution_time", Long.toString(timeoutMillis > 0 ? Math.max(1, timeoutMillis / 1000) : 30),
                        "readonly", "2")),
                keepsRollups(), false)); // (uniq: estimates above 65,536)
    }

    @Override
    public boolean isHealthy() {
        return healthy;
    }

    @Override
    public boolean probe() {
        Client c = client;
        boolean up;
        try {
            up = c != null && c.ping(2_000);
        } catch (RuntimeException e) {
            up = false;
        }
        if (!up && c != null) {
            failOver(c); // the next probe (and write) tries the next replica
        }
        return up;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        healthy = false;
    }
}
