package io.tracker.server.business;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.business.AdminAuth;
import io.tracker.server.Tracker;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The business endpoints through HTTP, against a real store. Every API backend (DuckDB, ClickHouse) runs the same
 * tests; subclasses say how to start a tracker on their store and how to count rows behind the API's back.
 */
public abstract class BusinessContract {
    protected static final String TOKEN = "correct horse battery staple";
    protected static final String PASSWORD_HASH = AdminAuth.hashPassword("s3cret-pass");

    protected Tracker tracker;
    protected Http http;

    /** A tracker on this backend with admin credentials, proxy headers trusted and {@code tweak} applied. */
    protected abstract Tracker start(Consumer<ObjectNode> tweak) throws Exception;

    /**
     * Rows of {@code table} whose {@code column} is {@code id}, read directly from the store (not through the API).
     * Called after {@link #stop()}: an embedded store is only readable once the tracker has let go of it.
     */
    protected abstract long countRows(String table, String column, Object value) throws Exception;

    protected static void adminAndProxy(ObjectNode c) {
        ObjectNode admin = c.putObject("admin");
        admin.put("token", TOKEN);
        admin.putArray("accounts").addObject().put("user", "ops").put("passwordHash", PASSWORD_HASH);
        ((ObjectNode) c.get("server")).put("trustProxyHeaders", true);
    }

    protected void boot(Consumer<ObjectNode> tweak) throws Exception {
        tracker = start(tweak);
        http = new Http(tracker.port());
    }

    @AfterEach
    void stopTracker() {
        stop();
    }

    protected void stop() {
        if (tracker != null) {
            tracker.stop();
        }
    }

    private static final String AUTH = "Authorization";

    @Test
    void ltvTotalsAreExactToTheCentOverTenThousandRandomPayments() throws Exception {
        boot(c -> { });
        UUID uid = UUID.randomUUID();
        UUID vid = UUID.randomUUID();
        Random random = new Random(42);
        List<String> bodies = new ArrayList<>();
        BigDecimal expected = BigDecimal.ZERO;
        int payments = 0;
        int nonZero = 0;
        while (payments < 10_000) {
            int items = 1 + random.nextInt(Math.min(200, 10_000 - payments));
            StringBuilder b = new StringBuilder("{\"uid\":\"" + uid + "\",\"vid\":\"" + vid + "\",\"currency\":\"usd\",\"payments\":[");
            for (int i = 0; i < items; i++) {
                // Cents that binary floating point cannot hold exactly (0.10, 0.29, 19.99…), some as strings, some refunds.
                long cents = random.nextInt(100_000) - (random.nextInt(20) == 0 ? 100_000 : 0);
                BigDecimal amount = BigDecimal.valueOf(cents, 2);
                expected = expected.add(amount);
                nonZero += cents == 0 ? 0 : 1;
                String field = random.nextBoolean() ? "revenue" : "amt";
                String value = random.nextBoolean() ? amount.toPlainString() : "\"" + amount.toPlainString() + "\"";
                b.append(i == 0 ? "" : ",").append("{\"product\":\"p").append(i).append("\",\"").append(field)
                        .append("\":").append(value).append('}');
            }
            bodies.add(b.append("]}").toString());
            payments += items;
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<HttpResponse<String>>> sent = new ArrayList<>();
            for (String body : bodies) {
                // Refunds lower a total: they need the credential, payments do not.
                sent.add(pool.submit(() -> body.contains("\":-") || body.contains("\":\"-")
                        ? http.post("/tr/v1/ltv/", body, AUTH, Http.bearer(TOKEN)) : http.post("/tr/v1/ltv/", body)));
            }
            for (Future<HttpResponse<String>> f : sent) {
                assertEquals(200, f.get().statusCode(), f.get().body());
            }
        } finally {
            pool.shutdown();
        }
        String total = expected.setScale(4).toPlainString();
        // sync durability: every acknowledged payment is readable at once, no waiting.
        JsonNode byUid = Http.json(http.get("/tr/v1/ltv/uid/" + uid, AUTH, Http.bearer(TOKEN)));
        assertEquals(total, byUid.get("total").asText());
        assertEquals(total, Http.json(http.get("/tr/v1/ltv/vid/" + vid, AUTH, Http.bearer(TOKEN))).get("total").asText());
        assertEquals(401, http.get("/tr/v1/ltv/uid/" + uid).statusCode(), "totals are not public");
        stop();
        assertEquals(10_000, countRows("payments", "uid", uid));
        assertEquals(nonZero * 2L, countRows("ltv", "id", uid) + countRows("ltv", "id", vid),
                "one increment per line item and id type");
    }

