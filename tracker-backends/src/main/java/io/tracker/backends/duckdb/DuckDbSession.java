package io.tracker.backends.duckdb;

import io.tracker.core.model.Column;
import io.tracker.core.model.ColumnType;
import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import io.tracker.core.session.SchemaFiles;
import io.tracker.core.session.SessionException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embedded DuckDB. Rows go through the Appender API (150-200× faster than batched prepared
 * statements here, research/backends.md §4), one explicit transaction per batch, so a batch is
 * all-or-nothing and a retry never stores half of it twice.
 */
public final class DuckDbSession implements Session {
    private static final Logger log = LoggerFactory.getLogger(DuckDbSession.class);
    private static final String SCHEMA_RESOURCE = "schema/duckdb/";

    private final String name;
    private final Path file;
    private final DuckDbSettings settings;
    private final Map<String, Table> tables = new HashMap<>();
    private DuckDBConnection connection;
    private volatile DuckDbReader reader;
    private volatile DuckDbAnalytics queries;
    private volatile io.tracker.core.query.Analytics analytics;
    private volatile boolean healthy;

    public DuckDbSession(String name, Path file, DuckDbSettings settings) {
        this.name = name;
        this.file = file.toAbsolutePath();
        this.settings = settings;
    }

    @Override
    public String name() {
        return name;
    }

    public Path file() {
        return file;
    }

    @Override
    public void open(List<Table> tablesToWrite) throws SessionException {
        try {
            Files.createDirectories(file.getParent());
            Properties props = new Properties();
            props.setProperty("memory_limit", settings.memoryLimit());
            props.setProperty("threads", Integer.toString(settings.threads()));
            props.setProperty("checkpoint_threshold", settings.checkpointThreshold().trim());
            Connection c = DriverManager.getConnection("jdbc:duckdb:" + file, props);
            connection = c.unwrap(DuckDBConnection.class);
            for (Table t : tablesToWrite) {
                applySchema(SCHEMA_RESOURCE + t.name() + ".sql");
                verifyColumns(t);
                tables.put(t.name(), t);
            }
            if (tables.containsKey("events")) {
                applySchema(SCHEMA_RESOURCE + "rollups.sql"); // views over events
                applySchema(SCHEMA_RESOURCE + "kpis.sql"); // KPI rollups, kept in step by write()
                DuckDbRollups.migrate(connection); // members of a file from before *_members
                try (Statement s = connection.createStatement()) {
                    DuckDbRollups.prepare(s); // the rollups' temp tables, committed: write() only empties them
                }
            }
            reader = new DuckDbReader(name, (DuckDBConnection) connection.duplicate());
            if (tables.containsKey("events")) {
                DuckDbAnalytics q = new DuckDbAnalytics(name, connection, 2);
                queries = q;
                analytics = new io.tracker.core.query.SqlAnalytics(q, q::run, true, true)
                        .withCampaigns(q::campaignDays); // kpis.sql: kept with events
            }
            healthy = true;
            log.atInfo().addKeyValue("session", name).addKeyValue("file", file).log("duckdb open");
        } catch (SQLException | IOException e) {
            closeQuietly();
            throw io.tracker.backends.Failures.classify("session " + name + ": cannot open DuckDB at " + file + ": "
                    + e.getMessage(), e, t -> false, DuckDbSession::isOutage);
        }
    }

    @Override
    public void write(Table table, List<Row> rows) throws SessionException {
        write(table, rows, false);
    }

    /**
     * One transaction per batch. With {@code mayRepeat} (a WAL/spool replay or a retry) the rows go to a
     * temporary table first and only those whose {@code eid} is not stored yet are inserted; the check is
     * limited to the batch's {@code created_at} range, which DuckDB's zone maps make cheap because rows
     * arrive in time order.
     */
    @Override
    public void write(Table table, List<Row> rows, boolean mayRepeat) throws SessionException {
        if (connection == null) {
            throw io.tracker.backends.Failures.notOpen("session " + name + ": not open");
        }
        try (Statement s = connection.createStatement()) {
            // The Appender joins an explicit transaction; without one it commits chunk by chunk, and
            // a batch failing half-way would leave half of it behind (then twice, after the retry).
            s.execute("BEGIN TRANSACTION");
            try {
                boolean rollups = table == io.tracker.core.model.Tables.EVENTS;
                List<Row> inserted = rows;
                if (mayRepeat && table.hasColumn("eid")) {
                    String replay = table.name() + "__replay";
                    s.execute("CREATE TEMP TABLE IF NOT EXISTS " + replay + " AS SELECT * FROM " + table.name() + " LIMIT 0");
                    s.execute("DELETE FROM " + replay);
                    append(connection.createAppender("temp", "main", replay), table, rows);
                    java.util.Set<java.util.UUID> fresh = insertMissing(table, replay, rows);
                    if (fresh.size() < rows.size()) {
                        inserted = rows.stream().filter(r -> fresh.contains(r.eid())).toList();
                    }
                } else {
                    append(connection.createAppender(DuckDBConnection.DEFAULT_SCHEMA, table.name()), table, rows);
                }
                if (rollups) {
                    DuckDbRollups.apply(connection, s, inserted); // same transaction: never apart from events
                    DuckDbCampaigns.apply(connection, inserted);
                }
                s.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(s);
                throw e;
            }
            healthy = true;
        } catch (SQLException | RuntimeException e) {
            SessionException f = io.tracker.backends.Failures.classify("session " + name + ", table " + table.name()
                    + ": write of " + rows.size() + " rows failed: " + e.getMessage(), e,
                    DuckDbSession::isDataError, DuckDbSession::isOutage);
            healthy = f.kind() != SessionException.Kind.UNAVAILABLE;
            throw f;
        }
    }

