package io.tracker.core.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * One event on its way through the pipeline: the request, the body object for this event (one
 * element of a JSON array, or the whole object), and the values the steps build up. Values are
 * String, Long, Double, Boolean or a Jackson node for nested JSON.
 */
public final class EventContext {
    private final HitRequest request;
    private final ObjectNode body;
    private final Map<String, Object> values = new LinkedHashMap<>(64); // (an event has some 30: no resizing)
    private final long receivedAtMillis;
    private long createdAtMillis;

    private UUID eid;
    private UUID vid;
    private UUID sid;
    private boolean newVisitor;

    private final UUID requestVid;
    private io.tracker.core.enrich.UserAgents.Agent agent;

    EventContext(HitRequest request, ObjectNode body, long receivedAtMillis, UUID requestVid) {
        this.request = request;
        this.body = body;
        this.receivedAtMillis = receivedAtMillis;
        this.createdAtMillis = receivedAtMillis;
        this.requestVid = requestVid;
    }

    /** The visitor id generated for an earlier event of the same request, or null: one batch, one new visitor. */
    public UUID requestVid() {
        return requestVid;
    }

    public HitRequest request() {
        return request;
    }

    /** This event's JSON body object, or null for a request without a body. */
    public ObjectNode body() {
        return body;
    }

    public Map<String, Object> values() {
        return values;
    }

    public long receivedAtMillis() {
        return receivedAtMillis;
    }

    /** The event's time, stored as {@code created_at}: when it was received, unless a step says otherwise. */
    public long createdAtMillis() {
        return createdAtMillis;
    }

    /** An earlier event time (a trusted SDK's corrected timestamp); never later than its receipt. */
    public void setCreatedAt(long millis) {
        this.createdAtMillis = Math.min(millis, receivedAtMillis);
    }

    public UUID eid() {
        return eid;
    }

    public UUID vid() {
        return vid;
    }

    public UUID sid() {
        return sid;
    }

    /** True when the visitor id was generated for this event (no valid vid came with it). */
    public boolean isNewVisitor() {
        return newVisitor;
    }

    /** What the user-agent step found, for the steps after it (one lookup per event), or null. */
    public io.tracker.core.enrich.UserAgents.Agent agent() {
        return agent;
    }

    public void setAgent(io.tracker.core.enrich.UserAgents.Agent agent) {
        this.agent = agent;
    }

    public void setEid(UUID eid) {
        this.eid = eid;
    }

    public void setIdentity(UUID vid, UUID sid, boolean newVisitor) {
        this.vid = vid;
        this.sid = sid;
        this.newVisitor = newVisitor;
    }
}
