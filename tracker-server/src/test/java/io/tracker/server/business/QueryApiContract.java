package io.tracker.server.business;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.server.Tracker;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The tenant-scoped read APIs through HTTP against a real store: keys, isolation of two tenants, aggregates equal to
 * direct SQL, cursors, and the other trackers' ingest shapes. Subclasses start a tracker on their store and run SQL
 * on it behind the API's back ({@code {events}}, {@code {A}} / {@code {B}} (the tenants' UUID literals) and
 * {@code {human}} (not a bot) stand for the store's own spelling).
 */
public abstract class QueryApiContract {
    protected static final String TOKEN = "correct horse battery staple";
    protected static final UUID A = UUID.fromString("0a0a0a0a-0000-4000-8000-00000000000a");
    protected static final UUID B = UUID.fromString("0b0b0b0b-0000-4000-8000-00000000000b");
    private static final String AUTH = "Authorization";

    protected Tracker tracker;
    protected Http http;
    /** The time of the tracker's events and of its "today": real unless a test moves it. */
    protected final MovableClock clock = new MovableClock();

    /** A clock tests set and move; real time until set. */
    protected static final class MovableClock extends java.time.Clock {
        private final java.util.concurrent.atomic.AtomicLong at = new java.util.concurrent.atomic.AtomicLong(-1);

        void set(java.time.Instant i) {
            at.set(i.toEpochMilli());
        }

        void advance(java.time.Duration d) {
            at.addAndGet(d.toMillis());
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public long millis() {
            long t = at.get();
            return t < 0 ? System.currentTimeMillis() : t;
        }

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.ofEpochMilli(millis());
        }
    }

    protected abstract Tracker start(Consumer<ObjectNode> tweak) throws Exception;

    /** Rows of {@code sql} (placeholders as above), each value as text ('' for absent); called after {@link #stop()}. */
    protected abstract List<List<String>> direct(String sql) throws Exception;

    /** Whether this store answers the hourly stats from hourly_event_stats (a single ClickHouse and DuckDB do). */
    protected boolean rollupsAnswerHourlyStats() {
        return true;
    }

    protected static void admin(ObjectNode c) {
        c.putObject("admin").put("token", TOKEN);
    }

    protected void boot() throws Exception {
        tracker = start(QueryApiContract::admin);
        http = new Http(tracker.port());
    }

    @AfterEach
    void stopTracker() {
        stop();
    }

    protected void stop() {
        if (tracker != null) {
            tracker.stop();
            tracker = null;
        }
    }

    private String key(UUID oid, String... scopes) throws Exception {
        ObjectNode body = Http.JSON.createObjectNode().put("oid", oid.toString()).put("name", "test");
        ArrayNode s = body.putArray("scopes");
        for (String x : scopes) {
            s.add(x);
        }
        HttpResponse<String> r = http.post("/tr/v1/rpi/keys", body.toString(), AUTH, Http.bearer(TOKEN));
        assertEquals(201, r.statusCode(), r.body());
        assertEquals("no-store", r.headers().firstValue("cache-control").orElse(""));
        return Http.json(r).get("key").asText();
    }

    private void flush() throws Exception {
        tracker.batches().flush().get();
    }

    private void ingest(String key, ArrayNode events) throws Exception {
        for (int from = 0; from < events.size(); from += 1000) {
            ArrayNode part = Http.JSON.createArrayNode();
            for (int i = from; i < Math.min(events.size(), from + 1000); i++) {
                part.add(events.get(i));
            }
            HttpResponse<String> r = http.post("/tr/v1/str/", part.toString(), AUTH, Http.bearer(key),
                    "Content-Type", "application/json");
            assertEquals(200, r.statusCode(), r.body());
        }
    }

