package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A synthetic load through the real server (1-second windows): a steady trickle, then a burst of one ename with half
 * of it errors. One spike and one error-rate alert are raised — not one per burst window — and each is a row in
 * {@code alerts} (DuckDB), a count in {@code /metrics} and a message on {@code alerts.<kind>} of the real NATS server.
 */
class AlertsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dataDir;

    private void hit(String base, String ename, String etyp) throws Exception {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/str/"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"ename\":\"" + ename + "\",\"etyp\":\"" + etyp + "\"}"))
                .build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(200, r.statusCode());
    }

    @Test
    void aBurstRaisesOneSpikeAndOneErrorRateAlertEverywhere() throws Exception {
        try (Connection nats = Nats.connect(Backends.NATS)) {
            Subscription sub = nats.subscribe("alerts.>");
            nats.flush(Duration.ofSeconds(2));
            Tracker t = TestTrackers.start(dataDir, c -> {
                ObjectNode a = c.with("alerts");
                a.put("windowSeconds", 1).put("errorMinEvents", 20).put("errorRate", 0.2).put("natsUrl", Backends.NATS);
                a.with("spike").put("factor", 3.0).put("minEvents", 30).put("baselineWindows", 2);
            });
            String base = "http://127.0.0.1:" + t.port();
            String metrics;
            try {
                long end = System.currentTimeMillis() + 3_500; // a trickle: the node warms up over 3 windows
                while (System.currentTimeMillis() < end) {
                    hit(base, "checkout", "view");
                    Thread.sleep(300);
                }
                for (int i = 0; i < 400; i++) { // the burst, over one or two windows
                    hit(base, "checkout", i % 2 == 0 ? "error" : "view");
                }
                long quiet = System.currentTimeMillis() + 3_000; // windows end and are judged
                while (System.currentTimeMillis() < quiet) {
                    hit(base, "checkout", "view");
                    Thread.sleep(300);
                }
                metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } finally {
                t.stop();
            }
            List<Map<String, Object>> rows = TestTrackers.query(dataDir,
                    "SELECT kind, ename, observed, baseline, threshold, window_seconds FROM alerts ORDER BY kind");
            assertEquals(2, rows.size(), rows.toString());
            assertEquals("error_rate", rows.get(0).get("kind"));
            assertEquals("*", rows.get(0).get("ename"));
            assertEquals("spike", rows.get(1).get("kind"));
            assertEquals("checkout", rows.get(1).get("ename"));
            assertTrue(((Number) rows.get(1).get("observed")).longValue() > 30, rows.toString());
            assertEquals(1L, ((Number) rows.get(1).get("window_seconds")).longValue());
            assertTrue(metrics.contains("tracker_alerts_total{kind=\"spike\"} 1.0"), metrics);
            assertTrue(metrics.contains("tracker_alerts_total{kind=\"error_rate\"} 1.0"), metrics);
            List<JsonNode> published = new ArrayList<>();
            for (io.nats.client.Message m; (m = sub.nextMessage(Duration.ofMillis(500))) != null; ) {
                JsonNode n = JSON.readTree(m.getData());
                assertEquals("alerts." + n.get("kind").asText(), m.getSubject());
                published.add(n);
            }
            assertEquals(2, published.size(), published.toString());
        }
    }
}
