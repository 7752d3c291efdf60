package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults injected into a real tracker process, judged by counting rows: every event answered 200 is stored, none
 * twice, and the tracker is healthy afterwards. Disk full (a size-limited tmpfs, when the tests run as root) and
 * {@code kill -9} in a loop with small WAL segments.
 */
class FaultInjectionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** Posts /str/ batches of two from {@code threads} clients until {@code stop}; collects acknowledged ids. */
    private List<Future<?>> load(ExecutorService pool, String base, int threads, AtomicBoolean stop,
                                 Set<UUID> acknowledged, AtomicInteger refused) {
        List<Future<?>> out = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            out.add(pool.submit(() -> {
                for (int i = 0; !stop.get(); i++) {
                    String body = "[{\"ename\":\"f" + thread + "_" + i + "_a\"},{\"ename\":\"f" + thread + "_" + i + "_b\"}]";
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/str/"))
                                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            for (JsonNode eid : JSON.readTree(r.body()).get("eids")) {
                                acknowledged.add(UUID.fromString(eid.asText()));
                            }
                        } else {
                            refused.incrementAndGet();
                            assertTrue(r.statusCode() == 503, "only 503 while storage is in trouble: " + r.statusCode());
                            Thread.sleep(20);
                        }
                    } catch (IOException e) {
                        if (stop.get()) {
                            return null;
                        }
                        Thread.sleep(20); // killed or restarting
                    }
                }
                return null;
            }));
        }
        return out;
    }

    private JsonNode status(String base) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Restarts, waits until WAL and spools are empty, stops gracefully, and checks acknowledged = stored, once. */
    private void verifyAfterRestart(int port, Path dataDir, Path log, Map<String, String> env, Set<UUID> acknowledged)
            throws Exception {
        String base = "http://127.0.0.1:" + port;
        Process p = ChildTracker.start(port, dataDir, log, env, "--durability", "wal");
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                JsonNode s = status(base);
                long spooled = 0;
                for (JsonNode session : s.get("sessions")) {
                    spooled += session.get("spoolBytes").asLong() + session.get("queuedRows").asLong();
                }
                // Ready: every session open (it opens in the background after HTTP binds), no breaker open.
                boolean ready = http.send(HttpRequest.newBuilder(URI.create(base + "/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                if (s.get("walRowsOwed").asLong() == 0 && spooled == 0 && ready) {
                    break;
                }
                assertTrue(System.nanoTime() < end, "replay finished and healthy afterwards: " + s);
                Thread.sleep(100);
            }
            p.destroy();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        Set<UUID> stored = new HashSet<>();
        for (Map<String, Object> row : TestTrackers.query(dataDir, "SELECT eid FROM events")) {
            stored.add((UUID) row.get("eid"));
        }
        long rows = TestTrackers.count(dataDir, "SELECT count(*) FROM events");
        assertEquals(stored.size(), rows, "no event stored twice");
        Set<UUID> missing = new HashSet<>(acknowledged);
        missing.removeAll(stored);
        assertEquals(0, missing.size(), missing.size() + " of " + acknowledged.size()
                + " acknowledged events were never stored; log:\n" + tail(log));
        System.out.println("acknowledged=" + acknowledged.size() + " stored=" + rows);
    }

    private static String tail(Path log) {
        String s = ChildTracker.read(log);
        return s.length() > 20_000 ? s.substring(s.length() - 20_000) : s;
    }

    @Test
    void killDashNineInALoopWithSmallSegmentsLosesAndDoublesNothing() throws Exception {
        Path dataDir = Files.createDirectories(work.resolve("data"));
        Path log = work.resolve("tracker.log");
        int port = ChildTracker.freePort();
        String base = "http://127.0.0.1:" + port;
        // 64 KiB segments: rotations, releases and deletions happen all the time, as do kills in the middle of them.
        Map<String, String> env = Map.of("TRACKER_BATCHING_SEGMENT_BYTES", "65536",
                "TRACKER_BATCHING_TABLES_EVENTS_MAX_ROWS", "500");
        Set<UUID> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger refused = new AtomicInteger();
        for (int round = 0; round < 4; round++) {
            Process p = ChildTracker.start(port, dataDir, log, env, "--durability", "wal");
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> load = load(pool, base, 4, stop, acknowledged, refused);
                Thread.sleep(800 + 300L * round);
                p.destroyForcibly(); // SIGKILL mid-load: no hook, no flush
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                stop.set(true);
                for (Future<?> f : load) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
                p.destroyForcibly();
            }
        }
        assertTrue(acknowledged.size() > 200, "the load really ran: " + acknowledged.size());
        verifyAfterRestart(port, dataDir, log, env, acknowledged);
    }

    @Test
    void aDiskThatFillsUpUnderLoadAndGetsSpaceBackLosesNoAcknowledgedEvent() throws Exception {
        Path mount = Files.createDirectories(work.resolve("small-disk"));
        assumeTrue(mountTmpfs(mount, "48m"), "needs root to mount a size-limited tmpfs");
        try {
            Path dataDir = Files.createDirectories(mount.resolve("data"));
            Path log = work.resolve("tracker.log");
            int port = ChildTracker.freePort();
            String base = "http://127.0.0.1:" + port;
            Map<String, String> env = Map.of("TRACKER_BATCHING_SEGMENT_BYTES", "262144",
                    "TRACKER_BATCHING_TABLES_EVENTS_MAX_ROWS", "500");
            Set<UUID> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicInteger refused = new AtomicInteger();
            Process p = ChildTracker.start(port, dataDir, log, env, "--durability", "wal");
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            Path filler = mount.resolve("filler");
            try {
                List<Future<?>> load = load(pool, base, 4, stop, acknowledged, refused);
                Thread.sleep(1_000);
                fill(filler); // the disk is full: WAL, spool and DuckDB writes fail from here
                int before = acknowledged.size();
                Thread.sleep(2_500);
                Files.delete(filler); // space comes back
                Thread.sleep(2_000);
                stop.set(true);
                for (Future<?> f : load) {
                    f.get(60, TimeUnit.SECONDS);
                }
                assertTrue(refused.get() > 0, "the full disk was noticed (503s): acknowledged before " + before
                        + ", after " + acknowledged.size());
                p.destroy(); // graceful stop
                assertTrue(p.waitFor(90, TimeUnit.SECONDS));
            } finally {
                pool.shutdownNow();
                p.destroyForcibly();
                Files.deleteIfExists(filler);
            }
            verifyAfterRestart(port, dataDir, log, env, acknowledged);
            String l = ChildTracker.read(log);
            System.out.println("refused=" + refused.get() + " walFailures=" + count(l, "write-ahead log append failed")
                    + " writeFailures=" + count(l, "batch write failed") + " spoolFailures=" + count(l, "cannot spool"));
        } finally {
            new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor();
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static void fill(Path filler) throws IOException {
        byte[] block = new byte[1 << 20];
        try (var out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            // ENOSPC: the disk is full
        }
    }

    private static boolean mountTmpfs(Path dir, String size) {
        try {
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
                    .redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
