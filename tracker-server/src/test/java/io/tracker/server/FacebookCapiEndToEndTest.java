package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.backends.facebook.GraphApiStub;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hits through the real server to a {@code facebook-capi} session beside DuckDB, against the local Graph API stub:
 * what the pipeline stored (consent, IP as privacy.ipMode left it, the user agent, the page) is what Meta receives.
 */
class FacebookCapiEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "EAAe2eTOKEN0123456789";

    @TempDir
    Path dataDir;

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void consentedHitsReachTheConversionsApiAndEveryHitIsStored() throws Exception {
        try (GraphApiStub api = new GraphApiStub("v24.0", "987654321", TOKEN)) {
            Tracker tracker = TestTrackers.start(dataDir, c -> {
                ArrayNode sessions = c.putArray("sessions");
                sessions.addObject().put("type", "duckdb").put("name", "duckdb")
                        .putObject("settings").put("path", "tracker.duckdb").put("memoryLimit", "64MB").put("threads", 1);
                ObjectNode fb = sessions.addObject().put("type", "facebook-capi").put("name", "facebook")
                        .putObject("settings").put("pixelId", "987654321").put("accessToken", TOKEN)
                        .put("graphUrl", api.url());
                fb.putObject("events").put("purchase", "Purchase").put("page_view", "PageView");
            });
            HttpClient http = HttpClient.newHttpClient();
            String ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";
            String em = sha256("jane@example.com");
            String body = "[{\"ename\":\"purchase\",\"cflags\":15,\"url\":\"https://shop.example/checkout\",\"value\":49.5,"
                    + "\"currency\":\"EUR\",\"em\":\"" + em + "\",\"client_user_agent\":\"" + ua + "\"},"
                    + "{\"ename\":\"page_view\",\"cflags\":15,\"url\":\"https://shop.example/\",\"em\":\"jane@example.com\","
                    + "\"ph\":\"+33 6 12 34 56 78\"},"
                    + "{\"ename\":\"page_view\",\"cflags\":5,\"url\":\"https://shop.example/\",\"params\":{\"em\":"
                    + "\"nested@example.com\",\"ph\":\"+33 6 12 34 56 78\"}},"
                    + "{\"ename\":\"page_view\",\"url\":\"https://shop.example/\"}]";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tracker.port() + "/tr/v1/str/"))
                    .header("User-Agent", ua).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode eids = JSON.readTree(r.body()).get("eids");
            assertEquals(4, eids.size());
            tracker.stop();

            assertEquals(List.of(), api.violations);
            assertEquals(Set.of(eids.get(0).asText(), eids.get(1).asText()), api.accepted.keySet(),
                    "only the hits with the marketing bit (no flags: not forwarded by default)");
            JsonNode purchase = api.acceptedEvents.stream().filter(e -> e.get("event_name").asText().equals("Purchase"))
                    .findFirst().orElseThrow();
            assertEquals("website", purchase.get("action_source").asText());
            assertEquals("https://shop.example/checkout", purchase.get("event_source_url").asText());
            assertEquals(ua, purchase.get("user_data").get("client_user_agent").asText());
            assertEquals("127.0.0.0", purchase.get("user_data").get("client_ip_address").asText(),
                    "the IP as privacy.ipMode stored it (truncate)");
            assertEquals(em, purchase.get("user_data").get("em").get(0).asText());
            assertEquals(49.5, purchase.get("custom_data").get("value").asDouble());
            assertEquals("EUR", purchase.get("custom_data").get("currency").asText());
            assertTrue(purchase.get("user_data").has("external_id"));
            JsonNode view = api.acceptedEvents.stream().filter(e -> e.get("event_name").asText().equals("PageView"))
                    .findFirst().orElseThrow();
            assertEquals("other", view.get("action_source").asText(), "no visitor User-Agent with it: not a website event");
            assertEquals(4L, TestTrackers.count(dataDir, "SELECT count(*) FROM events"), "DuckDB holds every hit");
            assertEquals(0L, TestTrackers.count(dataDir, "SELECT count(*) FROM events WHERE params::VARCHAR LIKE '%example.com%'"
                    + " OR params::VARCHAR LIKE '%12 34%'"), "a raw email or phone is never stored");
            assertEquals(1L, TestTrackers.count(dataDir, "SELECT count(*) FROM events WHERE params->>'em' = '" + em + "'"),
                    "the client's SHA-256 is kept");
            assertFalse(view.get("user_data").has("em"));
            assertFalse(java.nio.file.Files.exists(dataDir.resolve("deadletter").resolve("facebook.jsonl")));
        }
    }
}
