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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

    /** Posts arrays of {@code perRequest} events from {@code threads} threads until {@code stop}; returns events acknowledged. */
    private AtomicInteger load(String base, int threads, int perRequest, AtomicBoolean stop, int maxRequests,
                               List<Future<?>> futures, ExecutorService pool) {
        AtomicInteger acknowledged = new AtomicInteger();
        AtomicInteger sent = new AtomicInteger();
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < perRequest; i++) {
            body.append(i == 0 ? "" : ",").append("{\"ename\":\"load\",\"n\":").append(i).append('}');
        }
        String payload = body.append(']').toString();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                while (!stop.get() && sent.incrementAndGet() <= maxRequests) {
                    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/"))
                                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(payload)).build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        acknowledged.addAndGet(perRequest);
                    } else {
                        assertEquals(503, r.statusCode(), "only back-pressure may refuse");
                    }
                }
                return null;
            }));
        }
        return acknowledged;
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "wal", "sync"})
    void fiftyThousandConcurrentEventsAreAllStoredAfterAGracefulStop(String durability) throws Exception {
        Tracker tracker = TestTrackers.start(dataDir, c -> ((ObjectNode) c.get("batching").get("tables").get("events"))
                .put("durability", durability).put("maxAgeMillis", 20));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> futures = new ArrayList<>();
        AtomicInteger acknowledged = load("http://127.0.0.1:" + tracker.port(), 8, 10, new AtomicBoolean(), 5_000,
                futures, pool);
        for (Future<?> f : futures) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        tracker.stop();
        assertEquals(50_000, acknowledged.get());
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
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger acknowledged = load(base, 4, 5, stop, Integer.MAX_VALUE, futures, pool);

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
        int ackedDuringOutage = acknowledged.get();
        FlakySessionProvider.FAILING.set(false);
        long drainEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (status(base).get("spoolBytes").asLong() > 0 && System.nanoTime() < drainEnd) {
            Thread.sleep(50);
        }
        assertEquals(0, status(base).get("spoolBytes").asLong(), "the spool drained after the outage");
        Thread.sleep(300);
        stop.set(true);
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        tracker.stop();

        assertTrue(sawOpen, "the breaker opened during the outage");
        assertTrue(maxSpool.get() > 0, "rows were spooled during the outage");
        assertTrue(ackedDuringOutage > 0);
        long rows = TestTrackers.count(dataDir, "SELECT count(*) FROM events");
        assertEquals(acknowledged.get(), rows, "rows == acknowledged");
        assertEquals(rows, TestTrackers.count(dataDir, "SELECT count(DISTINCT eid) FROM events"), "no duplicates");
    }

    private JsonNode status(String base) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return JSON.readTree(body).get("sessions").get(0);
    }
}
