package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana boards of {@code dashboards/grafana/}: they parse, every panel's datasource is one the provisioning file
 * declares, every Prometheus query names metrics and labels that a real tracker's {@code /metrics} exposes (scraped
 * after traffic, a rejection and flushes), and every ClickHouse query runs, with the plugin's macros expanded, against
 * the tables a real tracker created on the real ClickHouse of {@code scripts/clickhouse.sh}, and finds the traffic sent.
 */
class GrafanaBoardsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path BOARDS = Path.of("../dashboards/grafana");
    private static final String CLICKHOUSE = System.getenv().getOrDefault("TRACKER_TEST_CLICKHOUSE_URL", "http://127.0.0.1:8123");
    private static final Pattern METRIC = Pattern.compile("\\b((?:tracker|jvm|process|system)_[a-z0-9_]+)\\b");
    private static final Pattern BY = Pattern.compile("\\bby \\(([^)]*)\\)");
    private static final Pattern MATCHER = Pattern.compile("[{,]\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!=|!~|=)");
    private static final String BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
            + " Chrome/124.0.0.0 Safari/537.36";
    /** Labels Prometheus adds to every scraped sample. */
    private static final Set<String> TARGET_LABELS = Set.of("instance", "job");

    @TempDir
    Path dataDir;
    private Tracker tracker;
    private final String database = "grafana_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() throws Exception {
        if (tracker != null) {
            tracker.stop();
        }
        clickhouse("DROP DATABASE IF EXISTS " + database);
    }

    @Test
    void everyPanelQueriesWhatTheTrackerHas() throws Exception {
        List<JsonNode> boards = new ArrayList<>();
        try (Stream<Path> files = Files.list(BOARDS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                boards.add(JSON.readTree(f.toFile()));
            }
        }
        assertEquals(2, boards.size(), "the operations and the traffic board");
        String provisioned = Files.readString(BOARDS.resolve("provisioning/datasources/tracker.yml"));
        Set<String> datasources = new HashSet<>();
        Matcher uid = Pattern.compile("(?m)^\\s+uid: (\\S+)$").matcher(provisioned);
        while (uid.find()) {
            datasources.add(uid.group(1));
        }
        assertEquals(Set.of("tracker-prometheus", "tracker-clickhouse"), datasources);
        assertTrue(Files.readString(BOARDS.resolve("provisioning/dashboards/tracker.yml")).contains("type: file"));

        tracker = TestTrackers.start(dataDir, c -> {
            ObjectNode session = (ObjectNode) c.get("sessions").get(0);
            session.put("type", "clickhouse").put("name", "clickhouse");
            session.set("settings", JsonNodeFactory.instance.objectNode().put("url", CLICKHOUSE).put("database", database));
        });
        String base = "http://127.0.0.1:" + tracker.port();
        for (int i = 0; i < 6; i++) {
            get(base + "/tr/v1/tr/?ename=" + (i % 2 == 0 ? "page_view" : "signup") + "&url=https%3A%2F%2Fshop.example%2Fp" + i
                    + "&utm_source=news&utm_medium=email&utm_campaign=winter");
        }
        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/str/"))
                .POST(HttpRequest.BodyPublishers.ofString("{not json")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode(), bad.body());
        long deadline = System.currentTimeMillis() + 30_000;
        while (!clickhouse("SELECT count() FROM " + database + ".events").trim().equals("6")
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        assertEquals("6", clickhouse("SELECT count() FROM " + database + ".events").trim());

        System.gc(); // the tracker runs in this JVM: the GC metrics appear after a first collection, as in production
        Thread.sleep(200);
        Map<String, Set<String>> exposed = scrape(base);
        int promQueries = 0;
        int sqlQueries = 0;
        for (JsonNode board : boards) {
            String title = board.get("title").asText();
            assertFalse(board.get("uid").asText().isEmpty(), title);
            Map<String, String> variables = variables(board, title);
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : board.get("panels")) {
                String where = title + " / " + panel.get("title").asText();
                assertTrue(ids.add(panel.get("id").asInt()), "panel ids are unique: " + where);
                assertTrue(panel.has("gridPos"), where);
                assertTrue(datasources.contains(panel.get("datasource").get("uid").asText()), where);
                assertTrue(panel.get("targets").size() > 0, where);
                for (JsonNode target : panel.get("targets")) {
                    String type = target.get("datasource").get("type").asText();
                    if (type.equals("prometheus")) {
                        checkPromQl(target.get("expr").asText(), exposed, where);
                        promQueries++;
                    } else {
                        assertEquals("grafana-clickhouse-datasource", type, where);
                        String sql = expand(target.get("rawSql").asText(), variables);
                        String rows = clickhouse(sql);
                        if (!where.contains("alerts")) { // the spike detector had nothing to say in this test
                            assertFalse(rows.isBlank(), "no rows for " + where + ":\n" + sql);
                        }
                        sqlQueries++;
                    }
                }
            }
        }
        assertTrue(promQueries >= 20 && sqlQueries >= 7, promQueries + " PromQL, " + sqlQueries + " SQL");
    }

    /** The board's variables, resolved: a ClickHouse query variable runs and takes its first value. */
    private Map<String, String> variables(JsonNode board, String title) throws Exception {
        Map<String, String> out = new HashMap<>();
        for (JsonNode v : board.path("templating").path("list")) {
            String type = v.get("datasource").get("type").asText();
            if (type.equals("grafana-clickhouse-datasource")) {
                String values = clickhouse(v.get("query").asText());
                assertFalse(values.isBlank(), title + ": variable " + v.get("name").asText() + " has no values");
                out.put(v.get("name").asText(), values.lines().findFirst().orElseThrow().trim());
            } else {
                assertTrue(v.get("query").get("query").asText().contains("tracker_events_accepted_total"), title);
            }
        }
        return out;
    }

    /** Every metric the expression names is exposed, and every label it groups or matches by is one of theirs. */
    private static void checkPromQl(String expr, Map<String, Set<String>> exposed, String where) {
        Matcher m = METRIC.matcher(expr);
        Set<String> labels = new HashSet<>(TARGET_LABELS);
        int names = 0;
        while (m.find()) {
            names++;
            assertTrue(exposed.containsKey(m.group(1)), where + ": " + m.group(1) + " is not exposed by /metrics");
            labels.addAll(exposed.get(m.group(1)));
        }
        assertTrue(names > 0, where + ": no metric in " + expr);
        List<String> used = new ArrayList<>();
        Matcher by = BY.matcher(expr);
        while (by.find()) {
            for (String l : by.group(1).split(",")) {
                used.add(l.trim());
            }
        }
        Matcher matcher = MATCHER.matcher(expr);
        while (matcher.find()) {
            used.add(matcher.group(1));
        }
        for (String l : used) {
            assertTrue(labels.contains(l), where + ": no metric of " + expr + " has the label " + l);
        }
        assertEquals(expr.chars().filter(c -> c == '(').count(), expr.chars().filter(c -> c == ')').count(), where);
    }

    /** The grafana-clickhouse-datasource macros and variables the boards use, as the plugin expands them. */
    private static String expand(String sql, Map<String, String> variables) {
        String out = sql.replaceAll("\\$__timeFilter\\((\\w+)\\)",
                "($1 >= now() - INTERVAL 7 DAY AND $1 <= now() + INTERVAL 1 HOUR)");
        for (Map.Entry<String, String> v : variables.entrySet()) {
            out = out.replace("${" + v.getKey() + "}", v.getValue()).replace("$" + v.getKey(), v.getValue());
        }
        assertFalse(out.contains("$"), "an unexpanded macro or variable in " + out);
        return out;
    }

    /** Sample names of {@code /metrics} and the label names each has. */
    private Map<String, Set<String>> scrape(String base) throws Exception {
        Map<String, Set<String>> out = new HashMap<>();
        for (String line : get(base + "/metrics").lines().toList()) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
            Set<String> labels = out.computeIfAbsent(name, k -> new HashSet<>());
            if (brace >= 0 && brace < space) {
                Matcher l = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"").matcher(line.substring(brace, line.lastIndexOf('}')));
                while (l.find()) {
                    labels.add(l.group(1));
                }
            }
        }
        return out;
    }

    private String get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("User-Agent", BROWSER).build(),
                HttpResponse.BodyHandlers.ofString()); // a person's browser: the boards leave bots out
        assertTrue(r.statusCode() < 300, url + " → " + r.statusCode() + " " + r.body());
        return r.body();
    }

    /** A query on the test's database, TabSeparated; any ClickHouse error fails the test with its message. */
    private String clickhouse(String sql) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(CLICKHOUSE + "/?database="
                        + URLEncoder.encode(sql.startsWith("DROP") ? "default" : database, StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(sql)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), sql + "\n→ " + r.body());
        return r.body();
    }
}
