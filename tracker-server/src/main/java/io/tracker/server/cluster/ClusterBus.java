package io.tracker.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.business.ShortLinks;
import io.tracker.core.config.ClusterConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the nodes of a cluster tell each other (NATS core publish/subscribe on {@code cluster.subject}): a short link
 * changed here drops the other nodes' cached answer for it at once, instead of after {@code links.cacheSeconds}; an
 * erasure here is recorded on every node, as of the time it was made, so the subject's rows still queued, spooled or in
 * a WAL elsewhere are dropped on delivery too. Every message is signed (HMAC-SHA256 with a key derived from the nodes'
 * shared {@code secret.key}) and carries its time: an unsigned, forged, foreign-cluster or stale (over 5 minutes)
 * message is ignored, so whoever else can publish on the NATS cannot make a node forget anybody. Best effort by nature
 * — a node that was away started with an empty cache, and the store holds the erasure anyway. The tracker never waits
 * for the bus: it connects in the background, and sends nothing until connected.
 */
public final class ClusterBus implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterBus.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_SKEW_MILLIS = 5 * 60_000;

    private final ClusterConfig config;
    private final ShortLinks links;
    private final BatchManager batches;
    private final SecretKeySpec key;
    private final String node = UUID.randomUUID().toString();
    private final Thread connector;
    private volatile Connection nats;
    private volatile io.tracker.core.business.ApiKeys keys;
    private volatile boolean closed;

    private ClusterBus(ClusterConfig config, ShortLinks links, BatchManager batches, byte[] key) {
        this.config = config;
        this.links = links;
        this.batches = batches;
        this.key = new SecretKeySpec(key, "HmacSHA256");
        this.connector = new Thread(this::connect, "cluster-bus");
        connector.setDaemon(true);
    }

    /** Starts connecting in the background (reconnecting for ever) and returns at once. */
    public static ClusterBus start(ClusterConfig config, ShortLinks links, BatchManager batches, byte[] key) {
        ClusterBus bus = new ClusterBus(config, links, batches, key);
        links.onChange(bus::linkChanged);
        bus.connector.start();
        return bus;
    }

    /** A key revoked here is dropped from every node's cache at once (the message names its digest, not its secret). */
    public void carryKeyRevocations(io.tracker.core.business.ApiKeys apiKeys) {
        this.keys = apiKeys;
        apiKeys.onRevoke(digest -> publish("apikey", digest));
    }

    private void connect() {
        Options options = new Options.Builder().servers(config.natsServers().toArray(String[]::new))
                .connectionName("tracker-cluster").maxReconnects(-1).reconnectWait(Duration.ofSeconds(1))
                .connectionTimeout(Duration.ofSeconds(5)).build();
        try {
            Connection c = Nats.connectReconnectOnConnect(options); // returns once connected
            if (closed) {
                c.close();
                return;
            }
            c.createDispatcher(msg -> receive(msg.getData())).subscribe(config.subject());
            nats = c;
            log.atInfo().addKeyValue("subject", config.subject()).addKeyValue("servers", config.natsServers())
                    .log("cluster bus connected");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.atWarn().addKeyValue("error", e.toString()).log("cluster bus cannot connect: nodes are not told of changes");
        }
    }

    void receive(byte[] data) {
        JsonNode m;
        try {
            m = JSON.readTree(data);
        } catch (Exception e) {
            log.atDebug().log("cluster message is not JSON: ignored");
            return;
        }
        String type = m.path("type").asText();
        String subjectOf = m.path("key").asText(m.path("id").asText());
        long at = m.path("at").asLong(0);
        String from = m.path("node").asText();
        if (from.equals(node)) {
            return; // our own
        }
        byte[] sig;
        try {
            sig = HexFormat.of().parseHex(m.path("sig").asText());
        } catch (IllegalArgumentException e) {
            sig = new byte[0];
        }
        if (!MessageDigest.isEqual(sig, sign(type, subjectOf, at, from))
                || Math.abs(System.currentTimeMillis() - at) > MAX_SKEW_MILLIS) {
            log.atWarn().addKeyValue("type", type).log("cluster message ignored: not signed with this cluster's secret, or stale");
            return;
        }
        switch (type) {
            case "link" -> links.invalidate(subjectOf);
            case "apikey" -> {
                io.tracker.core.business.ApiKeys k = keys;
                if (k != null) {
                    k.revokedElsewhere(subjectOf);
                }
            }
            case "forget" -> {
                try {
                    batches.forget(UUID.fromString(subjectOf), at);
                } catch (Exception e) {
                    log.atError().addKeyValue("error", e.toString())
                            .log("an erasure from another node could not be recorded here");
                }
            }
            default -> log.atDebug().addKeyValue("type", type).log("cluster message ignored");
        }
    }

    void linkChanged(String linkKey) {
        publish("link", linkKey);
    }

    /** Every node records the erasure of {@code id} (its in-flight rows of the subject are dropped). */
    public void forget(UUID id) {
        publish("forget", id.toString());
    }

    private void publish(String type, String subjectOf) {
        Connection c = nats;
        if (c == null) {
            log.atWarn().addKeyValue("type", type).log("cluster bus not connected: the other nodes are not told");
            return;
        }
        long at = System.currentTimeMillis();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", node);
        m.put("type", type);
        m.put(type.equals("link") ? "key" : "id", subjectOf);
        m.put("at", at);
        m.put("sig", HexFormat.of().formatHex(sign(type, subjectOf, at, node)));
        try {
            c.publish(config.subject(), JSON.writeValueAsBytes(m));
        } catch (Exception e) {
            log.atWarn().addKeyValue("error", e.toString()).log("cluster message not sent");
        }
    }

    private byte[] sign(String type, String subjectOf, long at, String from) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal((type + "\n" + subjectOf + "\n" + at + "\n" + from).getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        connector.interrupt();
        Connection c = nats;
        if (c != null) {
            try {
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
