package io.tracker.server.business;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.server.Tracker;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rate limits, GeoIP, IP anonymization, consent flags, redirect routes and pruning, on DuckDB, through HTTP. */
public class PrivacyAndLimitsTest {
    /** The shared DB1 fixture: {@code TRACKER_GEOIP_FIXTURE}, else {@code shared/fixtures/geoip/} in an enclosing directory. */
    public static final Path GEOIP = locate();

    private static Path locate() {
        String env = System.getenv("TRACKER_GEOIP_FIXTURE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path f = p.resolve("shared/fixtures/geoip/IP2LOCATION-LITE-DB1.BIN");
            if (Files.isReadable(f)) {
                return f;
            }
        }
        return Path.of("shared/fixtures/geoip/IP2LOCATION-LITE-DB1.BIN");
    }

    @TempDir
    Path dataDir;
    private Tracker tracker;
    private Http http;

    private void boot(Consumer<ObjectNode> tweak) throws Exception {
        tracker = io.tracker.server.TestAccess.start(dataDir, c -> {
            ((ObjectNode) c.get("server")).put("trustProxyHeaders", true);
            tweak.accept(c);
        });
        http = new Http(tracker.port());
    }

    @AfterEach
    void stop() {
        if (tracker != null) {
            tracker.stop();
        }
    }

