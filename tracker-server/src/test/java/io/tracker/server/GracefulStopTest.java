package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real process, stopped the way operators and orchestrators stop it: SIGTERM while it is under
 * load. Every event it answered 2xx must be in DuckDB afterwards.
 */
class GracefulStopTest {
    @TempDir
    Path dataDir;

    @Test
    void sigtermUnderLoadStoresEveryAcknowledgedEvent() throws Exception {
        int port = ChildTracker.freePort();
        Path log = dataDir.resolve("tracker.log");
        Process process = ChildTracker.start(port, dataDir, log);
        try {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String base = "http://127.0.0.1:" + port;

            AtomicInteger acknowledged = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> load = new ArrayList<>();
            long stopAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            for (int t = 0; t < 4; t++) {
                load.add(pool.submit(() -> {
                    int i = 0;
                    while (true) {
                        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/"))
                                .timeout(Duration.ofSeconds(5))
                                .POST(HttpRequest.BodyPublishers.ofString("[{\"ename\":\"a" + i + "\"},{\"ename\":\"b" + i + "\"}]"))
                                .build();
                        try {
                            HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
                            if (r.statusCode() == 200) {
                                acknowledged.addAndGet(2);
                            }
                        } catch (IOException e) {
                            return null; // the server is gone: stop sending
                        }
                        i++;
                        if (System.nanoTime() > stopAt && process.toHandle().isAlive()) {
                            process.destroy(); // SIGTERM while requests are still in flight
                        }
                    }
                }));
            }
            for (Future<?> f : load) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tracker exits after SIGTERM");
            assertTrue(acknowledged.get() > 100, "the load really ran: " + acknowledged.get());
            System.out.println("acknowledged before and during SIGTERM: " + acknowledged.get());
            assertEquals(acknowledged.get(), TestTrackers.count(dataDir, "SELECT count(*) FROM events"),
                    "rows == acknowledged events; log:\n" + ChildTracker.read(log));
        } finally {
            process.destroyForcibly();
        }
    }
}
