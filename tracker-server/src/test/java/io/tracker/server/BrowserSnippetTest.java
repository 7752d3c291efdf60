package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The browser snippet {@code tracker.js} in a real headless Chromium against the real server, loaded cross-origin
 * from a site on another port through the configured aliases: the first view, SPA navigations (a repeated path is one
 * view), back (popstate), a custom event, a download, an outbound click that leaves the page and an event sent while
 * it is being left; an opted-out browser sends nothing. Rows are counted in DuckDB; the served file is the minified
 * source and at most 2 KB gzipped.
 */
class BrowserSnippetTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SOURCE = Path.of("src/main/resources/snippet/tracker.js");
    private static final Path MINIFIED = Path.of("src/main/resources/snippet/tracker.min.js");

    @TempDir
    Path dataDir;
    private Tracker tracker;
    private HttpServer site;

    @AfterEach
    void stop() {
        if (tracker != null) {
            tracker.stop();
        }
        if (site != null) {
            site.stop(0);
        }
    }

    @Test
    void theServedSnippetIsTheMinifiedSourceAndSmall() throws Exception {
        Path modules = NodeModules.install("terser@5.51.4");
        ProcessBuilder pb = new ProcessBuilder("node", Path.of("../scripts/minify-snippet.js").toString(), SOURCE.toString());
        pb.environment().put("NODE_PATH", modules.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String minified = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor());
        assertEquals(minified, Files.readString(MINIFIED), "tracker.min.js is stale: run scripts/snippet.sh");
        tracker = TestTrackers.start(dataDir, c -> { });
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + tracker.port() + "/tr/v1/pub/tracker.js")).header("Accept-Encoding", "gzip").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals("gzip", r.headers().firstValue("content-encoding").orElse(""));
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/javascript"));
        assertTrue(r.body().length <= 2048, "at most 2 KB gzipped: " + r.body().length);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(r.body()))) {
            in.transferTo(plain);
        }
        assertEquals(minified, plain.toString(StandardCharsets.UTF_8));
        String etag = r.headers().firstValue("etag").orElseThrow();
        assertEquals(304, HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + tracker.port() + "/tr/v1/pub/tracker.js")).header("If-None-Match", etag).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    @Test
    void aBrowserSessionIsRecordedEventByEvent() throws Exception {
        tracker = TestTrackers.start(dataDir, c -> ((com.fasterxml.jackson.databind.node.ObjectNode) c.get("static"))
                .<com.fasterxml.jackson.databind.node.ObjectNode>set("scriptAliases", JSON.createArrayNode().add("/js/site.js"))
                .set("eventAliases", JSON.createArrayNode().add("/e")));
        String t = "http://127.0.0.1:" + tracker.port();
        String tag = "<script defer src=\"" + t + "/js/site.js\" data-api=\"" + t + "\" data-path=\"/e/\"%s></script>";
        String page = "<!doctype html><html><head><title>shop</title>" + tag.formatted(" data-webdriver data-ptyp=\"shop\"")
                + "<script>addEventListener('pagehide', function () { tracker.track('leaving', {why: 'pagehide'}); });"
                + "</script></head><body><a id=\"dl\" href=\"/files/report.pdf\" download>report</a>"
                + " <a id=\"out\" href=\"http://localhost:%d/out.html\">elsewhere</a></body></html>";
        String optOut = "<!doctype html><html><head>" + tag.formatted("") + "</head><body>robots are not counted</body></html>";
        String localOptOut = "<!doctype html><html><head><script>localStorage.setItem('tracker_optout', '1')</script>"
                + tag.formatted(" data-webdriver") + "</head><body>opted out</body></html>";
        site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        int port = site.getAddress().getPort();
        serve(site, Map.of("/index.html", page.formatted(port), "/optout.html", optOut, "/local-optout.html", localOptOut));
        String origin = "http://127.0.0.1:" + port;

        JsonNode result = Browsers.run(dataDir, """
                const { chromium } = require('playwright-core');
                const [site] = process.argv.slice(2);
                (async () => {
                  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
                  const context = await browser.newContext({ acceptDownloads: true });
                  const page = await context.newPage();
                  const errors = [], methods = [];
                  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
                  page.on('pageerror', (e) => errors.push(String(e)));
                  page.on('request', (r) => { if (!r.url().startsWith(site)) methods.push(r.method() + ' ' + new URL(r.url()).pathname); });
                  await page.goto(site + '/index.html');
                  await page.waitForFunction(() => window.tracker && window.tracker.track);
                  await page.evaluate(() => {
                    history.pushState({}, '', '/app/one');
                    history.pushState({}, '', '/app/one');
                    history.pushState({}, '', '/app/two');
                  });
                  await page.goBack();
                  await page.waitForURL('**/app/one');
                  await page.evaluate(() => tracker.track('signup', { plan: 'pro' }));
                  const download = page.waitForEvent('download');
                  await page.click('#dl');
                  await download;
                  await Promise.all([page.waitForURL('**/out.html'), page.click('#out')]);
                  await page.goto(site + '/optout.html');
                  await page.goto(site + '/local-optout.html');
                  await page.waitForTimeout(500);
                  console.log(JSON.stringify({ errors, methods }));
                  await browser.close();
                })().catch((e) => { console.log(JSON.stringify({ errors: [String(e)], methods: [] })); process.exit(1); });
                """, origin);
        assertEquals(0, result.get("errors").size(), result.toString());
        for (JsonNode m : result.get("methods")) {
            assertTrue(!m.asText().startsWith("OPTIONS"), "no preflight: " + result);
        }
        long deadline = System.currentTimeMillis() + 15_000;
        while (accepted() < 9 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100); // the last requests may still be on their way when the browser closes
        }
        Thread.sleep(300);
        tracker.stop();
        tracker = null;
        List<Map<String, Object>> rows = TestTrackers.query(dataDir, "SELECT ename, etyp, url, last, ptyp, vp_w,"
                + " CAST(vid AS VARCHAR) AS vid, CAST(sid AS VARCHAR) AS sid, tz, is_bot, CAST(params AS VARCHAR) AS params"
                + " FROM events ORDER BY created_at, eid");
        List<String> names = rows.stream().map(r -> (String) r.get("ename")).sorted().toList();
        assertEquals(List.of("file_download", "leaving", "outbound_click", "page_view", "page_view", "page_view",
                "page_view", "signup"), names, rows.toString());
        // Each hit is its own keepalive request, so arrival (and created_at) order is not the browser's order; the
        // chain of url <- last (the view before) is, and it pins the sequence down.
        String h = "127.0.0.1:" + port;
        List<String> views = rows.stream().filter(r -> "page_view".equals(r.get("ename")))
                .map(r -> r.get("url") + " <- " + r.get("last")).sorted().toList();
        assertEquals(List.of(h + "/app/one <- " + h + "/app/two", h + "/app/one <- " + h + "/index.html",
                h + "/app/two <- " + h + "/app/one", h + "/index.html <- null"), views, rows.toString());
        assertEquals(1, rows.stream().map(r -> r.get("vid")).distinct().count(), "one visitor");
        assertEquals(1, rows.stream().map(r -> r.get("sid")).distinct().count(), "one session");
        assertTrue(rows.stream().allMatch(r -> "shop".equals(r.get("ptyp")) && r.get("tz") != null
                && ((Number) r.get("vp_w")).longValue() > 0), rows.toString());
        assertTrue(rows.stream().allMatch(r -> Boolean.TRUE.equals(r.get("is_bot"))),
                "an automated browser, tracked on request, is flagged, not dropped");
        Map<String, Object> out = rows.stream().filter(r -> "outbound_click".equals(r.get("ename"))).findFirst().orElseThrow();
        assertEquals("http://localhost:" + port + "/out.html", JSON.readTree((String) out.get("params")).get("url").asText());
        Map<String, Object> file = rows.stream().filter(r -> "file_download".equals(r.get("ename"))).findFirst().orElseThrow();
        assertTrue(JSON.readTree((String) file.get("params")).get("url").asText().endsWith("/files/report.pdf"));
        Map<String, Object> signup = rows.stream().filter(r -> "signup".equals(r.get("ename"))).findFirst().orElseThrow();
        assertEquals("pro", JSON.readTree((String) signup.get("params")).get("plan").asText());
    }

    private long accepted() throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + tracker.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("tracker_events_accepted_total{") && l.contains("route=\"tr\""))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** A site on its own port (another origin than the tracker's): pages, a file to download, the page left for. */
    private static void serve(HttpServer s, Map<String, String> pages) {
        s.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            byte[] body;
            String type = "text/html; charset=utf-8";
            if (path.endsWith(".pdf")) {
                body = "%PDF-1.4 not really".getBytes(StandardCharsets.UTF_8);
                type = "application/pdf";
            } else {
                body = pages.getOrDefault(path, "<!doctype html><title>here</title><p>" + path)
                        .getBytes(StandardCharsets.UTF_8);
            }
            ex.getResponseHeaders().set("Content-Type", type);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.start();
    }
}
