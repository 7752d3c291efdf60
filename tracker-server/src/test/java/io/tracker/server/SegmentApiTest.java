package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Segment HTTP Tracking API against the real server: the official {@code @segment/analytics-node} SDK from npm
 * sends every call type; retries of the same {@code messageId} (sequential and concurrent) are stored once; gzip
 * bodies, size limits and malformed messages get clear 400s with nothing stored. Rows are counted in DuckDB.
 */
class SegmentApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "segment-test-admin-token-0123456789";
    private static final UUID TENANT = UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e");

    @TempDir
    Path dataDir;
    private Tracker tracker;
    private String key;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        tracker = TestTrackers.start(dataDir, c -> c.putObject("admin").put("token", TOKEN));
        key = newKey("ingest");
    }

    @AfterEach
    void stop() {
        if (tracker != null) {
            tracker.stop();
        }
    }

    private String newKey(String scope) throws Exception {
        HttpResponse<String> r = send("/tr/v1/rpi/keys", "{\"oid\":\"" + TENANT + "\",\"scopes\":[\"" + scope + "\"]}",
                "Authorization", "Bearer " + TOKEN);
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("key").asText();
    }

    private HttpResponse<String> send(String path, String body, String... headers) throws Exception {
        return send(path, body.getBytes(StandardCharsets.UTF_8), headers);
    }

    private HttpResponse<String> send(String path, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tracker.port() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", "application/json");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String writeKey() {
        return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
    }

    private List<Map<String, Object>> rows(String sql) throws Exception {
        tracker.stop();
        tracker = null;
        return TestTrackers.query(dataDir, sql);
    }

    @Test
    void theOfficialNodeSdkIsStoredCallByCall() throws Exception {
        Path modules = NodeModules.install("@segment/analytics-node@3.1.0");
        Path script = dataDir.resolve("segment.js");
        Files.writeString(script, """
                const { Analytics } = require('@segment/analytics-node');
                const [host, writeKey] = process.argv.slice(2);
                const analytics = new Analytics({ writeKey, host, flushAt: 50, flushInterval: 200, maxRetries: 3 });
                const errors = [];
                analytics.on('error', (e) => errors.push(String(e && (e.reason || e.message || e))));
                const anon = '6f1c2a7e-3b4d-4c5e-9f60-718293a4b5c6';
                analytics.identify({ userId: 'user-42', traits: { email: 'ada@example.com', plan: 'pro' } });
                analytics.track({ userId: 'user-42', event: 'Order Completed',
                  properties: { revenue: 9.99, currency: 'EUR' },
                  context: { ip: '203.0.113.77', locale: 'de-DE', timezone: 'Europe/Berlin',
                    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
                    campaign: { name: 'winter', source: 'newsletter', medium: 'email' } } });
                analytics.page({ anonymousId: anon, name: 'Pricing',
                  properties: { url: 'https://shop.example/pricing', referrer: 'https://www.google.com/' } });
                analytics.screen({ anonymousId: anon, name: 'Home' });
                analytics.group({ userId: 'user-42', groupId: 'acme', traits: { seats: 12 } });
                analytics.alias({ userId: 'user-9', previousId: 'user-42' });
                for (let i = 0; i < 120; i++) {
                  analytics.track({ anonymousId: anon, event: 'Item Viewed', properties: { n: i } });
                }
                analytics.closeAndFlush({ timeout: 20000 }).then(() => {
                  console.log(JSON.stringify({ errors }));
                });
                """);
        JsonNode result = NodeModules.runForJson(script, modules, Map.of(), "http://127.0.0.1:" + tracker.port(), key);
        assertEquals(0, result.get("errors").size(), result.toString());

        List<Map<String, Object>> rows = rows("SELECT etyp, ename, CAST(oid AS VARCHAR) AS oid, CAST(uid AS VARCHAR) AS uid,"
                + " CAST(vid AS VARCHAR) AS vid, url, last, campaign, source, medium, tz, ip, culture, browser, is_bot,"
                + " CAST(params AS VARCHAR) AS params FROM events ORDER BY etyp, ename");
        assertEquals(126, rows.size(), "every call is one event");
        assertTrue(rows.stream().allMatch(r -> TENANT.toString().equals(r.get("oid"))), "the write key's tenant");
        assertTrue(rows.stream().noneMatch(r -> String.valueOf(r.get("params")).contains("ada@example.com")),
                "an e-mail address is never stored in clear");
        assertTrue(rows.stream().noneMatch(r -> String.valueOf(r.values()).contains("user-42")),
                "a user id that is not a UUID is stored keyed, never in clear");
        Map<String, Object> order = one(rows, "track", "Order Completed");
        assertEquals("winter", order.get("campaign"));
        assertEquals("newsletter", order.get("source"));
        assertEquals("email", order.get("medium"));
        assertEquals("Europe/Berlin", order.get("tz"));
        assertEquals("de-de", order.get("culture"), "context.locale is the message's language");
        assertEquals("203.0.113.0", order.get("ip"), "context.ip, truncated by the default privacy.ipMode");
        assertEquals("Chrome", order.get("browser"), "context.userAgent is enriched");
        assertEquals(Boolean.FALSE, order.get("is_bot"));
        JsonNode orderParams = JSON.readTree((String) order.get("params"));
        assertEquals(9.99, orderParams.get("revenue").asDouble());
        assertTrue(orderParams.get("library").asText().startsWith("@segment/analytics-node"), orderParams.toString());
        Map<String, Object> identify = one(rows, "identify", "identify");
        assertEquals(order.get("uid"), identify.get("uid"), "one user id, one uid");
        JsonNode traits = JSON.readTree((String) identify.get("params"));
        assertEquals("pro", traits.get("plan").asText());
        assertNotNull(traits.get("ehash"), "the e-mail trait is kept as its salted hash");
        Map<String, Object> page = one(rows, "page", "page_view");
        assertEquals("6f1c2a7e-3b4d-4c5e-9f60-718293a4b5c6", page.get("vid"), "a UUID anonymousId is the vid");
        assertEquals("shop.example/pricing", page.get("url"), "stored as host/path, as every url");
        assertEquals("www.google.com/", page.get("last"));
        assertEquals("Pricing", JSON.readTree((String) page.get("params")).get("name").asText());
        assertEquals("Home", JSON.readTree((String) one(rows, "screen", "screen_view").get("params")).get("name").asText());
        assertEquals("acme", JSON.readTree((String) one(rows, "group", "group").get("params")).get("group_id").asText());
        assertEquals(identify.get("uid"),
                JSON.readTree((String) one(rows, "alias", "alias").get("params")).get("previous_uid").asText(),
                "previousId as its uid");
        assertEquals(120, rows.stream().filter(r -> "Item Viewed".equals(r.get("ename"))).count(),
                "names keep their case");
    }

    private static Map<String, Object> one(List<Map<String, Object>> rows, String etyp, String ename) {
        List<Map<String, Object>> m = rows.stream().filter(r -> etyp.equals(r.get("etyp")) && ename.equals(r.get("ename")))
                .toList();
        assertEquals(1, m.size(), etyp + "/" + ename + " in " + rows);
        return m.get(0);
    }

    private static ObjectNode message(String messageId, String event) {
        ObjectNode m = JSON.createObjectNode().put("type", "track").put("event", event)
                .put("anonymousId", "visitor-" + messageId).put("timestamp", Instant.now().toString());
        if (messageId != null) {
            m.put("messageId", messageId);
        }
        return m;
    }

    private static byte[] gzip(byte[] raw) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(raw);
        }
        return out.toByteArray();
    }

    @Test
    void aRetriedMessageIsStoredOnceEvenConcurrently() throws Exception {
        ObjectNode batch = JSON.createObjectNode().put("sentAt", Instant.now().toString());
        ArrayNode messages = batch.putArray("batch");
        for (int i = 0; i < 200; i++) {
            messages.add(message("msg-" + i, "Retried"));
        }
        messages.add(message("msg-7", "Retried")); // the same message twice in one batch
        byte[] body = batch.toString().getBytes(StandardCharsets.UTF_8);
        assertEquals(200, send("/v1/batch", body, "Authorization", writeKey()).statusCode());
        // the SDK's retry after a lost answer, gzipped this time, and four copies at once
        HttpResponse<String> again = send("/v1/batch", gzip(body), "Authorization", writeKey(), "Content-Encoding", "gzip");
        assertEquals(200, again.statusCode(), again.body());
        assertEquals(true, JSON.readTree(again.body()).get("success").asBoolean());
        ObjectNode fresh = batch.deepCopy();
        ArrayNode freshMessages = fresh.putArray("batch");
        for (int i = 0; i < 100; i++) {
            freshMessages.add(message("fresh-" + i, "Concurrent"));
        }
        byte[] freshBody = fresh.toString().getBytes(StandardCharsets.UTF_8);
        List<CompletableFuture<HttpResponse<String>>> copies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            copies.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return send("/v1/batch", freshBody, "Authorization", writeKey());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<HttpResponse<String>> c : copies) {
            assertEquals(200, c.get(60, TimeUnit.SECONDS).statusCode());
        }
        // one message without an id: nothing to match a retry by, so each copy counts
        ObjectNode noId = message(null, "Anonymous");
        assertEquals(200, send("/v1/track", noId.toString(), "Authorization", writeKey()).statusCode());
        // the body's writeKey (analytics.js) instead of the header
        ObjectNode bodyKey = message("body-key", "BodyKey").put("writeKey", key);
        assertEquals(200, send("/v1/track", bodyKey.toString()).statusCode());

        List<Map<String, Object>> r = rows("SELECT ename, count(*) AS n, count(DISTINCT eid) AS d FROM events"
                + " GROUP BY ename ORDER BY ename");
        assertEquals(List.of(Map.of("ename", "Anonymous", "n", 1L, "d", 1L), Map.of("ename", "BodyKey", "n", 1L, "d", 1L),
                Map.of("ename", "Concurrent", "n", 100L, "d", 100L), Map.of("ename", "Retried", "n", 200L, "d", 200L)),
                r.stream().map(m -> Map.of("ename", m.get("ename"), "n", ((Number) m.get("n")).longValue(),
                        "d", ((Number) m.get("d")).longValue())).toList());
    }

    @Test
    void theClientClockIsCorrectedBySentAt() throws Exception {
        long now = System.currentTimeMillis();
        // a client whose clock runs an hour ahead; the event happened 10 s before the batch was sent
        ObjectNode skewed = message("skewed", "Skewed").put("timestamp", Instant.ofEpochMilli(now + 3_600_000 - 10_000).toString());
        ObjectNode batch = JSON.createObjectNode().put("sentAt", Instant.ofEpochMilli(now + 3_600_000).toString());
        batch.putArray("batch").add(skewed)
                // no sentAt to correct by, and in the future: stored at its receipt
                .add(message("future", "Future").put("timestamp", Instant.ofEpochMilli(now + 86_400_000).toString()));
        batch.put("sentAt", Instant.ofEpochMilli(now + 3_600_000).toString());
        ObjectNode future = (ObjectNode) batch.get("batch").get(1);
        future.put("sentAt", future.get("timestamp").asText()); // its own sentAt: its own clock, zero delay
        assertEquals(200, send("/v1/batch", batch.toString(), "Authorization", writeKey()).statusCode());
        long after = System.currentTimeMillis();
        List<Map<String, Object>> r = rows("SELECT ename, epoch_ms(created_at) AS at FROM events ORDER BY ename");
        long future0 = ((Number) r.get(0).get("at")).longValue();
        long skewed0 = ((Number) r.get(1).get("at")).longValue();
        assertTrue(future0 >= now && future0 <= after, "a future event at its receipt: " + (future0 - now));
        assertTrue(skewed0 >= now - 10_000 && skewed0 <= after - 10_000, "10 s before its receipt: " + (skewed0 - now));
    }

    @Test
    void visitsAreTheSdkSessionOrTheVisitorsHalfHour() throws Exception {
        long slot = System.currentTimeMillis() / 1_800_000L * 1_800_000L; // the start of this half-hour
        ObjectNode batch = JSON.createObjectNode().put("sentAt", Instant.now().toString());
        ArrayNode m = batch.putArray("batch");
        String[][] plan = {{"a1", "111", "0"}, {"a2", "111", "1"}, {"b1", "222", "2"}, // two RudderStack sessions
            {"c1", null, "3"}, {"c2", null, "4"}, // no session id, one half-hour: one visit
            {"d1", null, "-1"}}; // the half-hour before: another
        for (String[] p : plan) {
            ObjectNode one = message(p[0], "Step").put("anonymousId", "visitor-1")
                    .put("timestamp", Instant.ofEpochMilli(slot + Long.parseLong(p[2]) * 1_000 + 500).toString());
            if (p[1] != null) {
                one.putObject("context").put("sessionId", Long.parseLong(p[1]));
            } else {
                one.putObject("properties").put("session_id", "an app's own field, not the visit");
            }
            m.add(one);
        }
        assertEquals(200, send("/v1/batch", batch.toString(), "Authorization", writeKey()).statusCode());
        Map<String, String> sid = new java.util.HashMap<>();
        for (Map<String, Object> r : rows("SELECT CAST(params AS VARCHAR) AS p, CAST(sid AS VARCHAR) AS sid FROM events")) {
            sid.put(JSON.readTree((String) r.get("p")).get("message_id").asText(), (String) r.get("sid"));
        }
        assertEquals(6, sid.size(), sid.toString());
        assertEquals(sid.get("a1"), sid.get("a2"));
        assertTrue(!sid.get("a1").equals(sid.get("b1")), sid.toString());
        assertEquals(sid.get("c1"), sid.get("c2"));
        assertTrue(!sid.get("c1").equals(sid.get("d1")) && !sid.get("c1").equals(sid.get("a1")), sid.toString());
    }

    @Test
    void badInputIsAClear4xxAndStoresNothing() throws Exception {
        String one = message("m1", "Fine").toString();
        assertEquals(401, send("/v1/track", one).statusCode(), "no write key");
        assertEquals(401, send("/v1/track", one, "Authorization",
                "Basic " + Base64.getEncoder().encodeToString("trk_nope:".getBytes(StandardCharsets.UTF_8))).statusCode());
        String stats = newKey("stats:read");
        assertEquals(403, send("/v1/track", one, "Authorization", "Bearer " + stats).statusCode(), "not an ingest key");
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"type\":\"track\",\"event\":\"x\"}", "bad_message"); // neither userId nor anonymousId (batch path)
        cases.put("{\"type\":\"launch\",\"event\":\"x\",\"userId\":\"u\"}", "bad_message");
        cases.put("{\"type\":\"track\",\"userId\":\"u\"}", "bad_message");
        cases.put("{\"type\":\"track\",\"event\":\"x\",\"userId\":\"u\",\"timestamp\":\"yesterday\"}", "bad_message");
        cases.put("{\"type\":\"track\",\"event\":\"x\",\"userId\":\"u\",\"properties\":[1]}", "bad_message");
        cases.put("{\"type\":\"track\",\"event\":\"x\",\"userId\":\"u\",\"context\":{\"ip\":\"not-an-ip\"}}", "bad_message");
        cases.put("{\"type\":\"track\",\"event\":\"x\",\"userId\":\"u\",\"pad\":\"" + "p".repeat(40_000) + "\"}",
                "message_too_large");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            // a good message first: one bad message refuses the whole batch
            String body = "{\"batch\":[" + one + "," + c.getKey() + "]}";
            HttpResponse<String> r = send("/v1/batch", body, "Authorization", writeKey());
            assertEquals(400, r.statusCode(), c.getKey() + " → " + r.body());
            assertEquals(c.getValue(), JSON.readTree(r.body()).get("code").asText(), r.body());
            assertTrue(JSON.readTree(r.body()).get("error").asText().contains("message 1"), r.body());
        }
        StringBuilder big = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 30; i++) {
            big.append(i == 0 ? "" : ",").append(message("big-" + i, "Big").put("pad", "q".repeat(20_000)));
        }
        String bigBatch = big.append("]}").toString();
        HttpResponse<String> tooBig = send("/v1/batch", bigBatch, "Authorization", writeKey());
        assertEquals(400, tooBig.statusCode());
        assertEquals("batch_too_large", JSON.readTree(tooBig.body()).get("code").asText());
        // a gzip bomb: 20 MB of spaces in some 20 KB
        byte[] bomb = gzip(("{\"batch\":[" + one + "],\"pad\":\"" + " ".repeat(20 << 20) + "\"}").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> exploded = send("/v1/batch", bomb, "Authorization", writeKey(), "Content-Encoding", "gzip");
        assertEquals(400, exploded.statusCode(), exploded.body());
        assertEquals("batch_too_large", JSON.readTree(exploded.body()).get("code").asText());
        assertEquals(400, send("/v1/batch", "not gzip".getBytes(StandardCharsets.UTF_8), "Authorization", writeKey(),
                "Content-Encoding", "gzip").statusCode());
        assertEquals(415, send("/v1/batch", one, "Authorization", writeKey(), "Content-Encoding", "br").statusCode());
        assertEquals(400, send("/v1/batch", "{\"batch\":", "Authorization", writeKey()).statusCode());
        assertEquals(0L, rows("SELECT count(*) AS n FROM events").get(0).get("n") instanceof Number n ? n.longValue() : -1);
    }
}
