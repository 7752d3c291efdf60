package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a tracker in WAL mode under load, then a restart: every acknowledged event is
 * stored, none twice.
 */
class CrashRecoveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void killDashNineInWalModeLosesNoAcknowledgedEventAndDuplicatesNone() throws Exception {
        int port = ChildTracker.freePort();
        String base = "http://127.0.0.1:" + port;
        Path log = dataDir.resolve("tracker.log");
        Process first = ChildTracker.start(port, dataDir, log, "--durability", "wal");
        Set<UUID> acknowledged = ConcurrentHashMap.newKeySet();
        try {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> load = new ArrayList<>();
            long killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2000);
            for (int t = 0; t < 4; t++) {
                int thread = t;
                load.add(pool.submit(() -> {
                    for (int i = 0; ; i++) {
                        String body = "[{\"ename\":\"c" + thread + "_" + i + "_a\"},{\"ename\":\"c" + thread + "_" + i + "_b\"}]";
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/str/"))
                                    .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                for (JsonNode eid : JSON.readTree(r.body()).get("eids")) {
                                    acknowledged.add(UUID.fromString(eid.asText()));
                                }
                            }
                        } catch (IOException e) {
                            return null; // killed
                        }
                        if (System.nanoTime() > killAt && first.isAlive()) {
                            first.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
                        }
                    }
                }));
            }
            for (Future<?> f : load) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, first.exitValue(), "killed by SIGKILL");
        } finally {
            first.destroyForcibly();
        }
        assertTrue(acknowledged.size() > 100, "the load really ran: " + acknowledged.size());

        Process second = ChildTracker.start(port, dataDir, log, "--durability", "wal");
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).get("walRowsOwed").asLong() > 0) {
                assertTrue(System.nanoTime() < end, "WAL replay finished");
                Thread.sleep(50);
            }
            second.destroy(); // graceful
            assertTrue(second.waitFor(60, TimeUnit.SECONDS));
        } finally {
            second.destroyForcibly();
        }

        Set<UUID> stored = new HashSet<>();
        for (Map<String, Object> row : TestTrackers.query(dataDir, "SELECT eid FROM events")) {
            stored.add((UUID) row.get("eid"));
        }
        long rows = TestTrackers.count(dataDir, "SELECT count(*) FROM events");
        assertEquals(stored.size(), rows, "no duplicates");
        Set<UUID> missing = new HashSet<>(acknowledged);
        missing.removeAll(stored);
        assertEquals(Set.of(), missing, "every acknowledged event is stored; log:\n" + ChildTracker.read(log));
        // Events fsynced but not yet answered when the process died are stored too (at-least-once).
        assertTrue(rows >= acknowledged.size());
        assertTrue(Files.readString(log).contains("write-ahead log holds rows of a previous run"),
                "the restart really replayed the WAL");
        System.out.println("acknowledged=" + acknowledged.size() + " stored=" + rows);
    }
}
