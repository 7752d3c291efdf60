package io.tracker.server;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamInfo;
import io.tracker.backends.cassandra.CassandraSessionProvider;
import io.tracker.core.config.SessionConfig;
import io.tracker.core.model.Tables;
import io.tracker.core.session.Session;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The real Cassandra and NATS servers of {@code scripts/cassandra.sh} / {@code scripts/nats.sh}, for server tests: one
 * Cassandra keyspace per test JVM (schema statements take ~1 s each on a small node), emptied by the tests that
 * need it, and a JetStream stream per test.
 */
public final class Backends {
    public static final String CASSANDRA = System.getenv().getOrDefault("TRACKER_TEST_CASSANDRA", "127.0.0.1:9042");
    public static final String NATS = System.getenv().getOrDefault("TRACKER_TEST_NATS", "nats://127.0.0.1:4222");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static String keyspace;
    private static CqlSession cql;

    private Backends() {
    }

    /** Settings of a Cassandra session on the shared test keyspace. */
    public static ObjectNode cassandraSettings() {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.putArray("contactPoints").add(CASSANDRA);
        return s.put("keyspace", keyspace()).put("requestTimeoutMillis", 10_000);
    }

    /** Settings of a NATS session publishing to {@code stream} (subjects {@code <stream lower-case>.<table>}). */
    public static ObjectNode natsSettings(String stream) {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.putArray("servers").add(NATS);
        return s.put("stream", stream).put("subjectPrefix", stream.toLowerCase()).put("maxAgeHours", 1)
                .put("publishTimeoutMillis", 5_000).put("connectTimeoutMillis", 2_000);
    }

    public static String newStream() {
        return "IT_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toUpperCase();
    }

    /** The shared keyspace, created (schema applied) on first use. */
    public static synchronized String keyspace() {
        if (keyspace == null) {
            try {
                io.tracker.backends.cassandra.CassandraNode.awaitReady();
            } catch (Exception e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            String ks = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            ObjectNode s = JsonNodeFactory.instance.objectNode();
            s.putArray("contactPoints").add(CASSANDRA);
            s.put("keyspace", ks);
            Session session = new CassandraSessionProvider().create(new SessionConfig("cassandra", "setup", s), "setup",
                    Path.of("."));
            try {
                session.open(Tables.ALL);
                session.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot create the test keyspace: " + e.getMessage(), e);
            }
            keyspace = ks;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    cql().execute(SimpleStatement.newInstance("DROP KEYSPACE IF EXISTS " + ks).setTimeout(Duration.ofSeconds(60)));
                } catch (RuntimeException ignored) {
                    // the node may be gone already
                }
            }));
        }
        return keyspace;
    }

    public static synchronized CqlSession cql() {
        if (cql == null) {
            keyspace();
            int colon = CASSANDRA.lastIndexOf(':');
            cql = CqlSession.builder().addContactPoint(new InetSocketAddress(CASSANDRA.substring(0, colon),
                    Integer.parseInt(CASSANDRA.substring(colon + 1)))).withLocalDatacenter("datacenter1").build();
        }
        return cql;
    }

    public static void truncateCassandra() {
        for (var t : Tables.ALL) {
            cql().execute(SimpleStatement.newInstance("TRUNCATE " + keyspace() + "." + t.name()).setTimeout(Duration.ofSeconds(60)));
        }
    }

    /** The event ids stored in Cassandra's {@code events} (a list: duplicates would show). */
    public static List<UUID> cassandraEids() {
        List<UUID> out = new ArrayList<>();
        cql().execute(SimpleStatement.newInstance("SELECT eid FROM " + keyspace() + ".events").setPageSize(5_000))
                .forEach(r -> out.add(r.getUuid(0)));
        return out;
    }

    /** Every message of {@code stream} on {@code subject}, in order, parsed. */
    public static List<JsonNode> messages(String stream, String subject) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = Nats.connect(NATS)) {
            JetStreamManagement jsm = c.jetStreamManagement();
            StreamInfo info = jsm.getStreamInfo(stream);
            long last = info.getStreamState().getLastSequence();
            for (long seq = info.getStreamState().getFirstSequence(); seq <= last && last > 0; seq++) {
                MessageInfo m = jsm.getMessage(stream, seq);
                if (m.getSubject().equals(subject)) {
                    out.add(JSON.readTree(m.getData()));
                }
            }
        }
        return out;
    }

    public static List<UUID> natsEids(String stream) throws Exception {
        List<UUID> out = new ArrayList<>();
        for (JsonNode n : messages(stream, stream.toLowerCase() + ".events")) {
            out.add(UUID.fromString(n.get("eid").asText()));
        }
        return out;
    }

    public static void deleteStream(String stream) {
        try (Connection c = Nats.connect(NATS)) {
            c.jetStreamManagement().deleteStream(stream);
        } catch (Exception ignored) {
            // never created, or already gone
        }
    }

    /** Runs {@code scripts/<script> <action>} and waits for it (90 s at most); a failure carries its output. */
    public static void script(String script, String action) throws Exception {
        Process p = new ProcessBuilder("bash", Path.of("..", "scripts", script).toString(), action)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(90, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("scripts/" + script + " " + action + " failed: " + out);
        }
    }
}
