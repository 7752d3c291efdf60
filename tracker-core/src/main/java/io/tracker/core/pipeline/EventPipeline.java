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

    /** One event in this many is timed step by step ({@code tracker.pipeline.step} timers): cheap on the hot path. */
    static final int TIMING_SAMPLE = 64;
    private final io.micrometer.core.instrument.Timer[] timers;

    public EventPipeline(List<Step> steps, MeterRegistry registry, LongSupplier wallClockMillis) {
        this.steps = List.copyOf(steps);
        this.registry = registry;
        this.wallClockMillis = wallClockMillis;
        this.timers = new io.micrometer.core.instrument.Timer[this.steps.size()];
        for (int i = 0; i < timers.length; i++) {
            timers[i] = io.micrometer.core.instrument.Timer.builder("tracker.pipeline.step")
                    .description("time per event in a pipeline step (one event in " + TIMING_SAMPLE + " timed)")
                    .tags("step", this.steps.get(i).name()).register(registry);
        }
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
        return standard(config, mapper, ids, registry, geoip, ips, io.tracker.core.enrich.Enrichment.none());
    }

    /** As above, with the enrichment steps {@code enrichment} holds (see {@link io.tracker.core.enrich.Enrichment#load}). */
    public static EventPipeline standard(TrackerConfig config, ObjectMapper mapper, EventIds ids, MeterRegistry registry,
                                         io.tracker.core.enrich.GeoIp geoip, io.tracker.core.privacy.IpAnonymizer ips,
                                         io.tracker.core.enrich.Enrichment enrichment) {
        boolean lower = config.tracking().lowercaseValues();
        List<Step> steps = new java.util.ArrayList<>(List.of(
                new UserHeaderStep(mapper),
                new CookieStep(),
                new PathPairsStep(lower),
                new QueryStep(config.tracking().ignoreQueryParamsKey(), lower),
                new BodyStep(lower),
                new ContentAsEnameStep(),
                new IdentityStep(ids),
                new PiiHashStep(config.privacy().hashSalt())));
        if (enrichment.channels() != null) {
            steps.add(new io.tracker.core.pipeline.steps.ChannelStep(enrichment.channels())); // before url drops the query
        }
        steps.add(new UrlStep());
        steps.add(new RequestDerivedStep(ips));
        if (enrichment.agents() != null && enrichment.agents().parsesAgents()) {
            steps.add(new io.tracker.core.pipeline.steps.UserAgentStep(enrichment.agents()));
        }
        if (enrichment.bots() != null) {
            steps.add(new io.tracker.core.pipeline.steps.BotStep(enrichment.agents(), enrichment.bots(),
                    enrichment.config().bots().drop()));
        }
        if (geoip != null) {
            steps.add(new io.tracker.core.pipeline.steps.GeoIpStep(geoip));
        }
        if (enrichment.zones() != null) {
            steps.add(new io.tracker.core.pipeline.steps.TzCountryStep(enrichment.zones()));
        }
        steps.add(new io.tracker.core.pipeline.steps.ConsentStep(config.privacy().defaultConsent()));
        steps.add(new io.tracker.core.pipeline.steps.TenantStep()); // last: nothing after it changes oid
        return new EventPipeline(steps, registry, System::currentTimeMillis);
    }

    /** The same steps on another clock (tests move time across midnight; events are stamped with its time). */
    public EventPipeline withClock(LongSupplier clock) {
        return new EventPipeline(steps, registry, clock);
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
        boolean timed = java.util.concurrent.ThreadLocalRandom.current().nextInt(TIMING_SAMPLE) == 0;
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            long t0 = timed ? System.nanoTime() : 0;
            StepResult result = step.apply(event);
            if (timed) {
                timers[i].record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
            if (result instanceof StepResult.Drop drop) {
                drops.computeIfAbsent(step.name() + "/" + drop.reason(), k -> Counter.builder("tracker.events.dropped")
                        .description("events dropped by a pipeline step")
                        .tags("step", step.name(), "reason", drop.reason()).register(registry)).increment();
                return null;
            }
        }
        return event;
    }
}
