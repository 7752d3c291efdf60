package io.tracker.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.tracker.core.alerts.AlertDetector;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.config.TrackerConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Tables;
import io.tracker.core.pipeline.EventIds;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link AlertDetector} of this node and delivers what it raises: a row in {@code alerts} through the
 * batch manager (every session), a structured log line, {@code tracker_alerts_total{kind}}, and a message on
 * {@code alerts.<kind>} when a NATS server is known ({@code alerts.natsUrl}, else the first NATS session's). Windows
 * are judged by a timer one second after they end; nothing here runs on the hot path but {@link #detector()}'s
 * counters.
 */
final class AlertService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlertService.class);
    static final long GRACE_MILLIS = 1_000;

    private final AlertDetector detector;
    private final BatchManager batches;
    private final EventIds ids;
    private final MeterRegistry registry;
    private final String node;
    private final List<String> natsServers;
    private final String natsUser;
    private final String natsPassword;
    private long natsRetryAt;
    private final ObjectMapper mapper = new ObjectMapper();
    private final ScheduledExecutorService timer;
    private volatile Connection nats;
    private volatile boolean closed;

    AlertService(TrackerConfig config, BatchManager batches, EventIds ids, MeterRegistry registry) {
        this.batches = batches;
        this.ids = ids;
        this.registry = registry;
        this.node = nodeName();
        this.natsServers = natsServers(config);
        com.fasterxml.jackson.databind.JsonNode s = natsSession(config);
        this.natsUser = config.alerts().natsUrl().isBlank() && s != null ? s.path("user").asText("") : "";
        this.natsPassword = config.alerts().natsUrl().isBlank() && s != null ? s.path("password").asText("") : "";
        this.detector = new AlertDetector(config.alerts(), System::currentTimeMillis, this::deliver);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "alerts");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    AlertDetector detector() {
        return detector;
    }

    private void tick() {
        try {
            detector.closeDue(GRACE_MILLIS);
        } catch (RuntimeException e) {
            log.atWarn().setCause(e).log("alert window could not be judged");
        }
    }

    private void deliver(AlertDetector.Alert a) {
        Counter.builder("tracker.alerts").description("alerts raised by the spike / error-rate detector")
                .tag("kind", a.kind()).register(registry).increment();
        log.atWarn().addKeyValue("kind", a.kind()).addKeyValue("ename", a.ename())
                .addKeyValue("windowStart", Instant.ofEpochMilli(a.windowStartMillis()))
                .addKeyValue("windowSeconds", a.windowSeconds()).addKeyValue("observed", a.observed())
                .addKeyValue("baseline", a.baseline()).addKeyValue("threshold", a.threshold()).log("alert");
        if (closed) {
            return;
        }
        long now = System.currentTimeMillis();
        Row row = new RowBuilder(Tables.ALERTS).eid(ids.next()).set("kind", a.kind()).set("ename", a.ename())
                .set("window_start", a.windowStartMillis()).set("window_seconds", a.windowSeconds())
                .set("observed", a.observed()).set("baseline", a.baseline()).set("threshold", a.threshold())
                .set("node", node).set("created_at", now).build();
        try {
            batches.enqueue(List.of(row)).exceptionally(e -> {
                log.atWarn().setCause(e).addKeyValue("kind", a.kind()).log("alert row not stored");
                return null;
            });
        } catch (Exception e) {
            log.atWarn().setCause(e).addKeyValue("kind", a.kind()).log("alert row not queued");
        }
        publish(a, row);
    }

    private void publish(AlertDetector.Alert a, Row row) {
        if (natsServers.isEmpty() || System.currentTimeMillis() < natsRetryAt) {
            return;
        }
        try {
            Connection c = nats;
            if (c == null) {
                Options.Builder o = new Options.Builder().servers(natsServers.toArray(String[]::new))
                        .connectionName("tracker-alerts").maxReconnects(-1).reconnectWait(Duration.ofSeconds(1))
                        .connectionTimeout(Duration.ofSeconds(2));
                if (!natsUser.isEmpty()) {
                    o.userInfo(natsUser, natsPassword);
                }
                try {
                    c = Nats.connect(o.build());
                } catch (java.io.IOException e) {
                    natsRetryAt = System.currentTimeMillis() + 30_000; // the judge thread does not wait on it again soon
                    throw e;
                }
                nats = c;
            }
            ObjectNode msg = mapper.createObjectNode().put("eid", row.eid().toString()).put("kind", a.kind())
                    .put("ename", a.ename()).put("window_start", Instant.ofEpochMilli(a.windowStartMillis()).toString())
                    .put("window_seconds", a.windowSeconds()).put("observed", a.observed())
                    .put("baseline", a.baseline()).put("threshold", a.threshold()).put("node", node);
            c.publish("alerts." + a.kind(), mapper.writeValueAsString(msg).getBytes(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.atWarn().setCause(e).addKeyValue("kind", a.kind()).log("alert not published to NATS");
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode natsSession(TrackerConfig config) {
        for (io.tracker.core.config.SessionConfig s : config.sessions()) {
            if ("nats".equals(s.type()) && s.settings() != null) {
                return s.settings();
            }
        }
        return null;
    }

    /** {@code alerts.natsUrl}, else the servers of the first NATS session; empty for none. */
    static List<String> natsServers(TrackerConfig config) {
        if (!config.alerts().natsUrl().isBlank()) {
            return List.of(config.alerts().natsUrl());
        }
        com.fasterxml.jackson.databind.JsonNode s = natsSession(config);
        java.util.List<String> out = new java.util.ArrayList<>();
        if (s != null) {
            s.path("servers").forEach(n -> out.add(n.asText()));
        }
        return List.copyOf(out);
    }

    private static String nodeName() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h;
        }
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/etc/hostname")).strip();
        } catch (Exception e) {
            return "";
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
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