    /** A tenant's traffic: visitors with one session each, page views, sign-ups with a plan and revenue. */
    private static ArrayNode traffic(long seed, int visitors, UUID claimedOid) {
        Random random = new Random(seed);
        ArrayNode out = Http.JSON.createArrayNode();
        String[] sources = {"google", "news", ""};
        for (int v = 0; v < visitors; v++) {
            UUID vid = new UUID(seed, v);
            UUID sid = new UUID(seed + 1, v);
            int views = 1 + random.nextInt(3);
            String source = sources[random.nextInt(sources.length)];
            for (int i = 0; i < views; i++) {
                ObjectNode e = out.addObject().put("ename", "page_view").put("vid", vid.toString())
                        .put("sid", sid.toString()).put("url", "https://shop.example/p" + random.nextInt(4));
                if (!source.isEmpty()) {
                    e.put("source", source);
                }
                if (claimedOid != null) {
                    e.put("oid", claimedOid.toString());
                }
            }
            if (random.nextInt(3) == 0) {
                ObjectNode e = out.addObject().put("ename", "signup").put("vid", vid.toString()).put("sid", sid.toString());
                e.putObject("params").put("plan", random.nextBoolean() ? "pro" : "free")
                        .put("revenue", random.nextInt(10_000) / 100.0);
                if (claimedOid != null) {
                    e.put("oid", claimedOid.toString());
                }
            }
        }
        return out;
    }

    private JsonNode query(String key, String body) throws Exception {
        HttpResponse<String> r = http.post("/api/v1/query", body, AUTH, Http.bearer(key));
        assertEquals(200, r.statusCode(), r.body());
        return Http.json(r);
    }

    /** The results of a query as dimension text → metric values. */
    private static Map<String, List<Long>> groups(JsonNode answer) {
        Map<String, List<Long>> out = new TreeMap<>();
        for (JsonNode r : answer.get("results")) {
            StringBuilder k = new StringBuilder();
            for (JsonNode d : r.get("dimensions")) {
                k.append(d.isNull() ? "" : d.asText()).append('|');
            }
            List<Long> m = new ArrayList<>();
            for (JsonNode x : r.get("metrics")) {
                m.add(Math.round(x.asDouble() * 100));
            }
            out.put(k.toString(), m);
        }
        return out;
    }

    private static Map<String, List<Long>> groups(List<List<String>> rows, int dims) {
        Map<String, List<Long>> out = new TreeMap<>();
        for (List<String> r : rows) {
            StringBuilder k = new StringBuilder();
            for (int i = 0; i < dims; i++) {
                k.append(r.get(i)).append('|');
            }
            List<Long> m = new ArrayList<>();
            for (int i = dims; i < r.size(); i++) {
                m.add(Math.round(Double.parseDouble(r.get(i).isEmpty() ? "0" : r.get(i)) * 100));
            }
            out.put(k.toString(), m);
        }
        return out;
    }

