package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Three writers POSTing batches of 10 events to /tr/v1/str/ while one session's server is taken away for 10 s and
 * brought back: the acknowledged event ids, and the most the session's spool held meanwhile.
 */
final class OutageUnderLoad {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Result(Set<UUID> acked, long spoolMax) {
    }

    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private OutageUnderLoad() {
    }

    static Result run(Tracker tracker, String session, Step down, Step up) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Set<UUID> acked = Collections.synchronizedSet(new HashSet<>());
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            fs.add(pool.submit(() -> {
                while (!stop.get()) {
                    acked.addAll(send(http, tracker.port(), 10));
                    Thread.sleep(5);
                }
                return null;
            }));
        }
        long spoolMax = 0;
        try {
            Thread.sleep(2_000);
            down.run();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end) {
                for (var s : tracker.batches().status()) {
                    if (s.name().equals(session)) {
                        spoolMax = Math.max(spoolMax, s.spoolBytes());
                    }
                }
                Thread.sleep(100);
            }
        } finally {
            up.run();
        }
        Thread.sleep(3_000);
        stop.set(true);
        for (Future<?> f : fs) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        return new Result(acked, spoolMax);
    }

    /** POSTs {@code perRequest} events to /tr/v1/str/ and returns their acknowledged ids (none on a 503). */
    static List<UUID> send(HttpClient http, int port, int perRequest) throws Exception {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < perRequest; i++) {
            b.append(i == 0 ? "" : ",").append("{\"ename\":\"fan\",\"n\":").append(i).append('}');
        }
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/tr/v1/str/"))
                .POST(HttpRequest.BodyPublishers.ofString(b.append(']').toString())).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 503) {
            return List.of();
        }
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        List<UUID> ids = new ArrayList<>();
        if (body.has("eid")) {
            ids.add(UUID.fromString(body.get("eid").asText()));
        } else {
            body.get("eids").forEach(e -> ids.add(UUID.fromString(e.asText())));
        }
        return ids;
    }
}
