package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.backends.clickhouse.ClickHouseSession;
import io.tracker.backends.clickhouse.ClickHouseSessionProvider;
import io.tracker.core.config.SessionConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One tracker, every write fanned out to several sessions, each with its own queues, breaker and spool: all four
 * backends end up with the same event ids, and a NATS outage under load loses nothing anywhere.
 */
class FanOutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CH = System.getenv().getOrDefault("TRACKER_TEST_CLICKHOUSE_URL", "http://127.0.0.1:8123");

    @TempDir
    Path dataDir;
    private String stream;
    private String database;
    private Tracker tracker;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void names() {
        stream = Backends.newStream();
        database = "fan_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Backends.truncateCassandra();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (tracker != null) {
            tracker.stop();
        }
        Backends.deleteStream(stream);
        ClickHouseSession ch = clickhouse();
        ch.open(List.of());
        ch.query("DROP DATABASE IF EXISTS " + database);
        ch.close();
    }

    private ClickHouseSession clickhouse() {
        ObjectNode s = JsonNodeFactory.instance.objectNode().put("url", CH).put("database", database).put("autoCreateSchema", false);
        return (ClickHouseSession) new ClickHouseSessionProvider().create(new SessionConfig("clickhouse", "direct", s), "direct", dataDir);
    }

    private void start(boolean allFour) throws Exception {
        tracker = TestTrackers.start(dataDir, c -> {
            ArrayNode sessions = c.putArray("sessions");
            sessions.addObject().put("type", "duckdb").put("name", "duckdb")
                    .putObject("settings").put("path", "tracker.duckdb").put("memoryLimit", "64MB").put("threads", 1);
            sessions.addObject().put("type", "nats").put("name", "nats").set("settings", Backends.natsSettings(stream));
            if (allFour) {
                sessions.addObject().put("type", "clickhouse").put("name", "clickhouse").set("settings",
                        JsonNodeFactory.instance.objectNode().put("url", CH).put("database", database));
                sessions.addObject().put("type", "cassandra").put("name", "cassandra").set("settings", Backends.cassandraSettings());
            }
            ((ObjectNode) c.get("batching")).put("breakerOpenMillis", 500).put("retryMaxMillis", 1_000);
        });
    }

    @Test
    void anErasureSkipsTheWriteOnlySessionAndTellsItsConsumers() throws Exception {
        // With NATS beside DuckDB, an erasure used to stop after events with 503: NATS cannot read. Now the readable
        // sessions are erased and every session, NATS included, gets the erasure record for its consumers.
        start(false);
        UUID vid = UUID.randomUUID();
        String base = "http://127.0.0.1:" + tracker.port();
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/ltv/"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"vid\":\"" + vid + "\",\"amt\":3}")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        tracker.stop();
        tracker = TestTrackers.start(dataDir, c -> {
            ArrayNode sessions = c.putArray("sessions");
            sessions.addObject().put("type", "duckdb").put("name", "duckdb")
                    .putObject("settings").put("path", "tracker.duckdb").put("memoryLimit", "64MB").put("threads", 1);
            sessions.addObject().put("type", "nats").put("name", "nats").set("settings", Backends.natsSettings(stream));
            ((ObjectNode) c.get("admin")).put("token", "t0ken-for-the-test");
        });
        HttpResponse<String> erased = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tracker.port()
                + "/tr/v1/ppi/subject?vid=" + vid)).DELETE().header("Authorization", "Bearer t0ken-for-the-test").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, erased.statusCode(), erased.body());
        assertEquals(1, JSON.readTree(erased.body()).get("deleted").get("payments").asLong(), erased.body());
        List<JsonNode> records = Backends.messages(stream, stream.toLowerCase() + ".erasures");
        assertEquals(1, records.size());
        assertEquals(vid.toString(), records.get(0).get("subject").asText());
        assertEquals("vid", records.get(0).get("id_type").asText());
        tracker.stop();
        tracker = null;
        assertEquals(1L, TestTrackers.count(dataDir, "SELECT count(*) FROM erasures WHERE subject = '" + vid + "'"));
        assertEquals(0L, TestTrackers.count(dataDir, "SELECT count(*) FROM payments WHERE vid = '" + vid + "'"));
    }

    private List<UUID> duckdbEids() throws Exception {
        List<UUID> out = new ArrayList<>();
        TestTrackers.query(dataDir, "SELECT eid FROM events").forEach(r -> out.add((UUID) r.get("eid")));
        return out;
    }

    @Test
    void allFourBackendsHoldTheSameEventIds() throws Exception {
        start(true);
        Set<UUID> acked = Collections.synchronizedSet(new HashSet<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            fs.add(pool.submit(() -> {
                for (int i = 0; i < 50; i++) {
                    acked.addAll(OutageUnderLoad.send(http, tracker.port(), 1 + i % 20));
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        tracker.stop();
        tracker = null;
        assertTrue(acked.size() > 1_500, "acknowledged " + acked.size());
        List<UUID> duck = duckdbEids();
        List<UUID> nats = Backends.natsEids(stream);
        List<UUID> cass = Backends.cassandraEids();
        ClickHouseSession ch = clickhouse();
        ch.open(List.of());
        List<UUID> click = new ArrayList<>();
        for (String line : ch.query("SELECT toString(eid) FROM " + database + ".events").split("\n")) {
            if (!line.isBlank()) {
                click.add(UUID.fromString(line.trim()));
            }
        }
        ch.close();
        for (var e : List.of(List.of("duckdb", duck), List.of("nats", nats), List.of("clickhouse", click), List.of("cassandra", cass))) {
            @SuppressWarnings("unchecked")
            List<UUID> ids = (List<UUID>) e.get(1);
            assertEquals(acked.size(), ids.size(), e.get(0) + ": one row per acknowledged event, no duplicates");
            assertEquals(acked, new HashSet<>(ids), e.get(0) + ": the same event ids");
        }
    }

    @Test
    void natsDownForTenSecondsUnderLoadLosesNothing() throws Exception {
        start(false);
        OutageUnderLoad.Result load = OutageUnderLoad.run(tracker, "nats", () -> Backends.script("nats.sh", "stop"),
                () -> Backends.script("nats.sh", "restart")); // restart keeps the JetStream store
        Set<UUID> acked = load.acked();
        long spoolMax = load.spoolMax();
        tracker.stop();
        tracker = null;
        assertTrue(spoolMax > 0, "the outage went to the NATS session's spool");
        assertTrue(acked.size() > 1_000, "acknowledged " + acked.size());
        List<UUID> nats = Backends.natsEids(stream);
        List<UUID> duck = duckdbEids();
        assertEquals(acked.size(), duck.size());
        assertEquals(acked, new HashSet<>(duck), "DuckDB never stopped: it holds everything");
        assertEquals(acked, new HashSet<>(nats), "NATS got every acknowledged event after it came back");
        assertEquals(acked.size(), nats.size(), "and none twice (Nats-Msg-Id dedup of replays)");
    }
}