    @Test
    void keysAreCreatedByAdminsShownOnceScopedAndRevokedAtOnce() throws Exception {
        boot();
        String body = "{\"oid\":\"" + A + "\",\"scopes\":[\"stats:read\"]}";
        assertEquals(401, http.post("/tr/v1/rpi/keys", body).statusCode(), "creating a key takes an admin");
        assertEquals(400, http.post("/tr/v1/rpi/keys", "{\"oid\":\"" + A + "\",\"scopes\":[\"root\"]}", AUTH,
                Http.bearer(TOKEN)).statusCode(), "an unknown scope is refused");
        String stats = key(A, "stats:read");
        String q = "{\"metrics\":[\"events\"],\"date_range\":\"day\"}";
        assertEquals(401, http.post("/api/v1/query", q).statusCode(), "no key: 401");
        HttpResponse<String> made = http.post("/api/v1/query", q, AUTH, "Bearer trk_madeup");
        assertEquals(401, made.statusCode());
        assertEquals("invalid_key", Http.json(made).get("code").asText());
        assertEquals(200, http.post("/api/v1/query", q, AUTH, Http.bearer(stats)).statusCode());
        assertEquals(200, http.post("/api/v1/query", q, AUTH, Http.basic(stats, "")).statusCode(),
                "Basic <key>: as Segment-style SDKs send it");
        HttpResponse<String> scope = http.get("/api/v1/events/user/u1", AUTH, Http.bearer(stats));
        assertEquals(403, scope.statusCode(), "a key without events:read");
        assertEquals("missing_scope", Http.json(scope).get("code").asText());
        HttpResponse<String> listed = http.get("/tr/v1/rpi/keys?oid=" + A, AUTH, Http.bearer(TOKEN));
        assertEquals(200, listed.statusCode());
        assertFalse(listed.body().contains(stats.substring(4)), "a key's secret is never listed");
        JsonNode keys = Http.json(listed).get("keys");
        assertEquals(1, keys.size());
        String id = keys.get(0).get("id").asText();
        assertEquals(401, http.get("/tr/v1/rpi/keys", AUTH, Http.bearer(stats)).statusCode(), "keys are not admins");
        assertEquals(200, http.send("DELETE", "/tr/v1/rpi/keys/" + id, null, AUTH, Http.bearer(TOKEN)).statusCode());
        assertEquals(401, http.post("/api/v1/query", q, AUTH, Http.bearer(stats)).statusCode(),
                "a revoked key stops working at once");
        assertEquals(404, http.send("DELETE", "/tr/v1/rpi/keys/key_nope", null, AUTH, Http.bearer(TOKEN)).statusCode());
        flush();
        assertTrue(Http.json(http.get("/tr/v1/rpi/keys?oid=" + A, AUTH, Http.bearer(TOKEN))).get("keys").get(0)
                .get("revoked").asBoolean(), "the revocation is stored");
        stop();
        List<List<String>> stored = direct("SELECT key_sha256 FROM {keys}");
        assertEquals(2, stored.size(), "the key and its revocation");
        for (List<String> r : stored) {
            assertEquals(64, r.get(0).length(), "only the digest is stored");
        }
    }

