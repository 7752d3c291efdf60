package io.tracker.server.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.FullHttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Counts refused requests by reason ({@code tracker_requests_rejected_total{reason=...}}). */
public final class Rejections {
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public Rejections(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Counts a refusal that is not an HTTP answer (a WebSocket frame skipped, say). */
    public void count(String reason) {
        counters.computeIfAbsent(reason, r -> Counter.builder("tracker.requests.rejected")
                .description("requests refused, by reason").tag("reason", r).register(registry)).increment();
    }

    /** Counts {@code error} under its code and renders its answer. */
    public FullHttpResponse answer(ApiError error) {
        count(error.code());
        return error.render();
    }

    /** {@link #answer}, as an already completed future. */
    public CompletableFuture<FullHttpResponse> refuse(ApiError error) {
        return CompletableFuture.completedFuture(answer(error));
    }
}
