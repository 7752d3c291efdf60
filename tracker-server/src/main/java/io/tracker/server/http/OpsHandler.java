package io.tracker.server.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tracker.core.batch.BatchManager;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /health}, {@code /ready}, {@code /ping}, {@code /status}, {@code /metrics} (spec §2.10–§2.11, §11). */
public final class OpsHandler {
    private final BatchManager batches;
    private final PrometheusMeterRegistry registry;
    private final ConnectionLimiter connections;
    private final Instant started = Instant.now();
    private final String version;

    public OpsHandler(BatchManager batches, PrometheusMeterRegistry registry, ConnectionLimiter connections, String version) {
        this.batches = batches;
        this.registry = registry;
        this.connections = connections;
        this.version = version;
    }

    /**
     * Declares the ops paths: GET and HEAD, never rate-limited (load balancers and scrapers poll them), no CORS; the
     * probes answer on plain HTTP even when TLS is on ({@code /status} tells too much for that).
     */
    public Routes.Builder register(Routes.Builder table) {
        Map<String, java.util.function.Supplier<FullHttpResponse>> paths = new java.util.LinkedHashMap<>();
        paths.put("/health", () -> HttpResponses.json(HttpResponseStatus.OK, Map.of("status", "ok")));
        paths.put("/ping", () -> HttpResponses.text(HttpResponseStatus.OK, "pong"));
        paths.put("/ready", this::ready);
        paths.put("/status", () -> HttpResponses.json(HttpResponseStatus.OK, status()));
        paths.put("/metrics", () -> HttpResponses.bytes(HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8",
                registry.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        paths.forEach((path, answer) -> {
            Routes.RouteBuilder r = table.exact(path).methods("GET", "HEAD").unlimited().noCors();
            if (!path.equals("/status")) {
                r.plainHttp();
            }
            r.to((call, rest) -> java.util.concurrent.CompletableFuture.completedFuture(answer.get()));
        });
        return table;
    }

    private FullHttpResponse ready() {
        List<BatchManager.SessionStatus> sessions = batches.status();
        boolean ready = batches.isReady();
        return HttpResponses.json(ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                Map.of("ready", ready, "sessions", sessions));
    }

    private Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", version);
        out.put("started", started.toString());
        out.put("uptimeSeconds", Duration.between(started, Instant.now()).toSeconds());
        out.put("connections", connections.openConnections());
        out.put("walRowsOwed", batches.walRowsOwed());
        out.put("eventsAccepted", (long) registry.find("tracker.events.accepted").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum());
        out.put("sessions", batches.status());
        return out;
    }
}
