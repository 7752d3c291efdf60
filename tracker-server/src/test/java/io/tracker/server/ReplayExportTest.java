package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.backends.clickhouse.ClickHouseSession;
import io.tracker.backends.clickhouse.ClickHouseSessionProvider;
import io.tracker.core.config.SessionConfig;
import io.tracker.core.config.TrackerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tracker replay} and {@code tracker export} round trips: DuckDB into a second DuckDB and into ClickHouse (the
 * server of {@code scripts/clickhouse.sh}), twice (the second run adds nothing), and to Parquet / CSV files read back.
 */
class ReplayExportTest {
    private static final String URL = System.getenv().getOrDefault("TRACKER_TEST_CLICKHOUSE_URL", "http://127.0.0.1:8123");
    private static final int EVENTS = 3_000;

    @TempDir
    Path dataDir;
    private String database;
    private ClickHouseSession direct;

    @BeforeEach
    void database() {
        database = "replay_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        ObjectNode settings = JsonNodeFactory.instance.objectNode().put("url", URL).put("database", database);
        direct = (ClickHouseSession) new ClickHouseSessionProvider()
                .create(new SessionConfig("clickhouse", "direct", settings), "direct", dataDir);
    }

    @AfterEach
    void drop() throws Exception {
        try {
            direct.open(List.of());
            direct.query("DROP DATABASE IF EXISTS " + database);
        } finally {
            direct.close();
        }
    }

    /** A tracker on DuckDB only, fed {@link #EVENTS} varied events, stopped. */
    private void seed() throws Exception {
        seed(c -> { });
    }

