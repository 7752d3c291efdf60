package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The real server and DuckDB under concurrent load: graceful stop, and a backend outage in the middle. */
class DeliveryUnderFailureTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void heal() {
        FlakySessionProvider.FAILING.set(false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "wal", "sync"})
    void fiftyThousandConcurrentEventsAreAllStoredAfterAGracefulStop(String durability) throws Exception {
        Tracker tracker = TestTrackers.start(dataDir, c -> ((ObjectNode) c.get("batching").get("tables").get("events"))
                .put("durability", durability).put("maxAgeMillis", 20));
        // sync answers a request once its batch is stored: the 8 clients wait for one batch at a time (maxAge, then
        // the write and its rollups), ~40 s for the 5,000 requests here and over 120 s on a CI box that also runs the
        // backends' servers. A bound on a hang, not a speed test (bench/ measures speed).
        int acknowledged = new Load("http://127.0.0.1:" + tracker.port(), 8, 10, 5_000, 0).await(400);
        tracker.stop();
        assertEquals(50_000, acknowledged);
        assertEquals(50_000, TestTrackers.count(dataDir, "SELECT count(*) FROM events"));
        assertEquals(50_000, TestTrackers.count(dataDir, "SELECT count(DISTINCT eid) FROM events"));
    }

    @Test
    void aBackendOutageSpillsToTheSpoolWhichDrainsWhenItReturns() throws Exception {
        Tracker tracker = TestTrackers.start(dataDir, c -> {
            ((ObjectNode) c.get("sessions").get(0)).put("type", "flaky-duckdb");
            ((ObjectNode) c.get("batching")).put("breakerFailures", 2).put("breakerOpenMillis", 200)
                    .put("retryInitialMillis", 10).put("retryMaxMillis", 100);
            ObjectNode events = (ObjectNode) c.get("batching").get("tables").get("events");
            events.put("maxAgeMillis", 50);
        });
        String base = "http://127.0.0.1:" + tracker.port();
        Load load = new Load(base, 4, 5, Integer.MAX_VALUE, 0);

        Thread.sleep(300);
        FlakySessionProvider.FAILING.set(true);
        AtomicLong maxSpool = new AtomicLong();
        boolean sawOpen = false;
        long outageEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < outageEnd) {
            JsonNode s = status(base);
            maxSpool.accumulateAndGet(s.get("spoolBytes").asLong(), Math::max);
            sawOpen |= "open".equals(s.get("breaker").asText());
            Thread.sleep(50);
        }
        int ackedDuringOutage = load.acknowledged();
        FlakySessionProvider.FAILING.set(false);
        long drainEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (status(base).get("spoolBytes").asLong() > 0 && System.nanoTime() < drainEnd) {
            Thread.sleep(50);
        }
        assertEquals(0, status(base).get("spoolBytes").asLong(), "the spool drained after the outage");
        Thread.sleep(300);
        load.stop();
        int acknowledged = load.await(60);
        tracker.stop();

        assertTrue(sawOpen, "the breaker opened during the outage");
        assertTrue(maxSpool.get() > 0, "rows were spooled during the outage");
        assertTrue(ackedDuringOutage > 0);
        long rows = TestTrackers.count(dataDir, "SELECT count(*) FROM events");
        assertEquals(acknowledged, rows, "rows == acknowledged");
        assertEquals(rows, TestTrackers.count(dataDir, "SELECT count(DISTINCT eid) FROM events"), "no duplicates");
    }

    private JsonNode status(String base) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return JSON.readTree(body).get("sessions").get(0);
    }
}