    @Test
    void aRetriedLtvRequestWithLineItemIdsCountsOnceAndRefundsNeedACredential() throws Exception {
        boot(c -> { });
        UUID uid = UUID.randomUUID();
        String body = "{\"uid\":\"" + uid + "\",\"payments\":[{\"id\":\"" + UUID.randomUUID()
                + "\",\"revenue\":\"7.50\"},{\"id\":\"" + UUID.randomUUID() + "\",\"revenue\":\"2.50\"}]}";
        for (int i = 0; i < 3; i++) { // the client's retries, some after the first answer
            assertEquals(200, http.post("/tr/v1/ltv/", body).statusCode());
        }
        assertEquals("10.0000", Http.json(http.get("/tr/v1/ltv/uid/" + uid, AUTH, Http.bearer(TOKEN))).get("total").asText());

        String refund = "{\"uid\":\"" + uid + "\",\"amt\":\"-4.00\"}";
        HttpResponse<String> anonymous = http.post("/tr/v1/ltv/", refund);
        assertEquals(401, anonymous.statusCode(), anonymous.body());
        assertEquals(200, http.post("/tr/v1/ltv/", refund, AUTH, Http.bearer(TOKEN)).statusCode());
        assertEquals("6.0000", Http.json(http.get("/tr/v1/ltv/uid/" + uid, AUTH, Http.bearer(TOKEN))).get("total").asText());
        stop();
        assertEquals(3, countRows("payments", "uid", uid), "two line items once, one refund");
        assertEquals(3, countRows("ltv", "id", uid));
    }

    @Test
    void anLtvSumBeyondTheColumnIsA400AndStorageGoesOn() throws Exception {
        // The one-request outage: two items of 99,999,999,999,999 were accepted, their sum refused by the
        // store, and nothing was stored afterwards.
        boot(c -> { });
        UUID uid = UUID.randomUUID();
        HttpResponse<String> r = http.post("/tr/v1/ltv/", "{\"uid\":\"" + uid
                + "\",\"payments\":[{\"revenue\":99999999999999},{\"revenue\":99999999999999}]}");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(Http.json(r).get("error").asText().contains("payments"), r.body());
        HttpResponse<String> one = http.post("/tr/v1/ltv/", "{\"uid\":\"" + uid + "\",\"revenue\":100000000000000}");
        assertEquals(400, one.statusCode(), one.body());
        assertTrue(Http.json(one).get("error").asText().contains("revenue"), one.body());
        assertEquals(200, http.post("/tr/v1/ltv/", "{\"uid\":\"" + uid + "\",\"revenue\":99999999999999.9999}").statusCode());
        assertEquals("99999999999999.9999",
                Http.json(http.get("/tr/v1/ltv/uid/" + uid, AUTH, Http.bearer(TOKEN))).get("total").asText());
        assertEquals(200, http.get("/ready").statusCode());
    }