    private static void append(DuckDBAppender appender, Table table, List<Row> rows) throws SQLException {
        try (appender) {
            List<Column> columns = table.columns();
            for (Row row : rows) {
                appender.beginRow();
                for (int i = 0; i < columns.size(); i++) {
                    append(appender, columns.get(i).type(), row.get(i));
                }
                appender.endRow();
            }
        }
    }

    /** Inserts the replayed rows not stored yet; returns their eids. */
    private java.util.Set<java.util.UUID> insertMissing(Table table, String replay, List<Row> rows) throws SQLException {
        String sql = "INSERT INTO " + table.name() + " SELECT r.* FROM " + replay + " r WHERE NOT EXISTS (SELECT 1 FROM "
                + table.name() + " t WHERE t.eid = r.eid";
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        int createdAt = table.indexOf("created_at");
        if (createdAt >= 0) {
            for (Row r : rows) {
                Object v = r.get(createdAt);
                if (v instanceof Long ms) {
                    min = Math.min(min, ms);
                    max = Math.max(max, ms);
                }
            }
        }
        boolean ranged = createdAt >= 0 && min <= max && table.replayWindow() == Table.ReplayWindow.BATCH_TIME_RANGE;
        if (ranged) {
            sql += " AND t.created_at BETWEEN make_timestamp(?) AND make_timestamp(?)";
        }
        java.util.Set<java.util.UUID> inserted = new java.util.HashSet<>();
        try (PreparedStatement ps = connection.prepareStatement(sql + ") RETURNING eid")) {
            if (ranged) {
                ps.setLong(1, min * 1_000L);
                ps.setLong(2, max * 1_000L);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    inserted.add(rs.getObject(1, java.util.UUID.class));
                }
            }
        }
        return inserted;
    }

    /** DuckDB's error classes for its own disk or memory running out: retrying later helps, the rows are fine. */
    private static boolean isOutage(Throwable e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("IO Error") || m.contains("Out of Memory Error") || m.contains("No space left")
                || m.contains("database has been invalidated");
    }

    /** DuckDB's error classes for bad data, as opposed to I/O or resource trouble worth retrying. */
    private static boolean isDataError(Throwable e) {
        if (e instanceof ClassCastException || e instanceof IllegalArgumentException) {
            return true;
        }
        String m = String.valueOf(e.getMessage());
        return m.contains("Conversion Error") || m.contains("Constraint Error") || m.contains("Invalid Input Error")
                || m.contains("Out of Range Error") || m.contains("invalid column type");
    }

    private void rollbackQuietly(Statement s) {
        try {
            s.execute("ROLLBACK");
        } catch (SQLException e) {
            log.atWarn().addKeyValue("session", name).setCause(e).log("rollback failed");
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

    @Override
    public java.util.Optional<io.tracker.core.query.Analytics> analytics() {
        return java.util.Optional.ofNullable(analytics);
    }

    @Override
    public boolean isHealthy() {
        return healthy;
    }

    /** Embedded: the database answers a query on the writer's connection. */
    @Override
    public boolean probe() {
        DuckDBConnection c = connection;
        if (c == null) {
            return false;
        }
        try (Statement s = c.createStatement()) {
            return s.executeQuery("SELECT 1").next();
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public boolean copiesOut() {
        return true;
    }

    /**
     * {@code COPY (SELECT …) TO}: DuckDB takes no parameters in COPY, so the bounds are rendered from typed longs and
     * the path (the operator's own argument, not a request's) is quoted; the table name comes from the model.
     */
    @Override
    public long copyOut(Table table, java.time.Instant from, java.time.Instant to, String format, java.nio.file.Path out)
            throws SessionException {
        if (connection == null || !tables.containsKey(table.name()) || !table.hasColumn("created_at")) {
            throw new SessionException("session " + name + ": cannot export " + table.name());
        }
        String fmt = switch (format) {
            case "parquet" -> "FORMAT PARQUET";
            case "csv" -> "FORMAT CSV, HEADER";
            default -> throw new SessionException("format " + format + ": parquet or csv");
        };
        String path = out.toAbsolutePath().toString().replace("'", "''");
        String where = " WHERE created_at >= make_timestamp(" + from.toEpochMilli() * 1000L + ") AND created_at < make_timestamp("
                + to.toEpochMilli() * 1000L + ")";
        try (Statement s = connection.createStatement()) {
            s.execute("COPY (SELECT * FROM " + table.name() + where + " ORDER BY created_at, eid) TO '" + path + "' (" + fmt + ")");
            try (java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table.name() + where)) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new SessionException("session " + name + ": export failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean keepsRollups() {
        return tables.containsKey("events");
    }

    /** In one transaction on the writer's connection: run it with no writes going on (the CLI, tracker stopped). */
    @Override
    public java.util.Map<String, Long> rebuildRollups(java.time.LocalDate from, java.time.LocalDate to)
            throws SessionException {
        if (connection == null || !keepsRollups()) {
            throw new SessionException("session " + name + ": not open for events");
        }
        try (Statement s = connection.createStatement()) {
            s.execute("BEGIN TRANSACTION");
            try {
                java.util.Map<String, Long> out = new java.util.LinkedHashMap<>(DuckDbRollups.rebuild(connection, from, to));
                out.put("campaign_daily", DuckDbCampaigns.rebuild(connection, from.withDayOfMonth(1),
                        to.minusDays(1).withDayOfMonth(1).plusMonths(1)));
                s.execute("COMMIT");
                return out;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(s);
                throw e;
            }
        } catch (SQLException e) {
            throw new SessionException("session " + name + ": rollup rebuild failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws SessionException {
        if (connection == null) {
            return;
        }
        DuckDbReader r = reader;
        reader = null;
        analytics = null;
        DuckDbAnalytics q = queries;
        queries = null;
        if (q != null) {
            q.close();
        }
        if (r != null) {
            try {
                r.close();
            } catch (SQLException e) {
                log.atWarn().addKeyValue("session", name).setCause(e).log("reader close failed");
            }
        }
        try (Statement s = connection.createStatement()) {
            s.execute("CHECKPOINT");
        } catch (SQLException e) {
            log.atWarn().addKeyValue("session", name).setCause(e).log("checkpoint on close failed");
        }
        try {
            connection.close();
        } catch (SQLException e) {
            throw new SessionException("session " + name + ": close failed: " + e.getMessage(), e);
        } finally {
            connection = null;
            healthy = false;
        }
    }

    private static void append(DuckDBAppender a, ColumnType type, Object v) throws SQLException {
        if (v == null) {
            a.appendNull();
            return;
        }
        switch (type) {
            case UUID -> a.append((UUID) v);
            case STRING, JSON -> a.append((String) v);
            case INT64 -> a.append(((Long) v).longValue());
            case INT32 -> a.append(((Integer) v).intValue());
            case FLOAT64 -> a.append(((Double) v).doubleValue());
            case DECIMAL -> a.append((java.math.BigDecimal) v);
            case BOOLEAN -> a.append(((Boolean) v).booleanValue());
            case TIMESTAMP -> a.appendEpochMicros((Long) v * 1_000L);
            case STRINGS, UUIDS -> a.append((java.util.Collection<?>) v);
        }
    }

    private void applySchema(String resource) throws SQLException, IOException {
        String sql = SchemaFiles.read(resource);
        if (sql == null) {
            throw new IOException("schema file " + resource + " missing from the class path");
        }
        try (Statement s = connection.createStatement()) {
            for (String statement : SchemaFiles.statements(sql)) {
                s.execute(statement);
            }
        }
    }

    /** Checks the table's columns, in order and type, against the {@link Table} definition. */
    private void verifyColumns(Table t) throws SQLException {
        List<String> actual = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT column_name, data_type FROM information_schema.columns "
                        + "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position")) {
            ps.setString(1, t.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    actual.add(rs.getString(1) + " " + rs.getString(2));
                }
            }
        }
        List<String> expected = new ArrayList<>();
        for (Column c : t.columns()) {
            expected.add(c.name() + " " + sqlType(c.type()));
        }
        if (!actual.equals(expected)) {
            throw new SQLException("table " + t.name() + " does not match its definition; expected " + expected
                    + " but the database has " + actual);
        }
    }

    static String sqlType(ColumnType type) {
        return switch (type) {
            case UUID -> "UUID";
            case STRING -> "VARCHAR";
            case INT64 -> "BIGINT";
            case INT32 -> "INTEGER";
            case FLOAT64 -> "DOUBLE";
            case TIMESTAMP -> "TIMESTAMP";
            case JSON -> "JSON";
            case DECIMAL -> "DECIMAL(18,4)";
            case BOOLEAN -> "BOOLEAN";
            case STRINGS -> "VARCHAR[]";
            case UUIDS -> "UUID[]";
        };
    }

    private void closeQuietly() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already failing; the open error is what matters
            }
            connection = null;
        }
    }
}
