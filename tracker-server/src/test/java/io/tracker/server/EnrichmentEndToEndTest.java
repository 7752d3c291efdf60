package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.model.Column;
import io.tracker.core.model.Tables;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enrichment through the real server on DuckDB: the {@code crawler-user-agents} corpus from npm (its patterns as
 * {@code enrich.bots.patternsFile}, every one of its instances sent as a hit) is flagged, a browser corpus is not,
 * referrers and utm sets land as channels, and a database made before these columns existed is upgraded.
 */
class EnrichmentEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dataDir;

    private static List<String> browsers() throws Exception {
        return Files.readAllLines(Path.of("../tracker-core/src/test/resources/enrich/user-agents.txt")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    private void pixel(String base, String query, String ua) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/tr/v1/img/?" + query));
        if (ua != null) {
            b.header("User-Agent", ua);
        }
        HttpResponse<Void> r = http.send(b.build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(200, r.statusCode(), query);
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void theCrawlerCorpusIsFlaggedAndBrowsersAreNot() throws Exception {
        Path modules = NodeModules.install("crawler-user-agents@1");
        Path list = modules.resolve("crawler-user-agents/crawler-user-agents.json");
        List<String> crawlers = new ArrayList<>();
        for (JsonNode entry : JSON.readTree(list.toFile())) {
            for (JsonNode i : entry.path("instances")) {
                if (!i.asText().isBlank()) {
                    crawlers.add(i.asText());
                }
            }
        }
        assertTrue(crawlers.size() > 1000, "instances: " + crawlers.size());
        List<String> browsers = browsers();
        Tracker t = TestTrackers.start(dataDir, c -> {
            ((ObjectNode) c.with("enrich").with("bots")).put("patternsFile", list.toString());
            ((ObjectNode) c.with("enrich").with("userAgent")).put("maxParsesPerSecond", 1_000_000); // all judged here
        });
        try {
            String base = "http://127.0.0.1:" + t.port();
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
            try {
                for (int i = 0; i < crawlers.size(); i++) {
                    String ua = crawlers.get(i);
                    String n = Integer.toString(i);
                    sent.add(CompletableFuture.runAsync(() -> {
                        try {
                            pixel(base, "ename=crawler&xid=" + n, ua);
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    }, pool));
                }
                CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            } finally {
                pool.shutdown();
            }
            for (int i = 0; i < browsers.size(); i++) {
                pixel(base, "ename=browser&xid=" + i, browsers.get(i));
            }
        } finally {
            t.stop();
        }
        assertEquals(crawlers.size(), TestTrackers.count(dataDir, "SELECT count(*) FROM events WHERE ename = 'crawler'"));
        List<Map<String, Object>> missed = TestTrackers.query(dataDir,
                "SELECT xid FROM events WHERE ename = 'crawler' AND NOT is_bot");
        assertEquals(List.of(), missed.stream().map(m -> crawlers.get(Integer.parseInt((String) m.get("xid"))))
                .collect(Collectors.toList()), "crawlers taken for people");
        List<Map<String, Object>> flagged = TestTrackers.query(dataDir,
                "SELECT xid, bot_reason FROM events WHERE ename = 'browser' AND is_bot IS DISTINCT FROM false");
        assertEquals(List.of(), flagged.stream().map(m -> m.get("bot_reason") + " <- "
                + browsers.get(Integer.parseInt((String) m.get("xid")))).toList(), "people taken for crawlers");
        assertEquals(0, TestTrackers.count(dataDir,
                "SELECT count(*) FROM events WHERE ename = 'browser' AND (device IS NULL OR browser IS NULL)"));
        // every reason is one of the documented ones
        List<Map<String, Object>> reasons = TestTrackers.query(dataDir,
                "SELECT DISTINCT bot_reason FROM events WHERE is_bot ORDER BY 1");
        for (Map<String, Object> r : reasons) {
            assertTrue(List.of("header:headless", "ua:client", "ua:robot", "ua:pattern").contains(r.get("bot_reason")),
                    reasons.toString());
        }
    }

    @Test
    void referrersAndCampaignsBecomeChannelsAndTzACountry() throws Exception {
        String ua = browsers().get(0);
        Map<String, String> hits = new java.util.LinkedHashMap<>();
        hits.put("last=" + q("https://www.google.de/"), "Organic Search");
        hits.put("last=" + q("https://duckduckgo.com/"), "Organic Search");
        hits.put("last=" + q("https://t.co/abc"), "Organic Social");
        hits.put("last=" + q("https://chatgpt.com/"), "AI Assistants");
        hits.put("last=" + q("https://mail.google.com/mail/u/0/"), "Email");
        hits.put("last=" + q("https://blog.example.net/post"), "Referral");
        hits.put("last=" + q("https://shop.example/cart"), "Internal");
        hits.put("utm_source=newsletter&utm_medium=email", "Email");
        hits.put("utm_source=google&utm_medium=cpc&utm_campaign=spring", "Paid Search");
        hits.put("utm_source=facebook&utm_medium=paid_social", "Paid Social");
        hits.put("utm_source=partner&utm_medium=affiliate", "Affiliates");
        hits.put("url=" + q("https://shop.example/?gclid=abc"), "Paid Search");
        hits.put("tz=" + q("Europe/Oslo"), "Direct");
        Tracker t = TestTrackers.start(dataDir, c -> { });
        try {
            String base = "http://127.0.0.1:" + t.port();
            int i = 0;
            for (String query : hits.keySet()) {
                pixel(base, "ename=pv&xid=" + i++ + (query.startsWith("url=") ? "" : "&url=" + q("https://shop.example/"))
                        + "&" + query, ua);
            }
        } finally {
            t.stop();
        }
        List<String> expected = new ArrayList<>(hits.values());
        for (Map<String, Object> row : TestTrackers.query(dataDir, "SELECT xid, channel, country FROM events")) {
            int i = Integer.parseInt((String) row.get("xid"));
            assertEquals(expected.get(i), row.get("channel"), new ArrayList<>(hits.keySet()).get(i));
        }
        assertEquals("NO", TestTrackers.query(dataDir, "SELECT country FROM events WHERE tz = 'europe/oslo'").get(0)
                .get("country"));
        assertEquals("www.google.de", TestTrackers.query(dataDir,
                "SELECT referrer_host FROM events WHERE channel = 'Organic Search' ORDER BY xid LIMIT 1").get(0)
                .get("referrer_host"));
    }

    @Test
    void aDatabaseOfTheFormerSchemaIsUpgradedInPlace() throws Exception {
        // events as the version before enrichment made it: the first 61 columns
        Files.createDirectories(dataDir);
        List<Column> old = Tables.EVENTS.columns().subList(0, 61);
        String ddl = old.stream().map(c -> c.name() + " " + switch (c.type()) {
            case UUID -> "UUID";
            case STRING -> "VARCHAR";
            case INT64 -> "BIGINT";
            case INT32 -> "INTEGER";
            case FLOAT64 -> "DOUBLE";
            case TIMESTAMP -> "TIMESTAMP";
            case JSON -> "JSON";
            default -> throw new IllegalStateException();
        }).collect(Collectors.joining(", "));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + TestTrackers.duckdbFile(dataDir));
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE events (" + ddl + ")");
            s.execute("INSERT INTO events (eid, created_at, ename) VALUES ('0190c8a4-5d2b-7c3e-9f00-5a1b2c3d4e60', "
                    + "TIMESTAMP '2026-01-01 00:00:00', 'before')");
        }
        Tracker t = TestTrackers.start(dataDir, c -> { });
        try {
            pixel("http://127.0.0.1:" + t.port(), "ename=after", browsers().get(0));
        } finally {
            t.stop();
        }
        List<Map<String, Object>> rows = TestTrackers.query(dataDir,
                "SELECT ename, is_bot, device, channel FROM events ORDER BY created_at");
        assertEquals(2, rows.size());
        assertEquals(null, rows.get(0).get("is_bot"), "the old row: not judged");
        assertEquals(false, rows.get(1).get("is_bot"));
        assertEquals("desktop", rows.get(1).get("device"));
        assertEquals("Direct", rows.get(1).get("channel"));
    }
}
