package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracker.core.privacy.Hashes;
import io.tracker.server.http.HttpResponses;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path — Netty, pipeline, batch manager, DuckDB — with a real server on an ephemeral port,
 * a real HTTP client, a graceful stop, and the DuckDB file read back afterwards.
 */
class IngestEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROUNDS = 200; // × 6 request kinds = 1,200 requests, 1,600 events

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void everyAcknowledgedEventOfMixedTrafficIsInDuckDbAfterGracefulStop() throws Exception {
        Tracker tracker = TestTrackers.start(dataDir, t -> { });
        String base = "http://127.0.0.1:" + tracker.port();
        Set<String> expectedEnames = ConcurrentHashMap.newKeySet();
        Set<UUID> strEids = ConcurrentHashMap.newKeySet();
        Map<String, String> vidByEname = new ConcurrentHashMap<>();
        AtomicInteger accepted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            int n = i;
            futures.add(pool.submit(() -> {
                String vid = UUID.randomUUID().toString();
                // 1. GET with path-segment pairs
                HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create(
                        base + "/tr/v1/tr/vid/" + vid + "/ename/Seg_" + n + "/etyp/Nav")));
                assertEquals(200, r.statusCode());
                expectedEnames.add("seg_" + n);
                vidByEname.put("seg_" + n, vid);
                accepted.incrementAndGet();
                // 2. GET with a query string; utm_ stripped
                r = send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/?ename=Query_" + n
                        + "&utm_source=News&utm_campaign=Spring&url=https%3A%2F%2FShop.Example.com%2FCart%3Fa%3D1&plan=pro")));
                assertEquals(200, r.statusCode());
                expectedEnames.add("query_" + n);
                accepted.incrementAndGet();
                // 3. POST one object
                r = send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/")).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"ename\":\"Post_" + n + "\",\"vid\":\"" + vid + "\",\"email\":\"User" + n + "@Example.com\","
                                + "\"duration\":\"" + n + "\",\"zip\":94105,\"params\":{\"Round\":" + n + "}}")));
                assertEquals(200, r.statusCode());
                expectedEnames.add("post_" + n);
                vidByEname.put("post_" + n, vid);
                accepted.incrementAndGet();
                // 4. POST an array: one event each
                r = send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/")).POST(HttpRequest.BodyPublishers.ofString(
                        "[{\"ename\":\"arr_" + n + "_0\"},{\"ename\":\"arr_" + n + "_1\"},{\"ename\":\"arr_" + n + "_2\"}]")));
                assertEquals(200, r.statusCode());
                for (int k = 0; k < 3; k++) {
                    expectedEnames.add("arr_" + n + "_" + k);
                }
                accepted.addAndGet(3);
                // 5. the pixel
                r = send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/img/?ename=pixel_" + n)));
                assertEquals(200, r.statusCode());
                assertArrayEquals(HttpResponses.PIXEL, r.body());
                expectedEnames.add("pixel_" + n);
                accepted.incrementAndGet();
                // 6. server-side: answers the event id
                r = send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/str/")).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"ename\":\"str_" + n + "\",\"uid\":\"" + UUID.randomUUID() + "\"}")));
                assertEquals(200, r.statusCode());
                strEids.add(UUID.fromString(JSON.readTree(r.body()).get("eid").asText()));
                expectedEnames.add("str_" + n);
                accepted.incrementAndGet();
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        tracker.stop();

        assertEquals(ROUNDS * 8, accepted.get());
        assertEquals(accepted.get(), TestTrackers.count(dataDir, "SELECT count(*) FROM events"),
                "rows stored == events acknowledged");
        assertEquals(accepted.get(), TestTrackers.count(dataDir, "SELECT count(DISTINCT eid) FROM events"));
        Set<String> stored = new HashSet<>();
        for (Map<String, Object> row : TestTrackers.query(dataDir, "SELECT ename FROM events")) {
            stored.add((String) row.get("ename"));
        }
        assertEquals(expectedEnames, stored);

        Set<UUID> storedStr = new HashSet<>();
        for (Map<String, Object> row : TestTrackers.query(dataDir, "SELECT eid FROM events WHERE starts_with(ename, 'str_')")) {
            storedStr.add((UUID) row.get("eid"));
        }
        assertEquals(strEids, storedStr, "the ids /str/ answered are the ids stored");

        Map<String, Object> seg = TestTrackers.query(dataDir, "SELECT * FROM events WHERE ename = 'seg_7'").get(0);
        assertEquals(UUID.fromString(vidByEname.get("seg_7")), seg.get("vid"));
        assertEquals("nav", seg.get("etyp"));
        assertEquals(Hashes.hostHash("127.0.0.1"), seg.get("hhash"));
        assertTrue(String.valueOf(seg.get("iphash")).matches("[0-9a-f]{32}"), "a keyed HMAC of the IP: " + seg.get("iphash"));
        assertEquals("127.0.0.0", seg.get("ip"), "raw IPs are not stored by default: the last octet is zeroed");

        Map<String, Object> q = TestTrackers.query(dataDir,
                "SELECT source, campaign, url, params::VARCHAR AS params FROM events WHERE ename = 'query_7'").get(0);
        assertEquals("news", q.get("source"));
        assertEquals("spring", q.get("campaign"));
        assertEquals("shop.example.com/cart", q.get("url"));
        assertEquals("pro", JSON.readTree((String) q.get("params")).get("plan").asText());

        Map<String, Object> p = TestTrackers.query(dataDir,
                "SELECT vid, duration, zip, params::VARCHAR AS params FROM events WHERE ename = 'post_7'").get(0);
        assertEquals(UUID.fromString(vidByEname.get("post_7")), p.get("vid"));
        assertEquals(7L, p.get("duration"));
        assertEquals("94105", p.get("zip"));
        JsonNode params = JSON.readTree((String) p.get("params"));
        assertEquals(7, params.get("Round").asInt());
        // No hashSalt configured: salted with the secret the data directory keeps, never unsalted.
        assertEquals(Hashes.piiHash(io.tracker.core.privacy.Secrets.load(dataDir).piiSalt(), "user7@example.com"),
                params.get("ehash").asText());
        assertEquals(0, TestTrackers.count(dataDir, "SELECT count(*) FROM events WHERE params::VARCHAR ILIKE '%@example.com%'"),
                "no raw email anywhere");

        assertEquals(0, TestTrackers.count(dataDir, "SELECT count(*) FROM events WHERE vid IS NULL OR sid IS NULL"),
                "generated visitor and session ids are stored, never zero or null");
        assertEquals(1, TestTrackers.count(dataDir,
                "SELECT count(DISTINCT vid) FROM events WHERE ename IN ('arr_7_0', 'arr_7_1', 'arr_7_2')"), "one batch, one new visitor");

        // The counter views carry the ClickHouse counter-table names and columns.
        assertEquals(ROUNDS, TestTrackers.count(dataDir, "SELECT sum(total) FROM hits WHERE url = 'shop.example.com/cart'"));
        assertEquals(accepted.get(), TestTrackers.count(dataDir, "SELECT sum(total) FROM reqs"));
        assertEquals(accepted.get(), TestTrackers.count(dataDir, "SELECT sum(total) FROM dailies"));
        assertEquals(accepted.get() - ROUNDS, TestTrackers.count(dataDir, "SELECT sum(total) FROM browsers"),
                "every event but the server-side ones has a browser hash");
    }

    @Test
    void browserRoutesSetTheVidCookieAndServerRouteDoesNot() throws Exception {
        try (Tracker tracker = TestTrackers.start(dataDir, t -> { })) {
            String base = "http://127.0.0.1:" + tracker.port();
            HttpResponse<byte[]> tr = send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/?ename=a")));
            String cookie = tr.headers().firstValue("set-cookie").orElseThrow();
            assertTrue(cookie.startsWith("vid="), cookie);
            assertTrue(cookie.contains("SameSite=Lax"), cookie);
            HttpResponse<byte[]> img = send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/img/")));
            assertTrue(img.headers().firstValue("set-cookie").isPresent());
            assertEquals("no-store", img.headers().firstValue("cache-control").orElse(null));
            assertEquals("image/gif", img.headers().firstValue("content-type").orElse(null));
            HttpResponse<byte[]> str = send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/str/"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")));
            assertTrue(str.headers().firstValue("set-cookie").isEmpty());
            assertEquals("application/json", str.headers().firstValue("content-type").orElse(null));

            UUID vid = UUID.randomUUID();
            HttpResponse<byte[]> known = send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/?ename=b"))
                    .header("Cookie", "vid=" + vid));
            assertTrue(known.headers().firstValue("set-cookie").orElseThrow().startsWith("vid=" + vid));
        }
    }

    @Test
    void headRequestsAnswerLikeGetButRecordNothing() throws Exception {
        try (Tracker tracker = TestTrackers.start(dataDir, t -> { })) {
            HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tracker.port()
                    + "/tr/v1/img/?ename=probe")).method("HEAD", HttpRequest.BodyPublishers.noBody()));
            assertEquals(200, r.statusCode());
            assertEquals("image/gif", r.headers().firstValue("content-type").orElse(null));
            assertEquals("35", r.headers().firstValue("content-length").orElse(null));
            assertTrue(r.headers().firstValue("set-cookie").isEmpty());
        }
        assertEquals(0, TestTrackers.count(dataDir, "SELECT count(*) FROM events"));
    }

    @Test
    void clientEidIsKeptAndReturnedByStr() throws Exception {
        UUID eid = UUID.randomUUID();
        try (Tracker tracker = TestTrackers.start(dataDir, t -> { })) {
            HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tracker.port() + "/tr/v1/str/"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"eid\":\"" + eid + "\",\"ename\":\"x\"}")));
            assertEquals(eid.toString(), JSON.readTree(r.body()).get("eid").asText());
        }
        assertEquals(1, TestTrackers.count(dataDir, "SELECT count(*) FROM events WHERE eid = '" + eid + "'"));
    }

    @Test
    void corsPreflightAndOriginHeaders() throws Exception {
        try (Tracker tracker = TestTrackers.start(dataDir, t -> { })) {
            String base = "http://127.0.0.1:" + tracker.port();
            HttpResponse<byte[]> pre = send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "https://shop.example"));
            assertEquals(200, pre.statusCode());
            assertEquals("https://shop.example", pre.headers().firstValue("access-control-allow-origin").orElse(null));
            assertEquals("true", pre.headers().firstValue("access-control-allow-credentials").orElse(null));
            assertNotNull(pre.headers().firstValue("access-control-allow-methods").orElse(null));
            assertEquals("1728000", pre.headers().firstValue("access-control-max-age").orElse(null));
            HttpResponse<byte[]> health = send(HttpRequest.newBuilder(URI.create(base + "/health")));
            assertEquals("*", health.headers().firstValue("access-control-allow-origin").orElse(null));
        }
        assertEquals(0, TestTrackers.count(dataDir, "SELECT count(*) FROM events"), "preflights record nothing");
    }
}
