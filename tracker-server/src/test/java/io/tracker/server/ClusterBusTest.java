package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two trackers on one ClickHouse database (the real servers of scripts/clickhouse.sh and scripts/nats.sh), told of each
 * other's short-link changes over the cluster bus: a link created or deleted on one node is followed correctly by the
 * other at once, though it cached the old answer for {@code links.cacheSeconds} (an hour here).
 */
class ClusterBusTest {
    private static final String URL = System.getenv().getOrDefault("TRACKER_TEST_CLICKHOUSE_URL", "http://127.0.0.1:8123");
    private static final String TOKEN = "bus-test-token";
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @TempDir
    Path dir;

    private Tracker node(String name, String database, String subject, boolean bus) throws Exception {
        return TestTrackers.start(dir.resolve(name), c -> {
            ObjectNode session = (ObjectNode) c.get("sessions").get(0);
            session.put("type", "clickhouse").put("name", "clickhouse");
            session.set("settings", JsonNodeFactory.instance.objectNode().put("url", URL).put("database", database));
            ((ObjectNode) c.get("admin")).put("token", TOKEN);
            ((ObjectNode) c.get("links")).put("cacheSeconds", 3600);
            ObjectNode cluster = ((ObjectNode) c.get("cluster")).put("subject", subject);
            if (bus) {
                cluster.putArray("natsServers").add(Backends.NATS);
            }
        });
    }

    /** A second node of a's cluster: the same secret.key, which signs the bus's messages. */
    private Tracker nodeSharingSecret(String name, String database, String subject) throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve(name));
        java.nio.file.Files.copy(dir.resolve("a").resolve("secret.key"), dir.resolve(name).resolve("secret.key"));
        return node(name, database, subject, true);
    }

    @Test
    void aNodeWithAnotherSecretIgnoresTheBus() throws Exception {
        String db = "bus_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String subject = "tracker.test." + db;
        String host = db.replace('_', '-') + ".example.com";
        try (Tracker a = node("a", db, subject, true); Tracker b = node("b", db, subject, true)) { // b: its own secret
            Thread.sleep(1_000); // the buses connect in the background
            assertEquals(404, follow(b, host));
            assertEquals(201, admin(a, "POST", "/tr/v1/rpi/redirect",
                    "{\"urlfrom\":\"https://" + host + "/go\",\"urlto\":\"https://shop.example.org/x\"}"));
            assertEquals(404, soon(b, host, 302), "a message signed with another cluster's secret changes nothing");
        }
    }

    /** GET /go with {@code Host: host}; the status of the answer. */
    private int follow(Tracker t, String host) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", t.port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(("GET /go HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream())).readLine();
            return Integer.parseInt(line.split(" ")[1]);
        }
    }

    private int admin(Tracker t, String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The status the other node answers within 3 s (polled), or its last one. */
    private int soon(Tracker t, String host, int want) throws Exception {
        int got = -1;
        for (long end = System.nanoTime() + 3_000_000_000L; System.nanoTime() < end; Thread.sleep(50)) {
            got = follow(t, host);
            if (got == want) {
                break;
            }
        }
        return got;
    }

    @Test
    void aLinkChangedOnOneNodeIsFollowedCorrectlyByTheOtherAtOnce() throws Exception {
        String db = "bus_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String subject = "tracker.test." + db;
        String host = db.replace('_', '-') + ".example.com";
        try (Tracker a = node("a", db, subject, true); Tracker b = nodeSharingSecret("b", db, subject)) {
            Thread.sleep(1_000); // the buses connect in the background
            assertEquals(404, follow(b, host), "b caches: no such link");
            assertEquals(201, admin(a, "POST", "/tr/v1/rpi/redirect",
                    "{\"urlfrom\":\"https://" + host + "/go\",\"urlto\":\"https://shop.example.org/x\"}"));
            assertEquals(302, soon(b, host, 302), "created on a: b forgets its cached miss");
            assertEquals(200, admin(a, "DELETE", "/tr/v1/rpi/redirect?urlfrom=https://" + host + "/go", null));
            assertEquals(404, soon(b, host, 404), "deleted on a: b forgets its cached link");
        }
    }

    @Test
    void withoutTheBusTheOtherNodeKeepsItsCachedAnswer() throws Exception {
        String db = "bus_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String host = db.replace('_', '-') + ".example.com";
        try (Tracker a = node("a", db, "unused", false); Tracker b = node("b", db, "unused", false)) {
            assertEquals(404, follow(b, host));
            assertEquals(201, admin(a, "POST", "/tr/v1/rpi/redirect",
                    "{\"urlfrom\":\"https://" + host + "/go\",\"urlto\":\"https://shop.example.org/x\"}"));
            assertEquals(302, follow(a, host));
            assertEquals(404, soon(b, host, 302), "the control: what the bus is for");
        }
    }
}
