package io.tracker.core.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tracker.core.config.TrackerConfig;
import io.tracker.core.pipeline.steps.BodyStep;
import io.tracker.core.pipeline.steps.ContentAsEnameStep;
import io.tracker.core.pipeline.steps.CookieStep;
import io.tracker.core.pipeline.steps.IdentityStep;
import io.tracker.core.pipeline.steps.PathPairsStep;
import io.tracker.core.pipeline.steps.PiiHashStep;
import io.tracker.core.pipeline.steps.QueryStep;
import io.tracker.core.pipeline.steps.RequestDerivedStep;
import io.tracker.core.pipeline.steps.UrlStep;
import io.tracker.core.pipeline.steps.UserHeaderStep;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The values pipeline (spec §3): an ordered list of named steps, later steps overriding earlier
 * ones. Each event of a request runs the whole list; a step may drop the event, and every drop is
 * counted by step and reason.
 */
public final class EventPipeline {
    private final List<Step> steps;
    private final MeterRegistry registry;
    private final LongSupplier wallClockMillis;
    private final Map<String, Counter> drops = new ConcurrentHashMap<>();

    public EventPipeline(List<Step> steps, MeterRegistry registry, LongSupplier wallClockMillis) {
        this.steps = List.copyOf(steps);
        this.registry = registry;
        this.wallClockMillis = wallClockMillis;
    }

    /** The standard step list, in precedence order (lowest first). */
    public static EventPipeline standard(TrackerConfig config, ObjectMapper mapper, EventIds ids, MeterRegistry registry) {
        return standard(config, mapper, ids, registry, null,
                new io.tracker.core.privacy.IpAnonymizer(config.privacy().ipMode()));
    }

    /**
     * As {@link #standard}, with GeoIP enrichment when {@code geoip} is not null, and {@code ips} shared with the
     * other writers of IPs (in {@code hash} mode one salt per day must serve every table, or hashes would not join).
     */
    public static EventPipeline standard(TrackerConfig config, ObjectMapper mapper, EventIds ids, MeterRegistry registry,
                                         io.tracker.core.enrich.GeoIp geoip, io.tracker.core.privacy.IpAnonymizer ips) {
        boolean lower = config.tracking().lowercaseValues();
        List<Step> steps = new java.util.ArrayList<>(List.of(
                new UserHeaderStep(mapper),
                new CookieStep(),
                new PathPairsStep(lower),
                new QueryStep(config.tracking().ignoreQueryParamsKey(), lower),
                new BodyStep(lower),
                new ContentAsEnameStep(),
                new IdentityStep(ids),
                new PiiHashStep(config.privacy().hashSalt()),
                new UrlStep(),
                new RequestDerivedStep(ips)));
        if (geoip != null) {
            steps.add(new io.tracker.core.pipeline.steps.GeoIpStep(geoip));
        }
        steps.add(new io.tracker.core.pipeline.steps.ConsentStep(config.privacy().defaultConsent()));
        return new EventPipeline(steps, registry, System::currentTimeMillis);
    }

    public List<Step> steps() {
        return steps;
    }

    /** Runs one event; null when a step dropped it. */
    public EventContext run(HitRequest request, ObjectNode body) throws BadRequestException {
        return run(request, body, null);
    }

    /**
     * Runs one event of a multi-event request; {@code requestVid} is the visitor id generated for an
     * earlier event of the same request, reused when this one carries none.
     */
    public EventContext run(HitRequest request, ObjectNode body, java.util.UUID requestVid) throws BadRequestException {
        EventContext event = new EventContext(request, body, wallClockMillis.getAsLong(), requestVid);
        for (Step step : steps) {
            if (step.apply(event) instanceof StepResult.Drop drop) {
                drops.computeIfAbsent(step.name() + "/" + drop.reason(), k -> Counter.builder("tracker.events.dropped")
                        .description("events dropped by a pipeline step")
                        .tags("step", step.name(), "reason", drop.reason()).register(registry)).increment();
                return null;
            }
        }
        return event;
    }
}
