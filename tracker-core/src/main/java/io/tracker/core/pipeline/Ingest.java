package io.tracker.core.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.batch.QueueFullException;
import io.tracker.core.model.Row;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * What a tracking route does, free of any transport: parse the body into events, run each through
 * the pipeline, map to rows and queue them all-or-nothing. A returned result means every event is
 * accepted (and will be stored); an exception means none is.
 */
public final class Ingest {
    private final ObjectMapper mapper;
    private final EventPipeline pipeline;
    private final EventRowMapper rowMapper;
    private final MessagingRowMapper messaging;
    private final Counter tidNotUuid;
    private final BatchManager batches;
    private final int maxEventsPerRequest;
    private final Map<Route, Counter> accepted = new EnumMap<>(Route.class);

    private final io.tracker.core.alerts.AlertDetector alerts;

    public Ingest(ObjectMapper mapper, EventPipeline pipeline, BatchManager batches, int maxEventsPerRequest,
                  MeterRegistry registry) {
        this(mapper, pipeline, batches, maxEventsPerRequest, registry, null);
    }

    /** As above; every accepted event is counted by {@code alerts} when it is not null. */
    public Ingest(ObjectMapper mapper, EventPipeline pipeline, BatchManager batches, int maxEventsPerRequest,
                  MeterRegistry registry, io.tracker.core.alerts.AlertDetector alerts) {
        this.alerts = alerts;
        this.mapper = mapper;
        this.pipeline = pipeline;
        this.rowMapper = new EventRowMapper(mapper);
        this.messaging = new MessagingRowMapper(mapper);
        this.tidNotUuid = Counter.builder("tracker.messaging.skipped")
                .description("events whose tid is not a UUID: stored, but no messaging rows written")
                .tag("reason", "tid_not_uuid").register(registry);
        this.batches = batches;
        this.maxEventsPerRequest = maxEventsPerRequest;
        for (Route r : Route.values()) {
            accepted.put(r, Counter.builder("tracker.events.accepted").description("events accepted for storage")
                    .tag("route", r.segment()).register(registry));
        }
    }

    /**
     * Accepts the request's events. The returned future completes when the table's durability allows the
     * answer (at once for {@code memory}); a {@link BadRequestException} or {@link QueueFullException}
     * means nothing was accepted.
     */
    public CompletableFuture<IngestResult> ingest(HitRequest request) throws BadRequestException, QueueFullException {
        batches.checkAdmission(); // refused before the body is parsed: no CPU spent on events that cannot be queued
        List<ObjectNode> bodies = request.method().equals("POST")
                ? HitBody.parse(mapper, request.body(), maxEventsPerRequest)
                : Collections.singletonList(null);
        List<Row> rows = new ArrayList<>(bodies.size());
        List<Row> messages = null;
        int skipped = 0;
        List<UUID> eids = new ArrayList<>(bodies.size());
        UUID vid = null;
        UUID generatedVid = null;
        for (ObjectNode body : bodies) {
            EventContext event = pipeline.run(request, body, generatedVid);
            if (event == null) {
                continue;
            }
            Row row = rowMapper.map(event);
            rows.add(row);
            if (event.values().get("tid") != null) {
                if (messages == null) {
                    messages = new ArrayList<>(4);
                }
                if (messaging.map(event, row, messages) == MessagingRowMapper.Outcome.TID_NOT_UUID) {
                    skipped++;
                }
            }
            eids.add(event.eid());
            if (vid == null) {
                vid = event.vid();
            }
            if (event.isNewVisitor() && generatedVid == null) {
                generatedVid = event.vid();
            }
        }
        IngestResult result = new IngestResult(eids, vid);
        if (rows.isEmpty()) {
            return CompletableFuture.completedFuture(result);
        }
        Counter counter = accepted.get(request.route());
        int n = rows.size();
        List<Row> all = rows;
        if (messages != null && !messages.isEmpty()) {
            all = new ArrayList<>(rows.size() + messages.size());
            all.addAll(rows);
            all.addAll(messages);
        }
        int notUuid = skipped;
        return batches.enqueue(all).thenApply(done -> {
            counter.increment(n);
            if (notUuid > 0) {
                tidNotUuid.increment(notUuid);
            }
            for (java.util.function.Consumer<List<Row>> l : listeners) {
                try {
                    l.accept(rows);
                } catch (RuntimeException e) { // the rows are durable: the answer says so whatever a listener does
                    org.slf4j.LoggerFactory.getLogger(Ingest.class).atWarn().setCause(e).log("accepted-rows listener failed");
                }
            }
            if (alerts != null) {
                for (Row r : rows) {
                    alerts.record(text(r.get(ENAME)), text(r.get(ETYP)));
                }
            }
            return result;
        });
    }

    private final List<java.util.function.Consumer<List<Row>>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Tells {@code listener} of every batch of rows once it is accepted (durable as its table's durability says), on the
     * thread that completes the acknowledgement: it must be quick and must not throw.
     */
    public void onAccepted(java.util.function.Consumer<List<Row>> listener) {
        listeners.add(listener);
    }

    private static final int ENAME = io.tracker.core.model.Tables.EVENTS.indexOf("ename");
    private static final int ETYP = io.tracker.core.model.Tables.EVENTS.indexOf("etyp");

    private static String text(Object o) {
        return o instanceof String s ? s : null;
    }

    /**
     * @param eids the ids of the accepted events, in request order
     * @param vid  the visitor id of the first event (for the cookie), null when nothing was accepted
     */
    public record IngestResult(List<UUID> eids, UUID vid) {
    }
}
