package io.tracker.server.business;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.server.Backends;
import io.tracker.server.Tracker;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cassandra ({@code scripts/cassandra.sh}) as the API session answers what its keys allow, one user's events, paged
 * and tenant-scoped; the aggregate APIs are a 400 that says so, never a 500 or a slow scan.
 */
class CassandraQueryApiTest {
    private static final String TOKEN = "correct horse battery staple";
    private static final String AUTH = "Authorization";
    private static final UUID A = UUID.fromString("0a0a0a0a-0000-4000-8000-00000000000a");
    private static final UUID B = UUID.fromString("0b0b0b0b-0000-4000-8000-00000000000b");

    @TempDir
    Path dataDir;
    private Tracker tracker;
    private Http http;

    @BeforeEach
    void start() throws Exception {
        Backends.truncateCassandra();
        tracker = io.tracker.server.TestAccess.start(dataDir, c -> {
            ObjectNode session = (ObjectNode) c.get("sessions").get(0);
            session.put("type", "cassandra").put("name", "cassandra");
            session.set("settings", Backends.cassandraSettings());
            c.putObject("admin").put("token", TOKEN);
        });
        http = new Http(tracker.port());
    }

    @AfterEach
    void stop() {
        tracker.stop();
    }

    private String key(UUID oid) throws Exception {
        HttpResponse<String> r = http.post("/tr/v1/rpi/keys", "{\"oid\":\"" + oid + "\",\"scopes\":[\"ingest\","
                + "\"events:read\",\"stats:read\"]}", AUTH, Http.bearer(TOKEN));
        assertEquals(201, r.statusCode(), r.body());
        return Http.json(r).get("key").asText();
    }

    @Test
    void oneUsersEventsArePagedPerTenantAndAggregatesAreRefusedByName() throws Exception {
        String a = key(A);
        String b = key(B);
        UUID uid = UUID.randomUUID();
        for (int part = 0; part < 2; part++) {
            ArrayNode events = Http.JSON.createArrayNode();
            for (int i = 0; i < 600; i++) {
                events.addObject().put("ename", "view").put("uid", uid.toString()).put("n", i);
            }
            assertEquals(200, http.post("/tr/v1/str/", events.toString(), AUTH, Http.bearer(a)).statusCode());
        }
        assertEquals(200, http.post("/tr/v1/str/", "[{\"ename\":\"view\",\"uid\":\"" + uid + "\"}]", AUTH,
                Http.bearer(b)).statusCode());
        tracker.batches().flush().get();
        Set<String> seen = new HashSet<>();
        String cursor = null;
        do {
            JsonNode page = Http.json(http.get("/api/v1/events/user/" + uid + "?limit=500"
                    + (cursor == null ? "" : "&cursor=" + cursor), AUTH, Http.bearer(a)));
            for (JsonNode e : page.get("events")) {
                assertTrue(seen.add(e.get("event_id").asText()));
                assertEquals(A.toString(), e.get("oid").asText());
            }
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        } while (cursor != null);
        assertEquals(1_200, seen.size());
        assertEquals(1, Http.json(http.get("/api/v1/events/user/" + uid, AUTH, Http.bearer(b))).get("events").size());
        HttpResponse<String> agg = http.post("/api/v1/query", "{\"metrics\":[\"events\"],\"date_range\":\"day\"}",
                AUTH, Http.bearer(a));
        assertEquals(400, agg.statusCode());
        assertEquals("unsupported_query", Http.json(agg).get("code").asText());
        assertTrue(Http.json(agg).get("error").asText().contains("Cassandra"));
        assertEquals(400, http.get("/api/v1/events/stats", AUTH, Http.bearer(a)).statusCode());
        HttpResponse<String> export = http.get("/api/v1/export", AUTH, Http.bearer(a));
        assertEquals(400, export.statusCode(), "refused before the head, not a 200 cut short");
        assertEquals("unsupported_query", Http.json(export).get("code").asText());
        assertEquals(400, http.post("/events/query", "{\"event_name\":\"view\"}", AUTH, Http.bearer(a)).statusCode(),
                "no user: not what Cassandra's keys answer");
    }
}
