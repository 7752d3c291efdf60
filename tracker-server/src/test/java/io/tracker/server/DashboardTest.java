package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard {@code /dash/} in a real headless Chromium against the real server (DuckDB, GeoIP, a non-default
 * {@code api.prefix} so the page must take the prefix from the server): five days of traffic sent through the Segment
 * API, then signed in with a stats key and with the admin token. Every figure and top-10 row the page shows must be
 * the query API's own answer for the same range, the totals must be what was sent, the storage session must show as
 * healthy, no console error (a CSP violation is one) may occur; a screenshot goes to
 * {@code target/dashboard/dashboard.png}.
 */
class DashboardTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "dashboard-test-admin-token-0123456789";
    private static final UUID TENANT = UUID.fromString("3b241101-e2bb-4255-8caf-4136c566a962");
    private static final String DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
            + " Chrome/124.0.0.0 Safari/537.36";
    private static final String PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
            + " (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

    /** The shared GeoIP fixture, where this checkout has it (as CI's does): then countries are checked too. */
    private static final boolean GEOIP = Files.isReadable(io.tracker.server.business.PrivacyAndLimitsTest.GEOIP);

    @TempDir
    Path dataDir;
    private Tracker tracker;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (tracker != null) {
            tracker.stop();
        }
    }

    @Test
    void theDashboardShowsWhatTheQueryApiAnswers() throws Exception {
        Browsers.requireChromium();
        tracker = TestTrackers.start(dataDir, c -> {
            c.putObject("admin").put("token", TOKEN);
            ((ObjectNode) c.get("api")).put("prefix", "/stats-api/");
            if (GEOIP) {
                c.putObject("geoip").put("path", io.tracker.server.business.PrivacyAndLimitsTest.GEOIP.toString());
            }
        });
        String base = "http://127.0.0.1:" + tracker.port();
        String ingest = newKey("ingest");
        String stats = newKey("stats:read");

        // 5 days of traffic: 30 page views (15 visits of 2) over 3 pages by 6 visitors from 3 referrers and a campaign,
        // 2 devices; 10 custom events
        Instant now = Instant.now();
        ArrayNode batch = JSON.createArrayNode();
        String[] pages = {"/pricing", "/pricing", "/pricing", "/", "/", "/docs"};
        String[] referrers = {"https://www.google.com/", "https://news.ycombinator.com/item?id=1", ""};
        for (int i = 0; i < 30; i++) {
            // two views a visit: visitor (i / 2) % 6 on day (i / 2) % 5
            ObjectNode m = message(batch, "page", "v-" + (i / 2 % 6), now.minus(i / 2 % 5, ChronoUnit.DAYS).minusSeconds(20L * (i % 2)));
            m.putObject("properties").put("url", "https://shop.example" + pages[i % 6])
                    .put("referrer", referrers[i % 3]);
            ObjectNode context = m.putObject("context");
            context.put("ip", "8.8.8.8").put("userAgent", i / 2 % 3 == 0 ? PHONE : DESKTOP);
            if (i % 3 == 2) {
                context.putObject("campaign").put("name", "winter").put("source", "newsletter").put("medium", "email");
            }
        }
        for (int i = 0; i < 10; i++) {
            ObjectNode m = message(batch, "track", "v-" + (i % 6), now.minus(i % 3, ChronoUnit.DAYS));
            m.put("event", "Signed Up");
            m.putObject("context").put("ip", "8.8.8.8").put("userAgent", DESKTOP);
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("batch", batch);
        body.put("sentAt", now.toString());
        HttpResponse<String> sent = post(base + "/v1/batch", body.toString(), "Basic "
                + Base64.getEncoder().encodeToString((ingest + ":").getBytes(StandardCharsets.UTF_8)));
        assertEquals(200, sent.statusCode(), sent.body());
        long deadline = System.currentTimeMillis() + 20_000;
        while (total(base, stats) < 40 && System.currentTimeMillis() < deadline) {
            Thread.sleep(200); // stored once the batch manager has flushed
        }
        assertEquals(40, total(base, stats));

        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/dash/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("content-security-policy").orElse("").contains("script-src 'self'"));
        assertTrue(page.body().contains("content=\"/stats-api\""), "the page names the configured api.prefix");

        Path shot = Path.of("target/dashboard/dashboard.png").toAbsolutePath();
        Files.createDirectories(shot.getParent());
        Files.deleteIfExists(shot);
        JsonNode seen = Browsers.run(dataDir, """
                const { chromium } = require('playwright-core');
                const [base, key, token, shot] = process.argv.slice(2);
                const errors = [];
                let page;
                (async () => {
                  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
                  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
                  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
                  page.on('pageerror', (e) => errors.push(String(e)));
                  const read = () => page.evaluate(() => {
                    const text = (id) => document.getElementById(id).textContent;
                    const table = (id) => [...document.querySelectorAll('#' + id + ' tr')].slice(1)
                      .map((tr) => [...tr.children].map((td) => td.textContent));
                    const out = { figures: {}, tops: {}, who: text('who'), state: text('state'),
                      points: (document.querySelector('#chart polyline.events') || { getAttribute: () => '' })
                        .getAttribute('points').split(' ').filter(Boolean).length,
                      health: table('health') };
                    for (const f of ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate']) out.figures[f] = text('m-' + f);
                    for (const t of ['page', 'source', 'channel', 'campaign', 'country', 'device']) out.tops[t] = table('t-' + t);
                    return out;
                  });
                  const signIn = async (kind, secret) => {
                    await page.selectOption('#kind', kind);
                    await page.fill('#secret', secret);
                    await page.click('#signin-form button[type=submit]');
                    await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Updated')
                      && document.getElementById('who').textContent !== '', null, { timeout: 20000 });
                  };
                  await page.goto(base + '/dash/');
                  await page.fill('#secret', 'trk_not_a_key');
                  await page.click('#signin-form button[type=submit]');
                  await page.waitForFunction(() => document.getElementById('signin-error').textContent !== '');
                  const refused = await page.textContent('#signin-error');
                  await signIn('key', key);
                  await page.waitForFunction(() => /^[0-9.,]+$/.test(document.getElementById('m-live').textContent),
                    null, { timeout: 10000 });
                  const withKey = await read();
                  await page.screenshot({ path: shot, fullPage: true });
                  await page.click('#signout');
                  const left = await read();
                  await signIn('token', token);
                  const asAdmin = await read();
                  await page.selectOption('#range', '24h');
                  await page.waitForFunction(() => /per hour/.test(document.getElementById('chart-title').textContent)
                    && document.getElementById('state').textContent.startsWith('Updated'), null, { timeout: 20000 });
                  const hourly = await read();
                  await page.screenshot({ path: shot.replace('.png', '-24h.png') });
                  console.log(JSON.stringify({ errors, refused, withKey, left, asAdmin, hourly }));
                  await browser.close();
                })().catch(async (e) => {
                  const at = page ? await page.evaluate(() => ['state', 'signin-error', 'who']
                    .map((id) => id + ': ' + document.getElementById(id).textContent).join('; ')).catch(() => '') : '';
                  console.log(JSON.stringify({ errors: errors.concat([String(e), at]) }));
                  process.exit(1);
                });
                """, base, stats, TOKEN, shot.toString());
        // "Failed to load resource: 401" is the browser's own line for the refused key, the one error expected
        List<String> errors = new ArrayList<>();
        seen.get("errors").forEach(e -> {
            if (!e.asText().contains("401")) {
                errors.add(e.asText());
            }
        });
        assertEquals(List.of(), errors, seen.toString());
        assertTrue(seen.get("refused").asText().startsWith("Not accepted"), seen.toString());
        System.out.println("dashboard screenshot: " + shot + " (" + Files.size(shot) + " bytes)");
        assertTrue(Files.size(shot) > 20_000, "a rendered page, not a blank one");

        assertEquals(24, seen.get("hourly").get("points").asInt(), "the last 24 hours, hour by hour: " + seen.get("hourly"));
        JsonNode left = seen.get("left");
        assertEquals("–", left.get("figures").get("events").asText(), "signing out clears the page: " + left);
        assertEquals(0, left.get("tops").get("page").size(), left.toString());
        assertEquals(0, left.get("health").size(), left.toString());
        for (JsonNode view : List.of(seen.get("withKey"), seen.get("asAdmin"))) {
            assertTrue(view.get("who").asText().contains(TENANT.toString()), view.toString());
            JsonNode totals = query(base, stats, "{\"metrics\":[\"visitors\",\"visits\",\"pageviews\",\"events\",\"bounce_rate\"],"
                    + "\"date_range\":\"7d\"}").get("results").get(0).get("metrics");
            assertEquals("6", view.get("figures").get("visitors").asText());
            assertEquals("30", view.get("figures").get("pageviews").asText());
            assertEquals("40", view.get("figures").get("events").asText());
            assertEquals(String.format(java.util.Locale.US, "%,d", totals.get(1).asLong()), view.get("figures").get("visits").asText());
            assertTrue(totals.get(1).asLong() >= 6 && totals.get(1).asLong() < 40, "SDK events grouped into visits: " + totals);
            assertEquals(totals.get(4).asLong() + "%", view.get("figures").get("bounce_rate").asText());
            assertEquals(7, view.get("points").asInt(), "one point per day of the 7 days, empty ones too");
            String[][] tops = {{"page", "event:page", "pageviews"}, {"source", "visit:source", "visits"},
                {"channel", "visit:channel", "visits"}, {"campaign", "visit:campaign", "events"},
                {"country", "visit:country", "visits"}, {"device", "visit:device", "visits"}};
            for (String[] t : tops) {
                JsonNode api = query(base, stats, "{\"metrics\":[\"visitors\",\"" + t[2] + "\"],\"dimensions\":[\"" + t[1]
                        + "\"],\"date_range\":\"7d\",\"order_by\":[[\"visitors\",\"desc\"],[\"" + t[2] + "\",\"desc\"]],"
                        + (t[0].equals("page") ? "\"filters\":[[\"is\",\"event:name\",[\"page_view\",\"pageview\"]]]," : "")
                        + "\"pagination\":{\"limit\":10}}").get("results");
                List<List<String>> expected = new ArrayList<>();
                api.forEach(r -> expected.add(List.of(r.get("dimensions").get(0).isNull() ? "(none)"
                        : r.get("dimensions").get(0).asText(), r.get("metrics").get(0).asText(), r.get("metrics").get(1).asText())));
                List<List<String>> shown = new ArrayList<>();
                view.get("tops").get(t[0]).forEach(r -> shown.add(List.of(r.get(0).asText(), r.get(1).asText(), r.get(2).asText())));
                assertEquals(expected, shown, t[0] + " in " + view);
            }
            assertEquals("shop.example/pricing", view.get("tops").get("page").get(0).get(0).asText());
            assertEquals("15", view.get("tops").get("page").get(0).get(2).asText(), "15 views of /pricing");
            if (GEOIP) {
                assertEquals("US", view.get("tops").get("country").get(0).get(0).asText(), "8.8.8.8 by the GeoIP fixture");
            }
            assertEquals(2, view.get("tops").get("device").size(), view.toString());
            assertTrue(view.get("tops").get("campaign").toString().contains("winter"), view.toString());
            JsonNode duckdb = view.get("health").get(0);
            assertEquals("duckdb", duckdb.get(0).asText(), view.toString());
            assertEquals("healthy", duckdb.get(1).asText(), view.toString());
        }
    }

    private ObjectNode message(ArrayNode batch, String type, String visitor, Instant at) {
        ObjectNode m = batch.addObject();
        m.put("type", type).put("messageId", UUID.randomUUID().toString()).put("timestamp", at.toString())
                .put("anonymousId", UUID.nameUUIDFromBytes(visitor.getBytes(StandardCharsets.UTF_8)).toString());
        return m;
    }

    private long total(String base, String key) throws Exception {
        return query(base, key, "{\"metrics\":[\"events\"],\"date_range\":\"7d\"}").get("results").get(0).get("metrics")
                .get(0).asLong();
    }

    private JsonNode query(String base, String key, String body) throws Exception {
        HttpResponse<String> r = post(base + "/stats-api/v1/query", body, "Bearer " + key);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private String newKey(String scope) throws Exception {
        HttpResponse<String> r = post("http://127.0.0.1:" + tracker.port() + "/tr/v1/rpi/keys",
                "{\"oid\":\"" + TENANT + "\",\"scopes\":[\"" + scope + "\"]}", "Bearer " + TOKEN);
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("key").asText();
    }

    private HttpResponse<String> post(String url, String body, String authorization) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Authorization", authorization).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