    private void seed(java.util.function.Consumer<ObjectNode> tweak) throws Exception {
        Tracker t = TestTrackers.start(dataDir, tweak);
        try {
            HttpClient http = HttpClient.newHttpClient();
            ArrayNode events = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < EVENTS; i++) {
                ObjectNode e = events.addObject().put("ename", i % 7 == 0 ? "signup" : "view")
                        .put("vid", new UUID(7, i % 300).toString()).put("url", "https://x.example/" + i)
                        .put("source", i % 3 == 0 ? "news" : "").put("duration", i);
                e.putObject("params").put("i", i).put("text", "tab\there, \"quoted\"");
                if (events.size() == 1_000) {
                    post(http, t.port(), events);
                    events.removeAll();
                }
            }
            post(http, t.port(), events);
        } finally {
            t.stop();
        }
    }

    private static void post(HttpClient http, int port, ArrayNode events) throws Exception {
        if (events.isEmpty()) {
            return;
        }
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/tr/v1/str/"))
                .POST(HttpRequest.BodyPublishers.ofString(events.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    /** DuckDB {@code duckdb} (the seeded file), a second DuckDB {@code copy}, ClickHouse {@code clickhouse}. */
    private TrackerConfig threeSessions() {
        return TestTrackers.config(dataDir, c -> {
            ArrayNode sessions = (ArrayNode) c.get("sessions");
            ObjectNode copy = sessions.addObject().put("type", "duckdb").put("name", "copy");
            copy.putObject("settings").put("path", "copy.duckdb");
            ObjectNode ch = sessions.addObject().put("type", "clickhouse").put("name", "clickhouse");
            ch.set("settings", JsonNodeFactory.instance.objectNode().put("url", URL).put("database", database));
        });
    }

    @Test
    void replayCopiesEveryEventOnceHoweverOftenItRuns() throws Exception {
        seed();
        TrackerConfig config = threeSessions();
        Instant from = Instant.now().minus(1, ChronoUnit.DAYS);
        Instant to = Instant.now().plus(1, ChronoUnit.DAYS);
        assertEquals(EVENTS, Replay.run(config, "duckdb", "copy", from, to, List.of()));
        assertEquals(EVENTS, Replay.run(config, "duckdb", "copy", from, to, List.of()), "every event offered again");
        assertEquals(EVENTS, Replay.run(config, "duckdb", "clickhouse", from, to, List.of()));
        Replay.run(config, "duckdb", "clickhouse", from, to, List.of());
        long signups = Replay.run(config, "duckdb", "clickhouse", from, to, List.of("signup"));
        assertEquals((EVENTS + 6) / 7, signups);
        // exactly: the same rows, every column, in the copy; once each in ClickHouse
        String cols = io.tracker.core.model.Tables.EVENTS.columns().stream().map(c -> c.name())
                .collect(Collectors.joining(", "));
        List<Map<String, Object>> original = TestTrackers.query(dataDir, "SELECT " + cols + " FROM events ORDER BY eid");
        List<Map<String, Object>> copied = rows("copy.duckdb", cols);
        assertEquals(EVENTS, original.size());
        assertEquals(original.toString(), copied.toString(), "a replay copies every column exactly");
        direct.open(List.of());
        assertEquals(EVENTS + "\t" + EVENTS, direct.query("SELECT count(), uniqExact(eid) FROM " + database
                + ".events").trim());
        assertEquals(Long.toString(signups), direct.query("SELECT count() FROM " + database
                + ".events WHERE ename = 'signup'").trim());
    }

    private List<Map<String, Object>> rows(String file, String cols) throws Exception {
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        try (var c = java.sql.DriverManager.getConnection("jdbc:duckdb:" + dataDir.resolve(file));
             var s = c.createStatement(); var rs = s.executeQuery("SELECT " + cols + " FROM events ORDER BY eid")) {
            while (rs.next()) {
                Map<String, Object> row = new java.util.LinkedHashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    @Test
    void replayFromTheNatsStreamRestoresEveryEventOnce() throws Exception {
        ObjectNode nats = Backends.natsSettings(Backends.newStream());
        seed(c -> ((ArrayNode) c.get("sessions")).addObject().put("type", "nats").put("name", "nats").set("settings", nats));
        TrackerConfig config = TestTrackers.config(dataDir, c -> {
            ArrayNode sessions = (ArrayNode) c.get("sessions");
            sessions.addObject().put("type", "nats").put("name", "nats").set("settings", nats);
            sessions.addObject().put("type", "duckdb").put("name", "copy").putObject("settings").put("path", "copy.duckdb");
        });
        Instant from = Instant.now().minus(1, ChronoUnit.HOURS);
        Instant to = Instant.now().plus(1, ChronoUnit.HOURS);
        assertEquals(EVENTS, Replay.run(config, "nats", "copy", from, to, List.of()));
        assertEquals(EVENTS, Replay.run(config, "nats", "copy", from, to, List.of()), "offered again, stored once");
        assertEquals(0, Replay.run(config, "nats", "copy", to, to.plusSeconds(60), List.of()), "none in that range");
        String cols = io.tracker.core.model.Tables.EVENTS.columns().stream().map(c -> c.name())
                .collect(Collectors.joining(", "));
        assertEquals(TestTrackers.query(dataDir, "SELECT " + cols + " FROM events ORDER BY eid").toString(),
                rows("copy.duckdb", cols).toString(), "the stream gives back every column exactly");
    }

    @Test
    void exportWritesParquetAndCsvThatReadBackExactly() throws Exception {
        seed();
        TrackerConfig config = TestTrackers.config(dataDir, c -> { });
        Instant from = Instant.now().minus(1, ChronoUnit.DAYS);
        Instant to = Instant.now().plus(1, ChronoUnit.DAYS);
        Path parquet = dataDir.resolve("out.parquet");
        Path csv = dataDir.resolve("out.csv");
        assertEquals(EVENTS, Export.run(config, null, "events", from, to, "parquet", parquet));
        assertEquals(EVENTS, Export.run(config, null, "events", from, to, "csv", csv));
        assertEquals(0, Export.run(config, null, "events", to, to.plusSeconds(60), "csv", dataDir.resolve("none.csv")));
        String sql = "SELECT count(*) AS n, count(DISTINCT eid) AS d, sum(duration) AS s FROM ";
        Map<String, Object> stored = TestTrackers.query(dataDir, sql + "events").get(0);
        Map<String, Object> fromParquet = TestTrackers.query(dataDir, sql + "read_parquet('" + parquet + "')").get(0);
        Map<String, Object> fromCsv = TestTrackers.query(dataDir, sql + "read_csv('" + csv + "', header = true)").get(0);
        assertEquals(stored.toString(), fromParquet.toString());
        assertEquals(stored.toString(), fromCsv.toString());
        assertEquals(0L, TestTrackers.count(dataDir, "SELECT count(*) FROM (SELECT eid, params, url FROM events EXCEPT "
                + "SELECT eid, params, url FROM read_parquet('" + parquet + "'))"), "every value the same");
        assertTrue(Files.size(parquet) > 0);
    }
}