    @Test
    void ltvRejectsWrongTypesWithAReasonAndStoresNothing() throws Exception {
        boot(c -> { });
        UUID uid = UUID.randomUUID();
        for (String body : List.of("{\"uid\":\"" + uid + "\",\"amt\":\"ten\"}", "{\"uid\":\"" + uid + "\",\"amt\":1.23456}",
                "{\"uid\":\"not-a-uuid\",\"amt\":1}", "{\"uid\":\"" + uid + "\",\"payments\":[{\"amt\":1,\"currency\":\"USD\"},{\"amt\":1,\"currency\":\"EUR\"}]}",
                "[1,2]", "{", "")) {
            HttpResponse<String> r = http.post("/tr/v1/ltv/", body);
            assertEquals(400, r.statusCode(), body);
            assertNotNull(Http.json(r).get("code"), r.body());
        }
        assertEquals("0.0000", Http.json(http.get("/tr/v1/ltv/uid/" + uid, AUTH, Http.bearer(TOKEN))).get("total").asText());
        assertEquals(200, http.post("/tr/v1/ltv/", "{\"uid\":\"" + uid + "\",\"amt\":0.1}").statusCode());
        assertEquals("0.1000", Http.json(http.get("/tr/v1/ltv/uid/" + uid, AUTH, Http.bearer(TOKEN))).get("total").asText());
        stop();
        assertEquals(1, countRows("payments", "uid", uid), "only the valid payment is stored");
    }

