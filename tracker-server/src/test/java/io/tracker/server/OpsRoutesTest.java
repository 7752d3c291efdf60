package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpsRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    private HttpResponse<String> get(Tracker t, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthPingReadyStatusAndPrometheusMetrics() throws Exception {
        try (Tracker t = TestTrackers.start(dataDir, c -> { })) {
            assertEquals("ok", JSON.readTree(get(t, "/health").body()).get("status").asText());
            assertEquals("pong", get(t, "/ping").body());
            HttpResponse<String> ready = get(t, "/ready");
            assertEquals(200, ready.statusCode());
            assertTrue(JSON.readTree(ready.body()).get("ready").asBoolean());

            get(t, "/tr/v1/tr/?ename=a");
            get(t, "/tr/v1/img/?ename=b");
            get(t, "/nope");

            JsonNode status = JSON.readTree(get(t, "/status").body());
            assertEquals("duckdb", status.get("sessions").get(0).get("name").asText());
            assertTrue(status.get("sessions").get(0).get("healthy").asBoolean());

            HttpResponse<String> metrics = get(t, "/metrics");
            assertTrue(metrics.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
            String m = metrics.body();
            assertTrue(m.contains("tracker_events_accepted_total{route=\"tr\"} 1.0"), m);
            assertTrue(m.contains("tracker_events_accepted_total{route=\"img\"} 1.0"), m);
            assertTrue(m.contains("tracker_requests_rejected_total{reason=\"not_found\"} 1.0"), m);
            assertTrue(m.contains("tracker_rows_queued{session=\"duckdb\"}"), m);
            assertTrue(m.contains("tracker_flush_latency_seconds"), m);
        }
    }

    @Test
    void everyRefusalIsCountedUnderTheCodeItAnswersAndAllowComesFromTheRouteTable() throws Exception {
        try (Tracker t = TestTrackers.start(dataDir, c -> { })) {
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port()
                    + "/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("allow").orElse(""));
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port()
                    + "/tr/v1/img/")).PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("GET, HEAD, OPTIONS", put.headers().firstValue("allow").orElse(""));
            assertEquals("bad_path", JSON.readTree(get(t, "/tr/v1/ltv/nope").body()).get("code").asText());
            assertEquals("ok", JSON.readTree(get(t, "/health/").body()).get("status").asText(), "a trailing slash is the same path");
            HttpResponse<String> wsPost = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port()
                    + "/tr/v1/ws")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, wsPost.statusCode());
            assertEquals("not_found", JSON.readTree(get(t, "/tr/v1/ppi/nope").body()).get("code").asText());
            assertEquals("not_found", JSON.readTree(get(t, "/tr/v1/nope").body()).get("code").asText());
            String m = get(t, "/metrics").body();
            assertTrue(m.contains("tracker_requests_rejected_total{reason=\"method_not_allowed\"} 3.0"), m);
            assertTrue(m.contains("tracker_requests_rejected_total{reason=\"bad_path\"} 1.0"), m);
            assertTrue(m.contains("tracker_requests_rejected_total{reason=\"not_found\"} 2.0"), m);
        }
    }

    @Test
    void flushedRowsAreCountedPerTableAndSession() throws Exception {
        Tracker t = TestTrackers.start(dataDir, c -> { });
        for (int i = 0; i < 5; i++) {
            get(t, "/tr/v1/tr/?ename=e" + i);
        }
        t.stop();
        double flushed = t.registry().get("tracker.rows.flushed").tags("table", "events", "session", "duckdb")
                .counter().count();
        assertEquals(5.0, flushed);
    }

    @Test
    void refusesToShareItsDataDirectoryWithAnotherTracker() throws Exception {
        try (Tracker first = TestTrackers.start(dataDir, c -> { })) {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> TestTrackers.start(dataDir, c -> { }));
            assertTrue(e.getMessage().contains("in use by another tracker"), e.getMessage());
            assertEquals("pong", get(first, "/ping").body(), "the first one keeps serving");
        }
        TestTrackers.start(dataDir, c -> { }).stop(); // free again after a stop
    }
}
