package io.tracker.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path file(String json) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, json);
        return f;
    }

    private static ConfigLoader env(Map<String, String> vars) {
        return new ConfigLoader(vars::get);
    }

    @Test
    void defaultsAreValidAndEmbedded() {
        TrackerConfig c = env(Map.of()).load(null);
        assertEquals(8080, c.server().port());
        assertEquals(1 << 20, c.server().maxBodyBytes());
        assertEquals("duckdb", c.sessions().get(0).type());
    }

    @Test
    void shippedConfigJsonLoadsAndMatchesDefaults() {
        Path shipped = Path.of("..", "config.json");
        TrackerConfig c = env(Map.of()).load(shipped);
        TrackerConfig d = TrackerConfig.standard();
        assertEquals(d.server(), c.server());
        assertEquals(d.tracking(), c.tracking());
        assertEquals(d.batching(), c.batching());
    }

    @Test
    void fileValuesOverrideDefaultsKeyByKey() throws Exception {
        TrackerConfig c = env(Map.of()).load(file("{\"server\":{\"port\":9090}}"));
        assertEquals(9090, c.server().port());
        assertEquals(1 << 20, c.server().maxBodyBytes(), "untouched keys keep their default");
    }

    @Test
    void environmentOverridesFollowTheNamingRule() throws Exception {
        TrackerConfig c = env(Map.of(
                "TRACKER_SERVER_MAX_BODY_BYTES", "2048",
                "TRACKER_PRIVACY_IP_MODE", "hash",
                "TRACKER_ADMIN_TOKEN", "s3cret",
                "TRACKER_BATCHING_TABLES_EVENTS_MAX_ROWS", "500",
                "TRACKER_SESSIONS_0_SETTINGS_PATH", "other.duckdb"))
                .load(file("{\"sessions\":[{\"type\":\"duckdb\",\"name\":\"d\",\"settings\":{\"path\":\"x.duckdb\"}}]}"));
        assertEquals(2048, c.server().maxBodyBytes());
        assertEquals("hash", c.privacy().ipMode());
        assertEquals("s3cret", c.admin().token(), "TRACKER_ADMIN_TOKEN is the documented way to give the admin token");
        assertEquals(500, c.batching().forTable("events").maxRows());
        assertEquals("other.duckdb", c.sessions().get(0).settings().get("path").asText());
        assertEquals("SERVER_MAX_BODY_BYTES", "SERVER_" + ConfigLoader.envSegment("maxBodyBytes"));
    }

    @Test
    void eachOfTheClusterNodesEnforcesItsShareOfTheRateLimits() throws Exception {
        TrackerConfig c = env(Map.of("TRACKER_CLUSTER_NODES", "3")).load(file(
                "{\"rateLimit\":{\"perSecond\":100,\"burst\":10,\"perDay\":1000}}"));
        assertEquals(3, c.cluster().nodes());
        RateLimitConfig share = c.rateLimit().perNode(c.cluster().nodes());
        assertEquals(34, share.perSecond());
        assertEquals(4, share.burst());
        assertEquals(334, share.perDay());
        assertEquals(1, env(Map.of()).load(null).cluster().nodes(), "one node unless configured");
        RateLimitConfig off = env(Map.of()).load(null).rateLimit().perNode(3);
        assertEquals(0, off.perSecond(), "a limit that is off stays off");
        assertThrows(ConfigException.class, () -> env(Map.of("TRACKER_CLUSTER_NODES", "-2")).load(null));
    }

    @Test
    void unknownKeyStopsWithItsName() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> env(Map.of()).load(file("{\"server\":{\"prot\":1}}")));
        assertTrue(e.getMessage().startsWith("server.prot: unknown key"), e.getMessage());
    }

    @Test
    void wrongTypeStopsWithItsName() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> env(Map.of()).load(file("{\"server\":{\"port\":\"eighty\"}}")));
        assertTrue(e.getMessage().startsWith("server.port"), e.getMessage());
    }

    @Test
    void outOfRangeValuesAreAllReported() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> env(Map.of()).load(file("{\"server\":{\"port\":70000,\"maxConnections\":0}}")));
        assertTrue(e.getMessage().contains("server.port: must be between 0 and 65535 (got 70000)"), e.getMessage());
        assertTrue(e.getMessage().contains("server.maxConnections"), e.getMessage());
    }

    @Test
    void badEnvironmentValueNamesKeyAndVariable() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> env(Map.of("TRACKER_SERVER_PORT", "x")).load(null));
        assertTrue(e.getMessage().contains("server.port (from TRACKER_SERVER_PORT)"), e.getMessage());
    }

    @Test
    void invalidJsonFileIsReported() throws Exception {
        Path f = file("{nope");
        ConfigException e = assertThrows(ConfigException.class, () -> env(Map.of()).load(f));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void kafkaConsumersAreCheckedKeyByKeyAndNatsStaysTheDefaultType() throws Exception {
        TrackerConfig ok = env(Map.of("TRACKER_CONSUMERS_0_PASSWORD", "from-env")).load(file("{\"consumers\":["
                + "{\"subject\":\"m.>\",\"kind\":\"count\",\"servers\":[\"nats://127.0.0.1:4222\"]},"
                + "{\"type\":\"kafka\",\"kind\":\"event\",\"bootstrapServers\":[\"127.0.0.1:9092\"],"
                + "\"topics\":[\"tracker.events\"],\"password\":\"\"}]}"));
        assertEquals("nats", ok.consumers().get(0).type());
        ConsumerConfig k = ok.consumers().get(1);
        assertEquals("tracker", k.groupId());
        assertEquals("earliest", k.startFrom());
        assertEquals(45_000, k.sessionTimeoutMillis());
        assertFalse(k.toString().contains("from-env"), k.toString());
        SessionConfig fb = new SessionConfig("facebook-capi", "fb", new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"pixelId\":\"123\",\"accessToken\":\"EAAsecret\",\"password\":\"pw\"}"));
        assertFalse(fb.toString().contains("EAAsecret") || fb.toString().contains("\"pw\""), fb.toString());
        assertTrue(fb.toString().contains("123"), fb.toString());
        ConfigException e = assertThrows(ConfigException.class, () -> env(Map.of()).load(file("{\"consumers\":["
                + "{\"type\":\"kafka\",\"kind\":\"event\",\"bootstrapServers\":[\"kafka://x:9092\"],"
                + "\"topics\":[\"a b\"],\"startFrom\":\"middle\",\"subject\":\"x\"},"
                + "{\"type\":\"rabbit\",\"kind\":\"count\"},"
                + "{\"kind\":\"event\",\"subject\":\"x\",\"servers\":[\"nats://127.0.0.1:4222\"]}]}")));
        ConfigException loop = assertThrows(ConfigException.class, () -> env(Map.of()).load(file("{\"sessions\":["
                + "{\"type\":\"duckdb\",\"name\":\"duckdb\"},{\"type\":\"kafka\",\"name\":\"k\",\"settings\":"
                + "{\"topicPrefix\":\"t.\"}}],\"consumers\":[{\"type\":\"kafka\",\"kind\":\"event\","
                + "\"bootstrapServers\":[\"127.0.0.1:9092\"],\"topics\":[\"t.events\",\"other.events\"]},"
                + "{\"kind\":\"count\",\"subject\":\"x\",\"servers\":[\"nats://127.0.0.1:4222\"],\"topics\":[\"t\"]},"
                + "{\"type\":\"kafka\",\"kind\":\"log\",\"bootstrapServers\":[null],\"topics\":[null]}]}")));
        assertTrue(loop.getMessage().contains("consumers[0].topics: 't.events' is written by this tracker's own session 'k'"),
                loop.getMessage());
        assertFalse(loop.getMessage().contains("other.events"), loop.getMessage());
        assertTrue(loop.getMessage().contains("consumers[1]: bootstrapServers and topics are Kafka keys"), loop.getMessage());
        assertTrue(loop.getMessage().contains("consumers[2].bootstrapServers[0]") && loop.getMessage().contains(
                "consumers[2].topics[0]"), loop.getMessage());
        for (String key : new String[] {"consumers[0].bootstrapServers[0]", "consumers[0].topics[0]",
                "consumers[0].startFrom", "consumers[0]: subject", "consumers[1].type", "consumers[2].kind"}) {
            assertTrue(e.getMessage().contains(key), key + " in " + e.getMessage());
        }
    }

    @Test
    void duplicateSessionNamesAreRejected() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> env(Map.of()).load(file(
                "{\"sessions\":[{\"type\":\"duckdb\",\"name\":\"a\"},{\"type\":\"duckdb\",\"name\":\"a\"}]}")));
        assertTrue(e.getMessage().contains("sessions[1].name: duplicate"), e.getMessage());
        assertFalse(e.getMessage().contains("sessions[0].name"));
    }

    @Test
    void unknownBatchStrategyIsRejected() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> env(Map.of()).load(file(
                "{\"batching\":{\"tables\":{\"events\":{\"strategy\":\"yolo\"}}}}")));
        assertTrue(e.getMessage().contains("batching.tables.events.strategy"), e.getMessage());
    }
}