    @Test
    void shortLinksRedirectAreHostScopedAndNeedCredentials() throws Exception {
        boot(c -> ((ObjectNode) c.get("links")).putArray("selfDomains").add("t.example.net"));
        String a = "{\"urlfrom\":\"https://go.example.com/Summer\",\"urlto\":\"https://shop.example.org/sale?utm_source=mail\"}";
        String b = "{\"urlfrom\":\"https://other.example.com/winter\",\"urlto\":\"https://shop.example.org/w\"}";
        // Credentials: none, wrong token, wrong password → 401 with a challenge; nothing is created.
        assertEquals(401, http.post("/tr/v1/rpi/redirect", a).statusCode());
        HttpResponse<String> wrong = http.post("/tr/v1/rpi/redirect", a, AUTH, Http.bearer("guess"));
        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.headers().firstValue("www-authenticate").isPresent());
        assertEquals(401, http.post("/tr/v1/rpi/redirect", a, AUTH, Http.basic("ops", "nope")).statusCode());
        assertEquals(401, http.post("/tr/v1/rpi/redirect", a, AUTH, Http.basic("nobody", "s3cret-pass")).statusCode());
        assertEquals(404, http.get("/summer", "X-Forwarded-Host", "go.example.com").statusCode());
        // Created by token and by basic credentials.
        HttpResponse<String> created = http.post("/tr/v1/rpi/redirect", a, AUTH, Http.bearer(TOKEN));
        assertEquals(201, created.statusCode(), created.body());
        assertEquals(201, http.post("/tr/v1/rpi/redirect", b, AUTH, Http.basic("ops", "s3cret-pass")).statusCode());
        // The catch-all follows it (path case-insensitive, host without port), a miss is a JSON 404.
        HttpResponse<String> hop = http.get("/summer", "X-Forwarded-Host", "GO.example.com:8443");
        assertEquals(302, hop.statusCode());
        assertEquals("https://shop.example.org/sale?utm_source=mail", hop.headers().firstValue("location").orElseThrow());
        HttpResponse<String> miss = http.get("/favicon.ico", "X-Forwarded-Host", "go.example.com");
        assertEquals(404, miss.statusCode());
        assertEquals("not_found", Http.json(miss).get("code").asText());
        // Listing is scoped to the host asked for.
        JsonNode list = Http.json(http.get("/tr/v1/rpi/redirects/go.example.com", AUTH, Http.bearer(TOKEN)));
        assertEquals(1, list.get("results").size(), list.toString());
        assertEquals("go.example.com/summer", list.get("results").get(0).get("urlfrom").asText());
        assertEquals("token", list.get("results").get(0).get("updater").asText());
        assertEquals(401, http.get("/tr/v1/rpi/redirects/go.example.com").statusCode());
        // Validation, each with a reason.
        for (String bad : List.of("{\"urlfrom\":\"https://go.example.com/x\"}",
                "{\"urlfrom\":\"https://go.example.com/x\",\"urlto\":\"https://go.example.com/x\"}",
                "{\"urlfrom\":\"https://go.example.com/x\",\"urlto\":\"https://t.example.net/loop\"}",
                "{\"urlfrom\":\"https://go.example.com/\",\"urlto\":\"https://a.example.org/\"}",
                "{\"urlfrom\":\"https://go.example.com/x\",\"urlto\":\"javascript:alert(1)\"}",
                "{\"urlfrom\":7,\"urlto\":\"https://a.example.org/\"}", "not json")) {
            HttpResponse<String> r = http.post("/tr/v1/rpi/redirect", bad, AUTH, Http.bearer(TOKEN));
            assertEquals(400, r.statusCode(), bad + " → " + r.body());
            assertNotNull(Http.json(r).get("code"));
        }
        // A tracked link (through /tr/v1/rdr/) resolves in one hop.
        String tracked = "{\"urlfrom\":\"https://go.example.com/t\",\"urlto\":\"https://t.example.net/tr/v1/rdr/?url=https%3A%2F%2Fdocs.example.org%2Fstart&utm_campaign=launch\"}";
        assertEquals(201, http.post("/tr/v1/rpi/redirect", tracked, AUTH, Http.bearer(TOKEN)).statusCode());
        assertEquals("https://docs.example.org/start",
                http.get("/t", "X-Forwarded-Host", "go.example.com").headers().firstValue("location").orElseThrow());
        // Deleting takes effect at once (the cache is invalidated), and a second delete is a 404.
        assertEquals(200, http.send("DELETE", "/tr/v1/rpi/redirect?urlfrom=https://go.example.com/summer", null,
                AUTH, Http.bearer(TOKEN)).statusCode());
        assertEquals(404, http.get("/summer", "X-Forwarded-Host", "go.example.com").statusCode());
        assertEquals(404, http.send("DELETE", "/tr/v1/rpi/redirect?urlfrom=https://go.example.com/summer", null,
                AUTH, Http.bearer(TOKEN)).statusCode());
        assertEquals(0, Http.json(http.get("/tr/v1/rpi/redirects/go.example.com", AUTH, Http.bearer(TOKEN)))
                .get("results").findValuesAsText("urlfrom").stream().filter(u -> u.endsWith("/summer")).count());
        stop();
        assertEquals(2, countRows("events", "ename", "short_rdr"), "each followed link is recorded, misses are not");
        assertEquals(1, countRows("events", "campaign", "launch"), "a tracked link's utm_ parameters describe the visit");
        assertEquals(1, countRows("redirect_history", "action", "delete"));
    }

    @Test
    void consentRowsReadBackExactly() throws Exception {
        boot(c -> { });
        UUID vid = UUID.randomUUID();
        UUID uid = UUID.randomUUID();
        for (long flags : new long[] {1, 5, 15}) {
            String body = "{\"vid\":\"" + vid + "\",\"uid\":\"" + uid + "\",\"cflags\":" + flags
                    + ",\"tz\":\"Europe/Paris\",\"lat\":48.85,\"lon\":2.35,\"country\":\"fr\",\"source\":\"Banner\"}";
            HttpResponse<String> r = http.post("/tr/v1/ppi/agree", body, "User-Agent", "Mozilla/5.0 Test",
                    "X-Forwarded-For", "203.0.113.77");
            assertEquals(200, r.statusCode(), r.body());
            Thread.sleep(5); // distinct updated_at, so "newest first" is well defined
        }
        JsonNode rows = Http.json(http.get("/tr/v1/ppi/agree?vid=" + vid));
        assertTrue(rows.isArray());
        assertEquals(3, rows.size(), rows.toString());
        JsonNode newest = rows.get(0);
        assertEquals(vid.toString(), newest.get("vid").asText());
        assertEquals(uid.toString(), newest.get("uid").asText());
        assertEquals("FR", newest.get("country").asText());
        assertEquals("Banner", newest.get("source").asText(), "consent values are kept as sent");
        assertEquals("Europe/Paris", newest.get("tz").asText());
        assertEquals(48.85, newest.get("lat").asDouble(), 1e-9);
        assertEquals("203.0.113.0", newest.get("ip").asText(), "the default ipMode truncates before storing");
        assertEquals("Mozilla/5.0 Test", newest.get("browser").asText());
        for (String bad : List.of("{\"cflags\":1}", "{\"vid\":\"" + vid + "\"}", "{\"vid\":\"" + vid + "\",\"cflags\":\"all\"}", "[]")) {
            assertEquals(400, http.post("/tr/v1/ppi/agree", bad).statusCode(), bad);
        }
        assertEquals(400, http.get("/tr/v1/ppi/agree").statusCode());
        assertEquals(0, Http.json(http.get("/tr/v1/ppi/agree?vid=" + UUID.randomUUID())).size());
        JsonNode jds = Http.json(http.get("/tr/v1/ppi/jds"));
        assertTrue(jds.isArray() && jds.size() > 0);
        assertEquals("gdpr", jds.get(0).get("regulation").asText());
        assertEquals(404, http.get("/tr/v1/ppi/nope").statusCode());
        assertEquals(405, http.post("/tr/v1/ppi/jds", "{}").statusCode());
        assertEquals(404, http.get("/tr/v1/nope/").statusCode());
        stop();
        assertEquals(3, countRows("agreed", "vid", vid));
    }

    @Test
    void erasureRemovesEveryRowOfAVisitorFromEveryTable() throws Exception {
        boot(c -> { });
        UUID vid = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        for (UUID v : List.of(vid, other)) {
            assertEquals(200, http.get("/tr/v1/tr/?ename=view&vid=" + v).statusCode());
            assertEquals(200, http.post("/tr/v1/tr/", "[{\"ename\":\"a\",\"vid\":\"" + v + "\"},{\"ename\":\"b\",\"vid\":\"" + v + "\"}]").statusCode());
            assertEquals(200, http.post("/tr/v1/ltv/", "{\"vid\":\"" + v + "\",\"amt\":12.5}").statusCode());
            assertEquals(200, http.post("/tr/v1/ppi/agree", "{\"vid\":\"" + v + "\",\"cflags\":7}").statusCode());
        }
        // Export first: everything of the visitor, table by table (events may still be queued: the API flushes).
        JsonNode export = Http.json(http.get("/tr/v1/ppi/subject?vid=" + vid, AUTH, Http.bearer(TOKEN)));
        assertEquals(3, export.get("events").size(), export.toString());
        assertEquals(1, export.get("payments").size());
        assertEquals(1, export.get("ltv").size());
        assertEquals(1, export.get("agreements").size());
        assertEquals(1, export.get("agreed").size());
        assertEquals(401, http.send("DELETE", "/tr/v1/ppi/subject?vid=" + vid, null).statusCode());
        HttpResponse<String> erased = http.send("DELETE", "/tr/v1/ppi/subject?vid=" + vid, null, AUTH, Http.bearer(TOKEN));
        assertEquals(200, erased.statusCode(), erased.body());
        assertEquals(3, Http.json(erased).get("deleted").get("events").asLong());
        JsonNode after = Http.json(http.get("/tr/v1/ppi/subject?vid=" + vid, AUTH, Http.bearer(TOKEN)));
        after.fields().forEachRemaining(e -> assertEquals(0, e.getValue().size(), e.getKey()));
        stop();
        for (String[] t : new String[][] {{"events", "vid"}, {"payments", "vid"}, {"ltv", "id"}, {"agreements", "vid"}, {"agreed", "vid"}}) {
            assertEquals(0, countRows(t[0], t[1], vid), t[0]);
            assertFalse(countRows(t[0], t[1], other) == 0, "another visitor's " + t[0] + " rows stay");
        }
    }
}