    private List<Map<String, Object>> rows(String sql) throws Exception {
        tracker.stop();
        List<Map<String, Object>> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dataDir.resolve("tracker.duckdb"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    @Test
    void rateLimitAnswers429AfterTheBurstAndRecovers() throws Exception {
        boot(c -> c.putObject("rateLimit").put("perSecond", 5).put("burst", 5).put("perDay", 0)
                .put("maxTrackedIps", 1000).putArray("exempt").add("10.9.0.0/16"));
        String ip = "198.51.100.7";
        for (int i = 0; i < 5; i++) {
            assertEquals(200, http.get("/tr/v1/tr/?ename=x", "X-Forwarded-For", ip).statusCode(), "request " + i);
        }
        HttpResponse<String> limited = http.get("/tr/v1/tr/?ename=x", "X-Forwarded-For", ip);
        assertEquals(429, limited.statusCode());
        assertEquals("rate_limited", Http.json(limited).get("code").asText());
        assertTrue(Long.parseLong(limited.headers().firstValue("retry-after").orElseThrow()) >= 1);
        assertEquals(200, http.get("/tr/v1/tr/?ename=x", "X-Forwarded-For", "198.51.100.8").statusCode(), "per IP");
        for (int i = 0; i < 20; i++) {
            assertEquals(200, http.get("/tr/v1/tr/?ename=x", "X-Forwarded-For", "10.9.3.4").statusCode(), "exempt range");
        }
        assertEquals(200, http.get("/health", "X-Forwarded-For", ip).statusCode(), "ops routes are never limited");
        Thread.sleep(1_100); // 5 tokens per second refill
        assertEquals(200, http.get("/tr/v1/tr/?ename=x", "X-Forwarded-For", ip).statusCode(), "recovered");
        String metrics = http.get("/metrics").body();
        assertTrue(metrics.contains("tracker_ratelimit_rejected_total{limit=\"burst\"} 1.0"), metrics.lines()
                .filter(l -> l.contains("ratelimit")).toList().toString());
    }

    @Test
    void dailyLimitCountsEveryRequestOfTheDay() throws Exception {
        boot(c -> c.putObject("rateLimit").put("perSecond", 0).put("burst", 0).put("perDay", 3).put("maxTrackedIps", 10));
        for (int i = 0; i < 3; i++) {
            assertEquals(200, http.get("/tr/v1/img/", "X-Forwarded-For", "192.0.2.1").statusCode());
        }
        HttpResponse<String> r = http.get("/tr/v1/img/", "X-Forwarded-For", "192.0.2.1");
        assertEquals(429, r.statusCode());
        long retry = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
        assertTrue(retry >= 1 && retry <= 86_400, "until the next UTC midnight: " + retry);
    }

    @Test
    void geoipFillsCountryUnlessTheClientSentOneAndAnswersLookups() throws Exception {
        // The fixture lives in ../shared beside the repository (never copied in); GeoIpTest covers the
        // reader with a BIN it builds itself, so a machine without the fixture skips only this test.
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(GEOIP), "GeoIP fixture not found: " + GEOIP);
        boot(c -> c.putObject("geoip").put("path", GEOIP.toString()));
        JsonNode g = Http.json(http.get("/tr/v1/ppi/geoip?ip=8.8.8.8"));
        assertEquals("US", g.get("iso2").asText());
        assertEquals("United States of America", g.get("country").asText());
        assertNull(g.get("city"), "a DB1 file has no city: absent, not a placeholder");
        assertEquals("US", Http.json(http.get("/tr/v1/ppi/geoip", "X-Forwarded-For", "8.8.8.8")).get("iso2").asText());
        assertEquals(400, http.get("/tr/v1/ppi/geoip?ip=not.an.ip").statusCode());
        assertEquals(404, http.get("/tr/v1/ppi/geoip?ip=10.1.2.3").statusCode());
        assertEquals(200, http.get("/tr/v1/tr/?ename=geo1", "X-Forwarded-For", "8.8.8.8").statusCode());
        assertEquals(200, http.get("/tr/v1/tr/?ename=geo2&country=de", "X-Forwarded-For", "8.8.8.8").statusCode());
        List<Map<String, Object>> r = rows("SELECT ename, country FROM events ORDER BY ename");
        assertEquals("US", r.get(0).get("country"));
        assertEquals("DE", r.get(1).get("country"), "what the client sends wins");
    }

    @Test
    void geoipLookupIs501WhenNotConfiguredAndABadAddressIs400First() throws Exception {
        boot(c -> { });
        HttpResponse<String> off = http.get("/tr/v1/ppi/geoip?ip=8.8.8.8");
        assertEquals(501, off.statusCode(), "not configured: retrying will not help (503 would say it does)");
        assertEquals("geoip_off", Http.json(off).get("code").asText());
        assertEquals(400, http.get("/tr/v1/ppi/geoip?ip=999.999.1.1").statusCode());
    }

    @Test
    void ipIsAnonymizedPerModeBeforeStorage() throws Exception {
        boot(c -> ((ObjectNode) c.get("privacy")).put("ipMode", "hash"));
        http.get("/tr/v1/tr/?ename=a", "X-Forwarded-For", "203.0.113.9");
        http.get("/tr/v1/tr/?ename=b", "X-Forwarded-For", "203.0.113.9");
        http.get("/tr/v1/tr/?ename=c", "X-Forwarded-For", "203.0.113.10");
        List<Map<String, Object>> r = rows("SELECT ename, ip FROM events ORDER BY ename");
        String a = (String) r.get(0).get("ip");
        assertTrue(a.matches("[0-9a-f]{32}"), a);
        assertEquals(a, r.get(1).get("ip"), "same IP, same day → same hash");
        assertTrue(!a.equals(r.get(2).get("ip")));
        assertTrue(r.stream().noneMatch(x -> String.valueOf(x.get("ip")).contains("203.0.113")));
    }

    @Test
    void consentFlagsWithoutAnalyticsStoreAnAnonymousEventAndNoCookie() throws Exception {
        boot(c -> ((ObjectNode) c.get("privacy")).put("defaultConsent", 1));
        UUID vid = UUID.randomUUID();
        HttpResponse<String> essential = http.get("/tr/v1/tr/?ename=opt_out&uid=" + UUID.randomUUID() + "&vid=" + vid
                + "&gaid=ad-1", "X-Forwarded-For", "203.0.113.9");
        assertTrue(essential.headers().firstValue("set-cookie").isEmpty(), "no visitor cookie without consent");
        HttpResponse<String> analytics = http.get("/tr/v1/tr/?ename=analytics&vid=" + vid + "&gaid=ad-2&cflags=5");
        assertTrue(analytics.headers().firstValue("set-cookie").isPresent());
        http.get("/tr/v1/tr/?ename=marketing&vid=" + vid + "&gaid=ad-3", "Cookie", "CookieConsent=15");
        List<Map<String, Object>> r = rows("SELECT ename, vid, uid, ip, iphash, gaid FROM events ORDER BY ename");
        Map<String, Object> analyticsRow = r.get(0);
        Map<String, Object> marketingRow = r.get(1);
        Map<String, Object> optOut = r.get(2);
        assertEquals("opt_out", optOut.get("ename"));
        assertNull(optOut.get("vid"));
        assertNull(optOut.get("uid"));
        assertNull(optOut.get("ip"));
        assertNull(optOut.get("iphash"));
        assertNull(optOut.get("gaid"));
        assertEquals(vid, analyticsRow.get("vid"));
        assertNull(analyticsRow.get("gaid"), "no marketing bit, no advertising id");
        assertEquals("ad-3", marketingRow.get("gaid"));
    }

    @Test
    void redirectRoutesHonourTheAllowListAndXrdrSetsTheCookie() throws Exception {
        boot(c -> ((ObjectNode) c.get("links")).putArray("allowedHosts").add(".example.com"));
        HttpResponse<String> ok = http.get("/tr/v1/rdr/?url=https%3A%2F%2Fshop.example.com%2Fa&ename=promo");
        assertEquals(302, ok.statusCode());
        assertEquals("https://shop.example.com/a", ok.headers().firstValue("location").orElseThrow());
        assertTrue(ok.headers().firstValue("set-cookie").isEmpty(), "rdr is server-style");
        HttpResponse<String> x = http.get("/tr/v1/xrdr/?url=https://example.com/b");
        assertEquals(302, x.statusCode());
        assertTrue(x.headers().firstValue("set-cookie").orElseThrow().startsWith("vid="));
        for (String bad : List.of("https://evil.example.org/", "javascript:alert(1)", "//evil.com", "")) {
            HttpResponse<String> r = http.get("/tr/v1/rdr/?url=" + java.net.URLEncoder.encode(bad, "UTF-8"));
            assertEquals(400, r.statusCode(), bad);
            assertEquals("bad_redirect", Http.json(r).get("code").asText());
        }
        HttpResponse<String> preflight = http.send("OPTIONS", "/tr/v1/ltv/", null, "Origin", "https://a.example.com",
                "Access-Control-Request-Method", "POST");
        assertEquals(200, preflight.statusCode());
        assertEquals("https://a.example.com", preflight.headers().firstValue("access-control-allow-origin").orElseThrow());
        HttpResponse<String> clear = http.get("/clear");
        assertEquals(200, clear.statusCode());
        assertTrue(clear.headers().firstValue("clear-site-data").orElseThrow().contains("\"cookies\""));
        List<Map<String, Object>> r = rows("SELECT ename, url FROM events WHERE ename = 'promo'");
        assertEquals(1, r.size(), "the redirect was recorded");
        assertEquals("shop.example.com/a", r.get(0).get("url"));
    }

    @Test
    void pruneDeletesRowsPastRetentionAndKeepsTheRest() throws Exception {
        boot(c -> { });
        assertEquals(200, http.get("/tr/v1/tr/?ename=fresh").statusCode());
        tracker.stop();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dataDir.resolve("tracker.duckdb"));
             Statement s = c.createStatement()) {
            s.execute("INSERT INTO events (eid, ename, created_at) VALUES (uuid(), 'old', now()::TIMESTAMP - INTERVAL 400 DAY)");
            s.execute("INSERT INTO events (eid, ename, created_at) VALUES (uuid(), 'recent', now()::TIMESTAMP - INTERVAL 30 DAY)");
            s.execute("INSERT INTO logs (eid, msg, created_at) VALUES (uuid(), 'old log', now()::TIMESTAMP - INTERVAL 40 DAY)");
            s.execute("INSERT INTO logs (eid, msg, created_at) VALUES (uuid(), 'new log', now()::TIMESTAMP - INTERVAL 1 DAY)");
        }
        Path dead = dataDir.resolve("deadletter");
        Files.createDirectories(dead);
        Path oldFile = Files.writeString(dead.resolve("old.jsonl"), "{}\n");
        Files.setLastModifiedTime(oldFile, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(40L * 86_400)));
        Path newFile = Files.writeString(dead.resolve("new.jsonl"), "{}\n");
        var cfg = io.tracker.server.TestAccess.config(dataDir, c -> { });
        String report = io.tracker.server.TestAccess.prune(cfg, true);
        assertTrue(report.contains("files 1") && report.contains("logs=1") && !report.contains("events="), report);
        assertTrue(Files.exists(newFile) && !Files.exists(oldFile));
        report = io.tracker.server.TestAccess.prune(cfg, false);
        assertTrue(report.contains("events=1"), report);
        List<Map<String, Object>> r = rows("SELECT ename FROM events ORDER BY ename");
        assertEquals(List.of("fresh", "recent"), r.stream().map(m -> m.get("ename")).toList());
        assertEquals(List.of("new log"), rows("SELECT msg FROM logs").stream().map(m -> m.get("msg")).toList());
    }
}
