package io.tracker.server.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Counts refused requests by reason ({@code tracker_requests_rejected_total{reason=...}}). */
public final class Rejections {
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public Rejections(MeterRegistry registry) {
        this.registry = registry;
    }

    public void count(String reason) {
        counters.computeIfAbsent(reason, r -> Counter.builder("tracker.requests.rejected")
                .description("requests refused, by reason").tag("reason", r).register(registry)).increment();
    }
}