    @Test
    void twoTenantsNeverCrossOnAnyEndpointOrFilter() throws Exception {
        boot();
        String a = key(A, "ingest", "events:read", "stats:read");
        String b = key(B, "ingest", "events:read", "stats:read");
        ArrayNode ta = traffic(1, 50, null);
        ArrayNode tb = traffic(2, 40, A); // tenant B's events claim to be A's: the key decides
        ingest(a, ta);
        ingest(b, tb);
        // the same user id in both tenants, through the event tracking system's shape
        assertEquals(200, http.post("/api/v1/events", "{\"event_type\":\"login\",\"user_id\":\"same-user\","
                + "\"metadata\":{\"plan\":\"pro\"}}", AUTH, Http.bearer(a)).statusCode());
        assertEquals(200, http.post("/api/v1/events", "[{\"event_type\":\"login\",\"user_id\":\"same-user\"},"
                + "{\"event_type\":\"logout\",\"user_id\":\"same-user\",\"oid\":\"" + A + "\"}]", AUTH, Http.bearer(b))
                .statusCode());
        flush();
        long signupsA = count(ta, "signup", null);
        long signupsB = count(tb, "signup", null);
        String q = "{\"metrics\":[\"events\",\"visitors\"],\"date_range\":\"day\"}";
        assertEquals(ta.size() + 1, query(a, q).get("results").get(0).get("metrics").get(0).asLong());
        assertEquals(tb.size() + 2, query(b, q).get("results").get(0).get("metrics").get(0).asLong());
        // a tenant key cannot name another tenant
        assertEquals(ta.size() + 1, Http.json(http.post("/api/v1/query?oid=" + B, q, AUTH, Http.bearer(a)))
                .get("results").get(0).get("metrics").get(0).asLong());
        // an admin names the tenant
        assertEquals(tb.size() + 2, Http.json(http.post("/api/v1/query?oid=" + B, q, AUTH, Http.bearer(TOKEN)))
                .get("results").get(0).get("metrics").get(0).asLong());
        String props = "{\"metrics\":[\"events\"],\"date_range\":\"day\",\"dimensions\":[\"event:props:plan\"],"
                + "\"filters\":[[\"is\",\"event:name\",[\"signup\",\"login\"]]]}";
        Map<String, List<Long>> pa = groups(query(a, props));
        Map<String, List<Long>> pb = groups(query(b, props));
        assertEquals(signupsA + 1, pa.values().stream().mapToLong(l -> l.get(0) / 100).sum());
        assertEquals(signupsB + 1, pb.values().stream().mapToLong(l -> l.get(0) / 100).sum());
        assertEquals(count(ta, "signup", "pro") + 1, pa.getOrDefault("pro|", List.of(0L)).get(0) / 100);
        assertEquals(count(tb, "signup", "pro"), pb.getOrDefault("pro|", List.of(0L)).get(0) / 100,
                "B's same-user login has no plan");
        // a user's events
        JsonNode ua = Http.json(http.get("/api/v1/events/user/same-user", AUTH, Http.bearer(a)));
        JsonNode ub = Http.json(http.get("/api/v1/events/user/same-user", AUTH, Http.bearer(b)));
        assertEquals(1, ua.get("events").size());
        assertEquals(2, ub.get("events").size());
        assertEquals("pro", ua.get("events").get(0).get("metadata").get("plan").asText());
        assertEquals(A.toString(), ua.get("events").get(0).get("oid").asText());
        for (JsonNode e : ub.get("events")) {
            assertEquals(B.toString(), e.get("oid").asText(), "stamped with the key's tenant");
        }
        // by visitor: A's visitor is not B's
        String vidA = ta.get(0).get("vid").asText();
        assertTrue(Http.json(http.get("/api/v1/events/user/" + vidA + "?by=vid", AUTH, Http.bearer(a))).get("events")
                .size() > 0);
        assertEquals(0, Http.json(http.get("/api/v1/events/user/" + vidA + "?by=vid", AUTH, Http.bearer(b)))
                .get("events").size());
        // the OTA shape
        JsonNode ota = Http.json(http.post("/events/query", "{\"event_name\":\"login\",\"user_id\":\"same-user\"}",
                AUTH, Http.bearer(b)));
        assertEquals(1, ota.get("events").size());
        assertEquals("same-user", ota.get("events").get(0).get("user_id").asText());
        // stats
        JsonNode sa = Http.json(http.get("/api/v1/events/stats?interval=hour", AUTH, Http.bearer(a)));
        assertEquals(ta.size() + 1, sa.get("totals").get("events").asLong());
        assertEquals(query(a, q).get("results").get(0).get("metrics").get(1).asLong(),
                sa.get("totals").get("visitors").asLong());
        long perHour = 0;
        for (JsonNode r : sa.get("results")) {
            perHour += r.get("events").asLong();
        }
        assertEquals(ta.size() + 1, perHour, "the hours add up to the total");
        assertEquals(rollupsAnswerHourlyStats() ? "rollups" : "events", sa.get("source").asText());
        // the same series from the events themselves (bots included: there are none) agrees with the rollup
        JsonNode fromEvents = query(a, "{\"metrics\":[\"events\",\"visitors\"],\"date_range\":\"day\",\"include\":{\"bots\":true},"
                + "\"dimensions\":[\"time:hour\",\"event:name\"]}");
        Map<String, String> viaEvents = new TreeMap<>();
        for (JsonNode r : fromEvents.get("results")) {
            viaEvents.put(r.get("dimensions").get(0).asText() + "|" + r.get("dimensions").get(1).asText(),
                    r.get("metrics").get(0).asLong() + "/" + r.get("metrics").get(1).asLong());
        }
        Map<String, String> viaStats = new TreeMap<>();
        for (JsonNode r : sa.get("results")) {
            viaStats.put(r.get("time").asText() + "|" + r.get("ename").asText(),
                    r.get("events").asLong() + "/" + r.get("visitors").asLong());
        }
        assertEquals(viaEvents, viaStats);
        stop();
        assertEquals("0", direct("SELECT count(*) FROM {events} WHERE oid = {A} AND ename = 'logout'").get(0).get(0),
                "a claimed oid never beats the key");
    }

