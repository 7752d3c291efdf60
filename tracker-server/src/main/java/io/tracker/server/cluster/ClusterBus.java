package io.tracker.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.business.ShortLinks;
import io.tracker.core.config.ClusterConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the nodes of a cluster tell each other (NATS core publish/subscribe on {@code cluster.subject}): a short link
 * changed here drops the other nodes' cached answer for it at once, instead of after {@code links.cacheSeconds}; an
 * erasure here makes every node record it, so the subject's rows still queued, spooled or in a WAL elsewhere are dropped
 * on delivery too. Best effort by nature — a node that misses a message (it was down) started with an empty cache, and
 * an erasure is also recorded in the shared store — so a lost message costs at most the cache lifetime.
 */
public final class ClusterBus implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterBus.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection nats;
    private final Dispatcher dispatcher;
    private final String subject;
    private final String node = UUID.randomUUID().toString();

    private ClusterBus(Connection nats, String subject, ShortLinks links, BatchManager batches) {
        this.nats = nats;
        this.subject = subject;
        this.dispatcher = nats.createDispatcher(msg -> {
            try {
                JsonNode m = JSON.readTree(msg.getData());
                if (node.equals(m.path("node").asText())) {
                    return; // our own
                }
                switch (m.path("type").asText()) {
                    case "link" -> links.invalidate(m.path("key").asText());
                    case "forget" -> batches.forget(UUID.fromString(m.path("id").asText()));
                    default -> log.atDebug().addKeyValue("type", m.path("type").asText()).log("cluster message ignored");
                }
            } catch (Exception e) {
                log.atWarn().addKeyValue("error", e.toString()).log("cluster message not understood");
            }
        });
        dispatcher.subscribe(subject);
    }

    /** Connects (reconnecting for ever in the background: the tracker never waits for the bus) and subscribes. */
    public static ClusterBus start(ClusterConfig config, ShortLinks links, BatchManager batches) throws Exception {
        Options options = new Options.Builder().servers(config.natsServers().toArray(String[]::new))
                .connectionName("tracker-cluster").maxReconnects(-1).reconnectWait(Duration.ofSeconds(1))
                .connectionTimeout(Duration.ofSeconds(5)).build();
        Connection c = Nats.connectReconnectOnConnect(options);
        ClusterBus bus = new ClusterBus(c, config.subject(), links, batches);
        links.onChange(bus::linkChanged);
        log.atInfo().addKeyValue("subject", config.subject()).addKeyValue("servers", config.natsServers())
                .log("cluster bus started");
        return bus;
    }

    void linkChanged(String key) {
        publish(Map.of("node", node, "type", "link", "key", key));
    }

    /** Every node records the erasure of {@code id} (its in-flight rows of the subject are dropped). */
    public void forget(UUID id) {
        publish(Map.of("node", node, "type", "forget", "id", id.toString()));
    }

    private void publish(Map<String, String> message) {
        try {
            nats.publish(subject, JSON.writeValueAsString(message).getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            log.atWarn().addKeyValue("error", e.toString()).log("cluster message not sent");
        }
    }

    @Override
    public void close() {
        try {
            nats.closeDispatcher(dispatcher);
            nats.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
