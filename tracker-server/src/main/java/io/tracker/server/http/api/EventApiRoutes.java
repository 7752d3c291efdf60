package io.tracker.server.http.api;

import static io.tracker.server.http.ApiSupport.body;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpResponse;
import io.tracker.core.business.ApiKeys.Scope;
import io.tracker.core.pipeline.EventIds;
import io.tracker.core.privacy.UserIds;
import io.tracker.server.http.ApiError;
import io.tracker.server.http.ApiSupport;
import io.tracker.server.http.HttpCall;
import io.tracker.server.http.Routes;
import io.tracker.server.http.TrackHandler;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The event-ingest shapes of the other trackers we replace, taken as ordinary events and answered like
 * {@code /tr/v1/str/}: {@code POST {api}/v1/events} (the event tracking system: {@code event_type}, {@code user_id},
 * {@code timestamp}, {@code metadata}) and {@code POST /events} (the OTA analytics server: {@code event_name},
 * {@code user_id}, {@code session_id}, {@code properties}); one object, an array, or {@code {"events": [...]}}.
 * A user id that is not a UUID is stored as the keyed uid of {@link UserIds} (the same the read APIs look up), never in
 * clear. They need an {@code ingest} key, and the events are its tenant's whatever they carry.
 */
public final class EventApiRoutes {
    private final ApiSupport api;
    private final TrackHandler track;
    private final UserIds userIds;
    private final ObjectMapper mapper = new ObjectMapper();
    private final String base;
    private final int maxEvents;

    public EventApiRoutes(ApiSupport api, TrackHandler track, UserIds userIds, String base, int maxEvents) {
        this.api = api;
        this.track = track;
        this.userIds = userIds;
        this.base = base;
        this.maxEvents = maxEvents;
    }

    public Routes.Builder register(Routes.Builder table) {
        return table
                .exact(base + "/v1/events").methods("POST").access(Routes.Access.API)
                .to((call, rest) -> api.async(() -> ingest(call)))
                .exact("/events").methods("POST").access(Routes.Access.API)
                .to((call, rest) -> api.async(() -> ingest(call)));
    }

    private CompletableFuture<FullHttpResponse> ingest(HttpCall call) throws Exception {
        // server-to-server shapes: an ingest key, whose tenant the events are (an admin names it with ?oid=)
        UUID tenant = api.requireScope(call, Scope.INGEST).oid();
        JsonNode in;
        try {
            in = mapper.readTree(body(call));
        } catch (Exception e) {
            throw ApiError.badRequest("bad_json", "the body is not JSON");
        }
        if (in != null && in.isObject() && in.get("events") != null && in.get("events").isArray()) {
            in = in.get("events");
        }
        ArrayNode out = mapper.createArrayNode();
        if (in != null && in.isObject()) {
            out.add(translate((ObjectNode) in, tenant));
        } else if (in != null && in.isArray() && !in.isEmpty()) {
            if (in.size() > maxEvents) {
                throw ApiError.badRequest("too_many_events", "at most " + maxEvents + " events per request");
            }
            for (JsonNode e : in) {
                if (!e.isObject()) {
                    throw ApiError.badRequest("bad_event", "each event is a JSON object");
                }
                out.add(translate((ObjectNode) e, tenant));
            }
        } else {
            throw ApiError.badRequest("bad_event", "an event object, an array of them, or {\"events\": [...]}");
        }
        return track.recordServerEvents(call, mapper.writeValueAsBytes(out.size() == 1 ? out.get(0) : out), tenant);
    }

    /** One event of either shape as {@code /tr/v1/str/} takes it. */
    ObjectNode translate(ObjectNode e, UUID tenant) {
        ObjectNode t = mapper.createObjectNode();
        String name = ApiSupport.text(e, "event_type", "bad_event");
        if (name == null) {
            name = ApiSupport.text(e, "event_name", "bad_event");
        }
        if (name == null) {
            throw ApiError.badRequest("bad_event", "event_type (or event_name): the event's name is required");
        }
        if (name.length() > 200) {
            throw ApiError.badRequest("bad_event", "event_type: at most 200 characters");
        }
        ObjectNode params = mapper.createObjectNode();
        for (String field : new String[] {"metadata", "properties"}) {
            JsonNode m = e.get(field);
            if (m != null && !m.isNull()) {
                if (!m.isObject()) {
                    throw ApiError.badRequest("bad_event", field + ": a JSON object");
                }
                params.setAll((ObjectNode) m);
            }
        }
        UUID oid = tenant;
        String userId = ApiSupport.text(e, "user_id", "bad_event");
        UUID uid = userIds.uid(oid, userId);
        String session = ApiSupport.text(e, "session_id", "bad_event");
        if (session != null) {
            UUID sid = EventIds.parse(session);
            if (sid != null) {
                t.put("sid", sid.toString());
            } else {
                params.put("session_id", session);
            }
        }
        String timestamp = ApiSupport.text(e, "timestamp", "bad_event");
        if (timestamp != null) {
            params.put("timestamp", timestamp); // the client's time; created_at is when the tracker received it
        }
        t.put("ename", name);
        if (uid != null) {
            t.put("uid", uid.toString());
        }
        if (oid != null) {
            t.put("oid", oid.toString());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            switch (f.getKey()) {
                case "event_type", "event_name", "metadata", "properties", "user_id", "session_id", "timestamp", "oid" -> {
                }
                default -> {
                    if (!t.has(f.getKey())) {
                        t.set(f.getKey(), f.getValue()); // our own fields (vid, url, utm_source, ...) as /tr/v1/str/
                    }
                }
            }
        }
        t.set("params", params);
        return t;
    }

}