    private static long count(ArrayNode events, String ename, String plan) {
        long n = 0;
        for (JsonNode e : events) {
            if (e.get("ename").asText().equals(ename)
                    && (plan == null || plan.equals(e.path("params").path("plan").asText()))) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aggregatesEqualDirectSql() throws Exception {
        // (an empty page is '' here and in the API, which sorts it first; the direct SQL says so too)
        boot();
        String a = key(A, "ingest", "stats:read");
        ingest(a, traffic(7, 300, null));
        ingest(key(B, "ingest"), traffic(8, 100, null));
        flush();
        JsonNode bySource = query(a, "{\"metrics\":[\"events\",\"visitors\",\"visits\",\"pageviews\"],"
                + "\"date_range\":\"7d\",\"dimensions\":[\"visit:source\"]}");
        JsonNode byPlan = query(a, "{\"metrics\":[\"events\",\"revenue\"],\"date_range\":\"day\","
                + "\"dimensions\":[\"event:props:plan\",\"event:name\"],"
                + "\"filters\":[[\"or\",[[\"contains\",\"event:page\",[\"/p1\"]],[\"is\",\"event:name\",[\"signup\"]]]],"
                + "[\"not\",[\"matches\",\"visit:source\",[\"^ne\"]]]]}");
        JsonNode bounce = query(a, "{\"metrics\":[\"bounce_rate\",\"visits\"],\"date_range\":\"day\","
                + "\"dimensions\":[\"time:day\"]}");
        JsonNode page = query(a, "{\"metrics\":[\"events\"],\"date_range\":\"day\",\"dimensions\":[\"event:page\"],"
                + "\"order_by\":[[\"event:page\",\"asc\"]],\"pagination\":{\"limit\":2,\"offset\":1}}");
        assertEquals(400, http.post("/api/v1/query", "{\"metrics\":[\"events\"],\"date_range\":\"day\","
                + "\"dimensions\":[\"visit:shoe_size\"]}", AUTH, Http.bearer(a)).statusCode());
        HttpResponse<String> bad = http.post("/api/v1/query", "{\"metrics\":[\"dwell\"],\"date_range\":\"day\"}",
                AUTH, Http.bearer(a));
        assertEquals(400, bad.statusCode());
        assertTrue(Http.json(bad).get("error").asText().contains("dwell"), bad.body());
        stop();
        assertEquals(groups(direct("SELECT coalesce(source, ''), count(*), count(DISTINCT vid), count(DISTINCT sid),"
                + " sum(CASE WHEN ename = 'page_view' THEN 1 ELSE 0 END) FROM {events} WHERE oid = {A} AND {human}"
                + " GROUP BY coalesce(source, '')"), 1), groups(bySource));
        assertEquals(groups(direct("SELECT {plan}, ename, count(*), sum({revenue}) FROM {events} WHERE oid = {A}"
                + " AND {human} AND (url LIKE '%/p1%' OR ename = 'signup') AND NOT (coalesce(source, '') LIKE 'ne%')"
                + " GROUP BY {plan}, ename"), 2), groups(byPlan));
        List<List<String>> sessions = direct("SELECT sid, sum(CASE WHEN ename = 'page_view' THEN 1 ELSE 0 END)"
                + " FROM {events} WHERE oid = {A} AND {human} GROUP BY sid");
        long bounced = sessions.stream().filter(r -> r.get(1).equals("1")).count();
        long withViews = sessions.stream().filter(r -> Long.parseLong(r.get(1)) >= 1).count();
        JsonNode row = bounce.get("results").get(0);
        assertEquals(Math.round(100.0 * bounced / withViews), row.get("metrics").get(0).asLong());
        assertEquals(sessions.size(), row.get("metrics").get(1).asLong());
        List<List<String>> pages = direct("SELECT coalesce(url, ''), count(*) FROM {events} WHERE oid = {A} AND {human}"
                + " GROUP BY coalesce(url, '') ORDER BY coalesce(url, '')");
        assertEquals(2, page.get("results").size());
        assertEquals(pages.get(1).get(0), page.get("results").get(0).get("dimensions").get(0).asText());
        assertEquals(pages.get(2).get(0), page.get("results").get(1).get("dimensions").get(0).asText());
        assertTrue(page.get("meta").get("has_more").asBoolean());
    }

    @Test
    void aCursorWalksTenThousandEventsOfOneUserWithoutGapsOrRepeats() throws Exception {
        boot();
        String a = key(A, "ingest", "events:read");
        UUID uid = UUID.randomUUID();
        ArrayNode events = Http.JSON.createArrayNode();
        for (int i = 0; i < 10_000; i++) {
            events.addObject().put("ename", i % 10 == 0 ? "purchase" : "view").put("uid", uid.toString())
                    .put("n", i);
        }
        ingest(a, events);
        ingest(key(B, "ingest"), (ArrayNode) Http.JSON.readTree("[{\"ename\":\"view\",\"uid\":\"" + uid + "\"}]"));
        flush();
        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        long last = Long.MAX_VALUE;
        do {
            HttpResponse<String> r = http.get("/api/v1/events/user/" + uid + "?limit=700"
                    + (cursor == null ? "" : "&cursor=" + cursor), AUTH, Http.bearer(a));
            assertEquals(200, r.statusCode(), r.body());
            JsonNode page = Http.json(r);
            for (JsonNode e : page.get("events")) {
                assertTrue(seen.add(e.get("event_id").asText()), "no event twice");
                long t = java.time.Instant.parse(e.get("timestamp").asText()).toEpochMilli();
                assertTrue(t <= last, "newest first");
                last = t;
            }
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            pages++;
        } while (cursor != null);
        assertEquals(10_000, seen.size());
        assertEquals(15, pages);
        assertEquals(400, http.get("/api/v1/events/user/" + uid + "?cursor=bm9wZQ", AUTH, Http.bearer(a)).statusCode());
        JsonNode purchases = Http.json(http.get("/api/v1/events/user/" + uid + "?ename=purchase&limit=10000",
                AUTH, Http.bearer(a)));
        assertEquals(1_000, purchases.get("events").size());
        stop();
        Set<String> stored = new HashSet<>();
        for (List<String> r : direct("SELECT {eid} FROM {events} WHERE oid = {A}")) {
            stored.add(r.get(0));
        }
        assertEquals(stored, seen, "exactly the stored events of the user in tenant A");
    }

    @Test
    void theOtherTrackersShapesAreStoredAsOrdinaryEventsWithoutTheUserIdInClear() throws Exception {
        boot();
        String a = key(A, "ingest", "events:read");
        assertEquals(200, http.post("/api/v1/events", "{\"event_type\":\"checkout\",\"user_id\":\"user-42@example.com\","
                + "\"timestamp\":\"2026-01-02T03:04:05Z\",\"metadata\":{\"cart\":3}}", AUTH, Http.bearer(a)).statusCode());
        String sid = UUID.randomUUID().toString();
        assertEquals(200, http.post("/events", "{\"event_name\":\"search\",\"user_id\":\"user-42@example.com\","
                + "\"session_id\":\"" + sid + "\",\"properties\":{\"q\":\"shoes\"}}", AUTH, Http.bearer(a)).statusCode());
        assertEquals(400, http.post("/events", "{\"user_id\":\"x\"}", AUTH, Http.bearer(a)).statusCode(),
                "an event needs a name");
        assertEquals(401, http.post("/events", "{\"event_name\":\"x\",\"oid\":\"" + B + "\"}").statusCode(),
                "server-to-server shapes need an ingest key");
        assertEquals(401, http.post("/api/events/click", "{\"campaign_id\":\"c\",\"oid\":\"" + B + "\"}").statusCode(),
                "no anonymous clicks or revenue in anybody's campaign");
        assertEquals(400, http.post("/api/v1/events", "{\"event_type\":\"x\",\"metadata\":[1]}", AUTH, Http.bearer(a))
                .statusCode());
        flush();
        JsonNode page = Http.json(http.get("/api/v1/events/user/user-42@example.com", AUTH, Http.bearer(a)));
        assertEquals(2, page.get("events").size());
        Map<String, JsonNode> byName = new HashMap<>();
        page.get("events").forEach(e -> byName.put(e.get("event_type").asText(), e));
        assertEquals(3, byName.get("checkout").get("metadata").get("cart").asInt());
        assertEquals("2026-01-02T03:04:05Z", byName.get("checkout").get("metadata").get("timestamp").asText());
        assertEquals(sid, byName.get("search").get("sid").asText());
        assertEquals("shoes", byName.get("search").get("metadata").get("q").asText());
        assertNull(page.get("next_cursor").isNull() ? null : page.get("next_cursor"));
        stop();
        List<List<String>> rows = direct("SELECT {uid}, params FROM {events} WHERE oid = {A}");
        assertEquals(2, rows.size());
        assertEquals(rows.get(0).get(0), rows.get(1).get(0), "one user id, one uid");
        for (List<String> r : rows) {
            assertNotNull(UUID.fromString(r.get(0)));
            assertFalse(String.join(" ", r).contains("user-42"), "the user id is not stored in clear");
        }
    }

    private JsonNode campaign(String key, String query) throws Exception {
        HttpResponse<String> r = http.get("/api/campaigns/statistics?" + query, AUTH, Http.bearer(key));
        assertEquals(200, r.statusCode(), r.body());
        return Http.json(r);
    }

    private void click(String key, String campaign) throws Exception {
        HttpResponse<String> r = http.post("/api/events/click", "{\"campaign_id\":\"" + campaign
                + "\",\"user_id\":\"u-1\",\"source\":\"newsletter\",\"click_date\":\"2026-03-10\"}", AUTH, Http.bearer(key));
        assertEquals(200, r.statusCode(), r.body());
    }

    private void conversion(String key, String campaign, String value) throws Exception {
        HttpResponse<String> r = http.post("/api/events/conversion", "{\"campaign_id\":\"" + campaign
                + "\",\"user_id\":\"u-1\",\"value\":" + value + "}", AUTH, Http.bearer(key));
        assertEquals(200, r.statusCode(), r.body());
    }

    private static String day(JsonNode answer, String date) {
        for (JsonNode r : answer.get("results")) {
            if (r.get("date").asText().equals(date)) {
                return r.get("clicks").asLong() + "/" + r.get("conversions").asLong() + "/"
                        + r.get("conversion_value").decimalValue().setScale(2) + "/" + r.get("conversion_rate").asDouble();
            }
        }
        return "none";
    }

    @Test
    void campaignStatisticsAreHistoryPlusTodayAcrossMidnightAndAfterARestart() throws Exception {
        clock.set(java.time.Instant.parse("2026-03-10T23:59:00Z"));
        boot();
        clock.advance(java.time.Duration.ofSeconds(2)); // past the second the tracker started in: counted live
        String a = key(A, "ingest", "stats:read");
        String b = key(B, "ingest", "stats:read");
        for (int i = 0; i < 3; i++) {
            click(a, "spring");
        }
        conversion(a, "spring", "10.50");
        click(a, "autumn");
        click(b, "spring");
        assertEquals(400, http.post("/api/events/click", "{\"user_id\":\"u\"}", AUTH, Http.bearer(a)).statusCode());
        assertEquals(400, http.get("/api/campaigns/statistics?campaign_id=spring&group_by=hourly", AUTH, Http.bearer(a))
                .statusCode());
        String range = "campaign_id=spring&from=2026-03-09&to=2026-03-11";
        assertEquals("3/1/10.50/0.3333", day(campaign(a, range), "2026-03-10"), "today, live");
        assertEquals("1/0/0.00/0.0", day(campaign(b, range), "2026-03-10"), "the other tenant's own");
        clock.set(java.time.Instant.parse("2026-03-11T00:00:30Z")); // midnight passes
        flush();
        click(a, "spring");
        click(a, "spring");
        conversion(a, "spring", "5");
        conversion(a, "spring", "0.25");
        JsonNode after = campaign(a, range);
        assertEquals("3/1/10.50/0.3333", day(after, "2026-03-10"), "yesterday is history, from the store");
        assertEquals("2/2/5.25/1.0", day(after, "2026-03-11"), "today starts at midnight");
        assertEquals(5, after.get("totals").get("clicks").asLong());
        assertEquals("15.75", after.get("totals").get("conversion_value").decimalValue().setScale(2).toPlainString());
        JsonNode monthly = campaign(a, "campaign_id=spring&group_by=monthly&from=2026-03-01&to=2026-03-31");
        assertEquals("5/3/15.75/0.6", day(monthly, "2026-03-01"));
        JsonNode weekly = campaign(a, "campaign_id=spring&group_by=weekly&from=2026-03-01&to=2026-03-31");
        assertEquals("5/3/15.75/0.6", day(weekly, "2026-03-09"), "Monday's week");
        stop();
        clock.advance(java.time.Duration.ofSeconds(5));
        boot(); // a restart: today's counts are recomputed from the store
        clock.advance(java.time.Duration.ofSeconds(2));
        assertEquals("2/2/5.25/1.0", day(campaign(a, range), "2026-03-11"));
        click(a, "spring");
        assertEquals("3/2/5.25/0.6667", day(campaign(a, range), "2026-03-11"), "the stored and the live, once each");
        stop();
        assertEquals("6", direct("SELECT count(*) FROM {events} WHERE oid = {A} AND campaign = 'spring'"
                + " AND ename = 'campaign_click'").get(0).get(0));
    }

    @Test
    void anExportStreamsTheTenantsEventsAndNoneOfTheOthers() throws Exception {
        boot();
        String a = key(A, "ingest", "events:read");
        String b = key(B, "ingest", "events:read");
        ArrayNode many = Http.JSON.createArrayNode();
        for (int i = 0; i < 12_000; i++) {
            many.addObject().put("ename", "view").put("url", "https://a.example/" + i).putObject("params")
                    .put("note", "comma, \"quote\"\nnewline");
        }
        ingest(a, many);
        ingest(b, traffic(3, 5, A));
        flush();
        HttpResponse<String> csv = http.get("/api/v1/export?format=csv", AUTH, Http.bearer(a));
        assertEquals(200, csv.statusCode(), csv.body());
        assertEquals("chunked", csv.headers().firstValue("transfer-encoding").orElse(""), "streamed, not buffered");
        List<String> lines = parseCsv(csv.body());
        assertEquals(12_001, lines.size(), "a header and every event, over several pages");
        assertTrue(lines.get(0).startsWith("eid,oid,"));
        Set<String> urls = new HashSet<>();
        for (String line : lines.subList(1, lines.size())) {
            assertTrue(line.contains("," + A + ","), "only tenant A's rows");
            assertTrue(line.contains("\"\"note\"\":\"\"comma, "), "quoted as RFC 4180 says: " + line);
            urls.add(line.substring(line.indexOf("a.example/"), line.indexOf(',', line.indexOf("a.example/"))));
        }
        assertEquals(12_000, urls.size(), "no event twice");
        HttpResponse<String> nd = http.get("/api/v1/export?format=ndjson", AUTH, Http.bearer(b));
        assertEquals(200, nd.statusCode());
        String[] events = nd.body().split("\n");
        assertEquals(count(traffic(3, 5, A), "page_view", null) + count(traffic(3, 5, A), "signup", null), events.length);
        for (String e : events) {
            assertEquals(B.toString(), Http.JSON.readTree(e).get("oid").asText());
        }
        assertEquals(400, http.get("/api/v1/export?format=xml", AUTH, Http.bearer(a)).statusCode());
        assertEquals(401, http.get("/api/v1/export").statusCode());
        // the connection serves requests after a streamed answer: pipelined order holds
        assertEquals(200, http.get("/api/v1/export?format=ndjson&ename=nothing", AUTH, Http.bearer(a)).statusCode());
    }

    /** CSV records (a quoted field may hold a line break). */
    private static List<String> parseCsv(String body) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            }
            if (!quoted && c == '\r' && i + 1 < body.length() && body.charAt(i + 1) == '\n') {
                out.add(cur.toString());
                cur.setLength(0);
                i++;
                continue;
            }
            cur.append(c);
        }
        if (cur.length() > 0) {
            out.add(cur.toString());
        }
        return out;
    }
}
