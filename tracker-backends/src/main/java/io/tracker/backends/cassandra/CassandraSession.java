package io.tracker.backends.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatementBuilder;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import com.datastax.oss.driver.api.core.type.codec.CodecNotFoundException;
import io.tracker.core.model.Column;
import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import io.tracker.core.session.SchemaFiles;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionReader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cassandra with DataStax's java-driver-core: prepared statements only; rows of one partition go together in an
 * UNLOGGED batch, partitions are written asynchronously with at most {@code maxInFlight} requests outstanding.
 * Every table is keyed so a write is an upsert of the same row (event ids, line-item ids, increments by their id),
 * so a retried or replayed batch stores nothing twice. Null values are left unset (no tombstones).
 */
public final class CassandraSession implements Session {
    private static final Logger log = LoggerFactory.getLogger(CassandraSession.class);
    static final String SCHEMA = "schema/cassandra/001_tables.cql";
    private static final int MAX_BATCH = 100;

    private final String name;
    private final CassandraSettings settings;
    private final Map<String, PreparedStatement> inserts = new HashMap<>();
    private final Map<String, List<String>> partitionKeys = new HashMap<>();
    private volatile CqlSession cql;
    private volatile CassandraReader reader;
    private volatile boolean healthy;

    public CassandraSession(String name, CassandraSettings settings) {
        this.name = name;
        this.settings = settings;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void open(List<Table> tables) throws SessionException {
        try {
            if (cql == null) {
                cql = connect();
            }
            if (settings.autoCreateSchema() && !schemaPresent(tables)) {
                applySchema();
            }
            for (Table t : tables) {
                verify(t);
                inserts.put(t.name(), cql.prepare(insert(t)));
                partitionKeys.put(t.name(), partitionKey(t));
            }
            reader = new CassandraReader(cql, settings.keyspace(), this::partitionKey);
            healthy = true;
            log.atInfo().addKeyValue("session", name).addKeyValue("contactPoints", settings.contactPoints())
                    .addKeyValue("keyspace", settings.keyspace()).log("cassandra open");
        } catch (RuntimeException | IOException e) {
            healthy = false;
            // Down or unreachable: retried in the background (the tracker starts degraded). Refused credentials,
            // a drifted schema: fatal at start.
            throw io.tracker.backends.Failures.classify("session " + name + ": cannot open Cassandra at "
                    + settings.contactPoints() + ": " + e.getMessage(), e, t -> false, t ->
                    (t instanceof com.datastax.oss.driver.api.core.AllNodesFailedException a && a.getAllErrors().values()
                            .stream().flatMap(List::stream).noneMatch(x ->
                                    x instanceof com.datastax.oss.driver.api.core.auth.AuthenticationException))
                    || t instanceof com.datastax.oss.driver.api.core.DriverTimeoutException);
        }
    }

    private CqlSession connect() {
        DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofMillis(settings.requestTimeoutMillis()))
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofMillis(settings.schemaTimeoutMillis()))
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofMillis(settings.schemaTimeoutMillis()))
                .withBoolean(DefaultDriverOption.RECONNECT_ON_INIT, false)
                .build();
        CqlSessionBuilder b = CqlSession.builder().withConfigLoader(config).withLocalDatacenter(settings.localDatacenter());
        for (String cp : settings.contactPoints()) {
            int colon = cp.lastIndexOf(':');
            b.addContactPoint(InetSocketAddress.createUnresolved(cp.substring(0, colon), Integer.parseInt(cp.substring(colon + 1))));
        }
        if (!settings.user().isEmpty()) {
            b.withAuthCredentials(settings.user(), settings.password());
        }
        return b.build();
    }

    /**
     * Whether every table and index of the schema file already exists: schema statements take about a second each
     * on a small node (they wait for schema agreement), so a restart skips them when nothing is missing.
     */
    private boolean schemaPresent(List<Table> tables) {
        Set<String> have = new java.util.HashSet<>();
        cql.execute(SimpleStatement.newInstance("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?",
                settings.keyspace())).forEach(r -> have.add(r.getString(0)));
        for (Table t : tables) {
            if (!have.contains(t.name())) {
                return false;
            }
            Set<String> columns = new java.util.HashSet<>();
            cql.execute(SimpleStatement.newInstance("SELECT column_name FROM system_schema.columns WHERE keyspace_name = ? "
                    + "AND table_name = ?", settings.keyspace(), t.name())).forEach(r -> columns.add(r.getString(0)));
            for (io.tracker.core.model.Column c : t.columns()) {
                if (!columns.contains(c.name())) {
                    return false; // a table of an older version: the schema file's ALTER ... ADD IF NOT EXISTS adds it
                }
            }
        }
        long indexes = 0;
        for (var r : cql.execute(SimpleStatement.newInstance(
                "SELECT index_name FROM system_schema.indexes WHERE keyspace_name = ?", settings.keyspace()))) {
            indexes++;
        }
        return indexes >= EXPECTED_INDEXES;
    }

    /** CREATE INDEX statements in {@link #SCHEMA}. */
    private static final int EXPECTED_INDEXES = 38;

    private void applySchema() throws IOException {
        String text = SchemaFiles.read(SCHEMA);
        if (text == null) {
            throw new IOException("schema file " + SCHEMA + " missing from the class path");
        }
        String replication = settings.replicationStrategy().equals("SimpleStrategy")
                ? "{'class': 'SimpleStrategy', 'replication_factor': " + settings.replicationFactor() + "}"
                : "{'class': 'NetworkTopologyStrategy', '" + settings.localDatacenter().replace("'", "") + "': "
                        + settings.replicationFactor() + "}";
        text = text.replace("{keyspace}", settings.keyspace()).replace("{replication}", replication);
        for (String statement : SchemaFiles.statements(text)) {
            cql.execute(SimpleStatement.newInstance(statement).setTimeout(Duration.ofMillis(settings.schemaTimeoutMillis())));
        }
    }

    /** Every column of {@code t} exists in the keyspace (a drifted schema stops start-up with the names). */
    private void verify(Table t) throws IOException {
        ResultSet rs = cql.execute(SimpleStatement.newInstance(
                "SELECT column_name FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?",
                settings.keyspace(), t.name()));
        Set<String> have = new java.util.HashSet<>();
        rs.forEach(r -> have.add(r.getString(0)));
        List<String> missing = new ArrayList<>();
        for (Column c : t.columns()) {
            if (!have.contains(c.name())) {
                missing.add(c.name());
            }
        }
        if (have.isEmpty()) {
            throw new IOException("table " + settings.keyspace() + "." + t.name() + " does not exist");
        }
        if (!missing.isEmpty()) {
            throw new IOException("table " + settings.keyspace() + "." + t.name() + " lacks columns " + missing);
        }
    }

    private List<String> partitionKey(Table t) {
        var meta = cql.getMetadata().getKeyspace(settings.keyspace())
                .flatMap(k -> k.getTable(t.name()))
                .orElseThrow(() -> new IllegalStateException("no table " + t.name()));
        List<String> out = new ArrayList<>();
        meta.getPartitionKey().forEach(c -> out.add(c.getName().asInternal()));
        return out;
    }

    private String insert(Table t) {
        StringBuilder cols = new StringBuilder();
        StringBuilder marks = new StringBuilder();
        for (Column c : t.columns()) {
            cols.append(cols.length() == 0 ? "" : ", ").append('"').append(c.name()).append('"');
            marks.append(marks.length() == 0 ? "?" : ", ?");
        }
        return "INSERT INTO " + settings.keyspace() + "." + t.name() + " (" + cols + ") VALUES (" + marks + ")";
    }

    @Override
    public void write(Table table, List<Row> rows) throws SessionException {
        PreparedStatement ps = inserts.get(table.name());
        if (cql == null || ps == null) {
            throw io.tracker.backends.Failures.notOpen("session " + name + ": not open for table " + table.name());
        }
        // Group by partition: rows of one partition in one UNLOGGED batch (one mutation on one replica set).
        Map<List<Object>, List<Row>> byPartition = new LinkedHashMap<>();
        List<String> key = partitionKeys.get(table.name());
        for (Row r : rows) {
            List<Object> k = new ArrayList<>(key.size());
            for (String c : key) {
                k.add(r.get(c));
            }
            byPartition.computeIfAbsent(k, x -> new ArrayList<>()).add(r);
        }
        Semaphore inFlight = new Semaphore(settings.maxInFlight());
        List<CompletableFuture<AsyncResultSet>> pending = new ArrayList<>();
        try {
            for (List<Row> partition : byPartition.values()) {
                for (int from = 0; from < partition.size(); from += MAX_BATCH) {
                    List<Row> chunk = partition.subList(from, Math.min(partition.size(), from + MAX_BATCH));
                    Statement<?> st = chunk.size() == 1 ? bind(ps, table, chunk.get(0)) : batch(ps, table, chunk);
                    if (!inFlight.tryAcquire(settings.requestTimeoutMillis(), TimeUnit.MILLISECONDS)) {
                        throw new TimeoutException("no request slot within the request timeout");
                    }
                    CompletionStage<AsyncResultSet> f = cql.executeAsync(st);
                    pending.add(f.toCompletableFuture().whenComplete((r, e) -> inFlight.release()));
                }
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                    .get(settings.requestTimeoutMillis() * 2L, TimeUnit.MILLISECONDS);
            healthy = true;
        } catch (ExecutionException e) {
            throw failure(table, rows, e.getCause() == null ? e : e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(table, rows, e);
        } catch (TimeoutException | RuntimeException e) {
            throw failure(table, rows, e);
        }
    }

    private BatchStatement batch(PreparedStatement ps, Table table, List<Row> rows) {
        BatchStatementBuilder b = BatchStatement.builder(BatchType.UNLOGGED);
        for (Row r : rows) {
            b.addStatement(bind(ps, table, r));
        }
        return b.build().setIdempotent(true);
    }

    private static BoundStatement bind(PreparedStatement ps, Table table, Row row) {
        BoundStatementBuilder b = ps.boundStatementBuilder();
        List<Column> columns = table.columns();
        for (int i = 0; i < columns.size(); i++) {
            Object v = row.get(i);
            if (v == null) {
                continue; // unset, not null: no tombstone
            }
            switch (columns.get(i).type()) {
                case UUID -> b.setUuid(i, (java.util.UUID) v);
                case STRING, JSON -> b.setString(i, (String) v);
                case INT64 -> b.setLong(i, (Long) v);
                case INT32 -> b.setInt(i, (Integer) v);
                case FLOAT64 -> b.setDouble(i, (Double) v);
                case TIMESTAMP -> b.setInstant(i, Instant.ofEpochMilli((Long) v));
                case DECIMAL -> b.setBigDecimal(i, (java.math.BigDecimal) v);
                case BOOLEAN -> b.setBoolean(i, (Boolean) v);
                case STRINGS -> b.setList(i, castList(v, String.class), String.class);
                case UUIDS -> b.setList(i, castList(v, java.util.UUID.class), java.util.UUID.class);
            }
        }
        return b.build().setIdempotent(true);
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> castList(Object v, Class<T> element) {
        return (List<T>) v; // RowBuilder checked every element's class
    }

    private SessionException failure(Table table, List<Row> rows, Throwable e) {
        String msg = "session " + name + ", table " + table.name() + ": write of " + rows.size() + " rows failed: "
                + (e instanceof TimeoutException ? "timed out" : e.getMessage());
        SessionException f = io.tracker.backends.Failures.classify(msg, e,
                t -> t instanceof InvalidQueryException || t instanceof CodecNotFoundException
                        || t instanceof IllegalArgumentException,
                t -> t instanceof com.datastax.oss.driver.api.core.AllNodesFailedException
                        || t instanceof com.datastax.oss.driver.api.core.DriverTimeoutException
                        || t instanceof com.datastax.oss.driver.api.core.servererrors.QueryExecutionException
                        || t instanceof com.datastax.oss.driver.api.core.connection.ClosedConnectionException
                        || t instanceof com.datastax.oss.driver.api.core.servererrors.OverloadedException
                        || t instanceof com.datastax.oss.driver.api.core.servererrors.BootstrappingException);
        healthy = f.kind() != SessionException.Kind.UNAVAILABLE;
        return f;
    }

    @Override
    public Optional<SessionReader> reader() {
        return Optional.ofNullable(reader);
    }

    /** One user's events only (see {@link CassandraAnalytics}); everything else is a 400 naming the limit. */
    @Override
    public Optional<io.tracker.core.query.Analytics> analytics() {
        CassandraReader r = reader;
        return r == null ? Optional.empty() : Optional.of(new CassandraAnalytics(r));
    }

    @Override
    public boolean readable() {
        return true;
    }

    @Override
    public boolean isHealthy() {
        return healthy;
    }

    @Override
    public boolean probe() {
        CqlSession c = cql;
        if (c == null) {
            return false;
        }
        try {
            return c.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement
                    .newInstance("SELECT release_version FROM system.local")
                    .setTimeout(java.time.Duration.ofSeconds(2))).one() != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        CqlSession c = cql;
        cql = null;
        reader = null;
        healthy = false;
        if (c != null) {
            c.close();
        }
    }
}
