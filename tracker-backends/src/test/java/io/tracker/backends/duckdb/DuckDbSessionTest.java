package io.tracker.backends.duckdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.tracker.core.config.ConfigException;
import io.tracker.core.config.SessionConfig;
import io.tracker.core.model.Column;
import io.tracker.core.model.ColumnType;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import io.tracker.core.session.SessionException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DuckDB-specific behaviour, against a real embedded DuckDB file (the shared behaviour: DuckDbSessionContractTest). */
class DuckDbSessionTest {
    @TempDir
    Path dir;

    private DuckDbSession session() {
        return (DuckDbSession) new DuckDbSessionProvider().create(
                new SessionConfig("duckdb", "duckdb", JsonNodeFactory.instance.objectNode()), "sessions[0]", dir);
    }

    private static Row event(UUID eid, String ename, long createdAt) {
        return new RowBuilder(Tables.EVENTS).eid(eid)
                .set("vid", UUID.nameUUIDFromBytes(ename.getBytes()))
                .set("ename", ename)
                .set("cflags", 1024L)
                .set("ver", 7)
                .set("score", 0.5)
                .set("created_at", createdAt)
                .set("params", "{\"plan\":\"pro\",\"seats\":3}")
                .build();
    }

    private long count(Path file, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file);
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void rollupsHoldInAnyJvmTimeZoneAndWithStringsTheStoreRewrites() throws Exception {
        // The UTC hour that is a gap in Berlin's spring-forward, and unpaired surrogates (stored as '?'): two enames
        // that differ in Java and are one in the store.
        java.util.TimeZone saved = java.util.TimeZone.getDefault();
        java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("Europe/Berlin"));
        try {
            DuckDbSession s = session();
            s.open(Tables.ALL);
            long gap = java.time.Instant.parse("2026-03-29T02:30:00Z").toEpochMilli();
            UUID v = UUID.randomUUID();
            List<Row> rows = new java.util.ArrayList<>();
            for (String ename : List.of("a\ud800", "a\udfff", "gap")) {
                rows.add(new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("vid", v).set("ename", ename)
                        .set("created_at", gap).build());
            }
            s.write(Tables.EVENTS, rows);
            s.write(Tables.EVENTS, List.of(new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("vid", v)
                    .set("ename", "gap").set("created_at", gap + 60_000).build()));
            s.close();
            Path file = dir.resolve("tracker.duckdb");
            assertEquals(4, count(file, "SELECT sum(events) FROM hourly_event_stats"));
            assertEquals(2, count(file, "SELECT events FROM hourly_event_stats WHERE ename = 'gap'"));
            assertEquals(1, count(file, "SELECT visitors FROM hourly_event_stats WHERE ename = 'gap'"));
            assertEquals(2, count(file, "SELECT sum(events) FROM hourly_event_stats WHERE ename <> 'gap'"));
            assertEquals(count(file, "SELECT count(DISTINCT ename) FROM events"),
                    count(file, "SELECT count(*) FROM daily_kpis"));
            assertEquals(count(file, "SELECT epoch_ms(date_trunc('hour', created_at)) FROM events LIMIT 1"),
                    count(file, "SELECT epoch_ms(hour) FROM hourly_event_stats LIMIT 1"));
        } finally {
            java.util.TimeZone.setDefault(saved);
        }
    }

    @Test
    void campaignDaysAreKeptWithEventsOnceEachAndRebuiltExactly() throws Exception {
        DuckDbSession s = session();
        s.open(Tables.ALL);
        UUID oid = UUID.randomUUID();
        long day1 = java.time.Instant.parse("2026-03-10T23:59:59Z").toEpochMilli();
        List<Row> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            boolean conversion = i % 3 == 0;
            rows.add(new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("oid", oid)
                    .set("ename", conversion ? "campaign_conversion" : "campaign_click").set("campaign", i % 2 == 0 ? "a" : "b")
                    .set("params", conversion ? "{\"revenue\":1.25}" : "{}").set("created_at", day1 + i * 1000L).build());
        }
        s.write(Tables.EVENTS, rows);
        s.write(Tables.EVENTS, rows, true); // a replay of the same batch adds nothing
        var days = s.analytics().orElseThrow().campaignDays(oid, "a", java.time.LocalDate.of(2026, 3, 1),
                java.time.LocalDate.of(2026, 4, 1));
        s.close();
        Path file = dir.resolve("tracker.duckdb");
        String truth = "SELECT CAST(created_at AS DATE) AS day, campaign, count(*) FILTER (WHERE ename = 'campaign_click'), "
                + "count(*) FILTER (WHERE ename = 'campaign_conversion'), coalesce(sum(125) FILTER (WHERE ename = "
                + "'campaign_conversion'), 0) FROM events GROUP BY ALL ORDER BY ALL";
        String kept = "SELECT day, campaign, clicks, conversions, value_cents FROM campaign_daily ORDER BY ALL";
        assertEquals(rowsOf(file, truth), rowsOf(file, kept));
        assertEquals(2, days.size(), "two UTC days of campaign a: " + days);
        assertEquals(3, rowsOf(file, kept).size(), "a on two days, b on one");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement st = c.createStatement()) {
            st.execute("UPDATE campaign_daily SET clicks = 999");
        }
        DuckDbSession again = session();
        again.open(Tables.ALL);
        again.rebuildRollups(java.time.LocalDate.of(2026, 3, 1), java.time.LocalDate.of(2026, 3, 12));
        again.close();
        assertEquals(rowsOf(file, truth), rowsOf(file, kept), "a rebuild reproduces them from events");
    }

    private static List<String> rowsOf(Path file, String sql) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    b.append(rs.getString(i)).append('|');
                }
                out.add(b.toString());
            }
        }
        return out;
    }

    @Test
    void writesEveryTypeAndReadsItBack() throws Exception {
        DuckDbSession s = session();
        s.open(Tables.ALL);
        UUID eid = UUID.randomUUID();
        s.write(Tables.EVENTS, List.of(event(eid, "signup", 1_700_000_000_123L)));
        s.close();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + s.file());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT eid, ename, cflags, ver, score, epoch_ms(created_at), "
                     + "params->>'plan', CAST(params->>'seats' AS INT), uid, url FROM events")) {
            assertTrue(rs.next());
            assertEquals(eid, rs.getObject(1));
            assertEquals("signup", rs.getString(2));
            assertEquals(1024L, rs.getLong(3));
            assertEquals(7, rs.getInt(4));
            assertEquals(0.5, rs.getDouble(5));
            assertEquals(1_700_000_000_123L, rs.getLong(6));
            assertEquals("pro", rs.getString(7));
            assertEquals(3, rs.getInt(8));
            assertNull(rs.getObject(9), "absent values are NULL");
            assertNull(rs.getString(10));
        }
    }

    @Test
    void refusesToOpenWhenTheTableDriftedFromItsDefinition() throws Exception {
        Path file = dir.resolve("tracker.duckdb");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE events (eid UUID, something_else VARCHAR)");
        }
        SessionException e = assertThrows(SessionException.class, () -> session().open(Tables.ALL));
        assertTrue(e.getMessage().contains("does not match its definition"), e.getMessage());
    }

    @Test
    void aFailedBatchLeavesNothingBehind() throws Exception {
        // A definition that lies about one column's type: the appender accepts 4,000 rows (two
        // flushed chunks) and fails on the 4,001st, mid-batch.
        List<Column> cols = new ArrayList<>(Tables.EVENTS.columns());
        cols.set(Tables.EVENTS.indexOf("ename"), Column.of("ename", ColumnType.INT32));
        Table lying = new Table("events", cols);
        DuckDbSession s = session();
        s.open(Tables.ALL);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i <= 4000; i++) {
            rows.add(new RowBuilder(lying).eid(UUID.randomUUID()).set("created_at", 1L)
                    .set("ename", i == 4000 ? Integer.valueOf(5) : null).build());
        }
        SessionException e = assertThrows(SessionException.class, () -> s.write(lying, rows));
        assertTrue(e.isRejected(), "a type error is the data's fault, not a transient failure");
        s.write(Tables.EVENTS, List.of(event(UUID.randomUUID(), "ok", 1)));
        s.close();
        assertEquals(1, count(s.file(), "SELECT count(*) FROM events"), "the failed batch wrote no partial rows");
    }

    @Test
    void settingsAreValidatedWithTheirKey() {
        var settings = JsonNodeFactory.instance.objectNode().put("memoryLimit", "lots").put("colour", "blue");
        ConfigException unknown = assertThrows(ConfigException.class, () -> new DuckDbSessionProvider()
                .create(new SessionConfig("duckdb", "d", settings), "sessions[0]", dir));
        assertTrue(unknown.getMessage().startsWith("sessions[0].settings.colour: unknown key"), unknown.getMessage());
        var bad = JsonNodeFactory.instance.objectNode().put("memoryLimit", "lots");
        ConfigException e = assertThrows(ConfigException.class, () -> new DuckDbSessionProvider()
                .create(new SessionConfig("duckdb", "d", bad), "sessions[0]", dir));
        assertTrue(e.getMessage().contains("sessions[0].settings.memoryLimit"), e.getMessage());
    }

    /**
     * The rollups' members once had a primary key, an index DuckDB keeps in memory: with the default 64 MB the writes
     * failed ("failed to pin block") after 100-200k distinct visitors. 250,000 visitors, all in one hour, day and
     * month (the largest member sets a batch looks into), are stored now, with exact visitor counts.
     */
    @Test
    void aQuarterMillionVisitorsFitTheDefaultMemoryLimitAndAreCountedExactly() throws Exception {
        DuckDbSession s = session(); // DuckDbSettings.standard(): memoryLimit 64MB
        s.open(Tables.ALL);
        long at = java.time.Instant.parse("2026-06-15T10:00:00Z").toEpochMilli();
        java.util.Random random = new java.util.Random(1);
        for (int b = 0; b < 25; b++) {
            List<Row> rows = new ArrayList<>(10_000);
            for (int i = 0; i < 10_000; i++) {
                rows.add(new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("vid", new UUID(b, i))
                        .set("ename", "pv" + random.nextInt(3)).set("source", "s" + random.nextInt(20))
                        .set("created_at", at + b * 1000L + i % 1000).build());
            }
            s.write(Tables.EVENTS, rows);
        }
        // a visitor seen again later in the hour is no new member
        s.write(Tables.EVENTS, List.of(new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("vid", new UUID(3, 5))
                .set("ename", "pv0").set("source", "s0").set("created_at", at + 60_000).build()));
        s.close();
        Path file = dir.resolve("tracker.duckdb");
        assertEquals(250_001, count(file, "SELECT count(*) FROM events"));
        assertEquals(count(file, "SELECT count(DISTINCT (ename, vid)) FROM events"),
                count(file, "SELECT sum(visitors) FROM hourly_event_stats"));
        assertEquals(count(file, "SELECT count(DISTINCT (ename, source, vid)) FROM events"),
                count(file, "SELECT sum(visitors) FROM daily_kpis"));
        assertEquals(250_001, count(file, "SELECT sum(events) FROM monthly_kpis"));
    }

    @Test
    void aFileWithTheEarlierVisitorsTablesKeepsItsMembers() throws Exception {
        DuckDbSession s = session();
        s.open(Tables.ALL);
        long at = java.time.Instant.parse("2026-06-15T10:00:00Z").toEpochMilli();
        UUID v = UUID.randomUUID();
        s.write(Tables.EVENTS, List.of(new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("vid", v)
                .set("ename", "pv").set("created_at", at).build()));
        s.close();
        Path file = dir.resolve("tracker.duckdb");
        // as an earlier version left the file: members in *_visitors, with their primary key
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement st = c.createStatement()) {
            for (String t : List.of("hourly_event_stats", "daily_kpis", "monthly_kpis")) {
                st.execute("CREATE TABLE " + t + "_visitors AS SELECT * FROM " + t + "_members");
                st.execute("DROP TABLE " + t + "_members");
            }
        }
        s = session();
        s.open(Tables.ALL);
        s.write(Tables.EVENTS, List.of(new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("vid", v)
                .set("ename", "pv").set("created_at", at + 1000).build()));
        s.close();
        assertEquals(1, count(file, "SELECT count(*) FROM hourly_event_stats_members"));
        assertEquals(1, count(file, "SELECT visitors FROM hourly_event_stats"), "the migrated member is known");
        assertEquals(2, count(file, "SELECT events FROM daily_kpis"));
        assertEquals(0, count(file, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '%_visitors'"));
    }
}
